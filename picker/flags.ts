import { parseArgs } from 'node:util';
import { DEFAULT_KV_HIGH_WATERMARK } from '../src/autoscale/rule.js';
import { isLogLevel, type LogLevel } from '../src/log.js';
import { parseDurationFlag } from '../src/units/duration.js';
import type { AutoscaleConfig } from './autoscale.js';
import { DEFAULT_MAX_BODY_BYTES } from './extproc.js';
import { DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS } from './proxy.js';
import { UsageError } from '../src/usage.js';
export { UsageError } from '../src/usage.js';

// kinfer-picker's command line: the help text, and argv to a typed PickerFlags or one UsageError naming the flag.
// No I/O here (files named by flags are read by main.ts), so every rule is a unit test away.

export const HELP = `kinfer-picker: an AI-aware endpoint picker for model servers. It scrapes every replica's metrics (KV-cache
use, queue, ...) and sends each request where it will be served soonest.

Usage:
  kinfer-picker [--mode ext-proc|proxy] [--port N] (--pool NAME [-n NS] | --endpoint URL ...) [flags]

Modes:
  ext-proc   Envoy external processor (the Gateway API Inference Extension endpoint-picker protocol): answers
             with header x-gateway-destination-endpoint and dynamic metadata envoy.lb (default; port 9002)
  proxy      an OpenAI-compatible HTTP reverse proxy that picks and forwards (port 8080)

Flags:
  --mode MODE               ext-proc (default) or proxy
  --port N                  listen port (default 9002 for ext-proc, 8080 for proxy)
  --host ADDR               listen address (default 0.0.0.0; 127.0.0.1 keeps it on this machine)
  --health-port N           GET /health, /metrics, /debug/endpoints and /debug/requests (proxy mode: the last 32
                            requests per endpoint, for kubectl inference top --picker) on this port (default 9003)
  --config FILE             EndpointPickerConfig YAML (default: kinfer's predicted-latency profile); reloaded on change
  --pool NAME               route over the ready pods of this InferencePool (inference.networking.k8s.io/v1)
  -n, --namespace NS        the pool's namespace (default: the kubeconfig context's, else default)
  --kubeconfig FILE         kubeconfig (default: in-cluster service account, else $KUBECONFIG / ~/.kube/config)
  --selector SELECTOR       without an InferencePool: route over the ready pods matching this label selector
  --target-port N           the model servers' port with --selector (default 8000)
  --endpoint URL            a model server, http://host:port (repeatable); instead of --pool
  --refresh-interval D      how often to scrape each endpoint's /metrics; each endpoint has its own loop (default 100ms)
  --scrape-timeout D        total deadline of one scrape, first byte to last (default 1s); /health is 503 while
                            no endpoint was scraped within 2 x (interval + timeout)
  --max-body-bytes N        largest request body read for routing; larger ones get 413 (default 8388608, 8 MiB)
  --secure-serving BOOL     ext-proc over TLS (default true): a self-signed certificate made at start, as the
                            Inference Extension's EPP does; false serves plaintext (loopback tests)
  --cert-path DIR           with --secure-serving: tls.crt and tls.key from DIR instead of a self-signed pair
  --upstream-timeout D      proxy mode: give up on a model server silent this long (no headers, no bytes):
                            504, or a reset once the answer began (default 5m, Envoy's stream idle timeout)
  --log-level LEVEL         debug|info|warn|error (default info)

Autoscaling (the external metrics API for the HorizontalPodAutoscaler, docs/autoscaling.md):
  --autoscale NAME=RPS      serve kinfer-replica-demand for Deployment NAME whose replicas each serve RPS requests/s
                            within the targets (repeatable: one per Deployment of a mixed pool)
  --ttft-target D           the TTFT target the waiting queue must drain within (required with --autoscale)
  --autoscale-window D      arrival-rate window (default 30s)
  --autoscale-port N        HTTPS port of external.metrics.k8s.io/v1beta1 (default 6443)
  --autoscale-cert FILE, --autoscale-key FILE   its serving certificate and key (PEM); without them no external
                            metrics API is served, only the gauge kinfer_picker_replica_demand on /metrics (for KEDA
                            or prometheus-adapter)
  --autoscale-client-ca FILE  require a client certificate signed by this CA (the API server's front-proxy CA)
  -h, --help, -v, --version

Examples:
  kinfer-picker --mode proxy --port 8080 --endpoint http://127.0.0.1:8001 --endpoint http://127.0.0.1:8002
  kinfer-picker --pool llama-3-1-8b-instruct -n ml --config /etc/kinfer/picker.yaml
  kinfer-picker --mode proxy --selector kinfer.dev/deployment=gemma -n ml --kubeconfig ~/.kube/config
`;


export type PickerMode = 'ext-proc' | 'proxy';

export interface AutoscaleFlags {
  readonly config: AutoscaleConfig;
  readonly port: number;
  /** Both or neither: without them only the /metrics gauge carries the demand. */
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  readonly clientCaFile: string | undefined;
}

export interface PickerFlags {
  readonly mode: PickerMode;
  readonly logLevel: LogLevel;
  readonly host: string;
  readonly listenPort: number;
  readonly healthPort: number;
  /** --config; undefined: kinfer's built-in config. */
  readonly configFile: string | undefined;
  readonly pool: string | undefined;
  readonly selector: string | undefined;
  readonly namespace: string | undefined;
  readonly kubeconfig: string | undefined;
  readonly targetPort: number;
  /** --endpoint addresses, host:port. */
  readonly endpoints: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly upstreamIdleTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly secureServing: boolean;
  readonly certPath: string | undefined;
  readonly autoscale: AutoscaleFlags | undefined;
}

export type ParsedFlags = { readonly kind: 'help' } | { readonly kind: 'version' } | { readonly kind: 'run'; readonly flags: PickerFlags };

export function parsePickerFlags(argv: readonly string[]): ParsedFlags {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        mode: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, 'health-port': { type: 'string' }, config: { type: 'string' },
        pool: { type: 'string' }, selector: { type: 'string' }, 'target-port': { type: 'string' }, namespace: { type: 'string', short: 'n' }, kubeconfig: { type: 'string' },
        endpoint: { type: 'string', multiple: true }, 'refresh-interval': { type: 'string' }, 'scrape-timeout': { type: 'string' },
        'max-body-bytes': { type: 'string' }, 'secure-serving': { type: 'string' }, 'cert-path': { type: 'string' }, 'upstream-timeout': { type: 'string' },
        'log-level': { type: 'string' }, autoscale: { type: 'string', multiple: true }, 'ttft-target': { type: 'string' },
        'autoscale-window': { type: 'string' }, 'autoscale-port': { type: 'string' }, 'autoscale-cert': { type: 'string' },
        'autoscale-key': { type: 'string' }, 'autoscale-client-ca': { type: 'string' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const mode = values.mode ?? 'ext-proc';
  if (mode !== 'ext-proc' && mode !== 'proxy') throw new UsageError(`--mode ${mode}: use ext-proc or proxy`);
  const level = values['log-level'] ?? 'info';
  if (!isLogLevel(level)) throw new UsageError(`--log-level ${level}: use debug, info, warn or error`);
  const endpoints = (values.endpoint ?? []).map(endpointAddress);
  const sources = [values.pool !== undefined, values.selector !== undefined, endpoints.length > 0].filter(Boolean).length;
  if (sources !== 1) throw new UsageError('give one of --pool NAME, --selector SELECTOR, or one or more --endpoint URL');
  const targetPort = port(values['target-port'], 8000, '--target-port');
  const listenPort = port(values.port, mode === 'proxy' ? 8080 : 9002, '--port');
  const healthPort = port(values['health-port'], 9003, '--health-port');
  const intervalMs = duration(values['refresh-interval'] ?? '100ms', '--refresh-interval');
  const timeoutMs = duration(values['scrape-timeout'] ?? '1s', '--scrape-timeout');
  const upstreamIdleTimeoutMs = duration(values['upstream-timeout'] ?? `${DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS}ms`, '--upstream-timeout');
  const maxBodyBytes = positiveInteger(values['max-body-bytes'], DEFAULT_MAX_BODY_BYTES, '--max-body-bytes');
  const secureServing = boolean(values['secure-serving'], true, '--secure-serving');
  if (values['cert-path'] !== undefined && !secureServing) throw new UsageError('--cert-path needs --secure-serving true');
  return {
    kind: 'run',
    flags: {
      mode, logLevel: level, host: values.host ?? '0.0.0.0', listenPort, healthPort, configFile: values.config,
      pool: values.pool, selector: values.selector, namespace: values.namespace, kubeconfig: values.kubeconfig, targetPort, endpoints,
      intervalMs, timeoutMs, upstreamIdleTimeoutMs, maxBodyBytes, secureServing, certPath: values['cert-path'], autoscale: autoscaleFlags(values),
    },
  };
}

/** The shared Go duration grammar (src/units/duration.ts); a bare number is refused, never read as milliseconds. */
function duration(text: string, flag: string): number {
  const parsed = parseDurationFlag(flag, text);
  if (!parsed.ok) throw new UsageError(parsed.error);
  if (parsed.value <= 0) throw new UsageError(`${flag} ${text}: must be above zero`);
  return parsed.value;
}

function port(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag} ${text}: not a port number`);
  return n;
}

/** "http://10.0.0.5:8000" or "10.0.0.5:8000" → "10.0.0.5:8000". */
function endpointAddress(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.includes('://') ? url : `http://${url}`);
  } catch {
    throw new UsageError(`--endpoint ${url}: not a URL such as http://127.0.0.1:8000`);
  }
  if (parsed.protocol !== 'http:') throw new UsageError(`--endpoint ${url}: only http:// model servers are supported`);
  return `${parsed.hostname}:${parsed.port || '80'}`;
}

function positiveInteger(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${flag} ${text}: use a whole number above zero`);
  return n;
}

function boolean(text: string | undefined, fallback: boolean, flag: string): boolean {
  if (text === undefined) return fallback;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new UsageError(`${flag} ${text}: use true or false`);
}

function autoscaleFlags(values: Record<string, string | string[] | boolean | undefined>): AutoscaleFlags | undefined {
  const pairs = (values.autoscale as string[] | undefined) ?? [];
  const related = ['ttft-target', 'autoscale-window', 'autoscale-port', 'autoscale-cert', 'autoscale-key', 'autoscale-client-ca'].filter((f) => values[f] !== undefined);
  if (pairs.length === 0) {
    if (related.length > 0) throw new UsageError(`--${related[0]} needs --autoscale NAME=RPS`);
    return undefined;
  }
  const capacityRps = new Map<string, number>();
  for (const pair of pairs) {
    const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)=(\d+(?:\.\d+)?)$/.exec(pair);
    if (!match || Number(match[3]) <= 0) throw new UsageError(`--autoscale ${pair}: use DEPLOYMENT=RPS, e.g. llama-3-1-8b-instruct=4.5 (requests/s per replica, above zero)`);
    if (capacityRps.has(match[1]!)) throw new UsageError(`--autoscale ${match[1]} is given twice`);
    capacityRps.set(match[1]!, Number(match[3]));
  }
  const ttft = values['ttft-target'] as string | undefined;
  if (ttft === undefined) throw new UsageError('--autoscale needs --ttft-target D (e.g. 2s): the waiting queue must drain within it');
  const cert = values['autoscale-cert'] as string | undefined;
  const key = values['autoscale-key'] as string | undefined;
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--autoscale-cert and --autoscale-key go together: the API server only proxies to HTTPS');
  const served = ['autoscale-port', 'autoscale-client-ca'].find((f) => values[f] !== undefined);
  if (cert === undefined && served) throw new UsageError(`--${served} needs --autoscale-cert and --autoscale-key (the external metrics API is served over HTTPS only)`);
  const windowSeconds = Math.round(duration((values['autoscale-window'] as string | undefined) ?? '30s', '--autoscale-window') / 1000);
  if (windowSeconds < 1) throw new UsageError('--autoscale-window: at least 1s');
  return {
    config: {
      namespace: '', capacityRps, windowSeconds,
      settings: { ttftTargetSeconds: duration(ttft, '--ttft-target') / 1000, kvHighWatermark: DEFAULT_KV_HIGH_WATERMARK },
    },
    port: port(values['autoscale-port'] as string | undefined, 6443, '--autoscale-port'),
    certFile: cert, keyFile: key, clientCaFile: values['autoscale-client-ca'] as string | undefined,
  };
}

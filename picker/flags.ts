import { DEFAULT_KV_HIGH_WATERMARK } from '../src/autoscale/rule.js';
import { bool, duration, flagsHelp, fromText, list, oneOf, option, parseFlags, port, text, wholeNumber, type FlagValues } from '../src/flags.js';
import { LOG_LEVELS, type LogLevel } from '../src/log.js';
import { err, ok, type Result } from '../src/result.js';
import type { AutoscaleConfig } from './autoscale.js';
import { DEFAULT_MAX_BODY_BYTES } from './extproc.js';
import { DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS } from './proxy.js';
import { UsageError } from '../src/usage.js';

// kinfer-picker's command line: one flag table (src/flags.ts) gives the help text and argv to a typed PickerFlags
// or one UsageError naming the flag.
// No I/O here (files named by flags are read by main.ts), so every rule is a unit test away.

/** kinfer-picker's flags: names, values, defaults and help, written once. */
export const PICKER_FLAGS = {
  mode: option('MODE', oneOf(['ext-proc', 'proxy']), { help: 'ext-proc or proxy', default: 'ext-proc' }),
  port: option('N', port(), { help: 'listen port', defaultHelp: '9002 for ext-proc, 8080 for proxy' }),
  host: option('ADDR', text, { help: 'listen address; 127.0.0.1 keeps it on this machine', default: '0.0.0.0' }),
  'health-port': option('N', port(), {
    help: 'GET /health, /metrics, /debug/endpoints and /debug/requests (proxy mode: the last 32 requests per endpoint, for kubectl inference top --picker) on this port',
    default: '9003',
  }),
  config: option('FILE', text, { help: 'EndpointPickerConfig YAML, reloaded on change', defaultHelp: "kinfer's predicted-latency profile" }),
  pool: option('NAME', text, { help: 'route over the ready pods of this InferencePool (inference.networking.k8s.io/v1)' }),
  namespace: option('NS', text, { short: 'n', help: "the pool's namespace", defaultHelp: "the kubeconfig context's, else default" }),
  kubeconfig: option('FILE', text, { help: 'kubeconfig', defaultHelp: 'in-cluster service account, else $KUBECONFIG / ~/.kube/config' }),
  selector: option('SELECTOR', text, { help: 'without an InferencePool: route over the ready pods matching this label selector' }),
  'target-port': option('N', port(), { help: "the model servers' port with --selector", default: '8000' }),
  endpoint: list('URL', fromText(endpointAddress), { help: 'a model server, http://host:port (repeatable); instead of --pool' }),
  'refresh-interval': option('D', duration, { help: "how often to scrape each endpoint's /metrics; each endpoint has its own loop", default: '100ms' }),
  'scrape-timeout': option('D', duration, {
    help: 'total deadline of one scrape, first byte to last; /health is 503 while no endpoint was scraped within 2 x (interval + timeout)',
    default: '1s',
  }),
  'max-body-bytes': option('N', wholeNumber, { help: 'largest request body read for routing; larger ones get 413', default: String(DEFAULT_MAX_BODY_BYTES), defaultHelp: `${DEFAULT_MAX_BODY_BYTES}, 8 MiB` }),
  'secure-serving': option('BOOL', bool, {
    help: "ext-proc over TLS: a self-signed certificate made at start, as the Inference Extension's EPP does; false serves plaintext (loopback tests)",
    default: 'true',
  }),
  'cert-path': option('DIR', text, { help: 'with --secure-serving: tls.crt and tls.key from DIR instead of a self-signed pair' }),
  'upstream-timeout': option('D', duration, {
    help: 'proxy mode: give up on a model server silent this long (no headers, no bytes): 504, or a reset once the answer began',
    default: `${DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS / 60_000}m`, defaultHelp: `${DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS / 60_000}m, Envoy's stream idle timeout`,
  }),
  'log-level': option('LEVEL', oneOf(LOG_LEVELS), { help: 'debug|info|warn|error', default: 'info' }),
  autoscale: list('NAME=RPS', fromText(autoscalePair), {
    heading: 'Autoscaling (the external metrics API for the HorizontalPodAutoscaler, docs/autoscaling.md):',
    help: 'serve kinfer-replica-demand for Deployment NAME whose replicas each serve RPS requests/s within the targets (repeatable: one per Deployment of a mixed pool)',
  }),
  'ttft-target': option('D', duration, { help: 'the TTFT target the waiting queue must drain within (required with --autoscale)' }),
  'autoscale-window': option('D', duration, { help: 'arrival-rate window, whole seconds', default: '30s' }),
  'autoscale-port': option('N', port(), { help: 'HTTPS port of external.metrics.k8s.io/v1beta1', default: '6443' }),
  'autoscale-cert': option('FILE', text, {
    help: 'its serving certificate (PEM, with --autoscale-key); without them no external metrics API is served, only the gauge kinfer_picker_replica_demand on /metrics (for KEDA or prometheus-adapter)',
  }),
  'autoscale-key': option('FILE', text, { help: 'its private key (PEM)' }),
  'autoscale-client-ca': option('FILE', text, { help: "require a client certificate signed by this CA (the API server's front-proxy CA)" }),
} as const;

export const HELP = `kinfer-picker: an AI-aware endpoint picker for model servers. It scrapes every replica's metrics (KV-cache
use, queue, ...) and sends each request where it will be served soonest.

Usage:
  kinfer-picker [--mode ext-proc|proxy] [--port N] (--pool NAME [-n NS] | --endpoint URL ...) [flags]

Modes:
  ext-proc   Envoy external processor (the Gateway API Inference Extension endpoint-picker protocol): answers
             with header x-gateway-destination-endpoint and dynamic metadata envoy.lb (default; port 9002)
  proxy      an OpenAI-compatible HTTP reverse proxy that picks and forwards (port 8080)

${flagsHelp(PICKER_FLAGS)}
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
  const parsed = parseFlags(PICKER_FLAGS, argv);
  if (parsed.kind !== 'run') return parsed;
  const { values, given } = parsed;
  const { mode, endpoint: endpoints } = values;
  const sources = [values.pool !== undefined, values.selector !== undefined, endpoints.length > 0].filter(Boolean).length;
  if (sources !== 1) throw new UsageError('give one of --pool NAME, --selector SELECTOR, or one or more --endpoint URL');
  if (values['cert-path'] !== undefined && !values['secure-serving']) throw new UsageError('--cert-path needs --secure-serving true');
  return {
    kind: 'run',
    flags: {
      mode, logLevel: values['log-level'], host: values.host, listenPort: values.port ?? (mode === 'proxy' ? 8080 : 9002), healthPort: values['health-port'],
      configFile: values.config, pool: values.pool, selector: values.selector, namespace: values.namespace, kubeconfig: values.kubeconfig,
      targetPort: values['target-port'], endpoints, intervalMs: values['refresh-interval'], timeoutMs: values['scrape-timeout'],
      upstreamIdleTimeoutMs: values['upstream-timeout'], maxBodyBytes: values['max-body-bytes'], secureServing: values['secure-serving'],
      certPath: values['cert-path'], autoscale: autoscaleFlags(values, given),
    },
  };
}

/** "http://10.0.0.5:8000" or "10.0.0.5:8000" → "10.0.0.5:8000". */
function endpointAddress(url: string): Result<string> {
  let parsed: URL;
  try {
    parsed = new URL(url.includes('://') ? url : `http://${url}`);
  } catch {
    return err(`${url}: not a URL such as http://127.0.0.1:8000`);
  }
  if (parsed.protocol !== 'http:') return err(`${url}: only http:// model servers are supported`);
  return ok(`${parsed.hostname}:${parsed.port || '80'}`);
}

/** "llama=4.5" → the Deployment and its requests/s per replica. */
function autoscalePair(pair: string): Result<readonly [string, number]> {
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)=(\d+(?:\.\d+)?)$/.exec(pair);
  if (!match || Number(match[3]) <= 0) return err(`${pair}: use DEPLOYMENT=RPS, e.g. llama-3-1-8b-instruct=4.5 (requests/s per replica, above zero)`);
  return ok([match[1]!, Number(match[3])]);
}

function autoscaleFlags(values: FlagValues<typeof PICKER_FLAGS>, given: ReadonlySet<string>): AutoscaleFlags | undefined {
  const related = ['ttft-target', 'autoscale-window', 'autoscale-port', 'autoscale-cert', 'autoscale-key', 'autoscale-client-ca'].filter((f) => given.has(f));
  if (values.autoscale.length === 0) {
    if (related.length > 0) throw new UsageError(`--${related[0]} needs --autoscale NAME=RPS`);
    return undefined;
  }
  const capacityRps = new Map<string, number>();
  for (const [name, rps] of values.autoscale) {
    if (capacityRps.has(name)) throw new UsageError(`--autoscale ${name} is given twice`);
    capacityRps.set(name, rps);
  }
  const ttftMs = values['ttft-target'];
  if (ttftMs === undefined) throw new UsageError('--autoscale needs --ttft-target D (e.g. 2s): the waiting queue must drain within it');
  const cert = values['autoscale-cert'];
  const key = values['autoscale-key'];
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--autoscale-cert and --autoscale-key go together: the API server only proxies to HTTPS');
  const served = ['autoscale-port', 'autoscale-client-ca'].find((f) => given.has(f));
  if (cert === undefined && served) throw new UsageError(`--${served} needs --autoscale-cert and --autoscale-key (the external metrics API is served over HTTPS only)`);
  const windowSeconds = Math.round(values['autoscale-window'] / 1000);
  if (windowSeconds < 1) throw new UsageError('--autoscale-window: at least 1s');
  return {
    config: { namespace: '', capacityRps, windowSeconds, settings: { ttftTargetSeconds: ttftMs / 1000, kvHighWatermark: DEFAULT_KV_HIGH_WATERMARK } },
    port: values['autoscale-port'], certFile: cert, keyFile: key, clientCaFile: values['autoscale-client-ca'],
  };
}

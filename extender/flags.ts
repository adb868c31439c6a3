import { flagsHelp, fromText, oneOf, option, parseFlags, port, text, type FlagValues, type ParsedFlags } from '../src/flags.js';
import { LOG_LEVELS, type LogLevel } from '../src/log.js';
import { err, ok } from '../src/result.js';
import { UsageError } from '../src/usage.js';
import { DEFAULT_MAX_BODY_BYTES } from './body.js';
import type { ExtenderConfig } from './config.js';

// kinfer-extender's command line: one flag table (src/flags.ts) gives the help and the typed values; a flag wins
// over the same setting in the --config file. No I/O here (main.ts reads the files), so every rule is a unit test away.

const DEFAULT_PORT = 8090;
const MIN_BODY_BYTES = 1024;

/** kinfer-extender's flags: names, values, defaults and help, written once. */
export const EXTENDER_FLAGS = {
  port: option('N', port(), { help: 'listen port', defaultHelp: `${DEFAULT_PORT}; config: port` }),
  address: option('ADDR', text, {
    help: 'listen address: the scheduler calls it on loopback in its pod; 0.0.0.0 to serve the network, then use --tls-client-ca',
    default: '127.0.0.1',
  }),
  'health-port': option('N', port(1), {
    help: 'also serve GET /healthz, /readyz, /metrics (only those) on this port on every address, for kubelet probes and Prometheus',
    defaultHelp: 'off; config: healthPort',
  }),
  'max-body-bytes': option('N', fromText((s) => {
    const n = Number(s);
    return s.trim() !== '' && Number.isInteger(n) && n >= MIN_BODY_BYTES ? ok(n) : err(`${s}: a whole number of bytes, at least ${MIN_BODY_BYTES}`);
  }), {
    help: 'largest /filter or /prioritize body, sized for nodeCacheCapable; full-Node mode needs more, see docs/scheduler.md',
    defaultHelp: `${DEFAULT_MAX_BODY_BYTES}; config: maxBodyBytes`,
  }),
  config: option('FILE', text, { help: 'YAML config: port, healthPort, maxBodyBytes, logLevel, weights, modelsFile, tls (see docs/scheduler.md)' }),
  kubeconfig: option('FILE', text, { help: 'kubeconfig to watch the cluster with', defaultHelp: 'in-cluster service account, else $KUBECONFIG / ~/.kube/config' }),
  context: option('NAME', text, { help: 'kubeconfig context' }),
  'tls-cert': option('FILE', text, { help: 'serve HTTPS with this certificate (with --tls-key)' }),
  'tls-key': option('FILE', text, { help: 'private key for --tls-cert' }),
  'tls-client-ca': option('FILE', text, { help: 'accept only clients with a certificate signed by a CA in FILE (PEM; with --tls-cert)' }),
  'log-level': option('LEVEL', oneOf(LOG_LEVELS), { help: 'debug|info|warn|error', defaultHelp: 'info; config: logLevel' }),
} as const;

export const HELP = `kinfer-extender: a kube-scheduler extender that places model pods by accelerator type, topology and free HBM.

Usage: kinfer-extender [flags]

${flagsHelp(EXTENDER_FLAGS)}
Endpoints: POST /filter, POST /prioritize, GET /healthz, GET /readyz, GET /metrics.

Examples:
  kinfer-extender --kubeconfig ~/.kube/config --port 8090
  kinfer-extender --config /etc/kinfer/extender.yaml --tls-cert tls.crt --tls-key tls.key
`;

export type ExtenderFlags = FlagValues<typeof EXTENDER_FLAGS>;

export function parseExtenderFlags(argv: readonly string[]): ParsedFlags<typeof EXTENDER_FLAGS> {
  return parseFlags(EXTENDER_FLAGS, argv);
}

export interface ExtenderSettings {
  readonly port: number;
  readonly address: string;
  readonly healthPort: number | undefined;
  readonly maxBodyBytes: number;
  readonly logLevel: LogLevel;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  readonly clientCaFile: string | undefined;
}

/** The flags over the config file (itself validated by extender/config.ts), and the rules between them. */
export function extenderSettings(flags: ExtenderFlags, config: ExtenderConfig): ExtenderSettings {
  const listenPort = flags.port ?? config.port ?? DEFAULT_PORT;
  const certFile = flags['tls-cert'] ?? config.tls?.certFile;
  const keyFile = flags['tls-key'] ?? config.tls?.keyFile;
  const clientCaFile = flags['tls-client-ca'] ?? config.tls?.clientCaFile;
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  if (clientCaFile !== undefined && certFile === undefined) throw new UsageError('--tls-client-ca needs --tls-cert and --tls-key (client certificates are a TLS feature)');
  const healthPort = flags['health-port'] ?? config.healthPort;
  if (healthPort === listenPort) throw new UsageError(`--health-port ${healthPort}: not a port number other than --port`);
  return {
    port: listenPort, address: flags.address, healthPort, maxBodyBytes: flags['max-body-bytes'] ?? config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    logLevel: flags['log-level'] ?? config.logLevel ?? 'info', certFile, keyFile, clientCaFile,
  };
}

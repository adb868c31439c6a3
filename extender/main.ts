import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadKubeConfig } from '../src/kube/kubeconfig.js';
import { MODELS } from '../src/models/catalog.js';
import { ModelRegistry, parseModelsFile } from '../src/models/user.js';
import { Placer } from '../src/placement/scheduler.js';
import { ClusterState } from '../src/placement/state.js';
import { createApp, createProbeApp } from './app.js';
import { DEFAULT_MAX_BODY_BYTES } from './body.js';
import { createExtenderServer, listen } from './listen.js';
import { parseConfig, type ExtenderConfig } from './config.js';
import { ClusterInformers } from './informers.js';
import { Logger, stderrSink, type LogLevel } from '../src/log.js';
import { ExtenderMetrics } from './metrics.js';
import { ExtenderService } from './service.js';
import { VERSION } from '../src/version.js';
import { UsageError } from '../src/usage.js';

const HELP = `kinfer-extender: a kube-scheduler extender that places model pods by accelerator type, topology and free HBM.

Usage: kinfer-extender [flags]

Flags:
  --port N             listen port (default 8090; config: port)
  --address ADDR       listen address (default 127.0.0.1: the scheduler calls it on loopback in its pod;
                       0.0.0.0 to serve the network, then use --tls-client-ca)
  --health-port N      also serve GET /healthz, /readyz, /metrics (only those) on this port on every
                       address, for kubelet probes and Prometheus (config: healthPort; default off)
  --max-body-bytes N   largest /filter or /prioritize body (default ${DEFAULT_MAX_BODY_BYTES}, sized for nodeCacheCapable;
                       full-Node mode needs more, see docs/scheduler.md; config: maxBodyBytes)
  --config FILE        YAML config: port, healthPort, maxBodyBytes, logLevel, weights, modelsFile, tls
                       (see docs/scheduler.md)
  --kubeconfig FILE    kubeconfig to watch the cluster with (default: in-cluster service account,
                       else $KUBECONFIG / ~/.kube/config)
  --context NAME       kubeconfig context
  --tls-cert FILE      serve HTTPS with this certificate (with --tls-key)
  --tls-key FILE       private key for --tls-cert
  --tls-client-ca FILE accept only clients with a certificate signed by a CA in FILE (PEM; with --tls-cert)
  --log-level LEVEL    debug|info|warn|error (default info)
  -h, --help           this help
  -v, --version        print the version

Endpoints: POST /filter, POST /prioritize, GET /healthz, GET /readyz, GET /metrics.

Examples:
  kinfer-extender --kubeconfig ~/.kube/config --port 8090
  kinfer-extender --config /etc/kinfer/extender.yaml --tls-cert tls.crt --tls-key tls.key
`;


function flags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        address: { type: 'string' },
        config: { type: 'string' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-client-ca': { type: 'string' },
        'health-port': { type: 'string' },
        'max-body-bytes': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function main(argv: string[]): Promise<void> {
  const f = flags(argv);
  if (f.help) return void process.stdout.write(HELP);
  if (f.version) return void process.stdout.write(`kinfer-extender ${VERSION}\n`);

  let config: ExtenderConfig = {};
  if (f.config !== undefined) {
    const parsed = parseConfig(readText(f.config, 'config file'), f.config);
    if (!parsed.ok) throw new UsageError(parsed.error);
    config = parsed.value;
  }
  const port = f.port !== undefined ? Number(f.port) : (config.port ?? 8090);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${f.port}: not a port number`);
  const level = (f['log-level'] ?? config.logLevel ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new UsageError(`--log-level ${level}: use debug, info, warn or error`);
  const certFile = f['tls-cert'] ?? config.tls?.certFile;
  const keyFile = f['tls-key'] ?? config.tls?.keyFile;
  const clientCaFile = f['tls-client-ca'] ?? config.tls?.clientCaFile;
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  if (clientCaFile !== undefined && certFile === undefined) throw new UsageError('--tls-client-ca needs --tls-cert and --tls-key (client certificates are a TLS feature)');
  const healthPort = f['health-port'] !== undefined ? Number(f['health-port']) : config.healthPort;
  if (healthPort !== undefined && (!Number.isInteger(healthPort) || healthPort < 1 || healthPort > 65535 || healthPort === port)) {
    throw new UsageError(`--health-port ${f['health-port'] ?? healthPort}: not a port number other than --port`);
  }
  const maxBodyBytes = f['max-body-bytes'] !== undefined ? Number(f['max-body-bytes']) : (config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1024) throw new UsageError(`--max-body-bytes ${f['max-body-bytes'] ?? maxBodyBytes}: a whole number of bytes, at least 1024`);
  const address = f.address ?? '127.0.0.1';

  const log = new Logger(level, stderrSink);
  let models = new ModelRegistry();
  if (config.modelsFile !== undefined) {
    const parsed = parseModelsFile(readText(config.modelsFile, 'models file'), config.modelsFile);
    if (!parsed.ok) throw new UsageError(parsed.error);
    models = new ModelRegistry(parsed.value);
  }

  const kubeConfig = loadKubeConfig({ ...(f.kubeconfig !== undefined ? { kubeconfig: f.kubeconfig } : {}), ...(f.context !== undefined ? { context: f.context } : {}), inCluster: true });
  const state = new ClusterState();
  const metrics = new ExtenderMetrics({ processMetrics: true });
  const informers = new ClusterInformers(kubeConfig, state, metrics, log);
  const service = new ExtenderService(state, new Placer(config.weights ?? {}), models, informers, metrics);
  const deps = { service, readiness: informers, metrics, maxBodyBytes, cacheSizes: () => ({ nodes: state.nodeCount, pods: state.podCount }) };

  const tls = certFile !== undefined && keyFile !== undefined
    ? { cert: readText(certFile, 'TLS certificate'), key: readText(keyFile, 'TLS key'), ...(clientCaFile !== undefined ? { clientCa: readText(clientCaFile, 'TLS client CA') } : {}) }
    : undefined;
  const server = createExtenderServer(createApp(deps), tls);
  await listen(server, port, address);
  const probes = healthPort !== undefined ? createExtenderServer(createProbeApp(deps)) : undefined;
  if (probes && healthPort !== undefined) await listen(probes, healthPort, '0.0.0.0');
  informers.start();
  log.info('kinfer-extender listening', { address, port, healthPort, https: tls !== undefined, clientCertificates: clientCaFile !== undefined, maxBodyBytes, models: MODELS.length, server: kubeConfig.getCurrentCluster()?.server });

  const shutdown = (signal: string): void => {
    log.info('shutting down', { signal });
    informers.stop();
    probes?.close();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`kinfer-extender: ${error.message}\n`);
  if (error instanceof UsageError) process.stderr.write('Run kinfer-extender --help for usage.\n');
  process.exit(error instanceof UsageError ? 2 : 1);
});

import { readFileSync } from 'node:fs';
import { loadKubeConfig } from '../src/kube/kubeconfig.js';
import { MODELS } from '../src/models/catalog.js';
import { ModelRegistry, parseModelsFile } from '../src/models/user.js';
import { Placer } from '../src/placement/scheduler.js';
import { ClusterState } from '../src/placement/state.js';
import { createApp, createProbeApp } from './app.js';
import { extenderSettings, HELP, parseExtenderFlags } from './flags.js';
import { createExtenderServer, listen } from './listen.js';
import { parseConfig, type ExtenderConfig } from './config.js';
import { ClusterInformers } from './informers.js';
import { Logger, stderrSink } from '../src/log.js';
import { ExtenderMetrics } from './metrics.js';
import { ExtenderService } from './service.js';
import { VERSION } from '../src/version.js';
import { UsageError } from '../src/usage.js';

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function main(argv: string[]): Promise<void> {
  const parsed = parseExtenderFlags(argv);
  if (parsed.kind === 'help') return void process.stdout.write(HELP);
  if (parsed.kind === 'version') return void process.stdout.write(`kinfer-extender ${VERSION}\n`);
  const f = parsed.values;
  let config: ExtenderConfig = {};
  if (f.config !== undefined) {
    const read = parseConfig(readText(f.config, 'config file'), f.config);
    if (!read.ok) throw new UsageError(read.error);
    config = read.value;
  }
  const { port, address, healthPort, maxBodyBytes, logLevel: level, certFile, keyFile, clientCaFile } = extenderSettings(f, config);

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

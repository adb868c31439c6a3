import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import * as grpc from '@grpc/grpc-js';
import { replicaDemand } from '../src/autoscale/rule.js';
import { loadKubeConfig } from '../src/kube/kubeconfig.js';
import { Logger, stderrSink } from '../src/log.js';
import { DEFAULT_PREFIX_BLOCK_SIZE } from '../src/routing/prefix.js';
import { VERSION } from '../src/version.js';
import { ArrivalMeter } from './arrivals.js';
import { externalMetricsHandler, poolLoad, type LoadSource } from './autoscale.js';
import { loadConfig, readText, watchConfig } from './config-file.js';
import { EndpointTable } from './endpoints.js';
import { createExtProcServer } from './extproc.js';
import { HELP, parsePickerFlags, type PickerFlags } from './flags.js';
import { UsageError } from '../src/usage.js';
import { createHealthServer, Readiness } from './health.js';
import { PickerMetrics } from './metrics.js';
import { PoolSource } from './pool.js';
import { createProxy } from './proxy.js';
import { RecentRequests } from '../src/routing/recent-requests.js';
import { Router } from './router.js';
import { Scraper } from './scrape.js';
import { readCertificate, selfSignedCertificate, type ServingCertificate } from './tls.js';

// kinfer-picker's process: flags (flags.ts) → config (config-file.ts) → endpoint source, scraper → health port
// (health.ts), optional external metrics API → the data path (ext_proc or proxy) → signals.

async function main(argv: string[]): Promise<void> {
  const parsed = parsePickerFlags(argv);
  if (parsed.kind === 'help') return void process.stdout.write(HELP);
  if (parsed.kind === 'version') return void process.stdout.write(`kinfer-picker ${VERSION}\n`);
  const flags = parsed.flags;
  const { mode, host, autoscale } = flags;
  // Made (or read) before anything listens, so a bad --cert-path is one line and nothing half-started.
  const certificate = mode === 'ext-proc' && flags.secureServing
    ? (flags.certPath !== undefined ? readCertificateOrFail(flags.certPath) : selfSignedCertificate([`${flags.pool ?? 'kinfer'}-picker`]))
    : undefined;
  const log = new Logger(flags.logLevel, stderrSink);

  const metrics = new PickerMetrics({ processMetrics: true });
  const table = new EndpointTable();
  const router = new Router(loadConfig(flags.configFile), table, metrics, new ArrivalMeter(autoscale?.config.windowSeconds ?? 30));
  const blockSize = (): number => router.current.prefixBlockSize ?? DEFAULT_PREFIX_BLOCK_SIZE;
  const { pool, namespace } = await startEndpointSource(flags, table, log);
  const scraper = new Scraper(table, { intervalMs: flags.intervalMs, timeoutMs: flags.timeoutMs }, metrics);
  scraper.start();
  const stopWatching = flags.configFile !== undefined ? watchConfig(flags.configFile, router, metrics, log) : () => {};

  const readiness = new Readiness(mode, table, scraper, metrics);
  const health = () => readiness.check();
  const loadSource: LoadSource = { arrivalRps: () => router.arrivals.ratePerSecond(), endpoints: () => table.all(), deploymentOf: (a) => pool?.deploymentOf(a) };
  // Filled in proxy mode only: in ext-proc mode Envoy carries the answer and the picker never sees how a request ended.
  const recent = new RecentRequests();
  const healthServer = createHealthServer({
    readiness, router, table, metrics, recent,
    ...(autoscale ? { beforeMetrics: () => {
      for (const d of replicaDemand(poolLoad({ ...autoscale.config, namespace }, loadSource), autoscale.config.settings)) metrics.replicaDemand.set({ workload: d.name }, d.demand);
    } } : {}),
  });
  await listen(healthServer, host, flags.healthPort, '--health-port');

  let metricsServer: Server | undefined;
  if (autoscale?.certFile !== undefined && autoscale.keyFile !== undefined) {
    metricsServer = createHttpsServer({
      cert: readText(autoscale.certFile), key: readText(autoscale.keyFile),
      ...(autoscale.clientCaFile ? { ca: readText(autoscale.clientCaFile), requestCert: true, rejectUnauthorized: true } : {}),
    }, externalMetricsHandler({ ...autoscale.config, namespace }, loadSource));
    await listen(metricsServer, host, autoscale.port, '--autoscale-port');
  }

  let stopData: () => void;
  let boundPort = flags.listenPort;
  if (mode === 'proxy') {
    const proxy = createProxy(router, { blockSize, maxBodyBytes: flags.maxBodyBytes, health, upstreamIdleTimeoutMs: flags.upstreamIdleTimeoutMs, recent });
    await listen(proxy, host, flags.listenPort, '--port');
    boundPort = (proxy.address() as { port: number }).port;
    stopData = () => proxy.close();
  } else {
    const { server, health: serving } = createExtProcServer(router, { blockSize, maxBodyBytes: flags.maxBodyBytes });
    readiness.attachGrpc(serving);
    // grpc.health.v1 follows readiness even when nobody asks /health (Envoy's gRPC health checks ask it instead).
    health();
    setInterval(health, 1000).unref();
    boundPort = await bindExtProc(server, host, flags.listenPort, certificate);
    stopData = () => server.forceShutdown();
  }
  log.info('kinfer-picker ready', { mode, host, port: boundPort, ...(mode === 'ext-proc' ? { tls: flags.secureServing } : {}), healthPort: (healthServer.address() as { port: number }).port, endpoints: table.size, pool: flags.pool });

  const shutdown = (signal: string): void => {
    log.info('shutting down', { signal });
    stopWatching();
    scraper.stop();
    pool?.stop();
    stopData();
    healthServer.close();
    metricsServer?.close();
    setTimeout(() => process.exit(0), 500).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/** The endpoints to route over: an InferencePool's or a selector's ready pods (watched), or the --endpoint list. */
async function startEndpointSource(flags: PickerFlags, table: EndpointTable, log: Logger): Promise<{ pool: PoolSource | undefined; namespace: string }> {
  if (flags.pool === undefined && flags.selector === undefined) {
    table.replace(flags.endpoints);
    return { pool: undefined, namespace: flags.namespace ?? 'default' };
  }
  const kubeConfig = loadKubeConfig({ ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}), inCluster: true });
  const namespace = flags.namespace ?? kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace ?? 'default';
  const pool = new PoolSource(kubeConfig, namespace, flags.pool ?? flags.selector!, table, (message) => log.warn(message));
  if (flags.pool !== undefined) await pool.start();
  else pool.startSelector(flags.selector!, flags.targetPort);
  return { pool, namespace };
}

function bindExtProc(server: grpc.Server, host: string, port: number, certificate: ServingCertificate | undefined): Promise<number> {
  const credentials = certificate
    ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(certificate.certPem), private_key: Buffer.from(certificate.keyPem) }], false)
    : grpc.ServerCredentials.createInsecure();
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, credentials, (error, bound) => {
      if (error) return reject(new Error(`cannot listen on port ${port}: ${error.message}`));
      resolve(bound);
    });
  });
}

function readCertificateOrFail(dir: string): ServingCertificate {
  try {
    return readCertificate(dir);
  } catch (error) {
    throw new UsageError(`--cert-path ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (it must hold tls.crt and tls.key)`);
  }
}

function listen(server: Server, host: string, port: number, flag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${flag} ${port}: ${error.code ?? error.message}`)));
    server.listen(port, host, resolve);
  });
}

main(process.argv.slice(2)).catch((error: Error) => {
  process.stderr.write(`kinfer-picker: ${error.message}\n`);
  if (error instanceof UsageError) process.stderr.write('Run kinfer-picker --help for usage.\n');
  process.exit(error instanceof UsageError ? 2 : 1);
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler } from 'express';
import { completionsHandler, fail, type CompletionContext } from './completions.js';
import { Engine, type EngineConfig, type EngineSnapshot } from './engine/engine.js';
import { SeededRandom, type OutputLengthMode } from './engine/random.js';
import { RealTimeDriver } from './driver.js';
import type { Logger } from '../src/log.js';
import { SimMetrics, type Dialect } from './metrics.js';
import { VERSION } from '../src/version.js';

export interface SimOptions {
  /** The served model name: what /v1/models lists and requests must name. */
  readonly modelName: string;
  readonly dialect: Dialect;
  readonly engine: EngineConfig;
  readonly outputLength: OutputLengthMode;
  readonly seed: number;
  /** Engine milliseconds per wall-clock millisecond (1 = real time). */
  readonly speedup: number;
  /** Reported in vllm:cache_config_info. */
  readonly gpuMemoryUtilization: number;
  readonly log?: Logger;
}

export { DEFAULT_CHAT_MAX_TOKENS, DEFAULT_COMPLETION_MAX_TOKENS } from './completions.js';

export interface Sim {
  readonly app: express.Express;
  readonly engine: Engine;
  readonly driver: RealTimeDriver;
  readonly metrics: SimMetrics;
  /** Stops the step timer (requests in flight stop progressing). */
  close(): void;
}

/** The engine, its wall-clock driver, its metrics and the express app serving vLLM's OpenAI-compatible API. */
export function createSim(options: SimOptions): Sim {
  const random = new SeededRandom(options.seed);
  const metrics: SimMetrics = new SimMetrics({
    dialect: options.dialect,
    modelName: options.modelName,
    cache: {
      blockSize: options.engine.blockSize, numGpuBlocks: options.engine.numGpuBlocks, maxModelLen: options.engine.maxModelLen,
      enablePrefixCaching: options.engine.enablePrefixCaching, gpuMemoryUtilization: options.gpuMemoryUtilization,
    },
    // Read at scrape time only, after `engine` below exists.
    snapshot: (): EngineSnapshot => engine.snapshot(),
  });
  const engine: Engine = new Engine(options.engine, metrics.observer);
  const driver = new RealTimeDriver(engine, options.speedup);
  const maxModelLen = options.engine.maxModelLen;

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '32mb', type: () => true }));

  const ctx: CompletionContext = { options, engine, driver, metrics, random };

  app.post('/v1/completions', completionsHandler(ctx, 'completion'));
  app.post('/v1/chat/completions', completionsHandler(ctx, 'chat'));
  app.get('/v1/models', (_req, res) => {
    res.json({
      object: 'list',
      data: [{ id: options.modelName, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'vllm', root: options.modelName, parent: null, max_model_len: maxModelLen }],
    });
  });
  app.get('/health', (_req, res) => {
    res.status(200).end();
  });
  app.get('/version', (_req, res) => {
    res.json({ version: `kinfer-sim ${VERSION}` });
  });
  app.get('/metrics', async (_req, res) => {
    driver.sync();
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use((req, res) => {
    fail(res, 404, `no route ${req.method} ${req.path}; kinfer-sim serves POST /v1/completions, POST /v1/chat/completions, GET /v1/models, /health, /metrics`);
  });
  const onError: ErrorRequestHandler = (error: { type?: string; status?: number; message?: string }, _req, res, _next) => {
    const status = typeof error.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    const what = error.type === 'entity.parse.failed' ? 'malformed JSON in the request body' : error.type === 'entity.too.large' ? 'request body too large' : (error.message ?? 'internal error');
    if (status === 500) options.log?.error('request failed', { error: what });
    fail(res, status === 413 ? 400 : status, what);
  };
  app.use(onError);

  return { app, engine, driver, metrics, close: () => driver.close() };
}

export interface RunningSim {
  readonly sim: Sim;
  readonly server: Server;
  /** http://host:port */
  readonly url: string;
  close(): Promise<void>;
}

/** Creates a sim and listens on host:port (port 0: an ephemeral one). */
export async function startSimServer(options: SimOptions, host: string, port: number): Promise<RunningSim> {
  const sim = createSim(options);
  const server = createServer(sim.app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`)));
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    sim, server, url: `http://${shownHost}:${address.port}`,
    close: () => new Promise((resolve) => {
      sim.close();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

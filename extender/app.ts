import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { FilterAnswer } from './answer.js';
import type { ExtenderMetrics } from './metrics.js';
import type { ExtenderService, Readiness } from './service.js';
import { describeZodError, extenderArgsSchema, type ExtenderArgs } from './wire.js';

export interface AppDependencies {
  readonly service: ExtenderService;
  readonly readiness: Readiness;
  readonly metrics: ExtenderMetrics;
  /** Cache sizes for /metrics, read at scrape time. */
  readonly cacheSizes: () => { nodes: number; pods: number };
  /** Largest request body accepted; non-cache mode sends every candidate Node in full. */
  readonly bodyLimit?: string;
}

type Verb = 'filter' | 'prioritize';

/**
 * The extender's HTTP surface: POST /filter and /prioritize in kube-scheduler's wire format, /healthz,
 * /readyz, /metrics. Bad input gets 400 with a JSON body naming the problem; nothing here throws past express.
 */
export function createApp(deps: AppDependencies): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // An ETag is a SHA-1 over every answer (hundreds of kB at 5,000 nodes) that no scheduler ever sends back.
  app.set('etag', false);
  app.use(express.json({ limit: deps.bodyLimit ?? '64mb', type: () => true }));

  const handle = (verb: Verb) => (req: Request, res: Response): void => {
    const stop = deps.metrics.duration.startTimer({ verb });
    const send = (code: number, body: unknown): void => {
      res.status(code).type('application/json').send(body instanceof FilterAnswer ? body.encode() : JSON.stringify(body));
      deps.metrics.requests.inc({ verb, code: String(code) });
      stop();
    };
    const parsed = extenderArgsSchema.safeParse(req.body);
    if (!parsed.success) {
      send(400, { Error: `bad ${verb} request: ${describeZodError(parsed.error)}` });
      return;
    }
    const args: ExtenderArgs = parsed.data;
    if (verb === 'filter') {
      send(200, deps.service.filter(args));
      return;
    }
    const scores = deps.service.prioritize(args);
    if ('notReady' in scores) send(503, { Error: `kinfer-extender is not ready: ${scores.notReady}` });
    else send(200, scores);
  };

  app.post('/filter', handle('filter'));
  app.post('/prioritize', handle('prioritize'));
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    const reason = deps.readiness.notReadyReason();
    if (reason === undefined) res.type('text/plain').send('ok');
    else res.status(503).type('text/plain').send(`not ready: ${reason}`);
  });
  app.get('/metrics', async (_req, res) => {
    const sizes = deps.cacheSizes();
    deps.metrics.cacheNodes.set(sizes.nodes);
    deps.metrics.cachePods.set(sizes.pods);
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.use((req, res) => {
    res.status(404).json({ Error: `no route ${req.method} ${req.path}; the extender serves POST /filter, POST /prioritize, GET /healthz, /readyz, /metrics` });
  });

  const onError: ErrorRequestHandler = (error: { type?: string; status?: number; message?: string }, req, res, _next) => {
    const verb = req.path.replace(/^\//, '');
    const status = typeof error.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    const what = error.type === 'entity.parse.failed' ? 'malformed JSON' : error.type === 'entity.too.large' ? 'request body too large' : (error.message ?? 'internal error');
    if (verb === 'filter' || verb === 'prioritize') deps.metrics.requests.inc({ verb, code: String(status) });
    res.status(status).json({ Error: `bad ${verb} request: ${what}` });
  };
  app.use(onError);
  return app;
}

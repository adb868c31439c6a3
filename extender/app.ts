import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import { BodyReader, DEFAULT_MAX_BODY_BYTES } from './body.js';
import type { ExtenderMetrics } from './metrics.js';
import type { ExtenderService, Readiness } from './service.js';
import { decodeArgs, ValidatedPods } from './decode.js';

export interface AppDependencies {
  readonly service: ExtenderService;
  readonly readiness: Readiness;
  readonly metrics: ExtenderMetrics;
  /** Cache sizes for /metrics, read at scrape time. */
  readonly cacheSizes: () => { nodes: number; pods: number };
  /** Largest request body accepted, bytes (default DEFAULT_MAX_BODY_BYTES, sized for nodeCacheCapable). */
  readonly maxBodyBytes?: number;
}

type Verb = 'filter' | 'prioritize';

/**
 * The extender's HTTP surface: POST /filter and /prioritize in kube-scheduler's wire format, /healthz,
 * /readyz, /metrics. Bad input gets 4xx with a JSON body naming the problem; nothing here throws.
 *
 * The two verbs, called once each per pod per scheduling cycle, bypass express: the body is read into one
 * Buffer (bounded, see BodyReader), parsed once, and the answer string is written once with its length, no
 * ETag, no middleware chain. express keeps the rest (probes, metrics, 404s), where its cost does not matter.
 * Figures in docs/benchmarks.md.
 */
export function createApp(deps: AppDependencies): RequestListener {
  const rest = createRestApp(deps);
  const bodies = new BodyReader(deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
  const pods = new ValidatedPods();
  return (req, res) => {
    const verb = req.method === 'POST' ? verbOf(req.url) : undefined;
    if (verb === undefined) rest(req, res);
    else serveVerb(deps, bodies, pods, verb, req, res);
  };
}

function verbOf(url: string | undefined): Verb | undefined {
  return url === '/filter' ? 'filter' : url === '/prioritize' ? 'prioritize' : undefined;
}

/** How long a refused body may go on arriving before the connection is closed (see serveVerb). */
const LINGER_MS = 2000;

function lingerThenClose(req: IncomingMessage): void {
  if (req.complete) return;
  const socket = req.socket;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  const stop = (): void => clearTimeout(timer);
  req.once('end', stop);
  socket.once('close', stop);
}

function serveVerb(deps: AppDependencies, bodies: BodyReader, pods: ValidatedPods, verb: Verb, req: IncomingMessage, res: ServerResponse): void {
  const stop = deps.metrics.duration.startTimer({ verb });
  const send = (code: number, answer: string | readonly (string | Buffer)[]): void => {
    const chunks = typeof answer === 'string' ? [answer] : answer;
    let length = 0;
    for (const c of chunks) length += typeof c === 'string' ? Buffer.byteLength(c) : c.length;
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': length };
    res.writeHead(code, headers);
    if (chunks.length === 1) res.end(chunks[0]);
    else {
      res.cork();
      for (const c of chunks) res.write(c);
      res.end();
      res.uncork();
    }
    deps.metrics.requests.inc({ verb, code: String(code) });
    stop();
  };
  const fail = (code: number, what: string): void => send(code, JSON.stringify({ Error: `bad ${verb} request: ${what}` }));

  bodies.read(req, (outcome) => {
    if (!outcome.ok) {
      // Answer at once, then read and discard what the peer is still sending for a bounded moment before closing
      // (a lingering close, as nginx's lingering_close): closing a socket with unread bytes makes the kernel send a
      // reset, and a reset can destroy the answer in the peer's receive queue before it is read. A peer that stops
      // sending keeps its connection; one that goes on is cut off after LINGER_MS, so nothing is drained for long.
      send(outcome.status, JSON.stringify({ Error: `${verb}: ${outcome.message}` }));
      lingerThenClose(req);
      return;
    }
    void decodeArgs(outcome.body, pods).then((decoded) => {
      if (!decoded.ok) {
        fail(400, decoded.message);
        return;
      }
      if (verb === 'filter') {
        send(200, deps.service.filter(decoded.args).encodeChunks());
        return;
      }
      const scores = deps.service.prioritize(decoded.args);
      if ('notReady' in scores) send(503, JSON.stringify({ Error: `kinfer-extender is not ready: ${scores.notReady}` }));
      else send(200, scores.encode());
    }).catch((error: unknown) => {
      if (error instanceof RangeError) fail(400, `nested too deeply (${error.message})`);
      else fail(500, `internal error: ${(error as Error).message}`);
    });
  });
}

/** The probe port's app (--health-port): /healthz, /readyz, /metrics and 404s, never the verbs. */
export function createProbeApp(deps: AppDependencies): RequestListener {
  return createRestApp(deps);
}

/** Probes, metrics and 404s: express, off the hot path. */
function createRestApp(deps: AppDependencies): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
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
  const onError: ErrorRequestHandler = (error: { message?: string }, _req, res, _next) => {
    res.status(500).json({ Error: `internal error: ${error.message ?? 'unknown'}` });
  };
  app.use(onError);
  return app;
}

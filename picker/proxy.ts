import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { DataPathOptions } from './extproc.js';
import type { Router } from './router.js';
import { usageOf, type RecentRequests } from '../src/routing/recent-requests.js';
import { inferenceRequest } from './request.js';
import { splitAddress } from './scrape.js';

/** Paths whose bodies name a model and carry a prompt: these are routed; everything else is refused. */
const ROUTED = new Set(['/v1/completions', '/v1/chat/completions']);
/** Response header naming the endpoint that served the request, as the Inference Extension's header does on the request. */
export const DESTINATION_HEADER = 'x-gateway-destination-endpoint';

/**
 * Envoy's default stream idle timeout (5 minutes, HttpConnectionManager.stream_idle_timeout): an upstream that
 * sends nothing for this long is given up on. Not a total deadline: a long generation that keeps streaming
 * tokens is never cut, while a non-streaming request may stay silent up to this long before its answer.
 */
export const DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS = 300_000;

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1, plus Keep-Alive and Proxy-Connection of RFC 7230 §6.1 / common use):
 * meaningful for one connection only, so a proxy never forwards them. Headers named in Connection join them.
 * Transfer-Encoding is among them: the proxy frames what it sends itself (RFC 9112 §6.1).
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-authenticate'];

/** Headers without the hop-by-hop ones (and those Connection names), for the next hop. */
export function endToEndHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const drop = new Set(HOP_BY_HOP);
  const connection = headers.connection;
  for (const value of Array.isArray(connection) ? connection : connection ? [connection] : []) {
    for (const token of value.split(',')) drop.add(token.trim().toLowerCase());
  }
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !drop.has(name)) out[name] = value;
  return out;
}

function openAiError(res: ServerResponse, status: number, message: string, type = status === 503 ? 'ServiceUnavailableError' : 'BadRequestError'): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type, param: null, code: status } }));
}

export interface ProxyOptions extends DataPathOptions {
  /** Readiness as /health reports it: `ready: false` answers 503. */
  readonly health: () => { ready: boolean };
  /** An upstream silent this long (no headers, no body bytes) is aborted: 504 before the answer began, a reset after. */
  readonly upstreamIdleTimeoutMs: number;
  /** Where each routed request's outcome is logged (GET /debug/requests on the health port); none when absent. */
  readonly recent?: RecentRequests;
}

/** What the log of recent requests needs to know of a routed request before it is forwarded. */
interface Routed {
  readonly atMs: number;
  readonly promptTokens: number;
  readonly stream: boolean;
}

/**
 * kinfer-picker's HTTP proxy mode: an OpenAI-compatible reverse proxy that picks an endpoint for each request
 * and forwards it there, streaming the answer back as it comes (server-sent events pass through untouched).
 * What it forwards is framed by the proxy (one Content-Length, no client Transfer-Encoding) and carries no
 * hop-by-hop header; an upstream that dies mid-answer resets the client's stream rather than ending it cleanly.
 */
export function createProxy(router: Router, options: ProxyOptions): http.Server {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && path === '/health') {
      const health = options.health();
      res.writeHead(health.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(health));
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') return forwardAny(router, req, res, agent, options);
    if (req.method !== 'POST' || !ROUTED.has(path)) {
      openAiError(res, 404, `kinfer-picker routes POST /v1/completions and /v1/chat/completions; ${req.method} ${path} is not one of them`, 'NotFoundError');
      return;
    }
    readBody(req, options.maxBodyBytes, (error, body) => {
      if (error) {
        res.setHeader('connection', 'close');
        return openAiError(res, 413, error.message, 'RequestEntityTooLargeError');
      }
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
      const request = inferenceRequest(body, headers, options.blockSize());
      if (!request.ok) return openAiError(res, 400, request.error);
      const decision = router.decide(request.value);
      if (decision.address === undefined) return openAiError(res, 503, `no model server can take the request: ${decision.reason}`);
      forward(router, decision.address, req, res, body, agent, options, { atMs: Date.now(), promptTokens: request.value.promptTokens, stream: /"stream"\s*:\s*true/.test(body) });
    });
  });
  server.on('close', () => agent.destroy());
  return server;
}

/**
 * The whole body, or an error once it passes `maxBytes`. The rest of a refused body is read and dropped, never
 * held, and the error is given when the client has finished sending or after LINGER_MS, whichever is first: a
 * 413 sent (and the connection closed) under a client's writes reaches it as a reset instead of an answer.
 */
function readBody(req: IncomingMessage, maxBytes: number, done: (error: Error | undefined, body: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  const refuse = (): void => {
    refused = true;
    chunks.length = 0;
    let answered = false;
    const answer = (): void => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      done(new Error(`request body over ${maxBytes} bytes (kinfer-picker --max-body-bytes)`), '');
    };
    const timer = setTimeout(answer, LINGER_MS);
    req.once('end', answer);
    req.once('close', answer);
  };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) refuse();
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > maxBytes) refuse();
    else chunks.push(chunk);
  });
  req.on('end', () => {
    if (!refused) done(undefined, Buffer.concat(chunks, size).toString('utf8'));
  });
}

/** Forwards to `address`; a routed request (counted by Router.decide) is finished there, exactly once, whatever ends it. */
function forward(router: Router | undefined, address: string, req: IncomingMessage, res: ServerResponse, body: string, agent: http.Agent, options: ProxyOptions, routed?: Routed): void {
  const [host, port] = splitAddress(address);
  const headers: OutgoingHttpHeaders = { ...endToEndHeaders(req.headers), host: address, 'content-length': String(Buffer.byteLength(body)) };
  let done = false;
  // The upstream's status once its whole answer came (0: it failed first, or the client went away).
  let status = 0;
  let complete = false;
  let firstByteMs: number | undefined;
  let tail = '';
  const finish = (): void => {
    if (done) return;
    done = true;
    router?.finished(address);
    if (routed && options.recent) {
      const usage = usageOf(tail);
      options.recent.record(address, {
        atMs: routed.atMs, status: complete ? status : 0,
        promptTokens: usage.promptTokens ?? routed.promptTokens, promptEstimated: usage.promptTokens === undefined,
        ...(usage.outputTokens !== undefined ? { outputTokens: usage.outputTokens } : {}),
        ...(routed.stream && firstByteMs !== undefined ? { ttftMs: firstByteMs - routed.atMs } : {}),
        latencyMs: Date.now() - routed.atMs,
      });
    }
  };
  const upstream = http.request({ host, port, method: req.method, path: req.url, headers, agent, timeout: options.upstreamIdleTimeoutMs }, (answer) => {
    status = answer.statusCode ?? 502;
    res.writeHead(answer.statusCode ?? 502, { ...endToEndHeaders(answer.headers), [DESTINATION_HEADER]: address });
    // The answer's last bytes carry `usage` (a JSON body, or a stream's last event when the client asked for usage).
    if (routed && options.recent) {
      answer.on('data', (chunk: Buffer) => {
        firstByteMs ??= Date.now();
        tail = (tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
      });
    }
    answer.pipe(res);
    answer.on('end', () => {
      complete = true;
      finish();
    });
    // The upstream went away before its answer was complete: the client must see a broken stream, not an end.
    answer.on('close', () => {
      if (!answer.complete) res.destroy();
      finish();
    });
  });
  upstream.on('timeout', () => upstream.destroy(new UpstreamTimeout(`model server ${address} sent nothing for ${options.upstreamIdleTimeoutMs} ms`)));
  upstream.on('error', (error) => {
    finish();
    if (error instanceof UpstreamTimeout) openAiError(res, 504, error.message, 'GatewayTimeoutError');
    else openAiError(res, 502, `model server ${address} failed: ${error.message}`, 'BadGatewayError');
  });
  // A client that goes away mid-stream: stop the upstream request too, so the server frees its KV cache.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
    finish();
  });
  upstream.end(body);
}

class UpstreamTimeout extends Error {}

/** Characters of an answer's end kept to read its `usage` (an OpenAI usage object is under 200). */
const TAIL_CHARS = 2048;

/** How long the rest of a refused body is read and dropped before the 413 goes out regardless (a hostile stream never ends). */
const LINGER_MS = 2000;

/** Requests that need no routing decision (model listing) go to any endpoint with metrics. */
function forwardAny(router: Router, req: IncomingMessage, res: ServerResponse, agent: http.Agent, options: ProxyOptions): void {
  const endpoint = router.table.all().find((s) => s.metrics) ?? router.table.all()[0];
  if (!endpoint) return openAiError(res, 503, 'the pool has no endpoints');
  forward(undefined, endpoint.address, req, res, '', agent, options);
}

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Router } from './router.js';
import { inferenceRequest } from './request.js';
import { splitAddress } from './scrape.js';

/** Paths whose bodies name a model and carry a prompt: these are routed; everything else is refused. */
const ROUTED = new Set(['/v1/completions', '/v1/chat/completions']);
const MAX_BODY_BYTES = 32 * 1024 * 1024;
/** Response header naming the endpoint that served the request, as the Inference Extension's header does on the request. */
export const DESTINATION_HEADER = 'x-gateway-destination-endpoint';

function openAiError(res: ServerResponse, status: number, message: string, type = status === 503 ? 'ServiceUnavailableError' : 'BadRequestError'): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type, param: null, code: status } }));
}

/**
 * kinfer-picker's HTTP proxy mode: an OpenAI-compatible reverse proxy that picks an endpoint for each request
 * and forwards it there, streaming the answer back as it comes (server-sent events pass through untouched).
 */
export function createProxy(router: Router, options: { blockSize: () => number; health: () => object }): http.Server {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(options.health()));
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') return forwardAny(router, req, res, agent);
    if (req.method !== 'POST' || !ROUTED.has(path)) {
      openAiError(res, 404, `kinfer-picker routes POST /v1/completions and /v1/chat/completions; ${req.method} ${path} is not one of them`, 'NotFoundError');
      return;
    }
    readBody(req, (error, body) => {
      if (error) return openAiError(res, 413, error.message);
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
      const request = inferenceRequest(body, headers, options.blockSize());
      if (!request.ok) return openAiError(res, 400, request.error);
      const decision = router.decide(request.value);
      if (decision.address === undefined) return openAiError(res, 503, `no model server can take the request: ${decision.reason}`);
      forward(router, decision.address, req, res, body, agent);
    });
  });
  server.on('close', () => agent.destroy());
  return server;
}

function readBody(req: IncomingMessage, done: (error: Error | undefined, body: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES && !failed) {
      failed = true;
      done(new Error(`request body over ${MAX_BODY_BYTES} bytes`), '');
      req.resume();
      return;
    }
    if (!failed) chunks.push(chunk);
  });
  req.on('end', () => {
    if (!failed) done(undefined, Buffer.concat(chunks).toString('utf8'));
  });
}

/** Forwards to `address`; a routed request (counted by Router.decide) is finished there when its answer ends. */
function forward(router: Router | undefined, address: string, req: IncomingMessage, res: ServerResponse, body: string, agent: http.Agent): void {
  const [host, port] = splitAddress(address);
  const headers = { ...req.headers, host: address, 'content-length': String(Buffer.byteLength(body)) };
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    router?.finished(address);
  };
  const upstream = http.request({ host, port, method: req.method, path: req.url, headers, agent }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, { ...answer.headers, [DESTINATION_HEADER]: address });
    answer.pipe(res);
    answer.on('end', finish);
    answer.on('error', finish);
  });
  upstream.on('error', (error) => {
    finish();
    openAiError(res, 502, `model server ${address} failed: ${error.message}`, 'BadGatewayError');
  });
  // A client that goes away mid-stream: stop the upstream request too, so the server frees its KV cache.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
    finish();
  });
  upstream.end(body);
}

/** Requests that need no routing decision (model listing) go to any endpoint with fresh metrics. */
function forwardAny(router: Router, req: IncomingMessage, res: ServerResponse, agent: http.Agent): void {
  const endpoint = router.table.all().find((s) => s.metrics) ?? router.table.all()[0];
  if (!endpoint) return openAiError(res, 503, 'the pool has no endpoints');
  forward(undefined, endpoint.address, req, res, '', agent);
}

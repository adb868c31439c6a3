import type { RequestListener, Server } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

/**
 * kube-scheduler's default extender `httpTimeout` (DefaultExtenderTimeout, 5 s, kubernetes
 * pkg/scheduler/extender.go v1.34): a request still unanswered after it is dead to the scheduler. The
 * request deadline leaves room for a configured httpTimeout of up to 30 s.
 */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Headers of a request must all arrive within this (a peer that opens sockets and dribbles headers). */
export const HEADERS_TIMEOUT_MS = 10_000;
/**
 * Longer than the scheduler's idle keep-alive (Go http.DefaultTransport IdleConnTimeout 90 s, which
 * k8s.io/apimachinery utilnet.SetTransportDefaults keeps): the client closes idle connections first, so it
 * never sends a request on a socket the server is closing.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 95_000;
/** How often Node checks the two deadlines above (its default, 30 s, would let a stalled peer stay 40 s). */
const CHECK_INTERVAL_MS = 1_000;

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
  /** PEM of the CAs whose client certificates are accepted; when set, a client without one is refused. */
  readonly clientCa?: string;
}

/** An HTTP(S) server with explicit timeouts (never Node's defaults, which change between releases). */
export function createExtenderServer(listener: RequestListener, tls?: TlsFiles): Server {
  const options = { requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, connectionsCheckingInterval: CHECK_INTERVAL_MS };
  const server: Server = tls === undefined
    ? createHttpServer(options, listener)
    : createHttpsServer({
      ...options,
      cert: tls.cert,
      key: tls.key,
      ...(tls.clientCa !== undefined ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
    }, listener);
  return server;
}

export function listen(server: Server, port: number, address: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${address}:${port}: ${error.code ?? error.message}`)));
    server.listen(port, address, resolve);
  });
}

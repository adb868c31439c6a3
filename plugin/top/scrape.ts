import { Agent as HttpAgent, request as httpRequest, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { replicaMetrics, type ReplicaMetrics } from '../../src/servers/metrics.js';
import type { Target } from './targets.js';

/** Reads one metrics page; rejects with a short reason. Must stop when `signal` aborts. */
export type Fetcher = (url: string, signal: AbortSignal) => Promise<string>;

/** One scrape of one replica: its metrics, or why there are none. */
export interface Scrape {
  readonly target: Target;
  /** When the page was read (ms since the epoch; rates divide by the difference of two). */
  readonly atMs: number;
  readonly metrics?: ReplicaMetrics;
  readonly error?: string;
}

export interface ScrapeOptions {
  /** Pages read at once. */
  readonly concurrency: number;
  /** Per replica, connection to last byte. */
  readonly timeoutMs: number;
  readonly now?: () => number;
}

// A real vLLM page is ~30 KB (one engine, a few LoRAs); anything far bigger is not a metrics page.
const MAX_PAGE_BYTES = 8 * 1024 * 1024;

/** Scrapes every target with at most `concurrency` in flight; never rejects. Results are in target order. */
export async function scrapeAll(targets: readonly Target[], fetch: Fetcher, options: ScrapeOptions): Promise<Scrape[]> {
  const now = options.now ?? Date.now;
  const results: Scrape[] = new Array<Scrape>(targets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < targets.length; i = next++) results[i] = await scrapeOne(targets[i]!, fetch, options.timeoutMs, now);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, targets.length)) }, worker));
  return results;
}

async function scrapeOne(target: Target, fetch: Fetcher, timeoutMs: number, now: () => number): Promise<Scrape> {
  if (target.unavailable) return { target, atMs: now(), error: target.unavailable };
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer in ${timeoutMs / 1000}s`));
    }, timeoutMs);
  });
  try {
    const page = await Promise.race([fetch(target.metricsUrl, controller.signal), timeout]);
    const atMs = now();
    // Inter-token latency too: a replica's detail shows its histogram.
    const metrics = replicaMetrics(page, { interTokenLatency: true });
    if (metrics.dialect === 'unknown') return { target, atMs, error: 'no model-server metrics on the page' };
    return { target, atMs, metrics };
  } catch (error) {
    return { target, atMs: now(), error: reason(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** One short phrase for the STATUS column: `connection refused`, `HTTP 503`, `no answer in 1.5s`. */
export function reason(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused', ECONNRESET: 'connection reset', EHOSTUNREACH: 'host unreachable',
    ENOTFOUND: 'host not found', ETIMEDOUT: 'connect timed out', EAI_AGAIN: 'DNS lookup failed', UND_ERR_SOCKET: 'connection closed',
  };
  if (code && known[code]) return known[code]!;
  return (e.cause?.message ?? e.message ?? String(error)).split('\n')[0]!.slice(0, 120);
}

// Connections stay open between refreshes (one per replica at most in flight: scrapes of a replica never overlap).
const KEEP_ALIVE = { keepAlive: true, keepAliveMsecs: 10_000 };
const httpAgent = new HttpAgent(KEEP_ALIVE);
const httpsAgent = new HttpsAgent(KEEP_ALIVE);

/** GET `url` as text with node:http(s); rejects on a non-200 status, an oversized page, or the signal. */
function getText(url: URL, options: RequestOptions, signal: AbortSignal): Promise<string> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<string>((resolve, reject) => {
    const req = send(url, { ...options, method: 'GET', signal, headers: { ...options.headers, accept: 'text/plain' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_PAGE_BYTES) req.destroy(new Error('page too large'));
        else chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) return resolve(body);
        reject(new Error(`HTTP ${res.statusCode}${statusMessage(body)}`));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads pages straight from their URLs (--endpoint, --direct). */
export const directFetcher: Fetcher = (url, signal) => {
  const parsed = new URL(url);
  return getText(parsed, { agent: parsed.protocol === 'https:' ? httpsAgent : httpAgent }, signal);
};

/**
 * Reads pages through the API server (`/api/v1/namespaces/NS/pods/NAME:PORT/proxy/metrics`) with the
 * kubeconfig's credentials (certificates, tokens, exec plugins), as kubectl does. Needs `get pods/proxy`.
 */
export function apiServerFetcher(kubeConfig: KubeConfig): Fetcher {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig names no cluster server');
  const base = new URL(server);
  // Credentials are applied at most once every 30 s: exec plugins and token files are not cheap per page.
  let applied: { options: RequestOptions; atMs: number } | undefined;
  const options = async (): Promise<RequestOptions> => {
    if (applied && Date.now() - applied.atMs < 30_000) return applied.options;
    const opts: RequestOptions & { headers: Record<string, string> } = { headers: {} };
    await kubeConfig.applyToHTTPSOptions(opts);
    if (base.protocol === 'http:') delete opts.agent;
    applied = { options: opts, atMs: Date.now() };
    return opts;
  };
  return async (path, signal) => getText(new URL(base.pathname.replace(/\/$/, '') + path, base), await options(), signal);
}

/** The API server answers proxy failures with a Status object; its message says why (`dial tcp ...: connect: connection refused`). */
function statusMessage(body: string): string {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    return typeof status.message === 'string' ? `: ${status.message.slice(0, 100)}` : '';
  } catch {
    return '';
  }
}

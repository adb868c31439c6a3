import http from 'node:http';
import { replicaMetrics, type ReplicaMetrics } from '../src/servers/metrics.js';
import { ratePerSecond, TOKEN_RATE_WINDOW_MS, trimToWindow } from '../src/servers/rate.js';
import type { EndpointMetrics } from '../src/routing/types.js';
import type { EndpointTable } from './endpoints.js';
import type { PickerMetrics } from './metrics.js';

export interface ScraperOptions {
  readonly intervalMs: number;
  /** Per-endpoint deadline for one scrape. */
  readonly timeoutMs: number;
  /** Scrapes in flight at once. */
  readonly concurrency: number;
  readonly path?: string;
}

/**
 * Scrapes every endpoint's /metrics each interval, with bounded concurrency and a deadline each. A failed or
 * unreadable scrape makes the endpoint unknown (metrics cleared), never idle. `sentSinceScrape` drops by
 * what was already counted when the scrape began, so requests sent while it was in flight stay counted.
 */
export class Scraper {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  /** Per endpoint, its generated-token counter over the token-rate window (src/servers/rate.ts), oldest first. */
  private readonly previous = new Map<string, readonly { atMs: number; generationTokensTotal?: number }[]>();

  constructor(
    private readonly table: EndpointTable,
    private readonly options: ScraperOptions,
    private readonly metrics?: PickerMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (this.timer) return;
    const tick = (): void => {
      void this.scrapeAll().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.options.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.agent.destroy();
  }

  /** One round over every endpoint; resolves when all are done (or timed out). */
  async scrapeAll(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const queue = this.table.all();
      // Endpoints that left the pool (pod churn) take their last counters with them.
      const current = new Set(queue.map((s) => s.address));
      for (const address of this.previous.keys()) if (!current.has(address)) this.previous.delete(address);
      const workers = Array.from({ length: Math.min(this.options.concurrency, queue.length) }, async () => {
        for (let s = queue.shift(); s; s = queue.shift()) await this.scrapeOne(s.address);
      });
      await Promise.all(workers);
    } finally {
      this.running = false;
    }
  }

  private async scrapeOne(address: string): Promise<void> {
    const state = this.table.get(address);
    if (!state) return;
    const countedAtStart = state.sentSinceScrape;
    const startedAt = this.now();
    try {
      const page = await this.fetch(address);
      const parsed = replicaMetrics(page);
      if (parsed.dialect === 'unknown') throw new Error('the metrics page has no vLLM, SGLang, TGI or TensorRT-LLM metrics');
      const current = this.table.get(address);
      if (!current) return;
      current.metrics = this.toEndpointMetrics(address, parsed, startedAt);
      current.sentSinceScrape = Math.max(0, current.sentSinceScrape - countedAtStart);
      current.lastError = undefined;
    } catch (error) {
      const current = this.table.get(address);
      if (current) {
        current.metrics = undefined;
        current.lastError = (error as Error).message;
      }
      this.metrics?.scrapeErrors.inc({ endpoint: address });
    }
  }

  /** Maps a page onto the routing core's view, deriving per-request decode speed from counter deltas. */
  private toEndpointMetrics(address: string, m: ReplicaMetrics, at: number): EndpointMetrics {
    const window = trimToWindow([...(this.previous.get(address) ?? []), { atMs: at, generationTokensTotal: m.generationTokensTotal }], TOKEN_RATE_WINDOW_MS);
    this.previous.set(address, window);
    // Output tokens per second one running request receives: the replica's rate shared by its batch. Over a window,
    // not the last interval: a server that counts a request's tokens when it finishes moves the counter in steps.
    const tokensPerSecond = ratePerSecond(window, (p) => p.generationTokensTotal);
    let decodeTokensPerSecond: number | undefined;
    if (tokensPerSecond !== undefined && tokensPerSecond > 0 && (m.running ?? 0) > 0) decodeTokensPerSecond = tokensPerSecond / Math.max(1, m.running ?? 1);
    return {
      scrapedAtMs: at,
      ...(m.kvCacheUsage !== undefined ? { kvCacheUsage: m.kvCacheUsage } : {}),
      ...(m.waiting !== undefined ? { waiting: m.waiting } : {}),
      ...(m.running !== undefined ? { running: m.running } : {}),
      ...(m.blockSize !== undefined ? { blockSize: m.blockSize } : {}),
      ...(m.numGpuBlocks !== undefined ? { numGpuBlocks: m.numGpuBlocks } : {}),
      ...(m.runningLoras !== undefined ? { activeLoras: m.runningLoras } : {}),
      ...(m.maxLoras !== undefined ? { maxLoras: m.maxLoras } : {}),
      ...(decodeTokensPerSecond !== undefined ? { decodeTokensPerSecond } : {}),
    };
  }

  private fetch(address: string): Promise<string> {
    const [host, port] = splitAddress(address);
    return new Promise((resolve, reject) => {
      const req = http.get({ host, port, path: this.options.path ?? '/metrics', agent: this.agent, timeout: this.options.timeoutMs }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`GET /metrics answered ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        let body = '';
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.length > 8 * 1024 * 1024) req.destroy(new Error('metrics page over 8 MiB'));
        });
        res.on('end', () => resolve(body));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)));
      req.on('error', reject);
    });
  }
}

/** "10.0.0.5:8000" → ["10.0.0.5", 8000]; IPv6 "[::1]:8000" too. */
export function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  return [host, Number(address.slice(i + 1))];
}

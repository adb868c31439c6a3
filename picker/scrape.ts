import http from 'node:http';
import { replicaMetrics, type ReplicaMetrics } from '../src/servers/metrics.js';
import { decodeSpeed, prefillFit, PREFILL_POINT_SPACING_MS, PREFILL_WINDOW_MS, ratePerSecond, thinHistory, TOKEN_RATE_WINDOW_MS, trimToWindow, type DecodePoint, type PrefillFit, type PrefillPoint } from '../src/servers/rate.js';
import type { EndpointMetrics } from '../src/routing/types.js';
import type { EndpointState, EndpointTable } from './endpoints.js';
import type { PickerMetrics } from './metrics.js';

export interface ScraperOptions {
  readonly intervalMs: number;
  /** Total deadline of one scrape, from connect to the last byte (a dripping page fails at it, not only an idle one). */
  readonly timeoutMs: number;
  readonly path?: string;
}

/** Largest /metrics page read: vLLM's with every LoRA and histogram is well under 1 MiB; 8 MiB is a guard. */
const MAX_PAGE_CHARS = 8 * 1024 * 1024;

/**
 * Scrapes each endpoint's /metrics in a loop of its own (as the Inference Extension's EPP refreshes each pod in
 * its own goroutine): scrape with a total deadline, wait the interval, again. A slow or dripping endpoint only
 * delays itself, so every other endpoint stays fresh. A failed or unreadable scrape makes the endpoint unknown
 * (metrics cleared), never idle. `sentSinceScrape` drops by what was already counted when the scrape began, so
 * requests sent while it was in flight stay counted. Loops follow the table: one starts for an endpoint that
 * joins, and ends when it leaves.
 */
export class Scraper {
  private timer: NodeJS.Timeout | undefined;
  private readonly loops = new Map<string, NodeJS.Timeout | 'scraping'>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  /** Per endpoint, its generated-token counter, inter-token and prefill sums over the prefill window (src/servers/rate.ts), oldest first. */
  private readonly previous = new Map<string, readonly (PrefillPoint & DecodePoint & { generationTokensTotal?: number })[]>();
  /**
   * Per endpoint, the last prefill speed measured: a property of the replica (its accelerator, model, chunking),
   * so it holds through windows in which no request finished.
   */
  private readonly prefillSpeed = new Map<string, PrefillFit>();
  /** Per endpoint, the last decode speed read from its inter-token latencies: it holds while the replica idles. */
  private readonly lastDecode = new Map<string, number>();

  constructor(
    private readonly table: EndpointTable,
    private readonly options: ScraperOptions,
    private readonly metrics?: PickerMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  /** Metrics older than this are not fresh: a loop that works refreshes them every interval plus at most one deadline. */
  get staleAfterMs(): number {
    return 2 * (this.options.intervalMs + this.options.timeoutMs);
  }

  /** The endpoint has metrics from a scrape that began within `staleAfterMs`. */
  isFresh(state: EndpointState): boolean {
    return state.metrics !== undefined && this.now() - state.metrics.scrapedAtMs <= this.staleAfterMs;
  }

  start(): void {
    if (this.timer) return;
    const reconcile = (): void => {
      this.follow();
      this.timer = setTimeout(reconcile, this.options.intervalMs);
    };
    reconcile();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const loop of this.loops.values()) if (loop !== 'scraping') clearTimeout(loop);
    this.loops.clear();
    this.agent.destroy();
  }

  /** Starts a loop for each endpoint that has none; loops of endpoints that left end on their own. */
  private follow(): void {
    const current = new Set(this.table.all().map((s) => s.address));
    // Endpoints that left the pool (pod churn) take their last counters with them.
    for (const address of this.previous.keys()) if (!current.has(address)) this.previous.delete(address);
    for (const address of this.prefillSpeed.keys()) if (!current.has(address)) this.prefillSpeed.delete(address);
    for (const address of this.lastDecode.keys()) if (!current.has(address)) this.lastDecode.delete(address);
    for (const address of this.loops.keys()) {
      const loop = this.loops.get(address);
      if (!current.has(address) && loop !== 'scraping') {
        clearTimeout(loop);
        this.loops.delete(address);
      }
    }
    for (const address of current) if (!this.loops.has(address)) this.loop(address);
  }

  private loop(address: string): void {
    this.loops.set(address, 'scraping');
    void this.scrapeOne(address).finally(() => {
      if (!this.timer || !this.table.get(address)) {
        this.loops.delete(address);
        return;
      }
      this.loops.set(address, setTimeout(() => this.loop(address), this.options.intervalMs));
    });
  }

  /** One scrape of every endpoint at once (each with its deadline), for tests that drive scrapes by hand. */
  async scrapeAll(): Promise<void> {
    this.follow();
    await Promise.all(this.table.all().map((s) => this.scrapeOne(s.address)));
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

  /** Maps a page onto the routing core's view, deriving per-request decode and prefill speeds from counter deltas. */
  private toEndpointMetrics(address: string, m: ReplicaMetrics, at: number): EndpointMetrics {
    const point = {
      atMs: at, generationTokensTotal: m.generationTokensTotal,
      prefillSecondsTotal: m.prefillSecondsTotal, prefillRequestsTotal: m.prefillRequestsTotal, requestPromptTokensTotal: m.requestPromptTokensTotal,
      requestPromptRequestsTotal: m.requestPromptRequestsTotal,
      prefixCacheQueriesTotal: m.prefixCacheQueriesTotal, prefixCacheHitsTotal: m.prefixCacheHitsTotal,
      itlSecondsTotal: m.itlSecondsTotal, itlGapsTotal: m.itlGapsTotal,
    };
    const history = thinHistory([...(this.previous.get(address) ?? []), point], PREFILL_WINDOW_MS, TOKEN_RATE_WINDOW_MS, PREFILL_POINT_SPACING_MS);
    this.previous.set(address, history);
    const window = trimToWindow(history, TOKEN_RATE_WINDOW_MS);
    // Without it the predicted-latency scorer prefills every replica at one default speed, and a replica that
    // prefills 8x slower (an L4 beside an H100) looks as good for a long prompt.
    const measuredPrefill = prefillFit(history);
    if (measuredPrefill !== undefined) this.prefillSpeed.set(address, measuredPrefill);
    const prefill = this.prefillSpeed.get(address);
    // Output tokens per second one running request receives: 1 / the mean inter-token gap over the window, kept
    // while the replica idles (src/servers/rate.ts decodeSpeed). A server without the histogram: its generated-token
    // rate shared by its batch, over a window, not the last interval (a server that counts a request's tokens when it
    // finishes moves the counter in steps), which reads low while the replica idles part of the window.
    const measuredDecode = decodeSpeed(window);
    if (measuredDecode !== undefined) this.lastDecode.set(address, measuredDecode);
    const decodeTokensPerSecond = this.lastDecode.get(address) ?? sharedTokenRate(window, m.running);
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
      ...(prefill !== undefined ? { prefillTokensPerSecond: prefill.tokensPerSecond, prefillFixedMs: prefill.fixedSeconds * 1000 } : {}),
    };
  }

  /** GET /metrics with a total deadline: the request is destroyed `timeoutMs` after it began, whatever arrived. */
  private fetch(address: string): Promise<string> {
    const [host, port] = splitAddress(address);
    return new Promise((resolve, reject) => {
      const req = http.get({ host, port, path: this.options.path ?? '/metrics', agent: this.agent }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`GET /metrics answered ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        let body = '';
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.length > MAX_PAGE_CHARS) req.destroy(new Error('metrics page over 8 MiB'));
        });
        res.on('end', () => resolve(body));
        res.on('error', reject);
      });
      const deadline = setTimeout(() => req.destroy(new Error(`no complete answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
      req.on('close', () => clearTimeout(deadline));
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

/** Generated tokens per second over the window ÷ the running batch: the decode speed of a server without an inter-token histogram. */
function sharedTokenRate(window: readonly { atMs: number; generationTokensTotal?: number }[], running: number | undefined): number | undefined {
  if (running === undefined || running <= 0) return undefined;
  const tokensPerSecond = ratePerSecond(window, (p) => p.generationTokensTotal);
  return tokensPerSecond !== undefined && tokensPerSecond > 0 ? tokensPerSecond / Math.max(1, running) : undefined;
}

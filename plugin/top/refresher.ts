import type { AutoscaleStatus } from '../autoscale.js';
import { rememberDetails, type DetailHistory } from './detail.js';
import type { PickerRequests } from './requests.js';
import { scrapeAll, type Fetcher } from './scrape.js';
import { buildSnapshot, rememberScrapes, type ScrapeHistory, type TopSnapshot } from './state.js';
import type { Target } from './targets.js';

export interface RefresherOptions {
  /** The replicas to scrape now (listed again every refresh, so new pods appear and gone ones leave). */
  readonly discover: () => Promise<Target[]>;
  readonly fetch: Fetcher;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /** The HPAs of the watched deployments (listed again every refresh); none when absent. */
  readonly autoscalers?: () => Promise<AutoscaleStatus[]>;
  /** The picker's recent requests (--picker), read every refresh for the drill-down. */
  readonly recentRequests?: () => Promise<PickerRequests>;
  /** Bound on `discover` (listing pods); default 5 s. */
  readonly discoverTimeoutMs?: number;
  readonly now?: () => number;
}

/** What the live view subscribes to: a snapshot after every refresh until the returned stop is called. */
export interface SnapshotSource {
  start(onSnapshot: (snapshot: TopSnapshot) => void): () => void;
}

/**
 * The one stateful part of `top` outside the view: each replica's last good scrapes, so the next refresh can
 * turn counters into rates, and the histories its drill-down shows (KV over time, histogram windows). Refreshes never overlap and never reject.
 */
export class Refresher implements SnapshotSource {
  private previous = new Map<string, ScrapeHistory>();
  private details = new Map<string, DetailHistory>();
  private last: TopSnapshot | undefined;
  private lastAutoscale: readonly AutoscaleStatus[] = [];

  constructor(private readonly options: RefresherOptions) {}

  async refresh(): Promise<TopSnapshot> {
    const now = this.options.now ?? Date.now;
    let targets: Target[];
    try {
      targets = await withTimeout(this.options.discover(), this.options.discoverTimeoutMs ?? 5000, 'listing replicas');
    } catch (error) {
      const problem = (error as Error).message;
      return (this.last = { ...(this.last ?? { rows: [], pools: [] }), atMs: now(), problem });
    }
    const [scrapes, autoscale, requests] = await Promise.all([
      scrapeAll(targets, this.options.fetch, { concurrency: this.options.concurrency, timeoutMs: this.options.timeoutMs, now }),
      this.autoscalers(),
      this.options.recentRequests?.(),
    ]);
    this.details = rememberDetails(this.details, scrapes);
    const addresses = new Map(targets.flatMap((t) => (t.address ? [[t.id, t.address] as const] : [])));
    const built = { ...buildSnapshot(scrapes, this.previous, now()), details: this.details, addresses, ...(requests ? { requests } : {}) };
    const snapshot = autoscale.length > 0 ? { ...built, autoscale } : built;
    this.previous = rememberScrapes(this.previous, scrapes);
    return (this.last = snapshot);
  }

  /**
   * The HPAs sorted by namespace and Deployment; when listing them fails (no RBAC for HPAs, a slow API) the last
   * ones: replica figures matter more, and listing replicas reports API trouble already.
   */
  private async autoscalers(): Promise<readonly AutoscaleStatus[]> {
    if (!this.options.autoscalers) return [];
    try {
      const list = await withTimeout(this.options.autoscalers(), this.options.discoverTimeoutMs ?? 5000, 'listing autoscalers');
      return (this.lastAutoscale = [...list].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.workload.localeCompare(b.workload)));
    } catch {
      return this.lastAutoscale;
    }
  }

  /** Refreshes now, then every interval (measured start to start; a slow refresh delays the next, never doubles up). */
  start(onSnapshot: (snapshot: TopSnapshot) => void): () => void {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async (): Promise<void> => {
      const began = Date.now();
      const snapshot = await this.refresh();
      if (stopped) return;
      onSnapshot(snapshot);
      timer = setTimeout(() => void tick(), Math.max(0, this.options.intervalMs - (Date.now() - began)));
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000}s`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

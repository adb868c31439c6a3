import { histogramDelta, histogramQuantile, mergeHistograms, type Histogram } from '../../src/servers/histogram.js';
import type { ReplicaMetrics } from '../../src/servers/metrics.js';
import { ratePerSecond, TOKEN_RATE_WINDOW_MS, trimToWindow } from '../../src/servers/rate.js';
import type { AutoscaleStatus } from '../autoscale.js';
import type { DetailHistory } from './detail.js';
import type { PickerRequests } from './requests.js';
import type { Scrape } from './scrape.js';
import type { Target } from './targets.js';

// The pure part of `top`: scrapes in, rows and pool summaries out. Rates and latencies cover the interval
// between a replica's previous good scrape and this one (counter and histogram deltas), as Prometheus' rate()
// and histogram_quantile() would; with no previous scrape they are absent, shown as "-". Token rates (tokens/s) cover
// a window of recent scrapes instead (TOKEN_RATE_WINDOW_MS, src/servers/rate.ts): servers that count a request's
// tokens when it finishes would otherwise show spikes and zeros.

/** A replica's recent good scrapes, oldest first (what rememberScrapes keeps for the next refresh). */
export type ScrapeHistory = readonly Scrape[];

/** One replica as the view shows it. Figures are absent when the server does not export them or no interval is known yet. */
export interface ReplicaRow extends Pick<Target, 'id' | 'namespace' | 'name' | 'node' | 'accelerator'> {
  /** `namespace/deployment` for pods; the served model name for endpoints. */
  readonly pool: string;
  readonly dialect: ReplicaMetrics['dialect'];
  readonly reachable: boolean;
  /** Why the replica is unreachable. */
  readonly reason?: string;
  /** 0..1 */
  readonly kvCacheUsage?: number;
  readonly running?: number;
  readonly waiting?: number;
  readonly generationTokensPerSecond?: number;
  readonly promptTokensPerSecond?: number;
  readonly ttftP50Ms?: number;
  readonly ttftP99Ms?: number;
  /** Prefix-cache hits / queries (tokens) over the interval, 0..1. */
  readonly prefixCacheHitRate?: number;
  /** Since the server started (a counter). */
  readonly preemptionsTotal?: number;
}

/** One line per model/pool: the sum or spread of its replicas. */
export interface PoolSummary {
  readonly pool: string;
  readonly replicas: number;
  readonly unreachable: number;
  readonly kvCacheMean?: number;
  readonly kvCacheMax?: number;
  readonly running: number;
  readonly waiting: number;
  readonly generationTokensPerSecond?: number;
  /** Quantiles of the pool's merged TTFT histogram deltas, not an average of replicas' quantiles. */
  readonly ttftP50Ms?: number;
  readonly ttftP99Ms?: number;
  readonly prefixCacheHitRate?: number;
}

/** What one refresh shows. */
export interface TopSnapshot {
  readonly atMs: number;
  readonly rows: readonly ReplicaRow[];
  readonly pools: readonly PoolSummary[];
  /** The HPAs of autoscaled Deployments (`deploy --autoscale`), by namespace and name; absent when there are none. */
  readonly autoscale?: readonly AutoscaleStatus[];
  /** A refresh-wide problem (listing pods failed): the rows are the last good ones. */
  readonly problem?: string;
  /** Per replica id, what its drill-down shows (histories top kept); the live view only. */
  readonly details?: ReadonlyMap<string, DetailHistory>;
  /** The picker's recent requests per endpoint (--picker), for the drill-down. */
  readonly requests?: PickerRequests;
  /** Per replica id, its `host:port` (how the picker names it). */
  readonly addresses?: ReadonlyMap<string, string>;
}

/** What an interval adds up to, kept per replica so pools can sum them. */
interface Interval {
  readonly ttft?: Histogram;
  readonly prefixQueries?: number;
  readonly prefixHits?: number;
}

/** Row KV-cache thresholds (the issue's): over 80 % warns (yellow), over 95 % or unreachable is critical (red). */
export const KV_WARNING = 0.8;
export const KV_CRITICAL = 0.95;

export type Severity = 'ok' | 'warning' | 'critical';

export function severity(row: Pick<ReplicaRow, 'reachable' | 'kvCacheUsage'>): Severity {
  if (!row.reachable || (row.kvCacheUsage ?? 0) > KV_CRITICAL) return 'critical';
  return (row.kvCacheUsage ?? 0) > KV_WARNING ? 'warning' : 'ok';
}

/** A counter's increase; undefined when unknown or reset (the server restarted: the counter went down). */
function increase(now: number | undefined, before: number | undefined): number | undefined {
  if (now === undefined || before === undefined || now < before) return undefined;
  return now - before;
}

const ms = (seconds: number | undefined): number | undefined => (seconds === undefined ? undefined : seconds * 1000);

function replica(current: Scrape, history: ScrapeHistory | undefined): { row: ReplicaRow; interval: Interval } {
  const previous = history?.at(-1);
  const t = current.target;
  const m = current.metrics;
  const pool = t.pool ? (t.namespace ? `${t.namespace}/${t.pool}` : t.pool) : (m?.models[0] ?? '-');
  const identity = { id: t.id, namespace: t.namespace, name: t.name, node: t.node, accelerator: t.accelerator, pool };
  if (!m) {
    return { row: { ...identity, dialect: 'unknown', reachable: false, reason: current.error ?? 'no metrics' }, interval: {} };
  }
  const before = previous?.metrics;
  const seconds = previous ? (current.atMs - previous.atMs) / 1000 : 0;
  const window = previous && seconds > 0 ? trimToWindow([...(history ?? []), current], TOKEN_RATE_WINDOW_MS) : [];
  const rate = (counter: (m: ReplicaMetrics) => number | undefined): number | undefined => ratePerSecond(window, (s) => (s.metrics ? counter(s.metrics) : undefined));
  const ttft = histogramDelta(m.ttftSeconds, before?.ttftSeconds);
  const prefixQueries = increase(m.prefixCacheQueriesTotal, before?.prefixCacheQueriesTotal);
  const prefixHits = increase(m.prefixCacheHitsTotal, before?.prefixCacheHitsTotal);
  const row: ReplicaRow = {
    ...identity,
    dialect: m.dialect,
    reachable: true,
    kvCacheUsage: m.kvCacheUsage,
    running: m.running,
    waiting: m.waiting,
    generationTokensPerSecond: rate((x) => x.generationTokensTotal),
    promptTokensPerSecond: rate((x) => x.promptTokensTotal),
    ttftP50Ms: ttft ? ms(histogramQuantile(0.5, ttft)) : undefined,
    ttftP99Ms: ttft ? ms(histogramQuantile(0.99, ttft)) : undefined,
    prefixCacheHitRate: prefixQueries !== undefined && prefixQueries > 0 && prefixHits !== undefined ? Math.min(1, prefixHits / prefixQueries) : undefined,
    preemptionsTotal: m.preemptionsTotal,
  };
  return { row: dropUndefined(row), interval: { ttft, prefixQueries, prefixHits } };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Rows and pool summaries from this refresh's scrapes and each replica's previous good scrape (by target id).
 * Pools come in name order; rows in scrape order (the view sorts).
 */
export function buildSnapshot(scrapes: readonly Scrape[], previous: ReadonlyMap<string, ScrapeHistory>, atMs: number): TopSnapshot {
  const replicas = scrapes.map((s) => replica(s, previous.get(s.target.id)));
  const byPool = new Map<string, typeof replicas>();
  for (const r of replicas) {
    const list = byPool.get(r.row.pool) ?? [];
    list.push(r);
    byPool.set(r.row.pool, list);
  }
  const pools = [...byPool.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([pool, list]) => summarize(pool, list));
  return { atMs, rows: replicas.map((r) => r.row), pools };
}

function summarize(pool: string, list: readonly { row: ReplicaRow; interval: Interval }[]): PoolSummary {
  const up = list.filter((r) => r.row.reachable);
  const kv = up.map((r) => r.row.kvCacheUsage).filter((v): v is number => v !== undefined);
  const tokens = up.map((r) => r.row.generationTokensPerSecond).filter((v): v is number => v !== undefined);
  const ttft = mergeHistograms(up.map((r) => r.interval.ttft).filter((h): h is Histogram => h !== undefined));
  const queries = up.reduce((a, r) => a + (r.interval.prefixQueries ?? 0), 0);
  const hits = up.reduce((a, r) => a + (r.interval.prefixHits ?? 0), 0);
  return dropUndefined({
    pool,
    replicas: list.length,
    unreachable: list.length - up.length,
    kvCacheMean: kv.length > 0 ? kv.reduce((a, v) => a + v, 0) / kv.length : undefined,
    kvCacheMax: kv.length > 0 ? Math.max(...kv) : undefined,
    running: up.reduce((a, r) => a + (r.row.running ?? 0), 0),
    waiting: up.reduce((a, r) => a + (r.row.waiting ?? 0), 0),
    generationTokensPerSecond: tokens.length > 0 ? tokens.reduce((a, v) => a + v, 0) : undefined,
    ttftP50Ms: ttft ? ms(histogramQuantile(0.5, ttft)) : undefined,
    ttftP99Ms: ttft ? ms(histogramQuantile(0.99, ttft)) : undefined,
    prefixCacheHitRate: queries > 0 ? Math.min(1, hits / queries) : undefined,
  });
}

/**
 * Each replica's good scrapes over the token-rate window (the latest last), for the next refresh's deltas and rates;
 * a failed scrape keeps what there was; replicas gone from the targets are dropped.
 */
export function rememberScrapes(previous: ReadonlyMap<string, ScrapeHistory>, scrapes: readonly Scrape[]): Map<string, ScrapeHistory> {
  const next = new Map<string, ScrapeHistory>();
  for (const s of scrapes) {
    const before = previous.get(s.target.id) ?? [];
    const keep = s.metrics ? trimToWindow([...before, s], TOKEN_RATE_WINDOW_MS) : before;
    if (keep.length > 0) next.set(s.target.id, keep);
  }
  return next;
}

/** Sort columns `s` cycles through, in order; `name` ascends, figures descend (busiest first). */
export const SORT_KEYS = ['name', 'kv', 'waiting', 'tokens', 'ttft'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export const SORT_LABELS: Record<SortKey, string> = { name: 'name', kv: 'KV %', waiting: 'waiting', tokens: 'tokens/s', ttft: 'TTFT p99' };

/** The sort column after `key` (`s`), or before it with `by` -1 (`S`). */
export function nextSortKey(key: SortKey, by: 1 | -1 = 1): SortKey {
  return SORT_KEYS[(SORT_KEYS.indexOf(key) + by + SORT_KEYS.length) % SORT_KEYS.length]!;
}

const FIGURE: Record<Exclude<SortKey, 'name'>, (r: ReplicaRow) => number | undefined> = {
  kv: (r) => r.kvCacheUsage,
  waiting: (r) => r.waiting,
  tokens: (r) => r.generationTokensPerSecond,
  ttft: (r) => r.ttftP99Ms,
};

const byName = (a: ReplicaRow, b: ReplicaRow): number => a.pool.localeCompare(b.pool) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);

/**
 * Rows sorted by `key` (name ascending, figures descending; `reversed` turns either round); rows without the
 * figure (unreachable, not exported) go last either way, ties by name.
 */
export function sortRows(rows: readonly ReplicaRow[], key: SortKey, reversed = false): ReplicaRow[] {
  const sign = reversed ? -1 : 1;
  if (key === 'name') return [...rows].sort((a, b) => sign * byName(a, b));
  const figure = FIGURE[key];
  return [...rows].sort((a, b) => {
    const x = figure(a);
    const y = figure(b);
    if (x === undefined || y === undefined) return x === y ? byName(a, b) : x === undefined ? 1 : -1;
    return sign * (y - x) || byName(a, b);
  });
}

/** Rows whose pod, node, accelerator, pool, namespace or status contains `text` (case-insensitive). */
export function filterRows(rows: readonly ReplicaRow[], text: string): ReplicaRow[] {
  const needle = text.trim().toLowerCase();
  if (needle === '') return [...rows];
  return rows.filter((r) => [r.name, r.node, r.accelerator, r.pool, r.namespace, r.reason ?? ''].some((f) => f.toLowerCase().includes(needle)));
}

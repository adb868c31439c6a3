import type { Histogram } from '../../src/servers/metrics.js';
import { trimToWindow } from '../../src/servers/rate.js';
import type { Scrape } from './scrape.js';
import { histogramDelta } from '../../src/servers/histogram.js';

// What the drill-down into one replica shows, kept by top itself from its own scrapes: the server's TTFT and
// inter-token-latency histograms over a recent window (deltas of the cumulative Prometheus histograms, so "recent",
// not "since the server started"), and KV-cache use at every refresh for a sparkline.

/** How far back the detail's histograms reach: 60 s, thirty of top's 2 s refreshes (enough requests to read a shape). */
export const DETAIL_WINDOW_MS = 60_000;
/** KV-cache points kept per replica: 240 refreshes (8 minutes at 2 s), more than an 80-column sparkline shows. */
export const KV_HISTORY_POINTS = 240;

/** One refresh of one replica: its cumulative histograms (a good scrape) or a gap (a failed one). */
interface HistogramPoint {
  readonly atMs: number;
  readonly ttft?: Histogram;
  readonly itl?: Histogram;
}

/** KV-cache use at one refresh; undefined when the scrape failed or the server exports no KV gauge. */
export interface KvPoint {
  readonly atMs: number;
  readonly usage: number | undefined;
}

/** What top remembers of one replica for its detail. */
export interface DetailHistory {
  /** Good scrapes over DETAIL_WINDOW_MS (and the one just before it), oldest first. */
  readonly histograms: readonly HistogramPoint[];
  /** The last KV_HISTORY_POINTS refreshes, oldest first, gaps included. */
  readonly kv: readonly KvPoint[];
}

/** The detail of one replica at the latest refresh. */
export interface ReplicaDetail {
  /** Seconds the histograms cover (from the window's base scrape to the latest); 0 before a second scrape. */
  readonly windowSeconds: number;
  /** Observations in the window, per bucket (cumulative, as Prometheus keeps them); absent when not exported or no base yet. */
  readonly ttft?: Histogram;
  readonly itl?: Histogram;
  readonly kv: readonly KvPoint[];
}

/** Each replica's detail history after this refresh's scrapes; replicas gone from the targets are dropped. */
export function rememberDetails(previous: ReadonlyMap<string, DetailHistory>, scrapes: readonly Scrape[]): Map<string, DetailHistory> {
  const next = new Map<string, DetailHistory>();
  for (const s of scrapes) {
    const before = previous.get(s.target.id) ?? { histograms: [], kv: [] };
    const m = s.metrics;
    const histograms = m
      ? trimToWindow([...before.histograms, { atMs: s.atMs, ...(m.ttftSeconds ? { ttft: m.ttftSeconds } : {}), ...(m.itlSeconds ? { itl: m.itlSeconds } : {}) }], DETAIL_WINDOW_MS)
      : before.histograms;
    const kv = [...before.kv, { atMs: s.atMs, usage: m?.kvCacheUsage }].slice(-KV_HISTORY_POINTS);
    next.set(s.target.id, { histograms, kv });
  }
  return next;
}

/** The detail a history gives: histogram deltas from the oldest scrape since the server last restarted, to the latest. */
export function replicaDetail(history: DetailHistory | undefined): ReplicaDetail {
  if (!history) return { windowSeconds: 0, kv: [] };
  const points = history.histograms;
  const newest = points.at(-1);
  const base = sinceReset(points);
  if (!newest || !base || base === newest) return { windowSeconds: 0, kv: history.kv };
  const ttft = histogramDelta(newest.ttft, base.ttft);
  const itl = histogramDelta(newest.itl, base.itl);
  return { windowSeconds: (newest.atMs - base.atMs) / 1000, ...(ttft ? { ttft } : {}), ...(itl ? { itl } : {}), kv: history.kv };
}

/** The oldest point from which no histogram count went down up to the newest (a restart starts the window again). */
function sinceReset(points: readonly HistogramPoint[]): HistogramPoint | undefined {
  let base = points.at(-1);
  for (let i = points.length - 2; i >= 0; i--) {
    const older = points[i]!;
    const newer = points[i + 1]!;
    const wentDown = (a: Histogram | undefined, b: Histogram | undefined): boolean => a !== undefined && b !== undefined && b.count < a.count;
    if (wentDown(older.ttft, newer.ttft) || wentDown(older.itl, newer.itl)) break;
    base = older;
  }
  return base;
}

const SPARKS = '▁▂▃▄▅▆▇█';

/**
 * KV-cache use as one character per refresh, newest at the right, at most `width` of them: ▁ empty … █ full (a fixed
 * 0..1 scale, so a flat line reads the same on every replica); a space where the scrape failed. `ascii` uses 0-9 and '-'.
 */
export function sparkline(points: readonly KvPoint[], width: number, ascii = false): string {
  return points.slice(-Math.max(0, width)).map((p) => {
    if (p.usage === undefined) return ascii ? '-' : ' ';
    const level = Math.max(0, Math.min(1, p.usage));
    return ascii ? String(Math.min(9, Math.floor(level * 10))) : SPARKS[Math.min(SPARKS.length - 1, Math.floor(level * SPARKS.length))]!;
  }).join('');
}

/** One bucket as the detail shows it: its upper bound and the observations in it alone (not cumulative). */
export interface BucketCount {
  readonly le: number;
  readonly count: number;
}

/**
 * The buckets to draw: per-bucket counts from the first to the last non-empty one, at most `rows` of them; when
 * there are more, neighbouring buckets merge (bounds drop from the cumulative counts, so counts stay exact).
 */
export function bucketRows(h: Histogram, rows: number): BucketCount[] {
  let cumulative: readonly (readonly [number, number])[] = h.buckets;
  const counts = (c: typeof cumulative): BucketCount[] => c.map(([le, n], i) => ({ le, count: n - (i === 0 ? 0 : c[i - 1]![1]) }));
  const first = counts(cumulative).findIndex((b) => b.count > 0);
  if (first < 0) return [];
  const lastNonEmpty = counts(cumulative).findLastIndex((b) => b.count > 0);
  // Keep the bucket below the first non-empty one as its lower edge: counts of the kept range stay per bucket.
  const below = first > 0 ? cumulative[first - 1]![1] : 0;
  cumulative = cumulative.slice(first, lastNonEmpty + 1).map(([le, n]) => [le, n - below] as const);
  const limit = Math.max(1, rows);
  while (cumulative.length > limit) cumulative = cumulative.filter((_, i, all) => i % 2 === 1 || i === all.length - 1);
  return counts(cumulative);
}

/** `≤50ms`, `≤2.5s`, `>80s` (the +Inf bucket: above the last finite bound). */
export function boundLabel(le: number, lastFiniteSeconds: number): string {
  if (le === Infinity) return `>${secondsLabel(lastFiniteSeconds)}`;
  return `≤${secondsLabel(le)}`;
}

function secondsLabel(seconds: number): string {
  if (seconds < 1) return `${Number((seconds * 1000).toPrecision(3))}ms`;
  return `${Number(seconds.toPrecision(3))}s`;
}

/**
 * A histogram as text lines `  ≤50ms ██████        12`: one per bucket (bucketRows), bars scaled to the fullest
 * bucket within `width` columns in all. `ascii` draws '#'.
 */
export function histogramLines(h: Histogram | undefined, options: { rows: number; width: number; ascii?: boolean }): string[] {
  if (!h || h.count === 0) return [];
  const rows = bucketRows(h, options.rows);
  const finite = h.buckets.filter(([le]) => le !== Infinity).at(-1)?.[0] ?? 0;
  const labels = rows.map((b) => boundLabel(b.le, finite));
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const countWidth = Math.max(...rows.map((b) => String(b.count).length));
  const barWidth = Math.max(1, options.width - labelWidth - countWidth - 2);
  const most = Math.max(...rows.map((b) => b.count));
  return rows.map((b, i) => {
    const filled = b.count === 0 ? 0 : Math.max(1, Math.round((b.count / most) * barWidth));
    const bar = (options.ascii ? '#' : '█').repeat(filled).padEnd(barWidth);
    return `${labels[i]!.padStart(labelWidth)} ${bar} ${String(b.count).padStart(countWidth)}`;
  });
}

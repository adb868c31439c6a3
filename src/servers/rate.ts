// Rates of counters over a window of scrapes rather than between the last two.
//
// Some servers add to a counter in steps: llm-d-inference-sim v0.10.2 and TGI add a request's generated tokens when
// the request finishes (pkg/llm-d-inference-sim/metrics.go recordRequestMetricsOnSuccess; TGI's
// tgi_request_generated_tokens histogram), so between two scrapes 100 ms apart the increase is either 0 or a whole
// request's tokens: a rate over that interval swings between 0 and many times the true speed. Over a window of
// several seconds the steps average out (a rate's error is about one request's tokens / window), and for a server
// that counts every token as it goes (vLLM, kinfer-sim) the window changes nothing but the lag.

/** How far back a token rate reaches (top's tokens/s, the picker's decode speed): 10 s, five of top's 2 s refreshes. */
export const TOKEN_RATE_WINDOW_MS = 10_000;

/**
 * How far back the prefill fit reaches (prefillFit): 300 s. Its sums move once per finished request, and a slow
 * replica at 4 sequences finishes a few requests in 10 s; the fit needs requests of different prompt lengths, and
 * prefix hits counted at admission line up with the sums counted at finish only over many requests: over 60 s a
 * kinfer-sim L4's real scrapes fit in 136 of 270 windows (2,921–25,499 tokens/s), over 300 s in 258 (3,403–3,776;
 * its speed ~3,770; test/src/servers/fixtures/prefill-scrapes.ts). A replica's speed does not change over minutes.
 */
export const PREFILL_WINDOW_MS = 300_000;

export interface Timed {
  readonly atMs: number;
}

/**
 * The points a rate over `windowMs` still needs, oldest first: every point after the window's start and the newest
 * one at or before it (the base the rate is measured from), so the rate covers at least the window once it is full,
 * and the whole gap when scrapes failed in between. `points` must be in time order.
 */
export function trimToWindow<T extends Timed>(points: readonly T[], windowMs: number): T[] {
  const newest = points.at(-1);
  if (newest === undefined) return [];
  const start = newest.atMs - windowMs;
  let base = 0;
  for (let i = 0; i < points.length; i++) if ((points[i] as T).atMs <= start) base = i;
  return points.slice(base);
}

/** Spacing of the points kept older than the token-rate window: the prefill fit needs no finer intervals (its real scrapes in test/src/servers/fixtures were 1 s apart). */
export const PREFILL_POINT_SPACING_MS = 1000;

/**
 * The points kept for the next scrape: every point of the last `keepAllMs`, and older ones at least `spacingMs`
 * apart (oldest first), within `windowMs` as trimToWindow keeps it. A 300 s window of 100 ms scrapes is 3,000
 * points per endpoint, copied and refitted at every scrape; thinned, about 400.
 */
export function thinHistory<T extends Timed>(points: readonly T[], windowMs: number, keepAllMs: number, spacingMs: number): T[] {
  const trimmed = trimToWindow(points, windowMs);
  const newest = trimmed.at(-1);
  if (newest === undefined) return [];
  const out: T[] = [];
  for (const point of trimmed) {
    const last = out.at(-1);
    if (last === undefined || point.atMs > newest.atMs - keepAllMs || point.atMs - last.atMs >= spacingMs) out.push(point);
  }
  return out;
}

/**
 * Increase per second of a counter from the first to the last point (oldest first). A decrease means the server
 * restarted: the rate then starts at the point after it. Undefined when the counter is absent at either end, or
 * fewer than two usable points or no time lie between them.
 */
export function ratePerSecond<T extends Timed>(points: readonly T[], value: (point: T) => number | undefined): number | undefined {
  const last = points.at(-1);
  if (last === undefined) return undefined;
  const lastValue = value(last);
  if (lastValue === undefined) return undefined;
  let first = points.length - 1;
  let firstValue = lastValue;
  for (let i = points.length - 2; i >= 0; i--) {
    const v = value(points[i] as T);
    if (v === undefined || v > firstValue) break;
    first = i;
    firstValue = v;
  }
  const seconds = (last.atMs - (points[first] as T).atMs) / 1000;
  return seconds > 0 ? (lastValue - firstValue) / seconds : undefined;
}

/** Output-token gaps a decode speed needs before it is read (about one 20-token answer). */
export const MIN_DECODE_GAPS = 20;

/** Cumulative inter-token-latency sums of one scrape: the histogram's `_sum` (seconds) and `_count` (gaps). */
export interface DecodePoint extends Timed {
  readonly itlSecondsTotal?: number;
  readonly itlGapsTotal?: number;
}

/**
 * Output tokens per second one running sequence receives, over `points` (trimToWindow's): the inter-token gaps
 * observed ÷ their seconds, which is 1 / the mean gap. Unlike generated tokens ÷ running, it does not fall while the
 * replica idles (an H100 answering one short request in a 10 s window reads its real ~200 tokens/s, not 40). Undefined
 * under MIN_DECODE_GAPS gaps, or when the sums went down (a restart) within the window.
 */
export function decodeSpeed(points: readonly DecodePoint[]): number | undefined {
  const first = points[0];
  const last = points.at(-1);
  if (first === undefined || last === undefined) return undefined;
  if (first.itlSecondsTotal === undefined || first.itlGapsTotal === undefined || last.itlSecondsTotal === undefined || last.itlGapsTotal === undefined) return undefined;
  const gaps = last.itlGapsTotal - first.itlGapsTotal;
  const seconds = last.itlSecondsTotal - first.itlSecondsTotal;
  if (gaps < MIN_DECODE_GAPS || !(seconds > 0)) return undefined;
  return gaps / seconds;
}

/** Cumulative prefill sums of one scrape (src/servers/metrics.ts ReplicaMetrics). */
export interface PrefillPoint extends Timed {
  readonly prefillSecondsTotal?: number;
  /** Requests observed by the prefill-time histogram (its `_count`). */
  readonly prefillRequestsTotal?: number;
  readonly requestPromptTokensTotal?: number;
  /** Requests observed by the prompt-token histogram (its `_count`); absent: taken as equal to prefillRequestsTotal. */
  readonly requestPromptRequestsTotal?: number;
  readonly prefixCacheQueriesTotal?: number;
  readonly prefixCacheHitsTotal?: number;
}

/** A replica's prefill time as a line: `fixedSeconds + computed prompt tokens / tokensPerSecond` per request. */
export interface PrefillFit {
  readonly tokensPerSecond: number;
  /** What a request costs whatever its computed tokens: one engine step (kinfer-sim, vLLM), a set overhead (llm-d-inference-sim). */
  readonly fixedSeconds: number;
}

/**
 * Fewest computed prompt tokens and finished requests before a fit is trusted: with less, one request's prompt
 * and its share of prefix hits set the figure (the 29 and 170,879 tokens/s read in docs/benchmarks.md came from
 * windows of a few mostly cached requests).
 */
export const PREFILL_FIT_MIN_TOKENS = 2000;
export const PREFILL_FIT_MIN_REQUESTS = 4;
/** How many standard errors the per-token slope must stand above zero (about 95% one-sided at 3). */
const SLOPE_STANDARD_ERRORS = 3;
/**
 * Least share of the mean request's predicted prefill time its prompt tokens must make: below it the fixed cost is
 * nearly all of the time and the slope is whatever the scatter leaves (19,168,854 and 715,003 tokens/s were held for
 * an H100 and an L4 at 0.75 req/s in docs/benchmarks.md, where one 7 ms or 76 ms engine step per request was all the
 * prefill the window saw).
 */
export const PREFILL_FIT_MIN_TOKEN_SHARE = 0.1;
/** Refits over the intervals on or above the line, until none drops out or too few are left. */
const ENVELOPE_ROUNDS = 6;
/** Below this the per-request cost and the per-token cost cannot be told apart (every request computed about as many tokens). */
const MIN_RELATIVE_DETERMINANT = 0.02;

/**
 * A replica's prefill speed, with the fixed cost of a request kept apart from the per-token work, fitted over the
 * requests that finished between the first and the last point (oldest first).
 *
 * Each scrape interval in which requests finished is one observation: its prefill seconds (y), the requests counted
 * (n) and their prompt tokens (p). A sum over whole requests divides both costs by the tokens: a mostly cached
 * prompt that costs one engine step for twenty computed tokens then reads as a very slow replica. Which share of
 * each prompt was computed is not on the page: prefix-cache hits are counted at admission, tens of seconds before
 * the sums on a slow replica, and a follow-up turn computes twenty tokens of a 3,000-token prompt where a new
 * question computes all but the system prompt, so one hit share spread over the intervals is wrong both ways. But
 * a cached prompt only ever takes less time than its length says: the least cached requests lie on the upper edge
 * of (p, y), on the line `y = α·n + p / speed` (α: the fixed cost less the shared prefix's prefill). So a least
 * squares line, then again over the intervals on or above it while enough remain (an upper envelope); the fixed cost is α plus
 * the prefill of the mean cached prompt share (hits ÷ queries over the span, counted alike).
 *
 * Guards: at least PREFILL_FIT_MIN_TOKENS prompt tokens and PREFILL_FIT_MIN_REQUESTS finished in the envelope;
 * intervals whose prompts were all alike (no spread to separate the two costs) give the ratio of the sums; no time
 * per token gives no speed. A sum that goes down (a restart) restarts the span. Undefined: not enough data, or no
 * `_count`/sums.
 */
export function prefillFit(points: readonly PrefillPoint[]): PrefillFit | undefined {
  // The usable span: the longest run at the end whose sums are present and never go down.
  const sums = (p: PrefillPoint): [number, number, number] | undefined =>
    p.prefillSecondsTotal === undefined || p.prefillRequestsTotal === undefined || p.requestPromptTokensTotal === undefined
      ? undefined : [p.prefillSecondsTotal, p.prefillRequestsTotal, p.requestPromptTokensTotal];
  let start = points.length - 1;
  if (start < 1 || sums(points[start] as PrefillPoint) === undefined) return undefined;
  while (start > 0) {
    const a = sums(points[start - 1] as PrefillPoint);
    const b = sums(points[start] as PrefillPoint) as [number, number, number];
    if (a === undefined || a[0] > b[0] || a[1] > b[1] || a[2] > b[2]) break;
    start--;
  }
  // llm-d-inference-sim v0.10.2 observes the prefill time at the first token (pkg/llm-d-inference-sim/context.go) and
  // the prompt tokens at the finish (metrics.go recordRequestMetricsOnSuccess): its prefill `_count` leads the prompt
  // `_count` by the requests in decode, and between two scrapes its prefill sum and its prompt sum belong to
  // different requests (intervals of 2 requests and 0 prompt tokens, read from a real one:
  // test/src/servers/fixtures/prefill-scrapes.ts). Its prefix-cache queries and hits are counted at admission
  // (pkg/kv-cache/kv_cache.go), a prefill before the first token: with those, each interval's computed tokens are
  // known, and the line needs no envelope.
  const lead = (p: PrefillPoint): number => (p.prefillRequestsTotal as number) - (p.requestPromptRequestsTotal ?? (p.prefillRequestsTotal as number));
  const span = points.slice(start);
  // Two points at least: vLLM observes both in one loop, and a scrape between the two observations shows one lead.
  if (span.filter((p) => lead(p) > 0).length >= 2) {
    const computed = firstTokenFit(span);
    if (computed !== 'no cache counters') return computed;
  }
  // Otherwise intervals between aligned points only: where the prefill `_count` leads the prompt `_count` by no more
  // than its least lead over the span, both sums cover the same requests (less any never finished: a lead that
  // stays). A server that observes both at the finish (vLLM, kinfer-sim) is aligned at every point.
  const leastLead = Math.min(...span.map(lead));
  const aligned = span.flatMap((p, i) => (lead(p) === leastLead ? [start + i] : []));
  const intervals: { n: number; p: number; y: number }[] = [];
  for (let k = 1; k < aligned.length; k++) {
    const [s0, n0, p0] = sums(points[aligned[k - 1] as number] as PrefillPoint) as [number, number, number];
    const [s1, n1, p1] = sums(points[aligned[k] as number] as PrefillPoint) as [number, number, number];
    if (n1 > n0) intervals.push({ n: n1 - n0, p: p1 - p0, y: s1 - s0 });
  }
  let line = fitLine(intervals);
  let kept = intervals;
  for (let round = 0; round < ENVELOPE_ROUNDS && line !== undefined; round++) {
    const { alpha, perToken } = line;
    const upper = kept.filter((o) => o.y >= alpha * o.n + perToken * o.p);
    const next = upper.length < kept.length ? fitLine(upper) : undefined;
    if (next === undefined) break;
    line = next;
    kept = upper;
  }
  if (line === undefined || !(line.perToken > 0) || !significant(kept, line)) return undefined;
  if (!tokensCount(kept, line)) return undefined;
  const first = points[start] as PrefillPoint;
  const last = points.at(-1) as PrefillPoint;
  const queries = (last.prefixCacheQueriesTotal ?? 0) - (first.prefixCacheQueriesTotal ?? 0);
  const hits = (last.prefixCacheHitsTotal ?? 0) - (first.prefixCacheHitsTotal ?? 0);
  const hitShare = queries > 0 && hits >= 0 && hits <= queries ? hits / queries : 0;
  const meanPrompt = intervals.reduce((a, o) => a + o.p, 0) / intervals.reduce((a, o) => a + o.n, 0);
  return { tokensPerSecond: 1 / line.perToken, fixedSeconds: Math.max(0, line.alpha + hitShare * meanPrompt * line.perToken) };
}

/**
 * The fit of a server that observes the prefill time at the first token: over each run of scrapes up to one in
 * which a prefill finished, `y = fixed·n + perToken·c`, c the prefix-cache queries less hits (the computed tokens)
 * admitted over the same run. 'no cache counters' when the page has no queries or hits to count them with.
 */
function firstTokenFit(span: readonly PrefillPoint[]): PrefillFit | undefined | 'no cache counters' {
  if (span.some((p) => p.prefixCacheQueriesTotal === undefined || p.prefixCacheHitsTotal === undefined)) return 'no cache counters';
  const computedTokens = (p: PrefillPoint): number => (p.prefixCacheQueriesTotal as number) - (p.prefixCacheHitsTotal as number);
  const intervals: { n: number; p: number; y: number }[] = [];
  let base = span[0] as PrefillPoint;
  for (const point of span.slice(1)) {
    const n = (point.prefillRequestsTotal as number) - (base.prefillRequestsTotal as number);
    if (n <= 0) continue;
    const c = computedTokens(point) - computedTokens(base);
    if (c < 0) return undefined; // the cache counters went down: a restart the sums did not show
    intervals.push({ n, p: c, y: (point.prefillSecondsTotal as number) - (base.prefillSecondsTotal as number) });
    base = point;
  }
  const line = fitLine(intervals);
  if (line === undefined || !(line.perToken > 0) || !significant(intervals, line) || !tokensCount(intervals, line)) return undefined;
  return { tokensPerSecond: 1 / line.perToken, fixedSeconds: Math.max(0, line.alpha) };
}

/** The mean request's tokens make at least PREFILL_FIT_MIN_TOKEN_SHARE of its predicted prefill time. */
function tokensCount(intervals: readonly { n: number; p: number; y: number }[], line: { alpha: number; perToken: number }): boolean {
  const requests = intervals.reduce((a, o) => a + o.n, 0);
  const tokenSeconds = (line.perToken * intervals.reduce((a, o) => a + o.p, 0)) / requests;
  return tokenSeconds >= PREFILL_FIT_MIN_TOKEN_SHARE * (Math.max(0, line.alpha) + tokenSeconds);
}

/**
 * The per-token slope stands out from the scatter: at least SLOPE_STANDARD_ERRORS standard errors above zero. A
 * few requests of a fast replica, whose prefill seconds are mostly its engine steps, otherwise give any slope
 * (millions of tokens per second were read from four H100 requests).
 */
function significant(intervals: readonly { n: number; p: number; y: number }[], line: { alpha: number; perToken: number }): boolean {
  if (intervals.length <= 2) return false;
  let snn = 0, snp = 0, spp = 0, rss = 0;
  for (const { n, p, y } of intervals) {
    snn += n * n; snp += n * p; spp += p * p;
    rss += (y - line.alpha * n - line.perToken * p) ** 2;
  }
  const det = snn * spp - snp * snp;
  if (!(det > 0)) return true; // the ratio of the sums: nothing to separate
  const standardError = Math.sqrt(((rss / (intervals.length - 2)) * snn) / det);
  return line.perToken >= SLOPE_STANDARD_ERRORS * standardError;
}

/** Least squares of `y = alpha·n + perToken·p` (no intercept); undefined below the guards. */
function fitLine(intervals: readonly { n: number; p: number; y: number }[]): { alpha: number; perToken: number } | undefined {
  let snn = 0, snp = 0, spp = 0, sny = 0, spy = 0, sn = 0, sp = 0, sy = 0;
  for (const { n, p, y } of intervals) {
    snn += n * n; snp += n * p; spp += p * p; sny += n * y; spy += p * y;
    sn += n; sp += p; sy += y;
  }
  if (sn < PREFILL_FIT_MIN_REQUESTS || sp < PREFILL_FIT_MIN_TOKENS || !(sy > 0)) return undefined;
  const det = snn * spp - snp * snp;
  if (det <= MIN_RELATIVE_DETERMINANT * snn * spp) return { alpha: 0, perToken: sy / sp };
  return { alpha: (sny * spp - spy * snp) / det, perToken: (spy * snn - sny * snp) / det };
}

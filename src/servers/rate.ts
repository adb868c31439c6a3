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

/** Cumulative prefill sums of one scrape (src/servers/metrics.ts ReplicaMetrics). */
export interface PrefillPoint extends Timed {
  readonly prefillSecondsTotal?: number;
  readonly requestPromptTokensTotal?: number;
  readonly prefixCacheQueriesTotal?: number;
  readonly prefixCacheHitsTotal?: number;
}

/**
 * Prompt tokens one request's prefill computes per second, over the requests that finished between the first and
 * the last point: prompt tokens × (1 − prefix-cache hit rate) / seconds in prefill. The prefill seconds and prompt
 * sums are observed together as a request finishes, but hits and queries are counted at admission, which on a slow
 * replica comes tens of seconds earlier: their ratio over the same window (both counted at admission, so consistent)
 * gives the share of the finished prompts that was not computed, where subtracting hits from prompt tokens would mix
 * two sets of requests. Without prefix-cache counters the prompt tokens count whole (a speed too high where prefixes
 * hit). Undefined when no request finished in between, a sum is absent at either end, a sum went down (a restart),
 * or every queried token hit.
 */
export function prefillTokensPerSecond(points: readonly PrefillPoint[]): number | undefined {
  const first = points[0];
  const last = points.at(-1);
  if (first === undefined || last === undefined || first === last) return undefined;
  const delta = (value: (p: PrefillPoint) => number | undefined): number | undefined => {
    const a = value(first);
    const b = value(last);
    return a === undefined || b === undefined || b < a ? undefined : b - a;
  };
  const seconds = delta((p) => p.prefillSecondsTotal);
  const prompt = delta((p) => p.requestPromptTokensTotal);
  if (seconds === undefined || prompt === undefined || !(seconds > 0) || !(prompt > 0)) return undefined;
  const queries = delta((p) => p.prefixCacheQueriesTotal);
  const hits = delta((p) => p.prefixCacheHitsTotal);
  const hitRate = queries !== undefined && hits !== undefined && queries > 0 && hits <= queries ? hits / queries : 0;
  const computed = prompt * (1 - hitRate);
  return computed > 0 ? computed / seconds : undefined;
}

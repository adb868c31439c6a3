// Histogram math over Prometheus cumulative buckets, in one place: what a scrape parser returns (metrics.ts),
// what `kubectl inference top` shows per replica and per pool (deltas, merges, quantiles).

export interface Histogram {
  /** Cumulative counts per upper bound, ascending, `+Inf` last. */
  readonly buckets: readonly (readonly [le: number, count: number])[];
  readonly sum: number;
  readonly count: number;
}

/** The observations a histogram gained between two scrapes, per bucket; undefined after a reset. */
export function histogramDelta(now: Histogram | undefined, before: Histogram | undefined): Histogram | undefined {
  if (!now || !before) return undefined;
  const earlier = new Map(before.buckets);
  const buckets = now.buckets.map(([le, count]) => [le, count - (earlier.get(le) ?? 0)] as const);
  if (now.count < before.count || buckets.some(([, d]) => d < 0)) return undefined;
  return { buckets, sum: now.sum - before.sum, count: now.count - before.count };
}

/** Sums histograms bucket by bucket (bounds missing from one count as its next larger bound would: ignored). */
export function mergeHistograms(histograms: readonly Histogram[]): Histogram | undefined {
  if (histograms.length === 0) return undefined;
  const perLe = new Map<number, number>();
  for (const h of histograms) for (const [le, count] of h.buckets) perLe.set(le, (perLe.get(le) ?? 0) + count);
  return {
    buckets: [...perLe.entries()].sort((a, b) => a[0] - b[0]),
    sum: histograms.reduce((a, h) => a + h.sum, 0),
    count: histograms.reduce((a, h) => a + h.count, 0),
  };
}

/**
 * The p-quantile (0..1) of the observations between two scrapes of a histogram (counter deltas), by linear
 * interpolation inside the bucket, as Prometheus' histogram_quantile does. Undefined with no new observations.
 */
export function histogramQuantile(q: number, now: Histogram, before?: Histogram): number | undefined {
  const earlier = new Map(before?.buckets ?? []);
  const deltas = now.buckets.map(([le, count]) => [le, Math.max(0, count - (earlier.get(le) ?? 0))] as const);
  const total = deltas.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let previousLe = 0;
  let previousCount = 0;
  for (const [le, count] of deltas) {
    if (count >= rank) {
      if (le === Infinity) return previousLe;
      const inBucket = count - previousCount;
      return inBucket <= 0 ? le : previousLe + ((le - previousLe) * (rank - previousCount)) / inBucket;
    }
    previousLe = le;
    previousCount = count;
  }
  return previousLe;
}

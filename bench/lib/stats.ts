// Small numeric helpers for benchmark figures.
import { quantile } from '../../src/profiles/measure.js';

/** Nearest-rank percentile of unsorted samples (0 < p ≤ 100); NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  return quantile([...samples].sort((a, b) => a - b), p / 100);
}

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  const max = samples.reduce((m, v) => (v > m ? v : m), Number.NEGATIVE_INFINITY);
  const mean = samples.reduce((s, v) => s + v, 0) / Math.max(1, samples.length);
  return { n: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99), max: samples.length ? max : Number.NaN, mean };
}

/** Milliseconds with sensible precision for a table. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (value < 1) return value.toFixed(3);
  if (value < 100) return value.toFixed(2);
  return value.toFixed(0);
}

export interface Memory {
  /** Resident set size now, MB. */
  readonly rssMB: number;
  readonly heapUsedMB: number;
  /** Largest RSS the process has had so far, MB. */
  readonly maxRssMB: number;
}

const MB = 1024 * 1024;

/** Memory of this process, after a full GC when the process runs with --expose-gc. */
export function memoryAfterGc(): Memory {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  const usage = process.memoryUsage();
  return {
    rssMB: round1(usage.rss / MB),
    heapUsedMB: round1(usage.heapUsed / MB),
    maxRssMB: round1(process.resourceUsage().maxRSS / 1024),
  };
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

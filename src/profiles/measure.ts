import type { PerfPoint } from './profile.js';

// From what a load generator timed to one profile point. Definitions follow inference-perf and vLLM's
// benchmark_serving: TTFT from send to the first token; NTPOT per request = end-to-end latency ÷ output tokens
// (inference-perf's normalized_time_per_output_token); ITL = every gap between consecutive tokens.

/** What one finished request contributes. */
export interface TimedRequest {
  readonly ttftMs: number;
  readonly latencyMs: number;
  /** Output tokens: the server's usage count when it sent one, else the streamed chunks. */
  readonly outputTokens: number;
  readonly gapsMs: readonly number[];
  readonly promptTokens?: number;
}

/** The q-quantile (0..1) of sorted samples, nearest rank; NaN for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const ascending = (values: number[]) => values.sort((a, b) => a - b);

/**
 * One point from a stage's finished requests over `seconds`, divided over `replicas` (the curve is per replica).
 * Undefined when nothing finished.
 */
export function pointFromRequests(requests: readonly TimedRequest[], seconds: number, replicas: number, concurrency?: number): PerfPoint | undefined {
  if (requests.length === 0 || !(seconds > 0)) return undefined;
  const ttft = ascending(requests.map((r) => r.ttftMs));
  const ntpot = ascending(requests.filter((r) => r.outputTokens > 0).map((r) => r.latencyMs / r.outputTokens));
  const gaps = ascending(requests.flatMap((r) => r.gapsMs));
  const tokens = requests.reduce((sum, r) => sum + r.outputTokens, 0);
  return {
    requestRate: requests.length / seconds / replicas,
    // Closed loop: the in-flight count held; open loop: Little's law, rate × mean latency.
    concurrency: (concurrency ?? (requests.length / seconds) * (requests.reduce((s, r) => s + r.latencyMs, 0) / requests.length / 1000)) / replicas,
    outputTokensPerSecond: tokens / seconds / replicas,
    ttftP50Ms: quantile(ttft, 0.5),
    ttftP99Ms: quantile(ttft, 0.99),
    ntpotP50Ms: ntpot.length > 0 ? quantile(ntpot, 0.5) : 0,
    ntpotP99Ms: ntpot.length > 0 ? quantile(ntpot, 0.99) : 0,
    ...(gaps.length > 0 ? { itlP50Ms: quantile(gaps, 0.5) } : {}),
    completedRequests: requests.length,
  };
}

/** Mean prompt and output tokens of the requests (the profile's workload key), rounded. */
export function meanShape(requests: readonly TimedRequest[]): { inputTokens: number; outputTokens: number } | undefined {
  const withPrompt = requests.filter((r) => r.promptTokens !== undefined);
  if (requests.length === 0 || withPrompt.length === 0) return undefined;
  return {
    inputTokens: Math.max(1, Math.round(withPrompt.reduce((s, r) => s + r.promptTokens!, 0) / withPrompt.length)),
    outputTokens: Math.max(1, Math.round(requests.reduce((s, r) => s + r.outputTokens, 0) / requests.length)),
  };
}

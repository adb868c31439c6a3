import { percentile } from './stats.js';
import type { RequestOutcome } from './routing-sim.js';

// Figures of one (policy, rate) run: the Inference Extension benchmark's (p50/p99 TTFT, p99 normalized time per
// output token = end-to-end latency / output tokens, output throughput).

export interface RunFigures {
  readonly policy: string;
  readonly rate: number;
  readonly requests: number;
  readonly ttftP50Ms: number;
  readonly ttftP99Ms: number;
  readonly ntpotP99Ms: number;
  /** Output tokens per second over the run (first arrival to last finish). */
  readonly outputTokensPerSecond: number;
  /** Share of prompt tokens served from the replicas' prefix caches. */
  readonly prefixHitShare: number;
  readonly preemptions: number;
  /** Requests per replica, to see herding. */
  readonly perReplica: readonly number[];
}

export function figuresOf(policy: string, rate: number, outcomes: readonly RequestOutcome[], promptTokens: number, replicas: number): RunFigures {
  const ttft = outcomes.map((o) => o.ttftMs);
  const ntpot = outcomes.map((o) => o.e2eMs / Math.max(1, o.outputTokens));
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  let tokens = 0;
  let cached = 0;
  let preemptions = 0;
  const perReplica = new Array<number>(replicas).fill(0);
  for (const o of outcomes) {
    first = Math.min(first, o.arrivalMs);
    last = Math.max(last, o.finishMs);
    tokens += o.outputTokens;
    cached += o.cachedPromptTokens;
    preemptions += o.preemptions;
    perReplica[o.replica] = (perReplica[o.replica] as number) + 1;
  }
  return {
    policy, rate, requests: outcomes.length,
    ttftP50Ms: percentile(ttft, 50), ttftP99Ms: percentile(ttft, 99), ntpotP99Ms: percentile(ntpot, 99),
    outputTokensPerSecond: (tokens * 1000) / Math.max(1, last - first),
    prefixHitShare: cached / Math.max(1, promptTokens), preemptions, perReplica,
  };
}

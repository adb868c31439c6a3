import type { Histogram, ReplicaMetrics } from '../../../src/servers/metrics.js';
import type { Scrape } from '../../../plugin/top/scrape.js';
import type { ReplicaRow } from '../../../plugin/top/state.js';
import type { Target } from '../../../plugin/top/targets.js';

/** A pod target in namespace ml of deployment `pool`. */
export function target(name: string, pool = 'llama', extra: Partial<Target> = {}): Target {
  return {
    id: `ml/${name}`, namespace: 'ml', name, node: `node-${name}`, accelerator: 'nvidia-h100-80gb', pool,
    metricsUrl: `/api/v1/namespaces/ml/pods/${name}:8000/proxy/metrics`, ...extra,
  };
}

export function metrics(m: Partial<ReplicaMetrics> = {}): ReplicaMetrics {
  return { dialect: 'vllm', models: ['meta-llama/Llama-3.1-8B-Instruct'], skippedLines: 0, ...m };
}

export function ok(t: Target, atMs: number, m: Partial<ReplicaMetrics> = {}): Scrape {
  return { target: t, atMs, metrics: metrics(m) };
}

export function failed(t: Target, atMs: number, error: string): Scrape {
  return { target: t, atMs, error };
}

/** A TTFT histogram over vLLM's first few bounds, from cumulative counts. */
export function ttft(counts: [number, number, number, number]): Histogram {
  const bounds = [0.05, 0.1, 0.5, Infinity];
  return { buckets: bounds.map((le, i) => [le, counts[i]!] as const), sum: 0, count: counts[3] };
}

/** A reachable row with the given figures. */
export function row(name: string, r: Partial<ReplicaRow> = {}): ReplicaRow {
  return {
    id: `ml/${name}`, namespace: 'ml', name, node: `node-${name}`, accelerator: 'nvidia-h100-80gb', pool: 'ml/llama',
    dialect: 'vllm', reachable: true, ...r,
  };
}

// `deploy --autoscale --explain`: the scaling rule of one Deployment with its figures.
import { DEMAND_METRIC, WORKLOAD_LABEL, type ScalingBehavior } from './hpa.js';
import { DEFAULT_KV_HIGH_WATERMARK, desiredReplicas } from './rule.js';

export interface AutoscalePlan {
  readonly workload: string;
  readonly capacityRps: number;
  /** Where the capacity comes from, e.g. "recommend, estimated, within TTFT p99 2000 ms". */
  readonly capacityFrom: string;
  readonly ttftTargetSeconds: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly behavior: ScalingBehavior;
}

/** The flags the pool's kinfer-picker needs to serve this Deployment's metric. */
export function pickerAutoscaleArgs(plans: readonly AutoscalePlan[]): string[] {
  return [...plans.flatMap((p) => ['--autoscale', `${p.workload}=${p.capacityRps.toFixed(3)}`]), '--ttft-target', `${Math.round(plans[0]!.ttftTargetSeconds * 1000)}ms`];
}

export function explainAutoscale(plan: AutoscalePlan): string[] {
  const c = plan.capacityRps.toFixed(2);
  const examples = [0.5, 2, 3.5].map((f) => f * plan.capacityRps)
    .map((rps) => `${rps.toFixed(2)} req/s → ${desiredReplicas(rps / plan.capacityRps, plan.minReplicas, plan.maxReplicas)}`);
  const b = plan.behavior;
  return [
    `autoscale:    HPA ${plan.workload} (${plan.minReplicas}..${plan.maxReplicas} replicas) on the External metric ${DEMAND_METRIC}{${WORKLOAD_LABEL}=${plan.workload}}, target average value 1, so replicas = ceil(demand)`,
    `  demand    = arrivals ÷ ${c} req/s per replica (${plan.capacityFrom}) + waiting requests ÷ (${c} × ${plan.ttftTargetSeconds} s TTFT target);`,
    `              at least ready × mean KV use ÷ ${DEFAULT_KV_HIGH_WATERMARK} while the mean KV use is above ${DEFAULT_KV_HIGH_WATERMARK * 100}%`,
    `  e.g.        ${examples.join(', ')} (idle queues and KV)`,
    `  scale-up:   at once (stabilization 0 s), at most ×2 or +4 pods per 15 s; the HPA ignores changes within its 10% tolerance`,
    `  scale-down: only after ${b.scaleDownStabilizationSeconds} s below (the highest recommendation of that window wins), at most ${b.scaleDownPercent}% per ${b.scaleDownPeriodSeconds} s`,
    `  picker:     kinfer-picker ${pickerAutoscaleArgs([plan]).join(' ')} serves the metric (deploy gives the pool's picker these flags; docs/autoscaling.md)`,
  ];
}

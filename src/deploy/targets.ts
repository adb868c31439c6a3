import type { AutoscalePlan } from '../autoscale/explain.js';
import { operatingBatch, recommend } from '../profiles/recommend.js';
import { err, ok, type Result } from '../result.js';
import type { ServerKind } from '../servers/templates.js';
import type { AcceleratorInventory } from './inventory.js';
import type { DeploySpec } from './plan.js';
import type { RecommendSettings } from './request.js';
import { describeChanges } from './suggest.js';

/** One replica's request rate within the targets: what --autoscale scales by. */
export type ReplicaCapacity = Pick<AutoscalePlan, 'capacityRps' | 'capacityFrom' | 'ttftTargetSeconds'>;

/** The spec to plan, and why its server batch cap is what it is (absent: the server's own default). */
export interface Targeted {
  readonly spec: DeploySpec;
  readonly batchWhy: string | undefined;
  /** With targets: one replica's capacity within them. */
  readonly capacity?: ReplicaCapacity;
  /** Lines for the user (stderr): what recommend chose, and a warning when --max-batch caps it. */
  readonly notes: readonly string[];
}

/** The spec as given: accelerator and TP for the planner, the batch cap as --max-batch says. */
export function untargeted(spec: DeploySpec): Targeted {
  return { spec, batchWhy: spec.maxBatch !== undefined ? 'set by --max-batch' : undefined, notes: [] };
}

/**
 * With latency targets: the option `recommend` ranks first among the cluster's types (and --accelerator/--tp
 * when given) becomes the spec's accelerator and TP, and its operating concurrency the server batch.
 */
export function targeted(spec: DeploySpec, server: ServerKind, settings: RecommendSettings, cluster: readonly AcceleratorInventory[]): Result<Targeted> {
  const candidates = spec.accelerators ? cluster.filter((c) => spec.accelerators!.includes(c.type)) : cluster;
  const result = recommend({
    ...settings, model: spec.model, server, dtype: spec.dtype, kvCacheDtype: spec.kvCacheDtype, maxModelLen: spec.maxModelLen,
    memoryUtilization: spec.memoryUtilization, candidates,
  });
  const best = result.options.find((o) => spec.tp === undefined || o.tp === spec.tp);
  if (!best) {
    const why = result.infeasible.map((x) => `${x.tp !== undefined ? `${x.tp} × ` : ''}${x.accelerator}: ${x.why}`).join('; ');
    const changes = result.changes ? `; ${describeChanges(result.changes)}` : '';
    return err(`no accelerator in the cluster serves ${spec.model.id} within the targets${why ? `: ${why}` : ''}${changes}`);
  }
  const batch = operatingBatch(best, settings.workload);
  const notes = [`recommend: ${best.tp} × ${best.accelerator}, ${best.operating.outputTokensPerSecond.toFixed(0)} output tokens/s per replica at TTFT p99 ${best.operating.ttftP99Ms.toFixed(0)} ms, NTPOT p99 ${best.operating.ntpotP99Ms.toFixed(1)} ms, ${batch} requests in flight (${best.source})`];
  const chosen = { ...spec, accelerators: [best.accelerator], tp: best.tp };
  const capacity: ReplicaCapacity = {
    capacityRps: best.operating.requestRate, ttftTargetSeconds: (settings.targets.ttftMs ?? best.operating.ttftP99Ms) / 1000,
    capacityFrom: `recommend, ${best.source}, at ${best.operating.outputTokensPerSecond.toFixed(0)} output tokens/s within the targets`,
  };
  if (spec.maxBatch !== undefined) {
    // An explicit --max-batch wins as given; below the operating concurrency it caps what was priced.
    if (spec.maxBatch < batch) notes.push(`warning: --max-batch ${spec.maxBatch} is below the ${batch} requests in flight recommend priced; the replica will serve less than quoted`);
    return ok({ spec: chosen, batchWhy: 'set by --max-batch', capacity, notes });
  }
  const batchWhy = `the concurrency recommend chose within the targets (${best.operating.outputTokensPerSecond.toFixed(0)} output tokens/s per replica)`;
  return ok({ spec: { ...chosen, maxBatch: batch }, batchWhy, capacity, notes });
}

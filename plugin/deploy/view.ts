import { isTpu } from '../../src/accelerators/resources.js';
import { explainAutoscale, pickerAutoscaleArgs } from '../../src/autoscale/explain.js';
import { explainSlices, type DeployPlan } from '../../src/deploy/plan.js';
import type { DeployOutcome } from '../../src/deploy/pipeline.js';
import type { Targeted } from '../../src/deploy/targets.js';
import { BATCH_FLAG, serverDefaultBatch } from '../../src/servers/batch.js';
import type { ServerKind } from '../../src/servers/templates.js';
import { formatGiB } from '../../src/units/quantity.js';
import { table } from '../render.js';

// How `deploy` shows its outcome: presentational, a function of src/deploy's DeployOutcome.

/** `--explain`: every type considered, the two batch settings, and the scaling rule of each autoscaled Deployment. */
export function explainDeploy(outcome: Pick<DeployOutcome, 'plan' | 'targeted'> & Partial<Pick<DeployOutcome, 'autoscale'>>, server: ServerKind): string[] {
  return [
    [explainTable(outcome.plan), '', ...explainSlices(outcome.plan), ...explainBatch(outcome.plan, outcome.targeted, server)].join('\n'),
    ...(outcome.autoscale ?? []).map((p) => explainAutoscale(p).join('\n')),
  ];
}

/** The summary without -o: where the replicas go, how they scale, which scheduler places them, what autoscaling wrote. */
export function deploySummary(outcome: DeployOutcome): string[] {
  const { deployment, autoscale } = outcome;
  const lines = deployment.targets.map((t) =>
    `${deployment.spec.model.id}: ${t.replicas} replica(s) on ${t.option.inventory.type}, ${t.option.devices} device(s) each${t.option.hosts > 1 ? ` over ${t.option.hosts} nodes` : ''}: ${t.option.why}`);
  if (autoscale.length > 0) {
    lines.push(`autoscale: ${autoscale.map((p) => `${p.workload} ${p.minReplicas}..${p.maxReplicas} replicas at ${p.capacityRps.toFixed(2)} req/s each`).join(', ')}; the pool's kinfer-picker serves the metric with ${pickerAutoscaleArgs(autoscale).join(' ')} (docs/autoscaling.md)`);
  }
  lines.push(`scheduler: ${outcome.scheduler ?? 'default-scheduler (pinned to the accelerator by node affinity; kinfer-scheduler not found)'}`);
  return [...lines, ...outcome.autoscaleNotes];
}

/** The two settings people confuse, one line each: the KV reservation (placement) and the server's batch cap. */
function explainBatch(plan: DeployPlan, targeted: Targeted, server: ServerKind): string[] {
  const { spec } = targeted;
  const lines = [`kv reserve:   ${spec.kvReserveSeqs} sequence(s) × ${spec.maxModelLen} tokens must fit in the KV cache (kinfer.dev/kv-reserve-seqs; placement only, not passed to the server)`];
  if (spec.maxBatch !== undefined) {
    lines.push(`server batch: ${BATCH_FLAG[server]} ${spec.maxBatch}: ${targeted.batchWhy ?? 'set by --max-batch'}`);
    return lines;
  }
  for (const t of plan.targets) {
    const inv = t.option.inventory;
    const fallback = serverDefaultBatch(server, {
      accelerator: inv.type, kind: isTpu(inv) ? 'tpu' : 'gpu', hbmBytesPerDevice: inv.hbmBytesPerDevice,
      kvCapacityTokens: t.option.kvCapacityTokens, maxModelLen: spec.maxModelLen,
    });
    lines.push(`server batch: no ${BATCH_FLAG[server]} flag: the server's default on ${inv.type} is ${fallback.maxBatch}, ${fallback.rule}`);
  }
  return lines;
}

function explainTable(plan: DeployPlan): string {
  const chosen = new Set(plan.targets.map((t) => t.option.inventory.type));
  const rows = plan.options.map((o) => [
    chosen.has(o.inventory.type) ? '*' : '',
    o.inventory.type,
    o.devices !== undefined ? String(o.devices) : '-',
    o.hosts > 1 ? String(o.hosts) : '1',
    o.need ? formatGiB(o.need.totalBytes) : '-',
    o.usableBytes > 0 ? formatGiB(o.usableBytes) : '-',
    o.feasible ? `${Math.round(o.headroom * 100)}%` : '-',
    o.feasible ? String(o.kvCapacityTokens) : '-',
    o.feasible ? 'fits' : `no: ${o.why}`,
  ]);
  return table(['', 'ACCELERATOR', 'DEVICES', 'HOSTS', 'NEED', 'USABLE', 'HEADROOM', 'KV TOKENS', 'WHY'], rows);
}

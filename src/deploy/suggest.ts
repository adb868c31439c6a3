import { describeSlice } from '../accelerators/tpu-slices.js';
import { isHalfPrecision } from '../models/dtype.js';
import { formatGiB } from '../units/quantity.js';
import type { AcceleratorInventory } from './inventory.js';
import { optionFor, type DeploySpec, type PlacementOption } from './plan.js';

// When nothing fits: the smallest change to what was asked that would, with its figures. Never applied on the
// user's behalf: another dtype changes output quality, a shorter context changes what requests are accepted,
// more nodes per replica changes cost and the failure domain.

export interface FittingChange {
  /** The flag(s) to add, as the user would type them. */
  readonly flags: string;
  /** One phrase with the figures: where it fits and how much room it leaves. */
  readonly text: string;
  /** HBM one replica takes (devices × HBM per device): what ranks the changes, cheapest first. */
  readonly replicaHbmBytes: number;
  /** The change spreads a replica over several nodes (a LeaderWorkerSet). */
  readonly multiNode: boolean;
}

/** Context lengths below this are not worth suggesting: a chat turn and its answer need about this much. */
const MIN_SUGGESTED_CONTEXT = 1024;

function memoryOf(o: PlacementOption): number {
  return (o.devices ?? 0) * o.inventory.hbmBytesPerDevice;
}

/** The cheapest feasible option over the cluster (single-host only, if asked), or undefined. */
function cheapest(spec: DeploySpec, cluster: readonly AcceleratorInventory[], singleHost: boolean): PlacementOption | undefined {
  return cluster.map((inv) => optionFor(spec, inv))
    .filter((o) => o.feasible && (!singleHost || o.hosts === 1))
    .sort((a, b) => memoryOf(a) - memoryOf(b) || a.hosts - b.hosts)[0];
}

function where(o: PlacementOption): string {
  const perHost = (o.devices ?? 0) / o.hosts;
  const figures = `needs ${formatGiB(o.need?.totalBytes ?? 0)} of ${formatGiB(o.usableBytes)} usable`;
  if (o.tpuSlice) return `${describeSlice(o.inventory.type, o.tpuSlice)} (${figures}${o.hosts > 1 ? `, tensor parallel ${o.devices} over the slice` : ''})`;
  const parallel = o.hosts > 1 ? `, tensor parallel ${perHost} × pipeline parallel ${o.hosts}` : '';
  return `${o.devices} × ${o.inventory.type}${o.hosts > 1 ? ` over ${o.hosts} nodes` : ''} (${figures}${parallel})`;
}

/** The largest context that fits on one host at the spec's dtype, or undefined when even a short one does not. */
function longestContext(spec: DeploySpec, cluster: readonly AcceleratorInventory[]): { len: number; option: PlacementOption } | undefined {
  let low = MIN_SUGGESTED_CONTEXT;
  let high = spec.maxModelLen - 1;
  let found: { len: number; option: PlacementOption } | undefined;
  while (low <= high) {
    const mid = Math.floor((low + high) / 2);
    const option = cheapest({ ...spec, maxModelLen: mid }, cluster, true);
    if (option) {
      found = { len: mid, option };
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  if (!found) return undefined;
  // A round figure a person would type: whole thousands of tokens (1024s) below what fits.
  const len = Math.max(MIN_SUGGESTED_CONTEXT, Math.floor(found.len / 1024) * 1024);
  return { len, option: cheapest({ ...spec, maxModelLen: len }, cluster, true) ?? found.option };
}

/**
 * Changes that make `spec` fit on one node of the cluster (or, the last resort, over several), cheapest replica
 * first: fp8 weights when the spec asks for 16-bit ones (vLLM and SGLang quantize a bf16 checkpoint on the fly,
 * or serve an FP8 checkpoint), a shorter --max-model-len, or more nodes per replica (named with its figures
 * even where the caller plans single-node replicas only, as what it would take).
 */
export function fittingChanges(spec: DeploySpec, cluster: readonly AcceleratorInventory[]): FittingChange[] {
  const candidates = spec.accelerators ? cluster.filter((c) => spec.accelerators!.includes(c.type)) : cluster;
  // The device count is the planner's to choose again.
  const { tp: _tp, ...free } = spec;
  const changes: FittingChange[] = [];
  if (isHalfPrecision(spec.dtype)) {
    const option = cheapest({ ...free, dtype: 'fp8' }, candidates, true);
    if (option) {
      changes.push({ flags: '--dtype fp8', text: `fp8 weights on ${where(option)}; changes output quality, so kinfer never switches on its own`, replicaHbmBytes: memoryOf(option), multiNode: false });
    }
  }
  const shorter = longestContext(free, candidates);
  if (shorter) changes.push({ flags: `--max-model-len ${shorter.len}`, text: `a ${shorter.len}-token context instead of ${spec.maxModelLen} on ${where(shorter.option)}`, replicaHbmBytes: memoryOf(shorter.option), multiNode: false });
  const multi = cheapest(free, candidates, false);
  if (multi && multi.hosts > 1) {
    changes.push({ flags: `${multi.hosts} nodes per replica`, text: `a LeaderWorkerSet of ${where(multi)}`, replicaHbmBytes: memoryOf(multi), multiNode: true });
  }
  return changes.sort((a, b) => a.replicaHbmBytes - b.replicaHbmBytes);
}

/** One sentence: the smallest change that fits, and the others; empty when nothing would. */
export function describeChanges(changes: readonly FittingChange[]): string {
  const [first, ...rest] = changes;
  if (!first) return '';
  const others = rest.length > 0 ? `; or ${rest.map((c) => `${c.flags}: ${c.text}`).join('; or ')}` : '';
  return `smallest change that fits: ${first.flags}: ${first.text}${others}`;
}

import type { Dtype, KvDtype } from '../models/dtype.js';
import { frameworkBytesPerDevice } from '../accelerators/catalog.js';
import { describeSlice, multiHostShapes, type TpuSliceShape } from '../accelerators/tpu-slices.js';
import { kvCapacityTokens, replicaHbmNeed, tensorParallelProblem, usableBytes, vllmDefaultMaxNumSeqs, type HbmNeed } from '../models/memory.js';
import type { ModelSpec } from '../models/spec.js';
import { err, ok, type Result } from '../result.js';
import { formatGiB } from '../units/quantity.js';
import type { AcceleratorInventory } from './inventory.js';
import { isTpu } from '../accelerators/resources.js';

/** What the user asked `deploy` for; absent accelerator/TP are for the planner to choose. */
export interface DeploySpec {
  readonly model: ModelSpec;
  readonly dtype: Dtype;
  readonly kvCacheDtype: KvDtype;
  readonly maxModelLen: number;
  /** Sequences of max-model-len the KV cache must hold at once: sizes placement only, never the server's batch. */
  readonly kvReserveSeqs: number;
  /** The server's batch cap (vLLM --max-num-seqs, SGLang --max-running-requests); absent: the server's default. */
  readonly maxBatch?: number;
  readonly memoryUtilization: number;
  readonly accelerators?: readonly string[];
  readonly tp?: number;
  readonly replicas: number;
}

/** One accelerator type considered for the model, with the smallest device count that holds a replica. */
export interface PlacementOption {
  readonly inventory: AcceleratorInventory;
  /** Devices per replica (tensor-parallel size × hosts); absent when nothing fits. */
  readonly devices?: number;
  /** Hosts one replica spans: 1, or more for a multi-host replica (LeaderWorkerSet). */
  readonly hosts: number;
  /** TPU: the slice shape one replica takes whole (its topology is pinned on the pods). */
  readonly tpuSlice?: TpuSliceShape;
  /** TPU: why each smaller slice shape of the cluster was passed over, one sentence each. */
  readonly smallerSlices?: readonly string[];
  readonly need?: HbmNeed;
  readonly usableBytes: number;
  /** (usable − need) ÷ usable. */
  readonly headroom: number;
  readonly kvCapacityTokens: number;
  readonly feasible: boolean;
  /** One sentence with the figures: why it fits, or why not. */
  readonly why: string;
}

export interface DeployTarget {
  readonly option: PlacementOption & { readonly devices: number };
  readonly replicas: number;
}

export interface DeployPlan {
  /** Every type considered: feasible ones first, best first. */
  readonly options: readonly PlacementOption[];
  /** Where replicas go: one entry per accelerator type used. */
  readonly targets: readonly DeployTarget[];
  readonly warnings: readonly string[];
}

// Below this the replica fits but its KV cache barely holds the requested batch: activation spikes and
// fragmentation of the block allocator eat the rest, so a tighter fit ranks after any option with room.
export const MIN_HEADROOM = 0.1;

/** Single-host device counts tried, smallest first: tensor-parallel sizes are powers of two in practice. */
const GPU_COUNTS = [1, 2, 4, 8, 16];
/** Multi-host replicas span this many whole nodes at most (LeaderWorkerSet groups of 2 or 4 are the norm). */
const MAX_HOSTS = 4;

function evaluate(spec: DeploySpec, inv: AcceleratorInventory, devices: number, slice?: TpuSliceShape): PlacementOption {
  const shape = { model: spec.model, dtype: spec.dtype, kvCacheDtype: spec.kvCacheDtype, maxModelLen: spec.maxModelLen, kvReserveSeqs: spec.kvReserveSeqs };
  const hosts = slice?.hosts ?? Math.max(1, Math.ceil(devices / Math.max(1, inv.devicesPerNode)));
  // The server budgets from what the framework sees of each device: the reported memory less the driver's share.
  const deviceBytes = frameworkBytesPerDevice(inv.catalog, inv.hbmBytesPerDevice);
  const usable = usableBytes(devices, deviceBytes, spec.memoryUtilization);
  // A TPU slice is one tensor-parallel group over all its chips, ICI joining the hosts (the upstream LWS recipe,
  // sigs.k8s.io/lws@v0.9.0 docs/examples/vllm/TPU/lws.yaml: --tensor-parallel-size=16 on a 4x4 slice); GPUs split
  // tensor parallel per node and pipeline stages across nodes.
  const tpProblem = tensorParallelProblem(spec.model, slice ? devices : devices / hosts);
  const serverMaxSeqs = vllmDefaultMaxNumSeqs(inv.type, deviceBytes);
  const need = replicaHbmNeed(shape, devices, serverMaxSeqs);
  const kvTokens = kvCapacityTokens(spec.model, spec.dtype, spec.kvCacheDtype, devices, deviceBytes, spec.memoryUtilization, serverMaxSeqs);
  const base = {
    inventory: inv, devices, hosts, need, usableBytes: usable, headroom: usable > 0 ? (usable - need.totalBytes) / usable : -1, kvCapacityTokens: kvTokens,
    ...(slice ? { tpuSlice: slice } : {}),
  };
  const where = slice ? describeSlice(inv.type, slice) : `${devices} × ${inv.type}${hosts > 1 ? ` over ${hosts} nodes` : ''}`;
  if (tpProblem) return { ...base, feasible: false, why: tpProblem };
  if (need.totalBytes > usable) {
    return { ...base, feasible: false, why: `needs ${formatGiB(need.totalBytes)}, ${where} give${slice ? 's' : ''} ${formatGiB(usable)} usable` };
  }
  const headroom = `${Math.round(base.headroom * 100)}% headroom`;
  return { ...base, feasible: true, why: `needs ${formatGiB(need.totalBytes)} of ${formatGiB(usable)} usable on ${where}${slice ? `, ${headroom}` : ` (${headroom})`}` };
}

/** The smallest of `options` that fits with headroom; failing that, the smallest that fits at all. */
function smallestFit(options: readonly PlacementOption[]): PlacementOption | undefined {
  return options.find((o) => o.feasible && o.headroom >= MIN_HEADROOM) ?? options.find((o) => o.feasible);
}

/**
 * A TPU replica takes one whole slice of a shape the cluster has (a host of a multi-host slice cannot serve
 * alone): the smallest that holds it, or the user's --tp when it is a shape's chip count. When none holds it,
 * the reason names the smallest shape GKE offers that would.
 */
function tpuOption(spec: DeploySpec, inv: AcceleratorInventory): PlacementOption {
  const shapes = inv.tpuSlices;
  const have = shapes.map((s) => `${s.topology} (${s.chips} chips${s.hosts > 1 ? ` over ${s.hosts} hosts` : ''})`).join(', ');
  if (spec.tp !== undefined) {
    const slice = shapes.find((s) => s.chips === spec.tp);
    if (!slice) return { inventory: inv, hosts: 1, usableBytes: 0, headroom: -1, kvCapacityTokens: 0, feasible: false, why: `a TPU replica takes a whole slice: --tp ${spec.tp} is no ${inv.type} slice shape here; the cluster has ${have}` };
    return evaluate(spec, inv, slice.chips, slice);
  }
  const options = shapes.map((s) => evaluate(spec, inv, s.chips, s));
  const fit = smallestFit(options);
  if (fit) {
    const smaller = options.filter((o) => (o.devices ?? 0) < fit.devices!).map((o) => `${o.tpuSlice!.topology}: ${o.feasible ? `fits with only ${Math.round(o.headroom * 100)}% headroom` : o.why}`);
    return smaller.length > 0 ? { ...fit, smallerSlices: smaller } : fit;
  }
  const largest = options[options.length - 1]!;
  if (!largest.need) return largest;
  const largestChips = largest.devices ?? 0;
  const would = multiHostShapes(inv.type).filter((s) => s.chips > largestChips).map((s) => evaluate(spec, inv, s.chips, s));
  const bigger = smallestFit(would);
  const hint = bigger?.tpuSlice ? `; ${describeSlice(inv.type, bigger.tpuSlice)} would hold it` : '';
  return { ...largest, devices: undefined, why: `needs ${formatGiB(largest.need.totalBytes)}; the largest slice here, ${describeSlice(inv.type, largest.tpuSlice!)}, gives ${formatGiB(largest.usableBytes)} usable${hint}` };
}

/** Why tensor parallelism over GPU shares is refused, in one sentence (the extender's gpu-shares filter says the same). */
export function sharedTpRefusal(inv: AcceleratorInventory, tp: number): string {
  const s = inv.sharing!;
  return `${inv.type} GPUs are shared here (${s.strategy}, ${s.sharesPerDevice} shares per GPU): ${tp} shares may be one GPU, so tensor parallelism across shares is refused`;
}

/** The smallest device count of one type that holds a replica (or the user's --tp), with its figures. */
export function optionFor(spec: DeploySpec, inv: AcceleratorInventory): PlacementOption {
  const tpu = isTpu(inv);
  if (inv.hbmBytesPerDevice <= 0) {
    return { inventory: inv, hosts: 1, usableBytes: 0, headroom: -1, kvCapacityTokens: 0, feasible: false, why: `memory of ${inv.type} is unknown` };
  }
  if (inv.sharing) {
    if ((spec.tp ?? 1) > 1) return { inventory: inv, hosts: 1, usableBytes: 0, headroom: -1, kvCapacityTokens: 0, feasible: false, why: sharedTpRefusal(inv, spec.tp!) };
    const one = evaluate(spec, inv, 1);
    const share = `one ${inv.sharing.strategy} share is 1/${inv.sharing.sharesPerDevice} of a ${inv.type}`;
    return one.feasible ? one : { ...one, why: `${one.why}; ${share}, and tensor parallelism across shares is refused` };
  }
  if (tpu && inv.tpuSlices.length > 0) return tpuOption(spec, inv);
  if (spec.tp !== undefined) {
    if (tpu && inv.devicesPerNode > 0 && spec.tp !== inv.devicesPerNode) {
      return { inventory: inv, hosts: 1, usableBytes: 0, headroom: -1, kvCapacityTokens: 0, feasible: false, why: `a TPU pod takes every chip of its host: --tp must be ${inv.devicesPerNode} on ${inv.type}` };
    }
    if (inv.devicesPerNode > 0 && spec.tp > inv.devicesPerNode && spec.tp % inv.devicesPerNode !== 0) {
      return { inventory: inv, hosts: 1, usableBytes: 0, headroom: -1, kvCapacityTokens: 0, feasible: false, why: `--tp ${spec.tp} is not a whole number of ${inv.type} nodes (${inv.devicesPerNode} devices each)` };
    }
    return evaluate(spec, inv, spec.tp);
  }
  const perNode = inv.devicesPerNode;
  const counts = tpu ? [perNode] : GPU_COUNTS.filter((n) => n <= perNode);
  if (!tpu && perNode > 0) for (let hosts = 2; hosts <= MAX_HOSTS; hosts *= 2) counts.push(perNode * hosts);
  // The smallest count that fits with headroom; failing that, the smallest that fits at all.
  let last: PlacementOption | undefined;
  let tight: PlacementOption | undefined;
  for (const devices of counts) {
    const option = evaluate(spec, inv, devices);
    if (option.feasible && option.headroom >= MIN_HEADROOM) return option;
    if (option.feasible) tight ??= option;
    if (option.hosts === 1) last = option;
  }
  if (tight) return tight;
  if (last && !last.feasible && last.need) {
    return { ...last, devices: undefined, why: `needs ${formatGiB(last.need.totalBytes)}; the most one node offers, ${perNode} × ${inv.type}, gives ${formatGiB(last.usableBytes)} usable` };
  }
  return last ?? { inventory: inv, hosts: 1, usableBytes: 0, headroom: -1, kvCapacityTokens: 0, feasible: false, why: `no ${inv.type} devices` };
}

/**
 * Ranking: one host before several (no LeaderWorkerSet, no cross-node traffic), then room to spare, then the
 * least HBM per replica (the cheapest memory that fits).
 */
function compare(a: PlacementOption, b: PlacementOption): number {
  if (a.feasible !== b.feasible) return a.feasible ? -1 : 1;
  if (a.hosts !== b.hosts) return a.hosts - b.hosts;
  const roomA = a.headroom >= MIN_HEADROOM;
  const roomB = b.headroom >= MIN_HEADROOM;
  if (roomA !== roomB) return roomA ? -1 : 1;
  const memA = (a.devices ?? 0) * a.inventory.hbmBytesPerDevice;
  const memB = (b.devices ?? 0) * b.inventory.hbmBytesPerDevice;
  if (memA !== memB) return memA - memB;
  if (a.headroom !== b.headroom) return b.headroom - a.headroom;
  return a.inventory.type.localeCompare(b.inventory.type);
}

/**
 * Chooses accelerator type(s) and tensor-parallel size for a model from what the cluster has. With
 * `accelerators`, replicas go round-robin over those types, each with its own device count; without, all go
 * to the best option. Fails with one line of figures when nothing fits.
 */
export function planDeployment(spec: DeploySpec, cluster: readonly AcceleratorInventory[]): Result<DeployPlan> {
  if (cluster.length === 0) {
    return err('the cluster has no nodes with an accelerator of known memory (GKE, NVIDIA GPU Feature Discovery, AMD, Karpenter/EKS or kinfer.dev/accelerator labels; `kubectl inference list nodes` shows what kinfer sees)');
  }
  const warnings: string[] = [];
  const options = cluster.map((inv) => optionFor(spec, inv)).sort(compare);

  let chosen: PlacementOption[];
  if (spec.accelerators && spec.accelerators.length > 0) {
    chosen = [];
    for (const type of spec.accelerators) {
      const option = options.find((o) => o.inventory.type === type);
      if (!option) return err(`the cluster has no ${type} nodes (it has: ${cluster.map((c) => c.type).join(', ')})`);
      if (!option.feasible) return err(`${spec.model.id} does not fit ${type}: ${option.why}`);
      chosen.push(option);
    }
  } else {
    const best = options[0];
    if (!best?.feasible) {
      return err(`nothing in the cluster fits ${spec.model.id} at max-model-len ${spec.maxModelLen} × kv-reserve-seqs ${spec.kvReserveSeqs}: ${options.map((o) => `${o.inventory.type}: ${o.why}`).join('; ')}`);
    }
    chosen = [best];
    if (best.headroom < MIN_HEADROOM) warnings.push(`${best.inventory.type} fits with only ${Math.round(best.headroom * 100)}% headroom; consider a shorter --max-model-len or a smaller --kv-reserve-seqs`);
  }

  const targets: DeployTarget[] = chosen.map((option, i) => ({
    option: option as PlacementOption & { devices: number },
    replicas: Math.floor(spec.replicas / chosen.length) + (i < spec.replicas % chosen.length ? 1 : 0),
  })).filter((t) => t.replicas > 0);
  for (const t of targets) {
    const wanted = t.replicas * t.option.devices;
    const slice = t.option.tpuSlice;
    if (slice && t.option.inventory.nodes > 0) {
      const whole = t.option.inventory.tpuSlices.find((s) => s.topology === slice.topology)?.slices ?? 0;
      if (t.replicas > whole) warnings.push(`${t.replicas} replica(s) take a whole ${t.option.inventory.type} ${slice.topology} slice each; the cluster has ${whole} with every host present, so some will stay Pending`);
    } else if (t.option.inventory.nodes > 0 && wanted > t.option.inventory.totalDevices) {
      warnings.push(`${t.replicas} replica(s) × ${t.option.devices} ${t.option.inventory.type} need ${wanted} devices; the cluster has ${t.option.inventory.totalDevices}, so some will stay Pending`);
    }
  }
  return ok({ options, targets, warnings });
}

/** `--explain`'s lines on TPU slices: per target, the slice one replica takes and why not a smaller shape. */
export function explainSlices(plan: DeployPlan): string[] {
  return plan.targets.filter((t) => t.option.tpuSlice).map(({ option }) => {
    const slice = option.tpuSlice!;
    const group = slice.hosts > 1 ? `, one LeaderWorkerSet group of ${slice.hosts} pods with ${slice.chipsPerHost} chips each, tensor parallel ${slice.chips} over ICI` : '';
    const smaller = option.smallerSlices && option.smallerSlices.length > 0 ? `; smaller shapes here: ${option.smallerSlices.join('; ')}` : '; no smaller shape here';
    return `tpu slice:    ${describeSlice(option.inventory.type, slice)}${group}: the smallest ${option.inventory.type} shape the cluster has that holds a replica${smaller}`;
  });
}

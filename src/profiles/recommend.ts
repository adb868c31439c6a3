import { acceleratorByName, type AcceleratorType } from '../accelerators/catalog.js';
import type { AcceleratorInventory } from '../deploy/inventory.js';
import { optionFor, sharedTpRefusal, type DeploySpec, type PlacementOption } from '../deploy/plan.js';
import { fittingChanges, type FittingChange } from '../deploy/suggest.js';
import type { Dtype, KvDtype } from '../models/dtype.js';
import type { ModelSpec } from '../models/spec.js';
import type { ServerKind } from '../servers/templates.js';
import { costPerMillionTokens, pricePerDeviceHour, type PriceTable, type Pricing } from './pricing.js';
import { profileDoubts } from './judgement.js';
import { describeKey, keyId, lerpPoint, type PerfProfile, type PerfPoint, type WorkloadShape } from './profile.js';
import { estimateMultiNodeProfile, estimateSliceProfile, ICI_BYTES_PER_SECOND, INTER_NODE_BYTES_PER_SECOND, INTER_NODE_HOP_MS } from './multinode.js';
import { calibrate, DEFAULT_EFFICIENCY, estimateProfile, type Efficiency } from './roofline.js';
import { isTpu } from '../accelerators/resources.js';

// `kubectl inference recommend`: for every accelerator type × tensor-parallel size that holds the model, the
// most a replica serves within the latency targets, what that costs, and which option to pick and why.

/** Latency targets at the 99th percentile, in milliseconds; absent: no target. */
export interface Targets {
  readonly ttftMs?: number;
  readonly ntpotMs?: number;
}

export interface RecommendInput {
  readonly model: ModelSpec;
  readonly server: ServerKind;
  readonly dtype: Dtype;
  readonly kvCacheDtype: KvDtype;
  readonly maxModelLen: number;
  readonly memoryUtilization: number;
  readonly workload: WorkloadShape;
  readonly targets: Targets;
  /** Accelerator types to consider, with the most devices one node offers. */
  readonly candidates: readonly AcceleratorInventory[];
  readonly prices: PriceTable;
  readonly pricing: Pricing;
  /** Measured profiles from the store (any model): exact matches are used as they are, the rest calibrate. */
  readonly measured: readonly PerfProfile[];
  /** Models of measured profiles, to re-estimate them for calibration; absent ones do not calibrate. */
  readonly modelOf: (id: string) => ModelSpec | undefined;
  /** Total requests per second to serve: sizes the replica count. */
  readonly requestRate?: number;
}

export type FigureSource = 'measured' | 'estimated' | 'estimated, calibrated';

export interface RecommendOption {
  readonly accelerator: string;
  /** Devices per replica (over every node it spans). */
  readonly tp: number;
  /** Nodes one replica spans: 1, or a multi-node replica (a LeaderWorkerSet: GPU pipeline stages, or the hosts of a TPU slice). */
  readonly nodes: number;
  /** TPU: the slice shape one replica takes whole, e.g. `4x4`. */
  readonly tpuTopology?: string;
  readonly memory: Pick<PlacementOption, 'usableBytes' | 'headroom' | 'kvCapacityTokens'> & { readonly needBytes: number };
  readonly source: FigureSource;
  /** Where the curve comes from, in a few words. */
  readonly origin: string;
  readonly curve: readonly PerfPoint[];
  /** The highest-throughput point within the targets. */
  readonly operating: PerfPoint;
  readonly pricePerHour?: number;
  readonly costPerMillionTokens?: number;
  /** Replicas needed for `requestRate`. */
  readonly replicas?: number;
  /** Measured options only: why the profile is doubtful (src/profiles/judgement.ts); absent when it is not. */
  readonly doubts?: readonly string[];
}

/** A measured profile left out of calibration, and why. */
export interface SetAside {
  readonly profile: string;
  readonly doubts: readonly string[];
}

export interface Infeasible {
  readonly accelerator: string;
  readonly tp?: number;
  readonly why: string;
  readonly source?: FigureSource;
}

export interface Recommendation {
  /** Options that meet the targets, best first. */
  readonly options: readonly RecommendOption[];
  readonly infeasible: readonly Infeasible[];
  /** One sentence: why the first option is the recommendation. Absent when nothing meets the targets. */
  readonly reason?: string;
  /** Calibrated efficiencies per accelerator type, where measured profiles exist. */
  readonly calibration: ReadonlyMap<string, Efficiency & { readonly profiles: number }>;
  /** When the model fits no candidate: the changes that would make it fit, cheapest first. */
  readonly changes?: readonly FittingChange[];
  /** Measured profiles judged doubtful: they calibrate nothing. */
  readonly setAside: readonly SetAside[];
}

/** Multi-host TPU slice shapes listed per type: the smallest that holds the model and the next one. */
const MULTI_HOST_SLICES_LISTED = 2;

/** Measured workloads within this relative distance of the asked shape count as the same workload. */
export const WORKLOAD_TOLERANCE = 0.1;

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= WORKLOAD_TOLERANCE * Math.max(a, b);
}

/** The measured profile for this model, server, accelerator and TP whose workload is nearest the asked one. */
export function matchingProfile(measured: readonly PerfProfile[], model: string, server: ServerKind, accelerator: string, tp: number, workload: WorkloadShape): PerfProfile | undefined {
  const distance = (p: PerfProfile) => Math.abs(Math.log(p.key.inputTokens / workload.inputTokens)) + Math.abs(Math.log(p.key.outputTokens / workload.outputTokens));
  return measured
    .filter((p) => p.source === 'measured' && p.key.model === model && p.key.server === server && p.key.accelerator === accelerator && p.key.tp === tp
      && close(p.key.inputTokens, workload.inputTokens) && close(p.key.outputTokens, workload.outputTokens))
    .sort((a, b) => distance(a) - distance(b) || b.createdAt.localeCompare(a.createdAt))[0];
}

/**
 * Device counts one replica may take on this inventory: powers of two up to a node; a TPU replica takes one whole
 * slice of a shape the inventory has (its host, when nodes report no topology).
 */
export function tensorParallelSizes(inventory: AcceleratorInventory): number[] {
  const catalog = inventory.catalog ?? acceleratorByName(inventory.type);
  if (inventory.tpuSlices.length > 0) return inventory.tpuSlices.map((s) => s.chips);
  if ((catalog !== undefined && isTpu(catalog)) || isTpu(inventory)) return [inventory.devicesPerNode];
  // A GPU share is one replica's whole allotment: no tensor parallelism across shares (see deploy/plan.ts).
  if (inventory.sharing) return [1];
  const sizes: number[] = [];
  for (let n = 1; n <= inventory.devicesPerNode; n *= 2) sizes.push(n);
  return sizes;
}

/** Where the targets are first missed along the curve: the fraction of the way from `a` to `b`. */
function crossing(a: PerfPoint, b: PerfPoint, targets: Targets): number {
  let f = 1;
  const cut = (ya: number, yb: number, target: number | undefined) => {
    if (target === undefined || yb <= target) return;
    f = Math.min(f, yb === ya ? 0 : Math.max(0, (target - ya) / (yb - ya)));
  };
  cut(a.ttftP99Ms, b.ttftP99Ms, targets.ttftMs);
  cut(a.ntpotP99Ms, b.ntpotP99Ms, targets.ntpotMs);
  return f;
}

export function meets(point: PerfPoint, targets: Targets): boolean {
  return (targets.ttftMs === undefined || point.ttftP99Ms <= targets.ttftMs) && (targets.ntpotMs === undefined || point.ntpotP99Ms <= targets.ntpotMs);
}

/**
 * The highest-throughput point of a curve within the targets, interpolated where the curve crosses one; or why
 * there is none (the lightest load already misses a target).
 */
export function operatingPoint(curve: readonly PerfPoint[], targets: Targets): { point: PerfPoint } | { miss: string } {
  const first = curve[0];
  if (!first) return { miss: 'the profile has no points' };
  if (!meets(first, targets)) {
    const misses: string[] = [];
    if (targets.ttftMs !== undefined && first.ttftP99Ms > targets.ttftMs) misses.push(`TTFT p99 ${round(first.ttftP99Ms)} ms > ${targets.ttftMs} ms`);
    if (targets.ntpotMs !== undefined && first.ntpotP99Ms > targets.ntpotMs) misses.push(`NTPOT p99 ${round(first.ntpotP99Ms, 1)} ms > ${targets.ntpotMs} ms`);
    const load = first.concurrency !== undefined && first.concurrency <= 1 ? 'at batch 1' : `at its lightest load (${round(first.requestRate, 2)} req/s)`;
    return { miss: `misses the target even ${load}: ${misses.join(', ')}` };
  }
  let best = first;
  for (let i = 1; i < curve.length; i++) {
    const point = curve[i]!;
    if (meets(point, targets)) {
      if (point.outputTokensPerSecond >= best.outputTokensPerSecond) best = point;
      continue;
    }
    const edge = lerpPoint(curve[i - 1]!, point, crossing(curve[i - 1]!, point, targets));
    if (edge.outputTokensPerSecond > best.outputTokensPerSecond) best = edge;
    break;
  }
  return { point: best };
}

function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Calibrated efficiencies per accelerator type, from every measured profile whose model is known and which
 * src/profiles/judgement.ts does not doubt; the doubted ones, with why, keyed by profile.
 */
function calibrations(input: RecommendInput): { byType: Map<string, Efficiency & { profiles: number }>; doubts: Map<string, string[]> } {
  const byType = new Map<string, { measured: readonly PerfPoint[]; estimated: readonly PerfPoint[] }[]>();
  const doubts = new Map<string, string[]>();
  for (const profile of input.measured) {
    if (profile.source !== 'measured') continue;
    const model = input.modelOf(profile.key.model);
    const accelerator = acceleratorByName(profile.key.accelerator);
    const estimate = model && accelerator
      ? estimateProfile({
        model, accelerator, tp: profile.key.tp, dtype: model.nativeDtype, kvCacheDtype: 'bf16', memoryUtilization: input.memoryUtilization,
        workload: profile.key,
      })
      : undefined;
    const estimated = estimate?.ok ? estimate.value.points : undefined;
    const why = profileDoubts(profile, estimated);
    if (why.length > 0) {
      doubts.set(keyId(profile.key), why);
      continue;
    }
    if (!accelerator || !estimated) continue;
    const pairs = byType.get(accelerator.name) ?? [];
    pairs.push({ measured: profile.points, estimated });
    byType.set(accelerator.name, pairs);
  }
  return { byType: new Map([...byType].map(([type, pairs]) => [type, { ...calibrate(pairs), profiles: pairs.length }])), doubts };
}

/** Every option, ranked: the cheapest per output token within the targets first. */
export function recommend(input: RecommendInput): Recommendation {
  const { byType: calibration, doubts } = calibrations(input);
  const options: RecommendOption[] = [];
  const infeasible: Infeasible[] = [];
  const spec: DeploySpec = {
    model: input.model, dtype: input.dtype, kvCacheDtype: input.kvCacheDtype, maxModelLen: input.maxModelLen, kvReserveSeqs: 1,
    memoryUtilization: input.memoryUtilization, replicas: 1,
  };
  // A TPU type comes once per host shape: its "does not fit" row is kept once (the last shape tried, the biggest
  // host, whose figures say most) and dropped when another shape of the type fits.
  const placed = new Set<string>();
  let oneNode = false;
  const unfitRow = new Map<string, number>();
  for (const inventory of input.candidates) {
    const accelerator: AcceleratorType | undefined = inventory.catalog ?? acceleratorByName(inventory.type);
    if (!accelerator) {
      const fits = optionFor(spec, inventory);
      infeasible.push({
        accelerator: inventory.type,
        why: `no speed data: kinfer has no bandwidth or FLOP/s figures for ${inventory.type}, so it prices nothing there${fits.feasible ? ` (it fits: ${fits.why})` : ` (${fits.why})`}`,
      });
      continue;
    }
    let slicesListed = 0;
    for (const tp of tensorParallelSizes(inventory)) {
      const placement = optionFor({ ...spec, tp }, inventory);
      // A multi-host TPU slice is one tensor-parallel group (no pipeline stages); GPU replicas over several nodes
      // come below, only when nothing fits one. Of the multi-host slice shapes, the smallest two that hold the
      // model are listed: a bigger slice only spreads the same replica thinner.
      const slice = placement.tpuSlice !== undefined && placement.hosts > 1;
      if (!placement.feasible || !placement.need || (placement.hosts > 1 && !slice)) continue;
      if (slice && ++slicesListed > MULTI_HOST_SLICES_LISTED) continue;
      placed.add(inventory.type);
      if (placement.hosts === 1) oneNode = true;
      const option = evaluate(input, accelerator, tp, placement, calibration.get(accelerator.name), doubts);
      if ('why' in option) infeasible.push(option);
      else options.push(option);
    }
    if (inventory.sharing && inventory.devicesPerNode > 1) {
      infeasible.push({ accelerator: inventory.type, tp: 2, why: sharedTpRefusal(inventory, 2) });
    }
    if (!placed.has(inventory.type)) {
      // Nothing fits one node: the smallest replica over several (what deploy would make: a LeaderWorkerSet).
      const smallest = optionFor(spec, inventory);
      if (smallest.feasible && smallest.hosts > 1 && smallest.need && smallest.devices !== undefined) {
        placed.add(inventory.type);
        const option = evaluate(input, accelerator, smallest.devices, smallest, calibration.get(accelerator.name), doubts);
        if ('why' in option) infeasible.push(option);
        else options.push(option);
        continue;
      }
      const at = unfitRow.get(inventory.type) ?? infeasible.length;
      unfitRow.set(inventory.type, at);
      infeasible[at] = { accelerator: inventory.type, why: `does not fit: ${smallest.why}` };
    }
  }
  const reasons = infeasible.filter((x) => x.tp !== undefined || !placed.has(x.accelerator));
  options.sort(compare);
  // Nothing on one node: the changes that would fit one. A replica over several nodes is already an option when
  // `placed` has a type, so that change is named only when nothing was placed at all.
  const changes = oneNode ? [] : fittingChanges(spec, input.candidates).filter((c) => !c.multiNode || placed.size === 0);
  const setAside = input.measured.filter((p) => doubts.has(keyId(p.key))).map((p) => ({ profile: describeKey(p.key), doubts: doubts.get(keyId(p.key))! }));
  return { options, infeasible: reasons, calibration, setAside,
    ...(options[0] ? { reason: reasonFor(options, input) } : {}),
    ...(changes.length > 0 ? { changes } : {}),
  };
}

function evaluate(
  input: RecommendInput,
  accelerator: AcceleratorType,
  tp: number,
  placement: PlacementOption,
  calibrated: (Efficiency & { profiles: number }) | undefined,
  doubts: ReadonlyMap<string, readonly string[]>,
): RecommendOption | Infeasible {
  const memory = { needBytes: placement.need!.totalBytes, usableBytes: placement.usableBytes, headroom: placement.headroom, kvCapacityTokens: placement.kvCapacityTokens };
  const nodes = placement.hosts;
  const measured = matchingProfile(input.measured, input.model.id, input.server, accelerator.name, tp, input.workload);
  let curve: readonly PerfPoint[];
  let source: FigureSource;
  let origin: string;
  const doubted = measured ? doubts.get(keyId(measured.key)) : undefined;
  if (measured) {
    curve = measured.points;
    source = 'measured';
    origin = `${measured.origin}, ${measured.createdAt.slice(0, 10)}${doubted ? ` (doubtful: ${doubted.join('; ')})` : ''}`;
  } else {
    const shape = {
      model: input.model, accelerator, tp, dtype: input.dtype, kvCacheDtype: input.kvCacheDtype, memoryUtilization: input.memoryUtilization,
      workload: input.workload, efficiency: calibrated ?? DEFAULT_EFFICIENCY,
    };
    const slice = placement.tpuSlice;
    const estimate = slice && nodes > 1 ? estimateSliceProfile({ ...shape, slice }) : nodes > 1 ? estimateMultiNodeProfile({ ...shape, hosts: nodes }) : estimateProfile(shape);
    if (!estimate.ok) return { accelerator: accelerator.name, tp, why: `does not fit the workload: ${estimate.error}` };
    curve = estimate.value.points;
    source = calibrated ? 'estimated, calibrated' : 'estimated';
    origin = calibrated
      ? `roofline at ${pct(calibrated.decodeBandwidth)} of ${accelerator.name}'s peak bandwidth, ${pct(calibrated.prefillFlops)} of its peak FLOP/s (calibrated by ${calibrated.profiles} measured profile${calibrated.profiles > 1 ? 's' : ''})`
      : `roofline at ${pct(DEFAULT_EFFICIENCY.decodeBandwidth)} of peak bandwidth, ${pct(DEFAULT_EFFICIENCY.prefillFlops)} of peak FLOP/s`;
    if (slice && nodes > 1) origin += `; ${slice.topology} slice: ${tp}-way TP over ${nodes} hosts, all-reduces over ICI at ${(ICI_BYTES_PER_SECOND[accelerator.name] ?? 0) / 1e9} GB/s per chip`;
    else if (nodes > 1) origin += `; ${tp / nodes}-way TP per node × ${nodes} pipeline stages, ${INTER_NODE_HOP_MS * 1000} µs + activations at ${INTER_NODE_BYTES_PER_SECOND / 1e9} GB/s per stage hop`;
  }
  const operating = operatingPoint(curve, input.targets);
  if ('miss' in operating) return { accelerator: accelerator.name, tp, why: operating.miss, source };
  const price = pricePerDeviceHour(input.prices, accelerator.name, input.pricing);
  const cost = price === undefined ? undefined : costPerMillionTokens(price, tp, operating.point.outputTokensPerSecond);
  const replicas = input.requestRate !== undefined && operating.point.requestRate > 0 ? Math.ceil(input.requestRate / operating.point.requestRate) : undefined;
  return {
    accelerator: accelerator.name, tp, nodes, memory, source, origin, curve, operating: operating.point,
    ...(placement.tpuSlice ? { tpuTopology: placement.tpuSlice.topology } : {}),
    ...(price !== undefined ? { pricePerHour: price * tp } : {}),
    ...(cost !== undefined ? { costPerMillionTokens: cost } : {}),
    ...(replicas !== undefined ? { replicas } : {}),
    ...(doubted ? { doubts: doubted } : {}),
  };
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/** Priced options by cost per output token; unpriced ones after, by throughput per device. */
function compare(a: RecommendOption, b: RecommendOption): number {
  const ca = a.costPerMillionTokens;
  const cb = b.costPerMillionTokens;
  if (ca !== undefined && cb !== undefined && ca !== cb) return ca - cb;
  if ((ca === undefined) !== (cb === undefined)) return ca === undefined ? 1 : -1;
  const perDevice = (o: RecommendOption) => o.operating.outputTokensPerSecond / o.tp;
  return perDevice(b) - perDevice(a) || a.tp - b.tp || a.accelerator.localeCompare(b.accelerator);
}

function reasonFor(options: readonly RecommendOption[], input: RecommendInput): string {
  const best = options[0]!;
  const within = [
    input.targets.ttftMs !== undefined ? `TTFT p99 ≤ ${input.targets.ttftMs} ms` : undefined,
    input.targets.ntpotMs !== undefined ? `NTPOT p99 ≤ ${input.targets.ntpotMs} ms` : undefined,
  ].filter((t) => t !== undefined);
  const targets = within.length > 0 ? `within ${within.join(' and ')}` : 'at saturation (no latency target given)';
  const next = options[1];
  if (best.costPerMillionTokens !== undefined) {
    const versus = next?.costPerMillionTokens !== undefined
      ? `; next: ${next.tp} × ${next.accelerator} at $${next.costPerMillionTokens.toFixed(2)}`
      : '';
    return `lowest ${input.pricing} cost per million output tokens ${targets} ($${best.costPerMillionTokens.toFixed(2)} at ${Math.round(best.operating.outputTokensPerSecond)} output tokens/s per replica, ${best.source})${versus}`;
  }
  return `most output tokens per second per device ${targets} (${Math.round(best.operating.outputTokensPerSecond / best.tp)}, ${best.source}); no price for ${best.accelerator} in the price table`;
}

/**
 * The server batch cap that serves an option's operating point: the concurrency recommend chose, rounded up
 * (a cap below it would queue the load the price assumes). A measured point without its concurrency gets it
 * from Little's law: rate × latency, latency = NTPOT p50 × output tokens.
 */
export function operatingBatch(option: Pick<RecommendOption, 'operating'>, workload: WorkloadShape): number {
  const { concurrency, requestRate, ntpotP50Ms } = option.operating;
  const inFlight = concurrency ?? (requestRate * ntpotP50Ms * workload.outputTokens) / 1000;
  return Math.max(1, Math.ceil(inFlight - 1e-9));
}

// Replays model replicas onto simulated clusters through kinfer's placement core (ClusterState + Placer),
// under several node-choice policies, and computes the offline optimum for small static batches.
// Used by bench/placement-quality.bench.ts. Everything is deterministic given the seeds.

import { acceleratorByName } from '../../src/accelerators/catalog.js';
import type { Dtype, KvDtype } from '../../src/models/dtype.js';
import { DEFAULT_MEMORY_UTILIZATION, smallestDeviceCount, tensorParallelProblem } from '../../src/models/memory.js';
import { ModelRegistry } from '../../src/models/user.js';
import { parsePlacementRequest, type PlacementRequest } from '../../src/placement/request.js';
import type { ScorerName } from '../../src/placement/registry.js';
import { Placer, type FilterOutcome } from '../../src/placement/scheduler.js';
import { ClusterState } from '../../src/placement/state.js';
import { aNode, aPod, type NodeObject, type PodObject } from '../../test/builders.js';
import { NodeSampler } from './node-sampling.js';
import { pick, weighted, type Rng } from './prng.js';

export const GPU = 'nvidia.com/gpu';
const models = new ModelRegistry();

// ---------------------------------------------------------------- clusters

/** One kind of node: accelerator type (GKE label value) and GPUs per node. */
export interface NodeType {
  readonly accelerator: string;
  readonly devices: number;
}

export interface ClusterMix {
  readonly name: string;
  readonly description: string;
  readonly shares: readonly (readonly [NodeType, number])[];
}

const SHORT: Record<string, string> = {
  'nvidia-l4': 'l4',
  'nvidia-tesla-a100': 'a100-40',
  'nvidia-a100-80gb': 'a100-80',
  'nvidia-h100-80gb': 'h100',
  'nvidia-h200-141gb': 'h200',
};

export function hbmPerDevice(accelerator: string): number {
  const type = acceleratorByName(accelerator);
  if (!type) throw new Error(`unknown accelerator ${accelerator}`);
  return type.hbmBytesPerDevice;
}

const ZONES = ['zone-a', 'zone-b', 'zone-c'];

function nodeOf(type: NodeType, index: number): NodeObject {
  const name = `${SHORT[type.accelerator] ?? type.accelerator}x${type.devices}-${String(index).padStart(3, '0')}`;
  return aNode(name).gkeGpu(type.accelerator, type.devices).zone(ZONES[index % ZONES.length]!).build();
}

/** `count` nodes in the mix's proportions (largest remainder), in a fixed order. */
export function clusterOfSize(mix: ClusterMix, count: number): NodeObject[] {
  const total = mix.shares.reduce((s, [, w]) => s + w, 0);
  const exact = mix.shares.map(([t, w]) => ({ t, n: (count * w) / total }));
  const counts = exact.map((e) => Math.floor(e.n));
  const order = exact.map((e, i) => ({ i, r: e.n - Math.floor(e.n) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; counts.reduce((s, c) => s + c, 0) < count; k += 1) counts[order[k % order.length]!.i]! += 1;
  const nodes: NodeObject[] = [];
  let index = 0;
  exact.forEach((e, i) => {
    for (let k = 0; k < counts[i]!; k += 1) nodes.push(nodeOf(e.t, index++));
  });
  return nodes;
}

/**
 * `count` GKE H100x8 nodes in `blocks` blocks of sub-blocks of `perSubBlock` nodes
 * (cloud.google.com/gce-topology-block / -subblock), for multi-host group placement.
 */
export function blockCluster(count: number, blocks: number, perSubBlock: number): NodeObject[] {
  const perBlock = Math.ceil(count / blocks);
  return Array.from({ length: count }, (_, i) => aNode(`h100x8-${String(i).padStart(4, '0')}`).gkeGpu('nvidia-h100-80gb', 8)
    .zone(ZONES[0]!).label('cloud.google.com/gce-topology-block', `b${Math.floor(i / perBlock)}`)
    .label('cloud.google.com/gce-topology-subblock', `s${Math.floor(i / perSubBlock)}`).build());
}

/** A small random cluster (for the exact optimum): `count` nodes drawn by the mix's weights, at least two types. */
export function smallCluster(mix: ClusterMix, count: number, rng: Rng): NodeObject[] {
  for (;;) {
    const types = Array.from({ length: count }, () => weighted(rng, mix.shares));
    if (new Set(types).size < 2 && mix.shares.length > 1) continue;
    types.sort((a, b) => mix.shares.findIndex(([t]) => t === a) - mix.shares.findIndex(([t]) => t === b));
    return types.map((t, i) => nodeOf(t, i));
  }
}

export function nodeTypesOf(nodes: readonly NodeObject[]): NodeType[] {
  const seen = new Map<string, NodeType>();
  for (const n of nodes) {
    const accelerator = n.metadata.labels['cloud.google.com/gke-accelerator']!;
    const devices = Number(n.status.allocatable[GPU]);
    seen.set(`${accelerator}/${devices}`, { accelerator, devices });
  }
  return [...seen.values()];
}

export function clusterUsableBytes(nodes: readonly NodeObject[]): number {
  return nodes.reduce((s, n) => s + Number(n.status.allocatable[GPU]) * hbmPerDevice(n.metadata.labels['cloud.google.com/gke-accelerator']!) * DEFAULT_MEMORY_UTILIZATION, 0);
}

export function clusterDevices(nodes: readonly NodeObject[]): number {
  return nodes.reduce((s, n) => s + Number(n.status.allocatable[GPU]), 0);
}

// ---------------------------------------------------------------- workload

type SizeClass = 'small' | 'medium' | 'large';

const MODEL_CLASSES: readonly (readonly [SizeClass, readonly string[], number])[] = [
  ['small', ['meta-llama/Llama-3.1-8B-Instruct', 'google/gemma-2-9b-it', 'Qwen/Qwen2.5-7B-Instruct', 'mistralai/Mistral-7B-Instruct-v0.3'], 0.5],
  ['medium', ['google/gemma-2-27b-it', 'Qwen/Qwen3-32B', 'mistralai/Mixtral-8x7B-Instruct-v0.1'], 0.3],
  ['large', ['meta-llama/Llama-3.1-70B-Instruct', 'Qwen/Qwen2.5-72B-Instruct', 'openai/gpt-oss-120b'], 0.2],
];

/** What a user asked for, before it becomes a pod. */
export interface ReplicaSpec {
  readonly modelId: string;
  readonly sizeClass: SizeClass;
  readonly dtype: Dtype;
  readonly kvCacheDtype: KvDtype;
  readonly maxModelLen: number;
  readonly kvReserveSeqs: number;
  /** Tensor-parallel size = GPUs the pod requests. */
  readonly tp: number;
  /** The accelerator the user sized the TP for (the pod itself accepts any type that fits). */
  readonly sizedFor: string;
}

export interface Arrival {
  readonly spec: ReplicaSpec;
  /** Pending pod (no nodeName). */
  readonly pod: PodObject;
  readonly request: PlacementRequest;
  /** Events it stays once placed. */
  readonly lifetime: number;
}

/**
 * One replica request as a user would write it: a catalog model, a precision, a context target and a batch, and
 * a TP size chosen as the fewest GPUs of one of the cluster's accelerator types that hold it (what
 * `kubectl inference deploy` recommends), doubled 20% of the time for throughput.
 */
export function drawSpec(rng: Rng, types: readonly NodeType[]): ReplicaSpec {
  for (;;) {
    const [sizeClass, ids] = weighted(rng, MODEL_CLASSES.map(([c, ids, w]) => [[c, ids] as const, w] as const));
    const modelId = pick(rng, ids);
    const model = models.get(modelId)!;
    const dtype: Dtype = model.nativeDtype === 'mxfp4' ? 'mxfp4' : weighted<Dtype>(rng, [['bf16', 0.7], ['fp8', 0.3]]);
    const kvCacheDtype = weighted<KvDtype>(rng, [['bf16', 0.8], ['fp8', 0.2]]);
    const maxModelLen = Math.min(model.maxContext, pick(rng, [4096, 8192, 16384, 32768]));
    const kvReserveSeqs = weighted(rng, [[1, 0.2], [4, 0.3], [8, 0.2], [16, 0.2], [32, 0.1]]);
    const shape = { model, dtype, kvCacheDtype, maxModelLen, kvReserveSeqs };
    const order = [...types].sort(() => rng() - 0.5);
    for (const target of order) {
      const candidates = [1, 2, 4, 8].filter((n) => n <= target.devices);
      let tp = smallestDeviceCount(shape, hbmPerDevice(target.accelerator), DEFAULT_MEMORY_UTILIZATION, candidates);
      if (tp === undefined) continue;
      if (rng() < 0.2 && tp * 2 <= target.devices && tensorParallelProblem(model, tp * 2) === undefined) tp *= 2;
      return { modelId, sizeClass, dtype, kvCacheDtype, maxModelLen, kvReserveSeqs, tp, sizedFor: target.accelerator };
    }
  }
}

let serial = 0;

/**
 * The members of one multi-host replica (`kinfer.dev/group`, `kinfer.dev/group-size`): `size` pods of `gpus` GPUs,
 * each holding `hbm` (a Kubernetes quantity), arriving one after the other as a LeaderWorkerSet creates them.
 */
export function groupArrivals(group: string, size: number, gpus: number, hbm: string): Arrival[] {
  return Array.from({ length: size }, (_, i) => {
    const pod = aPod(`${group}-${i}`).kinfer('hbm', hbm).kinfer('group', group).kinfer('group-size', String(size)).gpus(gpus).build();
    const parsed = parsePlacementRequest(pod, models);
    if (!parsed.ok || !parsed.value) throw new Error(`bench pod did not parse: ${JSON.stringify(parsed)}`);
    const spec: ReplicaSpec = {
      modelId: 'group', sizeClass: 'large', dtype: 'bf16', kvCacheDtype: 'bf16', maxModelLen: 8192, kvReserveSeqs: 1, tp: gpus * size, sizedFor: 'nvidia-h100-80gb',
    };
    return { spec, pod, request: parsed.value, lifetime: 0 };
  });
}

export function arrivalOf(spec: ReplicaSpec, lifetime: number): Arrival {
  serial += 1;
  const short = spec.modelId.split('/')[1]!.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const pod = aPod(`${short}-${serial}`)
    .model(spec.modelId)
    .kinfer('dtype', spec.dtype)
    .kinfer('kv-cache-dtype', spec.kvCacheDtype)
    .kinfer('max-model-len', String(spec.maxModelLen))
    .kinfer('kv-reserve-seqs', String(spec.kvReserveSeqs))
    .gpus(spec.tp)
    .build();
  const parsed = parsePlacementRequest(pod, models);
  if (!parsed.ok || !parsed.value) throw new Error(`bench pod did not parse: ${JSON.stringify(parsed)}`);
  return { spec, pod, request: parsed.value, lifetime };
}

// ---------------------------------------------------------------- policies

export interface ChoiceContext {
  readonly request: PlacementRequest;
  readonly state: ClusterState;
  /** Nodes that passed kinfer's filters (the same for every policy). */
  readonly passed: readonly string[];
  readonly placer: Placer;
  readonly rng: Rng;
}

export interface Policy {
  readonly name: string;
  readonly description: string;
  choose(ctx: ChoiceContext): string;
}

/** The best-scoring node; ties broken uniformly at random, as kube-scheduler's selectHost does. */
function argmax(names: readonly string[], score: (name: string) => number, rng: Rng): string {
  let best = -Infinity;
  let chosen = names[0]!;
  let ties = 0;
  for (const name of names) {
    const s = score(name);
    if (s > best + 1e-12) {
      best = s;
      chosen = name;
      ties = 1;
    } else if (Math.abs(s - best) <= 1e-12) {
      ties += 1;
      if (rng() * ties < 1) chosen = name; // reservoir sampling over the tied nodes
    }
  }
  return chosen;
}

function poolOf(state: ClusterState, name: string): { devices: number; free: number; hbm: number } {
  const pool = state.node(name)!.accelerators!.pools.find((p) => p.resourceName === GPU)!;
  return { devices: pool.devices, free: pool.devices - state.usedDevices(name, GPU), hbm: pool.hbmBytesPerDevice };
}

/**
 * kinfer's scoring with the given weights (default: DESIGN weights). `rounded`: the extender's 0..10 integer scores,
 * as kube-scheduler sees them; otherwise the weighted sum in [0,1] before rounding (a diagnostic).
 */
export function kinferPolicy(name: string, description: string, weights: Partial<Record<ScorerName, number>> = {}, rounded = true): Policy {
  const placer = new Placer(weights);
  return {
    name,
    description,
    choose: ({ request, state, passed, rng }) => {
      if (rounded) {
        const scores = new Map(placer.prioritize(request, state, passed).map((s) => [s.host, s.score]));
        return argmax(passed, (n) => scores.get(n)!, rng);
      }
      const cycle = placer.newCycle(request, state);
      return argmax(passed, (n) => placer.score01(cycle, state.node(n)!), rng);
    },
  };
}

export const POLICIES: readonly Policy[] = [
  kinferPolicy('kinfer', 'Placer.prioritize, default weights, 0..10 extender scores; ties at random'),
  kinferPolicy('kinfer-unrounded', 'diagnostic: Placer.score01 (same weights) before rounding to 0..10; ties at random', {}, false),
  {
    name: 'least-allocated',
    description: 'baseline: kube-scheduler NodeResourcesFit LeastAllocated on nvidia.com/gpu (spread); ties at random',
    choose: ({ request, state, passed, rng }) => argmax(passed, (n) => {
      const p = poolOf(state, n);
      return (p.free - request.devices.count) / p.devices;
    }, rng),
  },
  {
    name: 'most-allocated',
    description: 'trap 1: best fit on device count alone (MostAllocated on nvidia.com/gpu); ties at random',
    choose: ({ request, state, passed, rng }) => argmax(passed, (n) => {
      const p = poolOf(state, n);
      return (p.devices - p.free + request.devices.count) / p.devices;
    }, rng),
  },
  {
    name: 'hbm-lexicographic',
    description: 'DESIGN.md reference: smallest sufficient HBM per device first, then fewest leftover devices; ties at random',
    choose: ({ request, state, passed, rng }) => argmax(passed, (n) => {
      const p = poolOf(state, n);
      // HBM per device dominates (GiB steps), leftover devices breaks ties within a type.
      return -(p.hbm / 2 ** 30) * 100 - (p.free - request.devices.count);
    }, rng),
  },
];

// ---------------------------------------------------------------- replay

export interface ReplayMetrics {
  /** Arrivals counted (after warm-up). */
  arrivals: number;
  placed: number;
  /** GPUs held by the replicas placed (counted arrivals). */
  placedGpus: number;
  rejected: number;
  /** Rejected although nodes of acceptable types together had at least the replica's need in free usable HBM. */
  fragmentationRejected: number;
  /** Time-averaged HBM allocated to replicas but not needed by them (devices × HBM × util − need), % of cluster usable HBM. */
  overprovisionedPct: number;
  /** Time-averaged HBM needed by placed replicas, % of cluster usable HBM. */
  usedPct: number;
  /** Mean, over rejections, of the cluster's free usable HBM at that moment, % of cluster usable HBM. */
  freeAtRejectPct: number;
  /** Mean, over rejections, of the free devices at that moment, % of cluster devices. */
  freeDevicesAtRejectPct: number;
  sampling?: SamplingMetrics;
}

export interface ReplayOptions {
  /** Arrivals before this index run but are not counted. */
  readonly warmup: number;
  /** Departures happen (stream) or not (static batch). */
  readonly departures: boolean;
  /**
   * kube-scheduler's node sampling in front of the extender (see node-sampling.ts): each cycle the extender sees
   * only the window of nodes the scheduler found feasible. A cycle whose window the extender rejects whole is
   * retried, as the scheduler's backoff would, on the next window, until every node was walked once.
   */
  readonly sampling?: { readonly percentageOfNodesToScore: number };
  /** Told of every placement (pod name, node). */
  readonly onPlaced?: (pod: string, node: string) => void;
}

/** What sampling cost, beside the placements (ReplayMetrics.sampling). */
export interface SamplingMetrics {
  readonly feasibleToFind: number;
  /** Scheduling cycles run, counted arrivals. */
  cycles: number;
  /** Nodes sent to the extender, summed over counted cycles. */
  nodesSent: number;
  /** Counted arrivals that needed more than one cycle. */
  retried: number;
  /** Every cycle run, warm-up included (for timing). */
  totalCycles: number;
  /** Most cycles one counted arrival needed. */
  maxCycles: number;
}

/** Places `arrivals` in order with `policy`, through ClusterState + Placer.filter. No queueing, no retry. */
export function replay(nodes: readonly NodeObject[], arrivals: readonly Arrival[], policy: Policy, rng: Rng, options: ReplayOptions): ReplayMetrics {
  const state = new ClusterState();
  for (const n of nodes) state.upsertNode(n);
  const names = nodes.map((n) => n.metadata.name);
  const placer = new Placer();
  const util = DEFAULT_MEMORY_UTILIZATION;
  const clusterUsable = clusterUsableBytes(nodes);
  const totalDevices = clusterDevices(nodes);
  const departAt = new Map<number, { uid: string; allocated: number; need: number; devices: number }[]>();
  const sampler = options.sampling ? new NodeSampler(names, options.sampling.percentageOfNodesToScore) : undefined;
  const sampling: SamplingMetrics | undefined = sampler ? { feasibleToFind: sampler.feasibleToFind, cycles: 0, nodesSent: 0, retried: 0, totalCycles: 0, maxCycles: 0 } : undefined;

  let allocated = 0;
  let needed = 0;
  let devicesUsed = 0;
  const m = { arrivals: 0, placed: 0, placedGpus: 0, rejected: 0, fragmentationRejected: 0 };
  let overSum = 0;
  let usedSum = 0;
  let samples = 0;
  let freeAtReject = 0;
  let freeDevicesAtReject = 0;

  arrivals.forEach((arrival, k) => {
    for (const gone of departAt.get(k) ?? []) {
      state.deletePod(gone.uid);
      allocated -= gone.allocated;
      needed -= gone.need;
      devicesUsed -= gone.devices;
    }
    departAt.delete(k);
    const counted = k >= options.warmup;
    const { request } = arrival;
    let outcome: FilterOutcome;
    if (sampler) {
      // The scheduler's own filter for an accelerator pod: enough free devices of the resource (NodeResourcesFit).
      const fits = (name: string): boolean => {
        const pool = state.node(name)?.accelerators?.pools.find((p) => p.resourceName === request.devices.resourceName);
        return pool !== undefined && pool.devices - state.usedDevices(name, pool.resourceName) >= request.devices.count;
      };
      let walked = 0;
      let cycles = 0;
      for (;;) {
        const { found: window, processed } = sampler.window(fits);
        cycles += 1;
        walked += processed;
        if (counted) sampling!.nodesSent += window.length;
        outcome = placer.filter(request, state, window);
        if (outcome.passed.length > 0 || window.length === 0 || walked >= names.length) break;
      }
      sampling!.totalCycles += cycles;
      if (counted) {
        sampling!.cycles += cycles;
        sampling!.maxCycles = Math.max(sampling!.maxCycles, cycles);
        if (cycles > 1) sampling!.retried += 1;
      }
    } else {
      outcome = placer.filter(request, state, names);
    }
    const need = request.hbm!.totalBytes;
    if (counted) m.arrivals += 1;
    if (outcome.passed.length === 0) {
      if (counted) {
        m.rejected += 1;
        let freeUsable = 0;
        for (const [name, why] of outcome.failed) {
          if (why.filter !== 'free-devices') continue;
          const p = poolOf(state, name);
          freeUsable += p.free * p.hbm * util;
        }
        if (freeUsable >= need) m.fragmentationRejected += 1;
        freeAtReject += (clusterUsable - allocated) / clusterUsable;
        freeDevicesAtReject += (totalDevices - devicesUsed) / totalDevices;
      }
    } else {
      const node = policy.choose({ request, state, passed: outcome.passed, placer, rng });
      options.onPlaced?.(arrival.pod.metadata.name, node);
      const bound = structuredClone(arrival.pod);
      bound.spec.nodeName = node;
      bound.status.phase = 'Running';
      state.upsertPod(bound);
      const p = poolOf(state, node);
      const alloc = request.devices.count * p.hbm * util;
      allocated += alloc;
      needed += need;
      devicesUsed += request.devices.count;
      if (counted) {
        m.placed += 1;
        m.placedGpus += request.devices.count;
      }
      if (options.departures) {
        const at = k + arrival.lifetime;
        const list = departAt.get(at) ?? [];
        list.push({ uid: arrival.pod.metadata.uid, allocated: alloc, need, devices: request.devices.count });
        departAt.set(at, list);
      }
    }
    if (counted) {
      overSum += (allocated - needed) / clusterUsable;
      usedSum += needed / clusterUsable;
      samples += 1;
    }
  });
  const pct = (x: number, n: number): number => (n === 0 ? 0 : (100 * x) / n);
  return {
    ...m,
    overprovisionedPct: pct(overSum, samples),
    usedPct: pct(usedSum, samples),
    freeAtRejectPct: pct(freeAtReject, m.rejected),
    freeDevicesAtRejectPct: pct(freeDevicesAtReject, m.rejected),
    ...(sampling ? { sampling } : {}),
  };
}

// ---------------------------------------------------------------- offline optimum

export interface OptimumResult {
  /** Most replicas any assignment places (requests may be skipped). */
  readonly optimum: number;
  /** Most GPUs any assignment places (a second objective: replica count rewards dropping big replicas). */
  readonly optimumGpus: number;
  /**
   * Most replicas an online-constrained but clairvoyant scheduler places: arrival order, and a request that fits
   * somewhere must be placed (as kube-scheduler does), but the node is chosen knowing the future.
   */
  readonly clairvoyantOnline: number;
}

interface Instance {
  readonly names: readonly string[];
  readonly caps: readonly number[];
  /** Symmetry class per node: accelerator type and size. */
  readonly klass: readonly string[];
  readonly accept: readonly (readonly boolean[])[];
  readonly counts: readonly number[];
}

/**
 * Feasibility is kinfer's own: which nodes a request may use comes from Placer.filter on the empty cluster
 * (accelerator type + HBM fit + enough devices in all), then free devices, as the free-devices filter counts them.
 */
function instanceOf(nodes: readonly NodeObject[], arrivals: readonly Arrival[]): Instance {
  const state = new ClusterState();
  for (const n of nodes) state.upsertNode(n);
  const names = nodes.map((n) => n.metadata.name);
  const placer = new Placer();
  return {
    names,
    caps: names.map((n) => poolOf(state, n).devices),
    klass: nodes.map((n) => `${n.metadata.labels['cloud.google.com/gke-accelerator']}/${n.status.allocatable[GPU]}`),
    accept: arrivals.map((a) => {
      const passed = new Set(placer.filter(a.request, state, names).passed);
      return names.map((n) => passed.has(n));
    }),
    counts: arrivals.map((a) => a.request.devices.count),
  };
}

/**
 * Offline optimum, exact. Nodes of one type and size are bins of one capacity C (8 or 4), and TP sizes are powers
 * of two dividing C, so a set of replicas fits a group of k such nodes iff its GPUs total at most k x C (first fit
 * decreasing: with divisible sizes every bin's free space is a multiple of the item being placed, so any free space
 * is enough space). The search is then a memoised DFS over (request, free GPUs per group), maximising `weight`.
 */
function groupOptimum(inst: Instance, weight: (i: number) => number): number {
  const groupIndex = new Map<string, number>();
  const groupCap: number[] = [];
  const nodeCap: number[] = [];
  const nodeGroup = inst.klass.map((k, j) => {
    let g = groupIndex.get(k);
    if (g === undefined) {
      g = groupCap.length;
      groupIndex.set(k, g);
      groupCap.push(0);
      nodeCap.push(inst.caps[j]!);
    }
    groupCap[g]! += inst.caps[j]!;
    return g;
  });
  for (const c of inst.caps) if ((c & (c - 1)) !== 0) throw new Error('group optimum assumes power-of-two nodes');
  for (const c of inst.counts) if ((c & (c - 1)) !== 0) throw new Error('group optimum assumes power-of-two TP sizes');
  const G = groupCap.length;
  const acceptG = inst.accept.map((row) => {
    const ok = new Array<boolean>(G).fill(false);
    row.forEach((a, j) => { if (a) ok[nodeGroup[j]!] = true; });
    return ok;
  });
  const radix = groupCap.map((c) => c + 1);
  const stride = radix.reduce((p, r) => p * r, 1);
  const free = [...groupCap];
  const memo = new Map<number, number>();
  const dfs = (i: number): number => {
    if (i === inst.counts.length) return 0;
    let key = 0;
    for (let g = G - 1; g >= 0; g -= 1) key = key * radix[g]! + free[g]!;
    key += i * stride;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let best = dfs(i + 1);
    const c = inst.counts[i]!;
    for (let g = 0; g < G; g += 1) {
      if (!acceptG[i]![g] || free[g]! < c || nodeCap[g]! < c) continue;
      free[g]! -= c;
      best = Math.max(best, weight(i) + dfs(i + 1));
      free[g]! += c;
    }
    memo.set(key, best);
    return best;
  };
  return dfs(0);
}

/**
 * Clairvoyant online, exact: memoised DFS over (request, free devices per node), every request that fits some
 * node must be placed; nodes of the same type and size are interchangeable, so their free counts are kept sorted.
 */
function clairvoyantOnline(inst: Instance): number {
  const n = inst.caps.length;
  const groups: number[][] = [];
  const seen = new Map<string, number[]>();
  inst.klass.forEach((k, j) => {
    let g = seen.get(k);
    if (!g) {
      g = [];
      seen.set(k, g);
      groups.push(g);
    }
    g.push(j);
  });
  const base = Math.max(...inst.caps) + 1;
  const stride = base ** n;
  const memo = new Map<number, number>();
  const free = [...inst.caps];
  const canonical = (): number => {
    for (const g of groups) {
      const vals = g.map((j) => free[j]!).sort((a, b) => a - b);
      g.forEach((j, i) => { free[j] = vals[i]!; });
    }
    let key = 0;
    for (let j = n - 1; j >= 0; j -= 1) key = key * base + free[j]!;
    return key;
  };
  const dfs = (i: number): number => {
    if (i === inst.counts.length) return 0;
    const key = i * stride + canonical();
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const snapshot = [...free];
    const count = inst.counts[i]!;
    let best = -1;
    const tried = new Set<string>();
    for (let j = 0; j < n; j += 1) {
      if (!inst.accept[i]![j] || free[j]! < count) continue;
      const sig = `${inst.klass[j]}/${free[j]}`;
      if (tried.has(sig)) continue; // an interchangeable node in the same state
      tried.add(sig);
      free[j]! -= count;
      best = Math.max(best, 1 + dfs(i + 1));
      for (let t = 0; t < n; t += 1) free[t] = snapshot[t]!;
    }
    if (best < 0) best = dfs(i + 1);
    for (let t = 0; t < n; t += 1) free[t] = snapshot[t]!;
    memo.set(key, best);
    return best;
  };
  return dfs(0);
}

export function exactOptimum(nodes: readonly NodeObject[], arrivals: readonly Arrival[]): OptimumResult {
  const inst = instanceOf(nodes, arrivals);
  return {
    optimum: groupOptimum(inst, () => 1),
    optimumGpus: groupOptimum(inst, (i) => inst.counts[i]!),
    clairvoyantOnline: clairvoyantOnline(inst),
  };
}

// Placement quality: replay a seeded stream of model replicas onto heterogeneous GPU clusters through kinfer's
// placement core (ClusterState + Placer.filter decide feasibility for every policy) and compare how many replicas
// each node-choice policy places. Prints figures; never passes or fails.
//
//   npx tsc -p tsconfig.json && node dist/bench/placement-quality.bench.js
//
// Parts:
//  1. Small static batches (4-6 nodes, all requests known, no departures) against the exact offline optimum.
//  2. Streams with arrivals and departures on 64- and 192-node clusters at 1.2x offered load (by GPUs).
//  3. A load sweep on one mix.
//  4. Ablations of kinfer's scorer weights on 192-node streams.
//  5. kube-scheduler's node sampling at 5,000 nodes: percentageOfNodesToScore unset (adaptive, 10% there) vs 100.
//     `node dist/bench/placement-quality.bench.js --only sampling` runs this part alone.
// Ties between equally scored nodes are broken by a seeded PRNG, as kube-scheduler's selectHost picks at random.
// No queueing: a replica that no node accepts on arrival is rejected and counted, never retried.

import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mulberry32, type Rng } from './lib/prng.js';
import {
  POLICIES, arrivalOf, blockCluster, groupArrivals, kinferPolicy, clusterDevices, clusterOfSize, drawSpec, exactOptimum, nodeTypesOf, replay, smallCluster,
  type Arrival, type ClusterMix, type Policy, type ReplayMetrics,
} from './lib/placement-sim.js';
import type { NodeObject } from '../test/builders.js';
import { numFeasibleNodesToFind } from './lib/node-sampling.js';

const L4x8 = { accelerator: 'nvidia-l4', devices: 8 };
const L4x4 = { accelerator: 'nvidia-l4', devices: 4 };
const A100_40x8 = { accelerator: 'nvidia-tesla-a100', devices: 8 };
const A100_80x8 = { accelerator: 'nvidia-a100-80gb', devices: 8 };
const H100x8 = { accelerator: 'nvidia-h100-80gb', devices: 8 };
const H200x8 = { accelerator: 'nvidia-h200-141gb', devices: 8 };

const MIXES: readonly ClusterMix[] = [
  { name: 'mixed', description: 'L4x8, A100-80GBx8, H100x8, H200x8 in equal shares', shares: [[L4x8, 1], [A100_80x8, 1], [H100x8, 1], [H200x8, 1]] },
  { name: 'l4-heavy', description: '40% L4x8, 20% L4x4, 25% H100x8, 15% H200x8', shares: [[L4x8, 0.4], [L4x4, 0.2], [H100x8, 0.25], [H200x8, 0.15]] },
  { name: 'datacenter', description: '30% A100-40GBx8, 30% A100-80GBx8, 25% H100x8, 15% H200x8', shares: [[A100_40x8, 0.3], [A100_80x8, 0.3], [H100x8, 0.25], [H200x8, 0.15]] },
];

const SMALL_INSTANCES = 50;
/** A static batch asks for this many times the small cluster's GPUs: about what fits, and clearly more. */
const BATCH_OVERSUBSCRIPTIONS = [1.0, 1.5];
const STREAM_SIZES = [64, 192];
const STREAM_LOAD = 1.2;
const SWEEP_LOADS = [0.8, 1.0, 1.2, 1.5];
const POLICY_SEED = 7;

const fmt = (x: number, d = 1): string => x.toFixed(d);

// ---------------------------------------------------------------- 1. small static batches vs the exact optimum

interface SmallRow {
  mix: string;
  oversubscription: number;
  instance: number;
  nodes: number;
  gpus: number;
  requests: number;
  optimum: number;
  optimumGpus: number;
  clairvoyantOnline: number;
  placed: Record<string, number>;
  placedGpus: Record<string, number>;
}

function smallInstances(mix: ClusterMix, mixIndex: number, oversubscription: number): SmallRow[] {
  const rows: SmallRow[] = [];
  for (let i = 0; i < SMALL_INSTANCES; i += 1) {
    const rng = mulberry32(10_000 * (mixIndex + 1) + 1000 * oversubscription + i);
    const nodes = smallCluster(mix, 4 + (i % 3), rng);
    const types = nodeTypesOf(nodes);
    const gpus = clusterDevices(nodes);
    const batch: Arrival[] = [];
    let asked = 0;
    while (asked < oversubscription * gpus) {
      const spec = drawSpec(rng, types);
      batch.push(arrivalOf(spec, 0));
      asked += spec.tp;
    }
    const opt = exactOptimum(nodes, batch);
    const placed: Record<string, number> = {};
    const placedGpus: Record<string, number> = {};
    for (const policy of POLICIES) {
      const m = replay(nodes, batch, policy, mulberry32(POLICY_SEED + i), { warmup: 0, departures: false });
      placed[policy.name] = m.placed;
      placedGpus[policy.name] = m.placedGpus;
    }
    rows.push({
      mix: mix.name, oversubscription, instance: i, nodes: nodes.length, gpus, requests: batch.length,
      optimum: opt.optimum, optimumGpus: opt.optimumGpus, clairvoyantOnline: opt.clairvoyantOnline, placed, placedGpus,
    });
  }
  return rows;
}

interface RatioSummary { mean: number; min: number; atOptimum: number }

function ratios(rows: readonly SmallRow[], of: (r: SmallRow) => number, to: (r: SmallRow) => number): RatioSummary {
  const rs = rows.map((r) => of(r) / to(r));
  return {
    mean: (100 * rs.reduce((s, x) => s + x, 0)) / rs.length,
    min: 100 * Math.min(...rs),
    atOptimum: rs.filter((x) => x >= 1 - 1e-9).length,
  };
}

// ---------------------------------------------------------------- 2. streams

interface StreamRow {
  mix: string;
  nodes: number;
  gpus: number;
  load: number;
  meanLifetime: number;
  arrivals: number;
  policies: Record<string, ReplayMetrics>;
}

function meanTp(nodes: readonly NodeObject[], seed: number): number {
  const rng = mulberry32(seed);
  const types = nodeTypesOf(nodes);
  let sum = 0;
  const n = 2000;
  for (let i = 0; i < n; i += 1) sum += drawSpec(rng, types).tp;
  return sum / n;
}

function lifetimeOf(rng: Rng, mean: number): number {
  return Math.max(1, Math.round(-Math.log(1 - rng()) * mean));
}

function stream(mix: ClusterMix, size: number, load: number, seed: number, measured: number, policyList: readonly Policy[] = POLICIES): StreamRow {
  const nodes = clusterOfSize(mix, size);
  const gpus = clusterDevices(nodes);
  const tp = meanTp(nodes, seed + 1);
  // Little's law: GPUs asked for at once = arrivals per event x mean lifetime x mean TP.
  const meanLifetime = Math.round((load * gpus) / tp);
  const warmup = 3 * meanLifetime;
  const rng = mulberry32(seed);
  const types = nodeTypesOf(nodes);
  const arrivals: Arrival[] = [];
  for (let k = 0; k < warmup + measured; k += 1) arrivals.push(arrivalOf(drawSpec(rng, types), lifetimeOf(rng, meanLifetime)));
  const policies: Record<string, ReplayMetrics> = {};
  for (const policy of policyList) policies[policy.name] = replay(nodes, arrivals, policy, mulberry32(POLICY_SEED), { warmup, departures: true });
  return { mix: mix.name, nodes: size, gpus, load, meanLifetime, arrivals: measured, policies };
}

// ---------------------------------------------------------------- 5. node sampling at scale

const SAMPLING_NODES = 5000;
/** Settings compared: 0 = unset (kube-scheduler's adaptive default, 10% at 5,000 nodes), and 100. */
const SAMPLING_SETTINGS = [0, 100];
/**
 * `mixed` (equal shares) and a mix where the best fit for small models is rare: a window of 10% holds ~25 of the
 * 250 L4 nodes, so once those are full a small model lands on an H100 although other L4s have room.
 */
const RARE_L4: ClusterMix = { name: 'rare-l4', description: '5% L4x8, 95% H100x8', shares: [[L4x8, 0.05], [H100x8, 0.95]] };
const SAMPLING_MIXES: readonly ClusterMix[] = [MIXES[0]!, RARE_L4];
const SAMPLING_OVERSUBSCRIPTION = 1.2;

interface SamplingRow {
  mix: string;
  nodes: number;
  gpus: number;
  arrivals: number;
  settings: { percentageOfNodesToScore: number; feasibleToFind: number; metrics: ReplayMetrics; msPerCycle: number }[];
}

/** Deterministic Fisher-Yates: kube-scheduler walks nodes in its node tree's order, which says nothing of their type. */
function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Fill a 5,000-node cluster with a batch asking 1.2x its GPUs, in arrival order, once per sampling setting: the
 * extender (kinfer's default policy) sees only the window the scheduler sends. Same nodes, node order and batch.
 */
function samplingRun(mix: ClusterMix, seed: number): SamplingRow {
  const nodes = shuffled(clusterOfSize(mix, SAMPLING_NODES), mulberry32(seed + 1));
  const gpus = clusterDevices(nodes);
  const rng = mulberry32(seed);
  const types = nodeTypesOf(nodes);
  const batch: Arrival[] = [];
  let asked = 0;
  while (asked < SAMPLING_OVERSUBSCRIPTION * gpus) {
    const spec = drawSpec(rng, types);
    batch.push(arrivalOf(spec, 0));
    asked += spec.tp;
  }
  const policy = POLICIES.find((p) => p.name === 'kinfer')!;
  const settings = SAMPLING_SETTINGS.map((percentageOfNodesToScore) => {
    const started = process.hrtime.bigint();
    const metrics = replay(nodes, batch, policy, mulberry32(POLICY_SEED), { warmup: 0, departures: false, sampling: { percentageOfNodesToScore } });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return { percentageOfNodesToScore, feasibleToFind: numFeasibleNodesToFind(percentageOfNodesToScore, nodes.length), metrics, msPerCycle: ms / metrics.sampling!.totalCycles };
  });
  return { mix: mix.name, nodes: nodes.length, gpus, arrivals: batch.length, settings };
}

const GROUPS = 1000;
const GROUP_SIZE = 2;

interface GroupSamplingRow {
  percentageOfNodesToScore: number;
  metrics: ReplayMetrics;
  /** Groups whose members all share one sub-block. */
  oneSubBlock: number;
  msPerCycle: number;
}

/**
 * Multi-host replicas at 5,000 nodes: 1,000 groups of 2 pods x 8 H100s, members arriving one after the other, on
 * 10 blocks of sub-blocks of 20 nodes (GKE topology labels). A member's group pins it to one sub-block: with
 * sampling, the window the scheduler sends may hold none of that sub-block's free nodes, and the cycle is retried.
 */
function samplingGroups(): GroupSamplingRow[] {
  const nodes = shuffled(blockCluster(SAMPLING_NODES, 10, 20), mulberry32(31));
  const arrivals = Array.from({ length: GROUPS }, (_, g) => groupArrivals(`g${g}`, GROUP_SIZE, 8, '400Gi')).flat();
  const subBlockOf = new Map(nodes.map((n) => [n.metadata.name, n.metadata.labels['cloud.google.com/gce-topology-subblock']!]));
  const policy = POLICIES.find((p) => p.name === 'kinfer')!;
  return SAMPLING_SETTINGS.map((percentageOfNodesToScore) => {
    const placedIn = new Map<string, Set<string>>();
    const started = process.hrtime.bigint();
    const metrics = replay(nodes, arrivals, policy, mulberry32(POLICY_SEED), {
      warmup: 0, departures: false, sampling: { percentageOfNodesToScore },
      onPlaced: (pod, node) => {
        const group = pod.slice(0, pod.lastIndexOf('-'));
        const set = placedIn.get(group) ?? new Set<string>();
        set.add(subBlockOf.get(node)!);
        placedIn.set(group, set);
      },
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const oneSubBlock = [...placedIn.values()].filter((s) => s.size === 1).length;
    return { percentageOfNodesToScore, metrics, oneSubBlock, msPerCycle: ms / metrics.sampling!.totalCycles };
  });
}

function printSampling(print: (line?: string) => void): { fill: SamplingRow[]; groups: GroupSamplingRow[] } {
  print(`## 5. kube-scheduler node sampling at ${SAMPLING_NODES} nodes: a batch asking ${SAMPLING_OVERSUBSCRIPTION}x the GPUs, in arrival order`);
  print();
  print('The scheduler walks the nodes from where its last cycle stopped and stops at numFeasibleNodesToFind nodes with enough');
  print('free GPUs (pkg/scheduler/schedule_one.go); the extender filters and scores only those. Unset = adaptive: 50 - nodes/125 %,');
  print('at least 5% and 100 nodes (10% = 500 nodes here). A cycle whose whole window the extender rejects is retried on the next');
  print('window (the scheduler\'s backoff), until every node was walked. Node order shuffled (seeded). ms/cycle = wall time of');
  print('kinfer\'s filter + prioritize per cycle in this process (the extender\'s share of scheduling latency; kube-scheduler\'s own');
  print('filter and score plugins also run on the window, so its cost grows with the window too).');
  print();
  print('over-prov = time-averaged HBM allocated beyond the replicas\' need, % of cluster usable HBM (small models on big GPUs).');
  print();
  print('| mix | percentageOfNodesToScore | nodes sent per cycle | replicas placed | GPUs placed | rejected | over-prov HBM % | cycles / arrival | arrivals retried | ms / cycle |');
  print('|---|---|---|---|---|---|---|---|---|---|');
  const rows: SamplingRow[] = [];
  SAMPLING_MIXES.forEach((mix, i) => {
    const row = samplingRun(mix, 20_000 + 97 * i);
    rows.push(row);
    for (const s of row.settings) {
      const m = s.metrics;
      const sm = m.sampling!;
      print(`| ${mix.name} | ${samplingLabel(s.percentageOfNodesToScore, row.nodes)} | ${fmt(sm.nodesSent / sm.cycles, 0)} | ${m.placed} of ${m.arrivals} | ${m.placedGpus} of ${row.gpus} | ${m.rejected} | ${fmt(m.overprovisionedPct)} | ${fmt(sm.cycles / m.arrivals, 2)} | ${sm.retried} | ${fmt(s.msPerCycle, 2)} |`);
    }
  });
  print();
  print(`### Multi-host groups: ${GROUPS} groups of ${GROUP_SIZE} pods x 8 H100s on ${SAMPLING_NODES} nodes (10 blocks, sub-blocks of 20 nodes)`);
  print();
  print('A retried cycle waits for the scheduler\'s backoff (podInitialBackoffSeconds 1 s, doubling to podMaxBackoffSeconds 10 s).');
  print();
  print('| percentageOfNodesToScore | nodes sent per cycle | members placed | groups in one sub-block | cycles / member | members retried | most cycles for one member | ms / cycle |');
  print('|---|---|---|---|---|---|---|---|');
  const groups = samplingGroups();
  for (const g of groups) {
    const m = g.metrics;
    const sm = m.sampling!;
    print(`| ${samplingLabel(g.percentageOfNodesToScore, SAMPLING_NODES)} | ${fmt(sm.nodesSent / sm.cycles, 0)} | ${m.placed} of ${m.arrivals} | ${g.oneSubBlock} of ${GROUPS} | ${fmt(sm.cycles / m.arrivals, 2)} | ${sm.retried} | ${sm.maxCycles} | ${fmt(g.msPerCycle, 2)} |`);
  }
  print();
  return { fill: rows, groups };
}

function samplingLabel(percentageOfNodesToScore: number, nodes: number): string {
  return percentageOfNodesToScore === 0 ? `unset (${fmt((100 * numFeasibleNodesToFind(0, nodes)) / nodes, 0)}%)` : `${percentageOfNodesToScore}`;
}

// ---------------------------------------------------------------- report

function main(): void {
  const started = Date.now();
  const out: string[] = [];
  const print = (line = ''): void => {
    out.push(line);
    console.log(line);
  };

  if (process.argv.includes('--only') && process.argv[process.argv.indexOf('--only') + 1] === 'sampling') {
    const sampling = printSampling(print);
    const seconds = (Date.now() - started) / 1000;
    print(`Run time ${fmt(seconds)} s.`);
    writeResult('placement-sampling.json', { generatedBy: 'bench/placement-quality.bench.ts --only sampling', sampling, seconds });
    return;
  }

  print('# Placement quality');
  print();
  print('Policies (all see the same nodes: those that pass kinfer\'s filters; they differ only in which node they pick):');
  for (const p of POLICIES) print(`- \`${p.name}\`: ${p.description}`);
  print();
  print('Workload: catalog models (small: Llama 3.1 8B, Gemma 2 9B, Qwen2.5 7B, Mistral 7B, 50%; medium: Gemma 2 27B, Qwen3 32B,');
  print('Mixtral 8x7B, 30%; large: Llama 3.1 70B, Qwen2.5 72B, gpt-oss-120b, 20%), bf16 70% / fp8 30% (gpt-oss: mxfp4), KV fp8 20%,');
  print('max-model-len 4k-32k, kv-reserve-seqs 1-32; TP = fewest GPUs of a random cluster type that hold it (x2 for 20%).');
  print('The pod accepts any accelerator type that fits (no kinfer.dev/accelerators). Nodes spread over 3 zones.');
  print();

  // 1.
  print(`## 1. Static batches vs the exact optimum (${SMALL_INSTANCES} instances per mix and level, 4-6 nodes)`);
  print();
  print('Optimum = most replicas any assignment places (exact memoised search; may skip a request). Clairvoyant-online = most');
  print('replicas when, like kube-scheduler, every request that fits somewhere must be placed, in arrival order, but the node is');
  print('chosen knowing the future. Policies run online in arrival order. Cells: mean % of optimum (min %, instances at optimum).');
  print();
  const smallAll: SmallRow[] = [];
  const smallSummary: Record<string, Record<string, Record<string, Record<string, RatioSummary>>>> = {};
  for (const over of BATCH_OVERSUBSCRIPTIONS) {
    const levelRows: SmallRow[] = [];
    const byMix = MIXES.map((mix, i) => {
      const rows = smallInstances(mix, i, over);
      levelRows.push(...rows);
      return [mix.name, rows] as const;
    });
    smallAll.push(...levelRows);
    byMix.push(['all', levelRows]);
    const level: Record<string, Record<string, Record<string, RatioSummary>>> = { replicas: {}, gpus: {} };
    smallSummary[`${over}x`] = level;
    print(`### Batch asks ${over}x the cluster's GPUs: replicas placed, % of the optimum replica count`);
    print();
    const header = ['mix', 'optimum (mean replicas)', 'clairvoyant-online', ...POLICIES.map((p) => p.name)];
    print(`| ${header.join(' | ')} |`);
    print(`|${header.map(() => '---').join('|')}|`);
    for (const [label, rows] of byMix) {
      const cells = [label, fmt(rows.reduce((s, r) => s + r.optimum, 0) / rows.length, 2)];
      const c = ratios(rows, (r) => r.clairvoyantOnline, (r) => r.optimum);
      cells.push(`${fmt(c.mean)} (${fmt(c.min)}, ${c.atOptimum})`);
      const summary: Record<string, RatioSummary> = { 'clairvoyant-online': c };
      for (const p of POLICIES) {
        const s = ratios(rows, (r) => r.placed[p.name]!, (r) => r.optimum);
        summary[p.name] = s;
        cells.push(`${fmt(s.mean)} (${fmt(s.min)}, ${s.atOptimum})`);
      }
      level.replicas![label] = summary;
      print(`| ${cells.join(' | ')} |`);
    }
    print();
    print(`### Batch asks ${over}x the cluster's GPUs: GPUs placed, % of the optimum GPU count (the assignment that fills the most GPUs)`);
    print();
    const header2 = ['mix', 'optimum (mean GPUs of mean cluster GPUs)', ...POLICIES.map((p) => p.name)];
    print(`| ${header2.join(' | ')} |`);
    print(`|${header2.map(() => '---').join('|')}|`);
    for (const [label, rows] of byMix) {
      const mean = (f: (r: SmallRow) => number): number => rows.reduce((s, r) => s + f(r), 0) / rows.length;
      const cells = [label, `${fmt(mean((r) => r.optimumGpus))} of ${fmt(mean((r) => r.gpus))}`];
      const summary: Record<string, RatioSummary> = {};
      for (const p of POLICIES) {
        const s = ratios(rows, (r) => r.placedGpus[p.name]!, (r) => r.optimumGpus);
        summary[p.name] = s;
        cells.push(`${fmt(s.mean)} (${fmt(s.min)}, ${s.atOptimum})`);
      }
      level.gpus![label] = summary;
      print(`| ${cells.join(' | ')} |`);
    }
    print();
  }

  // 2.
  print(`## 2. Streams: arrivals and departures at ${STREAM_LOAD}x offered load (GPUs asked / GPUs in the cluster)`);
  print();
  print('One arrival per event; lifetimes exponential (mean chosen by Little\'s law for the load); warm-up of 3 mean lifetimes');
  print('not counted. rejected(frag) = rejected although nodes of acceptable types together had at least the replica\'s HBM need');
  print('free (devices x HBM x 0.92). over-prov = time-averaged HBM allocated to replicas beyond their need (small models on big');
  print('GPUs), % of cluster usable HBM. used = time-averaged HBM needed by placed replicas, %. free@reject = mean free usable HBM');
  print('(% of cluster) and free GPUs (%) at the moments a replica was rejected.');
  print();
  const streams: StreamRow[] = [];
  MIXES.forEach((mix, i) => {
    for (const size of STREAM_SIZES) {
      const row = stream(mix, size, STREAM_LOAD, 500 + 31 * i + size, size <= 64 ? 3000 : 4000);
      streams.push(row);
      print(`### ${mix.name} (${mix.description}), ${size} nodes, ${row.gpus} GPUs, mean lifetime ${row.meanLifetime} events, ${row.arrivals} arrivals counted`);
      print();
      print('| policy | placed | placed % | GPUs placed | rejected | rejected(frag) | over-prov % | used HBM % | free HBM@reject % | free GPUs@reject % |');
      print('|---|---|---|---|---|---|---|---|---|---|');
      for (const p of POLICIES) {
        const m = row.policies[p.name]!;
        print(`| ${p.name} | ${m.placed} | ${fmt((100 * m.placed) / m.arrivals)} | ${m.placedGpus} | ${m.rejected} | ${m.fragmentationRejected} | ${fmt(m.overprovisionedPct)} | ${fmt(m.usedPct)} | ${fmt(m.freeAtRejectPct)} | ${fmt(m.freeDevicesAtRejectPct)} |`);
      }
      print();
    }
  });

  // 3.
  const sweepMix = MIXES[0]!;
  print(`## 3. Load sweep: ${sweepMix.name}, 64 nodes; cells: placed % (rejected(frag))`);
  print();
  print(`| load | ${POLICIES.map((p) => p.name).join(' | ')} |`);
  print(`|---|${POLICIES.map(() => '---').join('|')}|`);
  const sweep: StreamRow[] = [];
  for (const load of SWEEP_LOADS) {
    const row = stream(sweepMix, 64, load, 9000 + Math.round(load * 100), 3000);
    sweep.push(row);
    print(`| ${load} | ${POLICIES.map((p) => {
      const m = row.policies[p.name]!;
      return `${fmt((100 * m.placed) / m.arrivals)} (${m.fragmentationRejected})`;
    }).join(' | ')} |`);
  }
  print();
  // 4.
  const ablations: readonly Policy[] = [
    kinferPolicy('default', 'default weights'),
    kinferPolicy('default-unrounded', 'default weights, score01 before rounding', {}, false),
    kinferPolicy('no-neutral', 'accelerator-preference and group-locality off (both constant 1 for these pods)', { 'accelerator-preference': 0, 'group-locality': 0 }),
    kinferPolicy('no-zone-spread', 'zone-spread off', { 'zone-spread': 0 }),
    kinferPolicy('no-fragmentation', 'fragmentation off', { fragmentation: 0 }),
    kinferPolicy('hbm-best-fit-only', 'hbm-best-fit alone', { 'accelerator-preference': 0, fragmentation: 0, 'group-locality': 0, 'zone-spread': 0 }),
  ];
  print(`## 4. kinfer weight ablations (Placer weights; 0..10 scores unless noted), 192 nodes, ${STREAM_LOAD}x load; cells: placed %`);
  print();
  print(`| mix | ${ablations.map((p) => p.name).join(' | ')} |`);
  print(`|---|${ablations.map(() => '---').join('|')}|`);
  const ablation: StreamRow[] = [];
  MIXES.forEach((mix, i) => {
    const row = stream(mix, 192, STREAM_LOAD, 700 + 31 * i, 3000, ablations);
    ablation.push(row);
    print(`| ${mix.name} | ${ablations.map((p) => fmt((100 * row.policies[p.name]!.placed) / row.arrivals)).join(' | ')} |`);
  });
  print();
  const sampling = printSampling(print);
  const seconds = (Date.now() - started) / 1000;
  print(`Run time ${fmt(seconds)} s.`);

  writeResult('placement-quality.json', {
    generatedBy: 'bench/placement-quality.bench.ts',
    policies: POLICIES.map((p) => ({ name: p.name, description: p.description })),
    mixes: MIXES,
    small: { summary: smallSummary, instances: smallAll },
    streams,
    sweep,
    ablation: { variants: ablations.map((p) => ({ name: p.name, description: p.description })), rows: ablation },
    sampling,
    seconds,
  });
}

function writeResult(file: string, result: unknown): void {
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}${file}`, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${dir}${file}`);
}

main();

// Scale: 1,000 fake nodes, 300 model pods. All are scheduled by kube-scheduler + kinfer-extender; the same
// pods are then scheduled by the same kube-scheduler build without the extender (the baseline process,
// profile `default-scheduler`), and the two throughputs (first create → last bound) are printed and written
// to bench/results/e2e-scale.json. A figure, not an assertion: only "all scheduled" (and placed sensibly) is.
// Measured twice: with the schedulers' client rate limiter at upstream's default (qps 50, burst 100: it caps
// binding at ~75 pods/s for 300 pods, so both runs may hit the same ceiling) and raised out of the way (qps
// 1000), where the ratio shows what the extender's two HTTP calls per pod cost.
//
// E2E_SCALE_NODES=5000 runs the same suite at 5,000 nodes (same mix, five times the count): a benchmark run,
// not part of `make test` (creating and caching 5,000 nodes on a shared 2-core machine adds minutes); its
// figures go to bench/results/e2e-scale-5000.json and docs/benchmarks.md.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Cluster, metricSum, ROOT } from './harness/cluster.js';
import { createNodes } from './harness/nodes.js';
import { createNamespace, createPods, KINFER_SCHEDULER, modelPod, watchBindings } from './harness/pods.js';
import { waitFor } from './harness/wait.js';

const NODE_COUNT = Number(process.env.E2E_SCALE_NODES ?? '1000');
if (!Number.isInteger(NODE_COUNT) || NODE_COUNT < 1000 || NODE_COUNT % 1000 !== 0) throw new Error(`E2E_SCALE_NODES=${process.env.E2E_SCALE_NODES}: a multiple of 1000`);
const per1000 = (count: number): number => (count * NODE_COUNT) / 1000;
// Four zones; L4 (GKE labels), H100 and H200 (GFD labels), and CPU-only nodes.
const NODES = `
- { name: l4, count: ${per1000(400)}, scheme: gke, type: nvidia-l4, devices: 4, zone: zone-a }
- { name: h100, count: ${per1000(300)}, scheme: gfd, product: NVIDIA-H100-80GB-HBM3, memoryMiB: 81559, devices: 8, zone: zone-b }
- { name: h200, count: ${per1000(200)}, scheme: gfd, product: NVIDIA-H200, memoryMiB: 143771, devices: 8, zone: zone-c }
- { name: cpu, count: ${per1000(100)}, zone: zone-d }
`;
/** Node creation and caching take longer at 5,000 nodes: the suite's bounds grow with the count. */
const SETUP_TIMEOUT_MS = 300_000 * (NODE_COUNT / 1000);
/** Load averages (1, 5, 15 min) beside the figures: the machine may be shared, and ratios are what hold. */
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const LOAD_AT_START = load();
const POD_COUNT = 300;
const WARMUP_PODS = 10;
const BIND_TIMEOUT_MS = 120_000;

/** 2/3 Llama-3.1-8B on 1 GPU, 1/3 Llama-3.1-70B on 2 GPUs (which only H100/H200 can hold). */
function pods(namespace: string, count: number, schedulerName: string, prefix = 'm') {
  return Array.from({ length: count }, (_, i) => i % 3 === 2
    ? modelPod({ name: `${prefix}-70b-${i}`, namespace, schedulerName, kinfer: { model: 'meta-llama/Llama-3.1-70B-Instruct' }, devices: { 'nvidia.com/gpu': 2 } })
    : modelPod({ name: `${prefix}-8b-${i}`, namespace, schedulerName, kinfer: { model: 'meta-llama/Llama-3.1-8B-Instruct' }, devices: { 'nvidia.com/gpu': 1 } }));
}

interface Run {
  readonly seconds: number;
  /** How long the creates alone took (a floor under `seconds`). */
  readonly createSeconds: number;
  readonly podsPerSecond: number;
  readonly placement: Map<string, string>;
  /** Times the binding watch had to be restarted (its figures are then less exact). */
  readonly watchRestarts: string[];
}

describe(`scale: ${NODE_COUNT.toLocaleString('en-US')} nodes, 300 model pods, with and without the extender`, { timeout: SETUP_TIMEOUT_MS + 600_000 }, () => {
  const cluster = new Cluster({ suite: 'scale', basePort: 31030, defaultScheduler: true });

  before(async () => {
    await cluster.start();
    const t0 = Date.now();
    const names = await createNodes(cluster.core, NODES, 20);
    assert.equal(names.length, NODE_COUNT);
    await cluster.waitExtenderNodes(NODE_COUNT, 120_000 * (NODE_COUNT / 1000));
    console.log(`E2E-SCALE: created ${NODE_COUNT} nodes in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }, { timeout: SETUP_TIMEOUT_MS });

  after(() => cluster.stop(), { timeout: 120_000 });

  /** Creates the pods (20 requests in flight) and times first create → last bound. */
  async function measure(namespace: string, schedulerName: string, count: number, prefix: string): Promise<Run> {
    await createNamespace(cluster.core, namespace);
    const batch = pods(namespace, count, schedulerName, prefix);
    const watch = await watchBindings(cluster.kubeConfig, namespace, count, BIND_TIMEOUT_MS);
    try {
      const start = Date.now();
      await createPods(cluster.core, batch, 20);
      const createSeconds = (Date.now() - start) / 1000;
      const boundAt = await watch.done;
      const seconds = (Math.max(...boundAt.values()) - start) / 1000;
      const list = await cluster.core.listNamespacedPod({ namespace });
      const placement = new Map(list.items.map((p) => [p.metadata!.name!, p.spec?.nodeName ?? '']));
      assert.equal([...placement.values()].filter(Boolean).length, count, 'all bound');
      return { seconds, createSeconds, podsPerSecond: count / seconds, placement, watchRestarts: watch.restarts() };
    } finally {
      watch.stop();
    }
  }

  /** Deletes a namespace's pods at once (no kubelet here: grace period 0) and waits until they are gone. */
  async function clear(namespace: string): Promise<void> {
    await cluster.core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 });
    await waitFor(async () => (await cluster.core.listNamespacedPod({ namespace })).items.length === 0, { timeoutMs: 60_000, what: `pods of ${namespace} deleted` });
  }

  /** Two settings of the schedulers' client rate limiter: upstream's default, and one high enough not to cap. */
  const SETTINGS = [
    { key: 'defaultClientQps', label: 'client qps 50/burst 100 (upstream default)', qps: null },
    { key: 'clientQps1000', label: 'client qps 1000/burst 2000', qps: 1000 },
  ] as const;
  const results: Record<string, unknown> = {};

  for (const setting of SETTINGS) {
    const runs: Record<string, Run> = {};
    const extenderMs: Record<string, number> = {};
    let extenderCalls = 0;
    const ns = (what: string) => `${what}-${setting.key.toLowerCase()}`;

    test(`${setting.label}: warm-up, both schedulers bind a few pods`, async () => {
      await cluster.configure({ schedulerQps: setting.qps }); // restarts both schedulers when it changes
      await measure(ns('warmup-kinfer'), KINFER_SCHEDULER, WARMUP_PODS, 'w');
      await measure(ns('warmup-default'), 'default-scheduler', WARMUP_PODS, 'w');
      await clear(ns('warmup-kinfer'));
      await clear(ns('warmup-default'));
    });

    test(`${setting.label}: 300 model pods through kube-scheduler + kinfer-extender: all scheduled, 70B only on H100/H200`, async () => {
      const before = await cluster.extenderMetrics();
      runs.withExtender = await measure(ns('kinfer'), KINFER_SCHEDULER, POD_COUNT, 'm');
      const afterRun = await cluster.extenderMetrics();
      for (const verb of ['filter', 'prioritize']) {
        const delta = (name: string) => metricSum(afterRun, name, { verb }) - metricSum(before, name, { verb });
        const count = delta('kinfer_extender_request_duration_seconds_count');
        extenderCalls += count;
        extenderMs[verb] = count > 0 ? round((delta('kinfer_extender_request_duration_seconds_sum') / count) * 1000, 2) : 0;
      }
      for (const [pod, node] of runs.withExtender.placement) {
        if (pod.includes('-70b-')) assert.match(node, /^h(100|200)-\d+$/, `${pod} on ${node}: 70B on 2 GPUs needs ~144 GiB`);
        else assert.match(node, /^(l4|h100|h200)-\d+$/, `${pod} on ${node}`);
      }
      await clear(ns('kinfer'));
    });

    test(`${setting.label}: the same 300 pods through the same kube-scheduler without the extender: all scheduled`, async () => {
      runs.withoutExtender = await measure(ns('default'), 'default-scheduler', POD_COUNT, 'm');
      await clear(ns('default'));
    });

    test(`${setting.label}: report`, (t) => {
      const withExt = runs.withExtender;
      const without = runs.withoutExtender;
      assert.ok(withExt && without, 'both runs completed');
      const bad70b = [...without.placement].filter(([pod, node]) => pod.includes('-70b-') && node.startsWith('l4-')).length;
      for (const r of [...withExt.watchRestarts, ...without.watchRestarts]) t.diagnostic(`binding watch: ${r}`);
      const result = {
        schedulerClient: setting.label,
        withExtender: { seconds: round(withExt.seconds, 2), createSeconds: round(withExt.createSeconds, 2), podsPerSecond: round(withExt.podsPerSecond, 1), extenderCalls, extenderMeanMs: extenderMs },
        withoutExtender: { seconds: round(without.seconds, 2), createSeconds: round(without.createSeconds, 2), podsPerSecond: round(without.podsPerSecond, 1), llama70bOnL4: bad70b },
        ratio: round(withExt.podsPerSecond / without.podsPerSecond, 2),
      };
      results[setting.key] = result;
      console.log(`E2E-SCALE: [${setting.label}] ${NODE_COUNT} nodes, ${POD_COUNT} pods: with extender ${result.withExtender.podsPerSecond} pods/s ` +
        `(${result.withExtender.seconds}s), without ${result.withoutExtender.podsPerSecond} pods/s (${result.withoutExtender.seconds}s), ratio ${result.ratio} ` +
        `(creating the pods alone took ${result.withExtender.createSeconds}s / ${result.withoutExtender.createSeconds}s); ` +
        `extender mean filter ${extenderMs.filter} ms, prioritize ${extenderMs.prioritize} ms over ${extenderCalls} calls; ` +
        `without the extender ${bad70b} of ${POD_COUNT / 3} Llama-70B pods landed on L4 nodes; load average ${load()}`);
    });
  }

  test('write bench/results/e2e-scale.json', () => {
    assert.equal(Object.keys(results).length, SETTINGS.length, 'every setting reported');
    const out = {
      nodes: NODE_COUNT,
      pods: POD_COUNT,
      podMix: '2/3 Llama-3.1-8B on 1 GPU, 1/3 Llama-3.1-70B on 2 GPUs',
      measured: 'first pod create -> last pod bound (watch), 20 creates in flight, after a 10-pod warm-up; no kubelet',
      scheduler: 'kube-scheduler v1.34.4 (test/controlplane); extender nodeCacheCapable, weight 5; baseline: same binary and settings, second process, no extenders',
      ...results,
      loadAverage: { start: LOAD_AT_START, end: load() },
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      date: new Date().toISOString(),
    };
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = NODE_COUNT === 1000 ? 'e2e-scale.json' : `e2e-scale-${NODE_COUNT}.json`;
    writeFileSync(join(dir, file), `${JSON.stringify(out, null, 2)}\n`);
    console.log(`E2E-SCALE: wrote ${join(dir, file)}`);
  });
});

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

// The scale suite (test/e2e/scale.e2e.test.ts at 1,000 nodes, scale-5000.e2e.test.ts at 5,000): N fake nodes, 300 model pods. All are scheduled by kube-scheduler + kinfer-extender; the same
// pods are then scheduled by the same kube-scheduler build without the extender (the baseline process,
// profile `default-scheduler`), and the two throughputs (first create → last bound) are printed and written
// to bench/results/e2e-scale.json. A figure, not an assertion: only "all scheduled" (and placed sensibly) is.
// Each setting runs 3 rounds alternating with and without the extender (medians reported), so a change in
// a shared machine's load hits both sides. Two settings: with the schedulers' client rate limiter at upstream's default (qps 50, burst 100: it caps
// binding at ~75 pods/s for 300 pods, so both runs may hit the same ceiling) and raised out of the way (qps
// 1000), where the ratio shows what the extender's two HTTP calls per pod cost.
// The node mix is the same at every size (counts scale with N); figures go to bench/results/e2e-scale.json
// (1,000) or e2e-scale-<N>.json.
//
// The floor: each round also drains the queue with the kinfer scheduler pointed at a null extender
// (bench/lib/null-extender.ts, `raw`: passes every node, scores 0, never parses JSON; its own process, as
// kinfer-extender is), so the with ÷ without ratio has beside it what any HTTP extender called twice per pod
// gets here. Every queue drain also records the CPU each process used from first to last bind (cpu.ts).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Cluster, metricSum, ROOT, type Component } from './cluster.js';
import { CpuSampler } from './cpu.js';
import { createNodes } from './nodes.js';
import { createNamespace, createPods, KINFER_SCHEDULER, modelPod, watchBindings } from './pods.js';
import { waitFor } from './wait.js';

/** Four zones; L4 (GKE labels), H100 and H200 (GFD labels), and CPU-only nodes: 40/30/20/10 per cent. */
function nodeMix(nodeCount: number): string {
  const per1000 = (count: number): number => (count * nodeCount) / 1000;
  return `
- { name: l4, count: ${per1000(400)}, scheme: gke, type: nvidia-l4, devices: 4, zone: zone-a }
- { name: h100, count: ${per1000(300)}, scheme: gfd, product: NVIDIA-H100-80GB-HBM3, memoryMiB: 81559, devices: 8, zone: zone-b }
- { name: h200, count: ${per1000(200)}, scheme: gfd, product: NVIDIA-H200, memoryMiB: 143771, devices: 8, zone: zone-c }
- { name: cpu, count: ${per1000(100)}, zone: zone-d }
`;
}
/** Load averages (1, 5, 15 min) beside the figures: the machine may be shared, and ratios are what hold. */
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const POD_COUNT = 300;
const WARMUP_PODS = 10;
/** With/without runs per setting, alternating; the figures are medians. */
const ROUNDS = 3;
const BIND_TIMEOUT_MS = 120_000;

/** 2/3 Llama-3.1-8B on 1 GPU, 1/3 Llama-3.1-70B on 2 GPUs (which only H100/H200 can hold). */
function pods(namespace: string, count: number, schedulerName: string, prefix = 'm') {
  return Array.from({ length: count }, (_, i) => i % 3 === 2
    ? modelPod({ name: `${prefix}-70b-${i}`, namespace, schedulerName, kinfer: { model: 'meta-llama/Llama-3.1-70B-Instruct' }, devices: { 'nvidia.com/gpu': 2 } })
    : modelPod({ name: `${prefix}-8b-${i}`, namespace, schedulerName, kinfer: { model: 'meta-llama/Llama-3.1-8B-Instruct' }, devices: { 'nvidia.com/gpu': 1 } }));
}

/** The null extender's process (bench/lib/null-extender-server.ts), from dist/test/e2e/harness/. */
const NULL_EXTENDER = join(ROOT, 'dist', 'bench', 'lib', 'null-extender-server.js');

/** The processes whose CPU a queue drain records; the scheduler in use is `scheduler`, the other idles. */
const CPU_COMPONENTS: readonly Component[] = ['kube-apiserver', 'etcd', 'extender', 'kube-controller-manager'];

type NullVerb = 'filter' | 'prioritize' | 'bodyArrival';

interface Run {
  readonly seconds: number;
  /** How long the creates alone took (a floor under `seconds`). */
  readonly createSeconds: number;
  readonly podsPerSecond: number;
  readonly placement: Map<string, string>;
  /** Times the binding watch had to be restarted (its figures are then less exact). */
  readonly watchRestarts: string[];
  /** Queue drains: CPU ms per pod of each process from first to last bind (`scheduler` = the one draining). */
  readonly cpuMsPerPod?: Readonly<Record<string, number>>;
}

/** The suite at `NODE_COUNT` nodes (a multiple of 1,000), on its own control plane from `basePort`. */
export function scaleSuite(NODE_COUNT: number, basePort: number, options: { nullExtender?: boolean } = {}): void {
  /** The null extender's drains add about a minute: on at 1,000 nodes, off at 5,000 unless asked. */
  const WITH_NULL = options.nullExtender ?? true;
  const NODES = nodeMix(NODE_COUNT);
  /** Node creation and caching take longer at 5,000 nodes: the suite's bounds grow with the count. */
  const SETUP_TIMEOUT_MS = 300_000 * (NODE_COUNT / 1000);
  const LOAD_AT_START = load();
  const nullUrl = `http://127.0.0.1:${basePort + 9}`;
  describe(`scale: ${NODE_COUNT.toLocaleString('en-US')} nodes, 300 model pods, with and without the extender`, { timeout: SETUP_TIMEOUT_MS + 600_000 }, () => {
    const cluster = new Cluster({ suite: NODE_COUNT === 1000 ? 'scale' : `scale-${NODE_COUNT}`, basePort, defaultScheduler: true });
    let nullExtender: ChildProcess | undefined;

    before(async () => {
      await cluster.start();
      if (WITH_NULL) {
        nullExtender = spawn(process.execPath, [NULL_EXTENDER, 'raw', String(basePort + 9)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
        await waitFor(async () => (await fetch(`${nullUrl}/healthz`).catch(() => undefined))?.ok === true, { timeoutMs: 10_000, what: 'the null extender to listen' });
      }
      const t0 = Date.now();
      const names = await createNodes(cluster.core, NODES, 20);
      assert.equal(names.length, NODE_COUNT);
      await cluster.waitExtenderNodes(NODE_COUNT, 120_000 * (NODE_COUNT / 1000));
      console.log(`E2E-SCALE: created ${NODE_COUNT} nodes in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    }, { timeout: SETUP_TIMEOUT_MS });

    after(async () => {
      nullExtender?.kill();
      await cluster.stop();
    }, { timeout: 120_000 });

    /** Creates the pods (20 requests in flight) and times first create → last bound. */
    /**
     * Creates the pods (20 requests in flight) and times first create → last bound. With `queued`, the
     * scheduler is stopped while they are created and started again after: every pod waits in its queue, and
     * first bind → last bind is the scheduler's own drain rate, not how fast this machine can create pods.
     */
    async function measure(namespace: string, schedulerName: string, count: number, prefix: string, queued = false): Promise<Run> {
      await createNamespace(cluster.core, namespace);
      const batch = pods(namespace, count, schedulerName, prefix);
      const watch = await watchBindings(cluster.kubeConfig, namespace, count, BIND_TIMEOUT_MS);
      const scheduler: Component = schedulerName === KINFER_SCHEDULER ? 'kube-scheduler' : 'default-scheduler';
      const cpu = queued
        ? new CpuSampler(() => ({ scheduler: cluster.pid(scheduler), ...Object.fromEntries(CPU_COMPONENTS.map((c) => [c, cluster.pid(c)])), ...(nullExtender ? { 'null extender': nullExtender.pid } : {}) }))
        : undefined;
      try {
        if (queued) await cluster.kill(scheduler);
        const start = Date.now();
        await createPods(cluster.core, batch, 20);
        const createSeconds = (Date.now() - start) / 1000;
        if (queued) await cluster.up();
        const boundAt = await watch.done;
        const times = [...boundAt.values()];
        const seconds = queued ? (Math.max(...times) - Math.min(...times)) / 1000 : (Math.max(...times) - start) / 1000;
        cpu?.stop();
        const cpuMsPerPod = cpu ? Object.fromEntries(Object.entries(cpu.between(Math.min(...times), Math.max(...times))).map(([k, v]) => [k, round((1000 * v) / (count - 1), 3)])) : undefined;
        const list = await cluster.core.listNamespacedPod({ namespace });
        const placement = new Map(list.items.map((p) => [p.metadata!.name!, p.spec?.nodeName ?? '']));
        assert.equal([...placement.values()].filter(Boolean).length, count, 'all bound');
        return { seconds, createSeconds, podsPerSecond: (queued ? count - 1 : count) / seconds, placement, watchRestarts: watch.restarts(), cpuMsPerPod };
      } finally {
        cpu?.stop();
        watch.stop();
      }
    }

    /** Deletes a namespace's pods at once (no kubelet here: grace period 0) and waits until they are gone. */
    async function clear(namespace: string): Promise<void> {
      await cluster.core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 });
      await waitFor(async () => (await cluster.core.listNamespacedPod({ namespace })).items.length === 0, { timeoutMs: 60_000, what: `pods of ${namespace} deleted` });
    }

    /** Calls the null extender has served so far, and their summed server-side seconds, per verb. */
    async function nullStats(): Promise<Record<NullVerb, { calls: number; seconds: number }>> {
      const response = await fetch(`${nullUrl}/stats`, { signal: AbortSignal.timeout(5_000) });
      return await response.json() as Record<NullVerb, { calls: number; seconds: number }>;
    }

    /** Two settings of the schedulers' client rate limiter: upstream's default, and one high enough not to cap. */
    const SETTINGS = [
      { key: 'defaultClientQps', label: 'client qps 50/burst 100 (upstream default)', qps: null },
      { key: 'clientQps1000', label: 'client qps 1000/burst 2000', qps: 1000 },
    ] as const;
    const results: Record<string, unknown> = {};

    for (const setting of SETTINGS) {
      const withExt: Run[] = [];
      const without: Run[] = [];
      const withQueued: Run[] = [];
      const withoutQueued: Run[] = [];
      /** Queue drains of the kinfer scheduler calling the null extender instead. */
      const nullQueued: Run[] = [];
      const extenderCalls: Record<string, number> = {};
      const extenderSeconds: Record<string, number> = {};
      const nullCalls: Record<string, number> = {};
      const nullSeconds: Record<string, number> = {};
      const ns = (what: string) => `${what}-${setting.key.toLowerCase()}`;

      test(`${setting.label}: warm-up, both schedulers bind a few pods`, async () => {
        await cluster.configure({ schedulerQps: setting.qps }); // restarts both schedulers when it changes
        await measure(ns('warmup-kinfer'), KINFER_SCHEDULER, WARMUP_PODS, 'w');
        await measure(ns('warmup-default'), 'default-scheduler', WARMUP_PODS, 'w');
        await clear(ns('warmup-kinfer'));
        await clear(ns('warmup-default'));
      });

      test(`${setting.label}: 300 model pods, ${ROUNDS} rounds alternating with and without kinfer-extender: all scheduled, 70B only on H100/H200`, async (t) => {
        // Alternating rounds (and which goes first) so a change in the machine's load hits both sides alike.
        for (let r = 0; r < ROUNDS; r++) {
          const order = r % 2 === 0 ? ['with', 'without'] as const : ['without', 'with'] as const;
          for (const side of order) {
            if (side === 'without') {
              without.push(await measure(ns(`default-${r}`), 'default-scheduler', POD_COUNT, 'm'));
              await clear(ns(`default-${r}`));
              withoutQueued.push(await measure(ns(`default-q${r}`), 'default-scheduler', POD_COUNT, 'q', true));
              await clear(ns(`default-q${r}`));
              continue;
            }
            const before = await cluster.extenderMetrics();
            const run = await measure(ns(`kinfer-${r}`), KINFER_SCHEDULER, POD_COUNT, 'm');
            const afterRun = await cluster.extenderMetrics();
            for (const verb of ['filter', 'prioritize']) {
              const delta = (name: string) => metricSum(afterRun, name, { verb }) - metricSum(before, name, { verb });
              extenderCalls[verb] = (extenderCalls[verb] ?? 0) + delta('kinfer_extender_request_duration_seconds_count');
              extenderSeconds[verb] = (extenderSeconds[verb] ?? 0) + delta('kinfer_extender_request_duration_seconds_sum');
            }
            for (const [pod, node] of run.placement) {
              if (pod.includes('-70b-')) assert.match(node, /^h(100|200)-\d+$/, `${pod} on ${node}: 70B on 2 GPUs needs ~144 GiB`);
              else assert.match(node, /^(l4|h100|h200)-\d+$/, `${pod} on ${node}`);
            }
            withExt.push(run);
            await clear(ns(`kinfer-${r}`));
            // The null extender's drain, beside kinfer's: the scheduler restarts pointed at it for this drain,
            // and the kinfer drain's restart points it back (cluster.useSchedulerExtender).
            if (WITH_NULL) {
              const nullBefore = await nullStats();
              cluster.useSchedulerExtender(nullUrl);
              try {
                nullQueued.push(await measure(ns(`null-q${r}`), KINFER_SCHEDULER, POD_COUNT, 'n', true));
              } finally {
                cluster.useSchedulerExtender(undefined);
              }
              const nullAfter = await nullStats();
              for (const verb of ['filter', 'prioritize', 'bodyArrival'] as const) {
                nullCalls[verb] = (nullCalls[verb] ?? 0) + nullAfter[verb].calls - nullBefore[verb].calls;
                nullSeconds[verb] = (nullSeconds[verb] ?? 0) + nullAfter[verb].seconds - nullBefore[verb].seconds;
              }
              await clear(ns(`null-q${r}`));
            }
            withQueued.push(await measure(ns(`kinfer-q${r}`), KINFER_SCHEDULER, POD_COUNT, 'q', true));
            await clear(ns(`kinfer-q${r}`));
          }
          t.diagnostic(`round ${r + 1}: create→bound with ${withExt[r]!.podsPerSecond.toFixed(1)} pods/s, without ${without[r]!.podsPerSecond.toFixed(1)}; queue drain with ${withQueued[r]!.podsPerSecond.toFixed(1)}, `
            + `null extender ${nullQueued[r]?.podsPerSecond.toFixed(1) ?? '–'}, without ${withoutQueued[r]!.podsPerSecond.toFixed(1)}; load average ${load()}`);
        }
      });

      test(`${setting.label}: report`, (t) => {
        assert.equal(withExt.length, ROUNDS, 'every round ran with the extender');
        assert.equal(without.length, ROUNDS, 'every round ran without it');
        const bad70b = [...without[0]!.placement].filter(([pod, node]) => pod.includes('-70b-') && node.startsWith('l4-')).length;
        for (const r of [...withExt, ...without].flatMap((run) => run.watchRestarts)) t.diagnostic(`binding watch: ${r}`);
        const side = (runs: Run[]) => ({
          podsPerSecond: round(median(runs.map((r) => r.podsPerSecond)), 1),
          roundsPodsPerSecond: runs.map((r) => round(r.podsPerSecond, 1)),
          seconds: runs.map((r) => round(r.seconds, 2)),
          createSeconds: runs.map((r) => round(r.createSeconds, 2)),
        });
        const calls = (extenderCalls.filter ?? 0) + (extenderCalls.prioritize ?? 0);
        const meanMs = (verb: string) => meanOf(extenderCalls, extenderSeconds, verb);
        const result = {
          schedulerClient: setting.label,
          rounds: ROUNDS,
          withExtender: { ...side(withExt), extenderCalls: calls, extenderMeanMs: { filter: meanMs('filter'), prioritize: meanMs('prioritize') } },
          withoutExtender: { ...side(without), llama70bOnL4: bad70b },
          ratio: round(median(withExt.map((r) => r.podsPerSecond)) / median(without.map((r) => r.podsPerSecond)), 2),
          roundRatios: withExt.map((r, i) => round(r.podsPerSecond / without[i]!.podsPerSecond, 2)),
          queueDrain: {
            measured: 'pods created while the scheduler is stopped, then it starts: first bind -> last bind',
            withExtender: { ...side(withQueued), cpuMsPerPod: medianCpu(withQueued) },
            withoutExtender: { ...side(withoutQueued), cpuMsPerPod: medianCpu(withoutQueued) },
            ratio: round(median(withQueued.map((r) => r.podsPerSecond)) / median(withoutQueued.map((r) => r.podsPerSecond)), 2),
            roundRatios: withQueued.map((r, i) => round(r.podsPerSecond / withoutQueued[i]!.podsPerSecond, 2)),
            nullExtender: !WITH_NULL ? undefined : {
              ...side(nullQueued),
              cpuMsPerPod: medianCpu(nullQueued),
              meanMs: { filter: meanOf(nullCalls, nullSeconds, 'filter'), prioritize: meanOf(nullCalls, nullSeconds, 'prioritize'), bodyArrival: meanOf(nullCalls, nullSeconds, 'bodyArrival') },
              ratio: round(median(nullQueued.map((r) => r.podsPerSecond)) / median(withoutQueued.map((r) => r.podsPerSecond)), 2),
              roundRatios: nullQueued.map((r, i) => round(r.podsPerSecond / withoutQueued[i]!.podsPerSecond, 2)),
              kinferOverNullRoundRatios: withQueued.map((r, i) => round(r.podsPerSecond / nullQueued[i]!.podsPerSecond, 2)),
            },
          },
        };
        results[setting.key] = result;
        console.log(`E2E-SCALE: [${setting.label}] ${NODE_COUNT} nodes, ${POD_COUNT} pods, median of ${ROUNDS} alternating rounds: with extender ${result.withExtender.podsPerSecond} pods/s ` +
          `(rounds ${result.withExtender.roundsPodsPerSecond.join(', ')}), without ${result.withoutExtender.podsPerSecond} pods/s (rounds ${result.withoutExtender.roundsPodsPerSecond.join(', ')}), ` +
          `ratio ${result.ratio} (per round ${result.roundRatios.join(', ')}; creating the pods alone took ${result.withExtender.createSeconds.join('/')} s with, ${result.withoutExtender.createSeconds.join('/')} s without); ` +
          `extender mean filter ${result.withExtender.extenderMeanMs.filter} ms, prioritize ${result.withExtender.extenderMeanMs.prioritize} ms over ${calls} calls; ` +
          `queue drain (scheduler stopped while the pods are created): with ${result.queueDrain.withExtender.podsPerSecond} pods/s (rounds ${result.queueDrain.withExtender.roundsPodsPerSecond.join(', ')}), ` +
          `without ${result.queueDrain.withoutExtender.podsPerSecond} pods/s (rounds ${result.queueDrain.withoutExtender.roundsPodsPerSecond.join(', ')}), ratio ${result.queueDrain.ratio} (per round ${result.queueDrain.roundRatios.join(', ')}); ` +
          `without the extender ${bad70b} of ${POD_COUNT / 3} Llama-70B pods landed on L4 nodes; load average ${load()}`);
        const q = result.queueDrain;
        const cpuText = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${k} ${v}`).join(', ');
        const floor = q.nullExtender === undefined ? '' : `the floor: null extender ${q.nullExtender.podsPerSecond} pods/s (rounds ${q.nullExtender.roundsPodsPerSecond.join(', ')}), `
          + `null ÷ without ${q.nullExtender.ratio} (per round ${q.nullExtender.roundRatios.join(', ')}), kinfer ÷ null per round ${q.nullExtender.kinferOverNullRoundRatios.join(', ')}; `
          + `null extender mean filter ${q.nullExtender.meanMs.filter} ms, prioritize ${q.nullExtender.meanMs.prioritize} ms (server-side, headers in → answer written; of which ${q.nullExtender.meanMs.bodyArrival} ms per call waiting for the rest of the body); `;
        console.log(`E2E-SCALE: [${setting.label}] ${NODE_COUNT} nodes, queue drain: ${floor}`
          + `CPU ms per pod (median of rounds, first to last bind): with kinfer-extender {${cpuText(q.withExtender.cpuMsPerPod)}}; `
          + `${q.nullExtender === undefined ? '' : `with the null extender {${cpuText(q.nullExtender.cpuMsPerPod)}}; `}without {${cpuText(q.withoutExtender.cpuMsPerPod)}}; load average ${load()}`);
      });
    }

    // managedResources (test/controlplane/cluster.sh, as manifests/scheduler ships it): kube-scheduler calls the
    // extender only for pods that request one of the listed device resources (HTTPExtender.IsInterested), so a
    // CPU-only pod costs nothing; a GPU pod beside it shows the count does move.
    const calls = async (): Promise<number> => {
      const text = await cluster.extenderMetrics();
      return metricSum(text, 'kinfer_extender_requests_total', { verb: 'filter' }) + metricSum(text, 'kinfer_extender_requests_total', { verb: 'prioritize' });
    };
    test('managedResources: a CPU-only pod is bound by the kinfer scheduler without calling the extender; a GPU pod calls it', async () => {
      const namespace = 'managed-resources';
      cluster.useSchedulerExtender(undefined);
      await cluster.up(); // a no-op unless an earlier failure left the scheduler pointed at the null extender
      await createNamespace(cluster.core, namespace);
      const bindOne = async (pod: ReturnType<typeof modelPod>): Promise<number> => {
        const before = await calls();
        await createPods(cluster.core, [pod], 1);
        await waitFor(async () => (await cluster.core.readNamespacedPod({ namespace, name: pod.metadata!.name! })).spec?.nodeName !== undefined, { timeoutMs: 60_000, what: `${pod.metadata!.name} bound` });
        return (await calls()) - before;
      };
      const cpuOnly = await bindOne(modelPod({ name: 'cpu-only', namespace }));
      const gpu = await bindOne(modelPod({ name: 'gpu', namespace, kinfer: { model: 'meta-llama/Llama-3.1-8B-Instruct' }, devices: { 'nvidia.com/gpu': 1 } }));
      console.log(`E2E-SCALE: managedResources: extender calls for a CPU-only pod ${cpuOnly}, for a 1-GPU pod ${gpu}`);
      assert.equal(cpuOnly, 0, 'a pod requesting no managed resource is not sent to the extender');
      assert.ok(gpu >= 2, `a GPU pod is filtered and prioritized by the extender (${gpu} calls)`);
      await clear(namespace);
    });

    test('write bench/results/e2e-scale.json', () => {
      assert.equal(Object.keys(results).length, SETTINGS.length, 'every setting reported');
      const out = {
        nodes: NODE_COUNT,
        pods: POD_COUNT,
        podMix: '2/3 Llama-3.1-8B on 1 GPU, 1/3 Llama-3.1-70B on 2 GPUs',
        measured: 'first pod create -> last pod bound (watch), 20 creates in flight, after a 10-pod warm-up; median of 3 rounds alternating with/without; no kubelet',
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

}

/** Median over rounds of each process's CPU ms per pod, and their total. */
function medianCpu(runs: readonly Run[]): Record<string, number> {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.cpuMsPerPod ?? {})))];
  const out: Record<string, number> = {};
  for (const name of names) {
    const values = runs.map((r) => r.cpuMsPerPod?.[name] ?? Number.NaN).filter(Number.isFinite);
    if (values.length > 0) out[name] = round(median(values), 3);
  }
  out.total = round(median(runs.map((r) => Object.values(r.cpuMsPerPod ?? {}).filter(Number.isFinite).reduce((a, b) => a + b, 0))), 3);
  return out;
}

/** Mean ms per call of one verb from call counts and summed seconds. */
function meanOf(calls: Record<string, number>, seconds: Record<string, number>, verb: string): number {
  return (calls[verb] ?? 0) > 0 ? round(((seconds[verb] ?? 0) / calls[verb]!) * 1000, 2) : 0;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

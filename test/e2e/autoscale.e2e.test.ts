// Autoscaling through the real HorizontalPodAutoscaler (issue 21). `deploy --autoscale` writes the model, its pool
// and picker, and what the HPA needs to reach the picker's metric: the metrics Service, the APIService
// v1beta1.external.metrics.k8s.io with the caBundle of the certificate it made, that certificate (and the API
// server's front-proxy CA, read from kube-system/extension-apiserver-authentication) in a Secret the picker mounts.
// The fake kubelet runs the picker pod as a process from the pod's own command line and volumes (proxy mode instead
// of ext_proc: the suite sends HTTP, not Envoy traffic; the envoy suite covers ext_proc); the real endpointslice
// controller resolves the metrics Service to that pod; the local kube-apiserver's aggregation layer proxies to it
// (with --enable-aggregator-routing and the front-proxy client certificate); kube-controller-manager's HPA
// controller reads kinfer-replica-demand and scales the Deployment. No code of ours writes a replica count, and
// nothing here writes the APIService, Service, EndpointSlice or certificate.
//
// The API server refuses loopback IPs in EndpointSlices, so the fake kubelet gives the picker pod a private address
// (10.244.0.250) added to the loopback device of the test's own network namespace. Outside one (run it as
// `test/netns.sh node --test ...`, as `make test` does) the suite is skipped, as it would add that address to the host.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AppsV1Api, AutoscalingV2Api } from '@kubernetes/client-node';
import { SimFleet } from '../demo/sim-args.js';
import { runProcess, type Run } from '../run.js';
import { Cluster, KUBECTL, ROOT } from './harness/cluster.js';
import { FakeKubelet } from './harness/kubelet.js';
import { createNodes } from './harness/nodes.js';
import { isPickerPod, PickerPods } from './harness/picker-pods.js';
import { sleep, waitFor } from './harness/wait.js';

const NODES = `
- { name: h100, count: 4, scheme: gke, type: nvidia-h100-80gb, devices: 8, zone: us-central1-a, cpu: 96, memory: 1Ti }
`;
const NS = 'autoscale';
const NAME = 'llama';
const MODEL = 'meta-llama/Llama-3.1-70B-Instruct';
const TARGETS = { ttftMs: 2000, ntpotMs: 30 };
const WORKLOAD = { inputTokens: 500, outputTokens: 100 };
const BASE_PORT = 31400;
/** The picker pod's proxy port (deploy's --port 9002) and health port (9003), on the namespace's own loopback. */
const PICKER_PORT = 9002;
/** A private address on the namespace's loopback device, the picker pod's IP: the API server dials it (loopback is refused). */
const METRICS_IP = '10.244.0.250';
const SYNC_PERIOD = '2s';
const WINDOW_SECONDS = 10;
const SCALE_DOWN_WINDOW_SECONDS = 20;
const MAX_REPLICAS = 4;
const LWS_MODEL = 'meta-llama/Llama-3.1-405B-Instruct';
const LWS_NAME = 'big';
/** Distinct prompts: identical ones would all follow the prefix-cache affinity to one replica. */
let promptSeq = 0;

interface Sample { readonly atSeconds: number; readonly replicas: number; readonly desired: number; readonly metric: string; readonly arrivalRps: number }
interface Stage { readonly rps: number; readonly seconds: number }

// test/netns.sh leaves the namespace with only its loopback device; anywhere else there are others.
const PRIVATE_NETNS = (() => {
  try {
    return execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }).trim().split('\n').every((line) => /^\d+: lo:/.test(line));
  } catch {
    return false;
  }
})();

describe('autoscaling: the HPA controller follows kinfer-replica-demand from the picker', {
  timeout: 600_000,
  skip: PRIVATE_NETNS ? false : 'needs a private network namespace to add 10.244.0.250 to its loopback device: test/netns.sh node --test dist/test/e2e/autoscale.e2e.test.js',
}, () => {
  // The upstream CRDs for the InferencePool; a default scheduler for the picker pod (it names no scheduler).
  // The LWS controller for the multi-host test.
  const cluster = new Cluster({ suite: 'autoscale', basePort: BASE_PORT, crds: true, defaultScheduler: true, lws: true });
  let pickers: PickerPods | undefined;
  let sims: SimFleet | undefined;
  let kubelet: FakeKubelet | undefined;

  const run = (args: readonly string[], timeoutMs = 120_000): Promise<Run> => runProcess(KUBECTL, ['inference', ...args, '-n', NS], {
    env: { ...process.env, PATH: `${join(ROOT, 'bin')}:${process.env.PATH ?? ''}`, KUBECONFIG: cluster.kubeconfigPath },
    timeoutMs,
  });
  const kubectl = (args: readonly string[], input?: string): string =>
    execFileSync(KUBECTL, ['--kubeconfig', cluster.kubeconfigPath, ...args], { encoding: 'utf8', ...(input ? { input } : {}) });

  before(async () => {
    execFileSync('ip', ['addr', 'replace', `${METRICS_IP}/32`, 'dev', 'lo']);
    process.env.KINFER_HPA_SYNC_PERIOD = SYNC_PERIOD;
    await cluster.start();
    await createNodes(cluster.core, NODES);
    await cluster.waitExtenderNodes(4);
    await cluster.core.createNamespace({ body: { metadata: { name: NS } } });
    sims = new SimFleet(cluster.kubeConfig, { logLevel: 'warn', output: 'ignore' });
    // The suite sends HTTP to the picker: proxy mode; a shorter arrival window so the ramp fits in two minutes.
    pickers = new PickerPods(cluster.kubeConfig, cluster.kubeconfigPath, (args) => [
      ...args.map((a) => (a === 'ext-proc' ? 'proxy' : a)), '--autoscale-window', `${WINDOW_SECONDS}s`, '--log-level', 'info']);
    kubelet = new FakeKubelet(cluster.kubeConfig, { hooks: pickers.hooks(sims.hooks), ipFor: (pod) => (isPickerPod(pod) ? METRICS_IP : undefined) });
    await kubelet.start();
  }, { timeout: 300_000 });

  after(async () => {
    await kubelet?.stop();
    await pickers?.stopAll();
    sims?.stopAll('SIGKILL');
    await cluster.stop();
  });

  test('a load ramp scales 1 → N before TTFT breaks, the new replicas take traffic, and it scales back after the load stops', async (t) => {
    // recommend's capacity of one replica within the targets: the figure the HPA's metric divides by.
    const targetArgs = ['--max-model-len', '4096', '--target-ttft-ms', String(TARGETS.ttftMs), '--target-ntpot-ms', String(TARGETS.ntpotMs),
      '--input-tokens', String(WORKLOAD.inputTokens), '--output-tokens', String(WORKLOAD.outputTokens)];
    const rec = await run(['recommend', MODEL, '--in-cluster', ...targetArgs, '-o', 'json']);
    assert.equal(rec.code, 0, rec.stderr);
    // Four H100s per replica, as the closed-loop suite: ~30 ms steps that a busy two-core machine keeps up with.
    const option = (JSON.parse(rec.stdout) as { options: { accelerator: string; tp: number; operating: { requestRate: number } }[] }).options
      .find((o) => o.accelerator === 'nvidia-h100-80gb' && o.tp === 4)!;
    const capacityRps = option.operating.requestRate;
    t.diagnostic(`recommend: ${option.tp} × ${option.accelerator}, ${capacityRps.toFixed(2)} req/s per replica within TTFT p99 ${TARGETS.ttftMs} ms, NTPOT p99 ${TARGETS.ntpotMs} ms`);

    // deploy --autoscale creates the HPA, the picker with the flags that serve its metric (recommend's capacity) and
    // the picker's external metrics API.
    const deployed = await run(['deploy', MODEL, '--name', NAME, '--accelerator', option.accelerator, '--tp', String(option.tp), ...targetArgs,
      '--autoscale', '--max-replicas', String(MAX_REPLICAS), '--scale-down-window', `${SCALE_DOWN_WINDOW_SECONDS}s`, '--wait', '--timeout', '90s']);
    assert.equal(deployed.code, 0, deployed.stderr);
    t.diagnostic(deployed.stdout);
    const match = /serves the metric with --autoscale llama=([\d.]+) --ttft-target \d+ms/.exec(deployed.stdout);
    assert.ok(match, deployed.stdout);
    assert.ok(Math.abs(Number(match[1]) - capacityRps) < 0.01, `deploy's capacity ${match[1]} is recommend's ${capacityRps}`);
    assert.doesNotMatch(deployed.stdout, /accepts any TLS client/, 'deploy read the front-proxy CA');
    const picker = await waitFor(() => pickers!.child(NAME), { what: 'the picker pod to run', timeoutMs: 60_000, intervalMs: 500 }).catch((error: Error) => {
      throw new Error(`${error.message}; kubelet: ${kubelet!.errors.slice(-3).join(' | ')}; pods: ${kubectl(['get', 'pods', '-n', NS, '-o', 'wide'])}`);
    });
    t.diagnostic(`picker pod's command line (proxy mode for the suite): ${pickers!.started.at(-1)!.join(' ')}`);

    // The real endpointslice controller resolves deploy's metrics Service to the picker pod.
    const slice = await waitFor(() => {
      const slices = JSON.parse(kubectl(['get', 'endpointslices', '-n', NS, '-l', `kubernetes.io/service-name=${NAME}-picker-metrics`, '-o', 'json'])) as
        { items: { metadata: { labels: Record<string, string> }; endpoints?: { addresses: string[] }[]; ports?: { port: number }[] }[] };
      return slices.items.find((i) => i.endpoints?.some((e) => e.addresses.includes(METRICS_IP)));
    }, { what: 'the EndpointSlice of the metrics Service', timeoutMs: 60_000, intervalMs: 500 });
    assert.equal(slice.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.deepEqual(slice.ports?.map((p) => p.port), [6443]);
    // The HPA controller's identity (with --use-service-account-credentials) may read the metric: deploy's ClusterRoleBinding.
    assert.equal(kubectl(['auth', 'can-i', 'list', 'kinfer-replica-demand.external.metrics.k8s.io', '-n', NS, '--as', 'system:serviceaccount:kube-system:horizontal-pod-autoscaler']).trim(), 'yes');

    // Through the API server, as the HPA controller will read it.
    const raw = await waitFor(() => {
      try {
        return kubectl(['get', '--raw', `/apis/external.metrics.k8s.io/v1beta1/namespaces/${NS}/kinfer-replica-demand?labelSelector=kinfer.dev%2Fworkload%3D${NAME}`]);
      } catch {
        return undefined;
      }
    }, { what: `external.metrics.k8s.io through the API server (picker: ${picker.tail(500)})`, timeoutMs: 60_000, intervalMs: 500 });
    assert.match(raw, /"kind":"ExternalMetricValueList".*"metricLabels":\{"kinfer.dev\/workload":"llama"\}/);
    const available = JSON.parse(kubectl(['get', 'apiservice', 'v1beta1.external.metrics.k8s.io', '-o', 'json'])) as { spec: { service: { name: string } }; status: { conditions: { type: string; status: string }[] } };
    assert.equal(available.spec.service.name, `${NAME}-picker-metrics`);
    assert.equal(available.status.conditions.find((c) => c.type === 'Available')?.status, 'True');

    // Replicas over time, from the Deployment and the HPA's status (what the controller computed).
    const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
    const autoscaling = cluster.kubeConfig.makeApiClient(AutoscalingV2Api);
    const samples: Sample[] = [];
    const t0 = Date.now();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        try {
          const [d, h, health] = await Promise.all([
            apps.readNamespacedDeployment({ name: NAME, namespace: NS }),
            autoscaling.readNamespacedHorizontalPodAutoscaler({ name: NAME, namespace: NS }),
            fetch(`http://127.0.0.1:${PICKER_PORT + 1}/debug/endpoints`).then((r) => r.json() as Promise<{ endpoints: unknown[] }>),
          ]);
          void health;
          const metric = h.status?.currentMetrics?.[0]?.external?.current?.averageValue ?? h.status?.currentMetrics?.[0]?.external?.current?.value ?? '-';
          samples.push({ atSeconds: Math.round((Date.now() - t0) / 1000), replicas: d.status?.readyReplicas ?? 0, desired: h.status?.desiredReplicas ?? 0, metric: String(metric), arrivalRps: 0 });
        } catch { /* a missed sample is not a failure */ }
        await sleep(2000);
      }
    })();

    // The ramp: half a replica's capacity, then up in steps to 2.4 replicas' worth, held; then nothing.
    const stages: Stage[] = [0.5, 0.9, 1.4, 1.9, 2.4, 2.4].map((f, i) => ({ rps: f * capacityRps, seconds: i === 0 ? 20 : 15 }));
    const ttfts: { stage: number; ms: number; ok: boolean; atSeconds: number }[] = [];
    let lastSentAt = 0;
    await Promise.all(stages.map((stage, i) => {
      const startsAt = stages.slice(0, i).reduce((a, s) => a + s.seconds, 0) * 1000;
      return sleep(startsAt).then(() => drive(stage, (ms, ok) => ttfts.push({ stage: i, ms, ok, atSeconds: (Date.now() - t0) / 1000 }), () => (lastSentAt = (Date.now() - t0) / 1000)));
    }));
    const peak = Math.max(...samples.map((s) => s.replicas));
    const listed = await run(['list']);
    assert.equal(listed.code, 0, listed.stderr);
    t.diagnostic(`kubectl inference list at the end of the ramp:\n${listed.stdout}`);

    // New replicas took traffic: every endpoint the picker routes over got requests.
    const debug = await (await fetch(`http://127.0.0.1:${PICKER_PORT + 1}/debug/endpoints`)).json() as { endpoints: { address: string; decisions: number }[] };
    t.diagnostic(`picker endpoints at the end of the ramp: ${debug.endpoints.map((e) => `${e.address} ${e.decisions} requests`).join(', ')}`);

    // Back to one replica once the arrival window empties and the scale-down window has passed.
    const backAt = await waitFor(async () => {
      const d = await apps.readNamespacedDeployment({ name: NAME, namespace: NS });
      return d.spec?.replicas === 1 ? (Date.now() - t0) / 1000 : undefined;
    }, { what: 'the HPA to scale back to 1', timeoutMs: 180_000, intervalMs: 1000 });
    sampling = false;
    await sampler;

    const p99 = (stage: number): number => {
      const xs = ttfts.filter((x) => x.stage === stage && x.ok).map((x) => x.ms).sort((a, b) => a - b);
      return xs[Math.min(xs.length - 1, Math.floor(0.99 * xs.length))] ?? NaN;
    };
    t.diagnostic(`replicas over time (s: ready/desired metric): ${samples.map((s) => `${s.atSeconds}:${s.replicas}/${s.desired} ${s.metric}`).join(' | ')}`);
    t.diagnostic(`stages: ${stages.map((s, i) => `${s.rps.toFixed(2)} req/s for ${s.seconds}s, p99 TTFT ${p99(i).toFixed(0)} ms (${ttfts.filter((x) => x.stage === i).length} requests, ${ttfts.filter((x) => x.stage === i && !x.ok).length} failed)`).join('; ')}`);
    t.diagnostic(`last request sent at ${lastSentAt.toFixed(0)} s; back to 1 replica at ${backAt.toFixed(0)} s (arrival window ${WINDOW_SECONDS} s + scale-down stabilization ${SCALE_DOWN_WINDOW_SECONDS} s + HPA sync ${SYNC_PERIOD})`);

    assert.match(listed.stdout, /AUTOSCALE[\s\S]*\b3 wanted \(1\.\.4, \d+m\/replica\)/);
    assert.ok(peak >= 3, `the ramp to 2.4 × capacity should reach 3 ready replicas; peak ${peak}`);
    assert.equal(samples.filter((s) => s.atSeconds < 18).every((s) => s.desired <= 1), true, 'half a replica of load keeps one replica');
    assert.ok(Math.max(...samples.map((s) => s.desired)) <= 3, 'the rule asks for ceil(2.4) = 3, not the maximum');
    assert.ok(debug.endpoints.length >= 3 && debug.endpoints.every((e) => e.decisions > 0), `every replica should receive traffic: ${JSON.stringify(debug.endpoints)}`);
    assert.ok(backAt - lastSentAt >= SCALE_DOWN_WINDOW_SECONDS, `scale-down waited for the stabilization window (${(backAt - lastSentAt).toFixed(0)} s after the last arrival)`);
    assert.ok(ttfts.filter((x) => !x.ok).length === 0, 'no request failed');
    const worst = Math.max(...stages.map((_, i) => p99(i)));
    assert.ok(worst <= TARGETS.ttftMs, `p99 TTFT of every stage of the ramp within the ${TARGETS.ttftMs} ms target; worst ${worst.toFixed(0)} ms`);
  });

  test('a LeaderWorkerSet: the HPA scales groups through its scale subresource, the LWS controller makes the new group', async (t) => {
    // One external metrics API per cluster: the first model goes, with its APIService.
    const deleted = await run(['delete', NAME]);
    assert.equal(deleted.code, 0, deleted.stderr);
    await waitFor(async () => (await cluster.core.listNamespacedPod({ namespace: NS })).items.length === 0 || undefined, { what: `the pods of ${NAME} to go`, timeoutMs: 90_000 });

    // Llama 3.1 405B in bf16: 16 H100 per replica over two 8-GPU nodes, a LeaderWorkerSet (#16's multi-host replicas).
    const deployed = await run(['deploy', LWS_MODEL, '--name', LWS_NAME, '--accelerator', 'nvidia-h100-80gb', '--max-model-len', '4096',
      '--target-ttft-ms', '5000', '--target-ntpot-ms', '100', '--input-tokens', String(WORKLOAD.inputTokens), '--output-tokens', String(WORKLOAD.outputTokens),
      '--autoscale', '--max-replicas', '2', '--scale-down-window', '20s', '--wait', '--timeout', '150s'], 240_000);
    assert.equal(deployed.code, 0, `${deployed.stdout}\n${deployed.stderr}\n${cluster.logTail('lws-controller')}`);
    t.diagnostic(deployed.stdout);
    assert.match(deployed.stdout, new RegExp(`^leaderworkerset\\.leaderworkerset\\.x-k8s\\.io/${LWS_NAME} serverside-applied$`, 'm'));
    const capacity = Number(/--autoscale big=([\d.]+)/.exec(deployed.stdout)?.[1]);
    assert.ok(capacity > 0, deployed.stdout);
    const hpa = JSON.parse(kubectl(['get', 'hpa', LWS_NAME, '-n', NS, '-o', 'json'])) as { spec: { scaleTargetRef: Record<string, string> } };
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'leaderworkerset.x-k8s.io/v1', kind: 'LeaderWorkerSet', name: LWS_NAME });
    await waitFor(() => pickers!.child(LWS_NAME), { what: 'the picker pod of the LWS model to run', timeoutMs: 60_000, intervalMs: 500 });

    // 1.6 replicas' worth of load until the HPA has scaled the LeaderWorkerSet to 2 groups.
    let scaled = false;
    const results: boolean[] = [];
    const failures = new Map<string, number>();
    const load = (async () => {
      while (!scaled) await drive({ rps: 1.6 * capacity, seconds: 5 }, (_ms, ok, why) => {
        results.push(ok);
        if (why) failures.set(why, (failures.get(why) ?? 0) + 1);
      }, () => undefined, LWS_MODEL);
    })();
    const lws = () => JSON.parse(kubectl(['get', '--raw', `/apis/leaderworkerset.x-k8s.io/v1/namespaces/${NS}/leaderworkersets/${LWS_NAME}/scale`])) as
      { spec: { replicas: number }; status: { replicas: number; selector: string } };
    try {
      await waitFor(() => lws().spec.replicas === 2 || undefined, { what: 'the HPA to scale the LeaderWorkerSet to 2 groups', timeoutMs: 120_000, intervalMs: 1000,
        describe: () => kubectl(['get', 'hpa', LWS_NAME, '-n', NS, '-o', 'wide']) });
    } finally {
      scaled = true;
      await load;
    }
    const scale = lws();
    t.diagnostic(`scale subresource: ${JSON.stringify(scale)}; HPA: ${kubectl(['get', 'hpa', LWS_NAME, '-n', NS])}`);
    assert.match(scale.status.selector, /leaderworkerset\.sigs\.k8s\.io\/name=big/, 'the selector the HPA reads from the scale subresource');
    // The LWS controller makes the second group: its leader and its worker.
    const group = await waitFor(async () => {
      const pods = (await cluster.core.listNamespacedPod({ namespace: NS, labelSelector: `leaderworkerset.sigs.k8s.io/name=${LWS_NAME},leaderworkerset.sigs.k8s.io/group-index=1` })).items;
      return pods.length === 2 ? pods.map((p) => p.metadata!.name!).sort() : undefined;
    }, { what: 'the LWS controller to create group 1', timeoutMs: 60_000 });
    assert.deepEqual(group, [`${LWS_NAME}-1`, `${LWS_NAME}-1-1`]);
    // Not held to zero failures (unlike the Deployment test): in one run of 2026-12-07, 13 of 110 requests failed
    // while the second group came up (none of 118 in the next); their reasons are printed here (docs/autoscaling.md).
    t.diagnostic(`load: ${results.length} requests, ${results.filter((r) => !r).length} failed: ${JSON.stringify([...failures])}`);
    assert.ok(results.filter(Boolean).length > 0, 'the picker answered the load through the LeaderWorkerSet');
  });
});

/** Constant-rate arrivals at the picker; each request streams and reports its time to first token. */
async function drive(stage: Stage, done: (ttftMs: number, ok: boolean, why?: string) => void, sent: () => void, model = MODEL): Promise<void> {
  const inflight: Promise<void>[] = [];
  const start = Date.now();
  for (let i = 0; Date.now() - start < stage.seconds * 1000; i++) {
    const due = start + (i * 1000) / stage.rps;
    if (due > Date.now()) await sleep(due - Date.now());
    const prompt = `request ${promptSeq++}: ${'word '.repeat(WORKLOAD.inputTokens * 4 / 5)}`;
    sent();
    inflight.push((async () => {
      const sentAt = Date.now();
      try {
        const res = await fetch(`http://127.0.0.1:${PICKER_PORT}/v1/completions`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, prompt, max_tokens: WORKLOAD.outputTokens, stream: true }),
        });
        const reader = res.body!.getReader();
        await reader.read();
        const ttft = Date.now() - sentAt;
        while (!(await reader.read()).done) { /* drain */ }
        done(ttft, res.ok, res.ok ? undefined : `HTTP ${res.status}`);
      } catch (error) {
        done(Date.now() - sentAt, false, (error as Error).message);
      }
    })());
  }
  await Promise.all(inflight);
}

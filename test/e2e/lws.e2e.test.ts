// Multi-host replicas with the real parts: `kubectl inference deploy` of Llama 3.1 405B (bf16: 16 × H100 over two
// nodes) writes a LeaderWorkerSet, validated by the upstream CRD; the upstream LWS controller (built from
// sigs.k8s.io/lws, its webhooks served on loopback) makes the leader and worker StatefulSets and their pods; the
// real kube-scheduler with kinfer-extender places the group. Two H100 nodes share GKE compact-placement block
// "block-a"; a third is alone in "block-b", so a group that lands there is split across blocks. TPU v6e 4x4
// slices (4 hosts of 4 chips, one GKE node pool per slice, labelled as GKE labels ct6e-standard-4t nodes): "pool-a"
// whole, "pool-b" with two hosts only; deploy plans the TPU replica on the 4x4 shape they report.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { startStand, type Stand } from './harness/stand.js';
import { KUBECTL, ROOT } from './harness/cluster.js';
import { sleep, waitFor } from './harness/wait.js';
import { runProcess, type Run } from '../run.js';

const BLOCK = 'cloud.google.com/gce-topology-block';
const NODES = `
- { name: h100-a, count: 2, scheme: gke, type: nvidia-h100-80gb, devices: 8, zone: us-central1-a, cpu: 208, memory: 1800Gi, labels: { ${BLOCK}: block-a } }
- { name: h100-b, scheme: gke, type: nvidia-h100-80gb, devices: 8, zone: us-central1-a, cpu: 208, memory: 1800Gi, labels: { ${BLOCK}: block-b } }
- { name: v6e-a, count: 4, scheme: gke, type: tpu-v6e-slice, devices: 4, topology: 4x4, nodepool: pool-a, zone: us-central1-b, cpu: 180, memory: 720Gi }
- { name: v6e-b, count: 2, scheme: gke, type: tpu-v6e-slice, devices: 4, topology: 4x4, nodepool: pool-b, zone: us-central1-b, cpu: 180, memory: 720Gi }
`;
// A multi-host TPU replica: Llama 3.1 70B in bf16 (141 GB) outgrows a 4-chip v6e host (128 GiB), so deploy plans
// one 4x4 slice: a LeaderWorkerSet of 4 pods of 4 chips.
const TPU_MODEL = 'meta-llama/Llama-3.1-70B-Instruct';
const TPU_NAME = 'llama-70b-tpu';
const NS = 'ml';
const MODEL = 'meta-llama/Llama-3.1-405B-Instruct';
const FIRST = 'llama-405b';
const SECOND = 'llama-405b-2';
const BASE_PORT = 31080;
const PICKER_PORT = BASE_PORT + 12;
const LWS = { group: 'leaderworkerset.x-k8s.io', version: 'v1', plural: 'leaderworkersets' } as const;

describe('multi-host replicas: LeaderWorkerSet with the upstream controller', { timeout: 600_000 }, () => {
  let stand: Stand;

  const inference = (args: readonly string[]): Promise<Run> => stand.inference(args, { namespace: NS, timeoutMs: 180_000 });
  const podsOf = async (name: string): Promise<V1Pod[]> =>
    (await stand.cluster.core.listNamespacedPod({ namespace: NS, labelSelector: `kinfer.dev/deployment=${name},app.kubernetes.io/component in (model-server,model-worker)` })).items
      .filter((p) => !p.metadata?.deletionTimestamp);
  const blockOf = async (nodeName: string): Promise<string> => (await stand.cluster.core.readNode({ name: nodeName })).metadata?.labels?.[BLOCK] ?? '';

  before(async () => {
    stand = await startStand({ suite: 'lws', basePort: BASE_PORT, lws: true, nodes: NODES, namespace: NS, kubelet: 'pods' });
  }, { timeout: 480_000 });

  after(() => stand?.close());

  test('deploy writes a LeaderWorkerSet the real CRD accepts; the LWS controller makes the group and it lands in one block', async () => {
    const deployed = await inference(['deploy', MODEL, '--name', FIRST, '--accelerator', 'nvidia-h100-80gb', '--wait', '--timeout', '150s']);
    assert.equal(deployed.code, 0, `${deployed.stdout}\n${deployed.stderr}\n${stand.cluster.logTail('lws-controller')}`);
    assert.match(deployed.stdout, /1 replica\(s\) on nvidia-h100-80gb, 16 device\(s\) each over 2 nodes/);
    assert.match(deployed.stdout, new RegExp(`^leaderworkerset\\.leaderworkerset\\.x-k8s\\.io/${FIRST} serverside-applied$`, 'm'));
    assert.match(deployed.stdout, new RegExp(`^inferencepool\\.inference\\.networking\\.k8s\\.io/${FIRST} serverside-applied$`, 'm'));
    assert.match(deployed.stderr, new RegExp(`${FIRST}: 2/2 scheduled, 2/2 running, 2/2 ready`));

    const pods = await podsOf(FIRST);
    assert.equal(pods.length, 2);
    // What the upstream controller and its pod webhook put there: the group's labels, the leader's address.
    const leader = pods.find((p) => p.metadata?.labels?.['app.kubernetes.io/component'] === 'model-server')!;
    const worker = pods.find((p) => p.metadata?.labels?.['app.kubernetes.io/component'] === 'model-worker')!;
    assert.ok(leader && worker, pods.map((p) => p.metadata?.name).join(', '));
    assert.equal(leader.metadata?.name, `${FIRST}-0`);
    assert.equal(worker.metadata?.name, `${FIRST}-0-1`);
    for (const pod of pods) {
      assert.equal(pod.metadata?.labels?.['leaderworkerset.sigs.k8s.io/group-index'], '0');
      assert.equal(pod.metadata?.ownerReferences?.[0]?.kind, 'StatefulSet');
      assert.equal(pod.spec?.schedulerName, 'kinfer-scheduler');
    }
    assert.ok(worker.spec?.containers[0]?.env?.some((e) => e.name === 'LWS_LEADER_ADDRESS'), 'the pod webhook gives workers the leader address');
    const blocks = new Set(await Promise.all(pods.map((p) => blockOf(p.spec!.nodeName!))));
    assert.deepEqual([...blocks], ['block-a'], 'the whole group in one block');

    const custom = stand.cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    await waitFor(async () => {
      const lws = await custom.getNamespacedCustomObject({ ...LWS, namespace: NS, name: FIRST }) as { status?: { readyReplicas?: number } };
      return lws.status?.readyReplicas === 1 || undefined;
    }, { what: 'the LWS controller to count the group ready', timeoutMs: 60_000 });
  });

  test('deploy plans a v6e 4x4 slice; with the slice partly taken the group stays Pending whole, then lands in that slice; list, top and delete see one replica', async () => {
    const tpuPods = async (): Promise<V1Pod[]> => (await stand.cluster.core.listNamespacedPod({ namespace: NS, labelSelector: `leaderworkerset.sigs.k8s.io/name=${TPU_NAME}` })).items
      .filter((p) => !p.metadata?.deletionTimestamp);
    // Something else holds one host of the only whole slice (pool-a): bound there directly, as a kubelet would run it.
    await stand.cluster.core.createNamespacedPod({ namespace: NS, body: {
      metadata: { name: 'tpu-blocker' },
      spec: { nodeName: 'v6e-a-0', tolerations: [{ key: 'google.com/tpu', operator: 'Exists' }], containers: [{ name: 'c', image: 'busybox', resources: { requests: { 'google.com/tpu': '4' }, limits: { 'google.com/tpu': '4' } } }] },
    } });

    const deployed = await inference(['deploy', TPU_MODEL, '--name', TPU_NAME, '--accelerator', 'tpu-v6e-slice', '--no-picker', '--explain']);
    assert.equal(deployed.code, 0, `${deployed.stdout}\n${deployed.stderr}`);
    assert.match(deployed.stdout, /1 replica\(s\) on tpu-v6e-slice, 16 device\(s\) each over 4 nodes: needs [\d.]+ GiB of [\d.]+ GiB usable on a tpu-v6e-slice 4x4 slice \(16 chips over 4 hosts\)/);
    assert.match(deployed.stdout, /^tpu slice: +a tpu-v6e-slice 4x4 slice \(16 chips over 4 hosts\), one LeaderWorkerSet group of 4 pods with 4 chips each, tensor parallel 16 over ICI/m);
    assert.match(deployed.stdout, new RegExp(`^leaderworkerset\\.leaderworkerset\\.x-k8s\\.io/${TPU_NAME} serverside-applied$`, 'm'));

    let pods: V1Pod[] = [];
    await waitFor(async () => (pods = await tpuPods()).length === 4 || undefined, { what: 'the LWS controller to create the four pods of the group', timeoutMs: 60_000 });
    // What the upstream pod webhook gives a TPU group: each host its TPU_WORKER_ID and every host's name.
    const env = (p: V1Pod, name: string) => p.spec?.containers[0]?.env?.find((e) => e.name === name)?.value;
    assert.deepEqual(pods.map((p) => env(p, 'TPU_WORKER_ID')).sort(), ['0', '1', '2', '3']);
    for (const p of pods) {
      assert.equal(env(p, 'TPU_WORKER_HOSTNAMES')?.split(',').length, 4);
      assert.equal(p.spec?.nodeSelector?.['cloud.google.com/gke-tpu-topology'], '4x4');
      assert.equal(p.metadata?.annotations?.['kinfer.dev/tpu-topology'], '4x4');
    }
    // Long enough for several scheduling attempts of every member.
    await sleep(8_000);
    pods = await tpuPods();
    assert.deepEqual(pods.map((p) => p.spec?.nodeName ?? null), [null, null, null, null], 'no member takes a host while no slice can hold the whole group');
    const events = (await stand.cluster.core.listNamespacedEvent({ namespace: NS, fieldSelector: 'reason=FailedScheduling' })).items
      .filter((e) => e.involvedObject?.name?.startsWith(`${TPU_NAME}-`)).map((e) => e.message ?? '');
    assert.ok(events.some((m) => /nodePool pool-a can take 3 more member\(s\) of group/.test(m)), events.join('\n'));

    await stand.cluster.core.deleteNamespacedPod({ namespace: NS, name: 'tpu-blocker', gracePeriodSeconds: 0 });
    await waitFor(async () => {
      pods = await tpuPods();
      return pods.length === 4 && pods.every((p) => p.spec?.nodeName) || undefined;
    }, { what: 'the four TPU pods to be bound once the slice is whole', timeoutMs: 90_000, describe: () => pods.map((p) => `${p.metadata?.name}@${p.spec?.nodeName ?? '-'}`).join(', ') });
    assert.deepEqual(pods.map((p) => p.spec!.nodeName!).sort(), ['v6e-a-0', 'v6e-a-1', 'v6e-a-2', 'v6e-a-3']);

    const list = await inference(['list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${TPU_NAME}\\s+${TPU_MODEL.replace(/[./]/g, '\\$&')}\\s+vllm\\s+tpu-v6e-slice x16\\s+1/1\\s`, 'm'));
    // No server runs behind the fake kubelet, so every replica is unreachable (top exits 1 saying so); what counts
    // here is which replicas it lists.
    const top = await inference(['top', '--once', '-o', 'json', '--interval', '500ms', '--timeout', '500ms']);
    assert.match(top.stderr, /none of the 2 replicas in namespace ml answered/);
    const rows = (JSON.parse(top.stdout) as { replicas: { pool: string; name: string }[] }).replicas.filter((r) => r.pool === `${NS}/${TPU_NAME}`);
    assert.deepEqual(rows.map((r) => r.name), [`${TPU_NAME}-0`], 'one replica: the leader');

    const deleted = await inference(['delete', TPU_NAME]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, new RegExp(`^leaderworkerset\\.leaderworkerset\\.x-k8s\\.io/${TPU_NAME} deleted$`, 'm'));
    await waitFor(async () => (await tpuPods()).length === 0 || undefined, { what: 'the TPU pods to go', timeoutMs: 90_000 });
  });

  test('list shows one replica of 16 devices; the pool and its picker see the leader only', async () => {
    const list = await inference(['list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${FIRST}\\s+${MODEL.replace(/[./]/g, '\\$&')}\\s+vllm\\s+nvidia-h100-80gb x16\\s+1/1\\s+${FIRST}\\s+\\d+[sm]$`, 'm'));

    const picker = spawn(process.execPath, [join(ROOT, 'bin', 'kinfer-picker.js'), '--mode', 'proxy', '--host', '127.0.0.1', '--port', String(PICKER_PORT),
      '--health-port', String(PICKER_PORT + 1), '--pool', FIRST, '-n', NS, '--kubeconfig', stand.cluster.kubeconfigPath, '--log-level', 'warn'], { stdio: 'ignore' });
    stand.children.push(picker);
    const leaderIp = (await podsOf(FIRST)).find((p) => p.metadata?.labels?.['app.kubernetes.io/component'] === 'model-server')!.status!.podIP!;
    let seen: string[] = [];
    await waitFor(async () => {
      try {
        const body = await (await fetch(`http://127.0.0.1:${PICKER_PORT + 1}/debug/endpoints`)).json() as { endpoints: { address: string }[] };
        seen = body.endpoints.map((e) => e.address);
        return seen.length > 0 || undefined;
      } catch {
        return undefined;
      }
    }, { what: 'the picker to read the pool', timeoutMs: 30_000, describe: () => seen.join(', ') });
    await sleep(1_000);
    assert.equal(seen.length, 1, `one endpoint per group: ${seen.join(', ')}`);
    assert.ok(seen[0]!.includes(`${leaderIp}:8000`), `the leader's endpoint (${leaderIp}:8000): ${seen[0]}`);
  });

  test('all or nothing: a second group with one free node stays Pending as a whole, and lands once a block is free', async () => {
    const deployed = await inference(['deploy', MODEL, '--name', SECOND, '--accelerator', 'nvidia-h100-80gb', '--no-picker']);
    assert.equal(deployed.code, 0, deployed.stderr);
    await waitFor(async () => (await podsOf(SECOND)).length === 2 || undefined, { what: 'the LWS controller to create both pods of the second group', timeoutMs: 60_000 });
    // Long enough for several scheduling attempts of both pods (the scheduler retries unschedulable pods).
    await sleep(8_000);
    const pending = await podsOf(SECOND);
    assert.deepEqual(pending.map((p) => p.spec?.nodeName ?? null), [null, null], 'neither member takes the one free node (h100-b-0)');
    const events = (await stand.cluster.core.listNamespacedEvent({ namespace: NS, fieldSelector: 'reason=FailedScheduling' })).items
      .filter((e) => e.involvedObject?.name?.startsWith(`${SECOND}-`)).map((e) => e.message ?? '');
    assert.ok(events.some((m) => /block block-b holds at most 1 member\(s\) of group/.test(m)), events.join('\n'));

    const deleted = await inference(['delete', FIRST]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, new RegExp(`^leaderworkerset\\.leaderworkerset\\.x-k8s\\.io/${FIRST} deleted$`, 'm'));
    await waitFor(async () => (await podsOf(FIRST)).length === 0 || undefined, { what: `the pods of ${FIRST} to go (garbage collector, fake kubelet)`, timeoutMs: 90_000 });
    await waitFor(async () => {
      const pods = await podsOf(SECOND);
      return pods.length === 2 && pods.every((p) => p.spec?.nodeName) || undefined;
    }, { what: `the group ${SECOND} to be placed in the freed block`, timeoutMs: 90_000 });
    const blocks = new Set(await Promise.all((await podsOf(SECOND)).map((p) => blockOf(p.spec!.nodeName!))));
    assert.deepEqual([...blocks], ['block-a']);
  });

  test('delete removes the LeaderWorkerSet, its StatefulSets and pods', async () => {
    const deleted = await inference(['delete', SECOND]);
    assert.equal(deleted.code, 0, deleted.stderr);
    await waitFor(async () => (await podsOf(SECOND)).length === 0 || undefined, { what: `the pods of ${SECOND} to go`, timeoutMs: 90_000 });
    const sets = await stand.cluster.apps.listNamespacedStatefulSet({ namespace: NS });
    await waitFor(async () => (await stand.cluster.apps.listNamespacedStatefulSet({ namespace: NS })).items.length === 0 || undefined, { what: 'the StatefulSets to go', timeoutMs: 60_000, describe: () => sets.items.map((s) => s.metadata?.name).join(', ') });
    const left = await runProcess(KUBECTL, ['--kubeconfig', stand.cluster.kubeconfigPath, 'get', 'leaderworkersets,inferencepools', '-n', NS, '-o', 'name'], {});
    assert.equal(left.stdout.trim(), '');
  });
});

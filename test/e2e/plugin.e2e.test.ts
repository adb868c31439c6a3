// kubectl inference through the real kubectl (test/controlplane builds it): kubectl finds the plugin on PATH
// as `kubectl-inference`, exactly as a user's would. The control plane runs kube-controller-manager, so a
// Deployment makes Pods, kinfer-scheduler (with the extender) binds them, and the fake kubelet marks them ready.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startStand, type Stand } from './harness/stand.js';
import { KUBECTL, ROOT } from './harness/cluster.js';
import { waitFor } from './harness/wait.js';
import { runProcess, type Run } from '../run.js';

const NODES = `
- { name: l4, count: 2, scheme: gke, type: nvidia-l4, devices: 4, zone: us-central1-a, cpu: 48, memory: 192Gi }
- { name: h100, scheme: gfd, product: NVIDIA-H100-80GB-HBM3, memoryMiB: 81559, devices: 8, zone: us-central1-a, cpu: 208, memory: 1800Gi }
- { name: cpu, cpu: 64, memory: 256Gi }
`;
const NS = 'ml';

describe('kubectl inference on a real control plane', { timeout: 420_000 }, () => {
  let stand: Stand;

  /** Runs `kubectl ARGS` with the plugin on PATH and the suite's kubeconfig in KUBECONFIG. */
  const kubectl = (args: readonly string[], input?: string, env: NodeJS.ProcessEnv = {}): Promise<Run> => runProcess(KUBECTL, args, {
    env: { ...process.env, PATH: `${join(ROOT, 'bin')}:${process.env.PATH ?? ''}`, KUBECONFIG: stand.cluster.kubeconfigPath, ...env },
    ...(input !== undefined ? { input } : {}),
    timeoutMs: 120_000,
  });
  const inference = (args: readonly string[], env?: NodeJS.ProcessEnv) => kubectl(['inference', ...args], undefined, env);

  before(async () => {
    stand = await startStand({ suite: 'plugin', basePort: 31060, nodes: NODES, namespace: NS, kubelet: 'pods' });
  }, { timeout: 360_000 });

  after(() => stand?.close());

  test('deploy with no flags: the planner picks one L4 each (vLLM budgets 1.6 GiB of overhead there) and kinfer-scheduler binds the pods there', async () => {
    const run = await inference(['deploy', 'meta-llama/Llama-3.1-8B-Instruct', '-n', NS, '--replicas', '2', '--wait', '--timeout', '120s']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /2 replica\(s\) on nvidia-l4, 1 device\(s\) each: needs \d+\.\d GiB of \d+\.\d GiB usable/);
    assert.match(run.stdout, /^scheduler: kinfer-scheduler$/m);
    assert.match(run.stdout, /^deployment\.apps\/llama-3-1-8b-instruct serverside-applied$/m);
    assert.match(run.stdout, /^service\/llama-3-1-8b-instruct serverside-applied$/m);
    assert.match(run.stderr, /InferencePool CRD .* is not installed; deploying without a pool/);
    assert.match(run.stderr, /llama-3-1-8b-instruct: 2\/2 scheduled, 2\/2 running, 2\/2 ready/);
    const pods = (await stand.cluster.core.listNamespacedPod({ namespace: NS, labelSelector: 'kinfer.dev/deployment=llama-3-1-8b-instruct' })).items;
    assert.equal(pods.length, 2);
    for (const pod of pods) {
      assert.equal(pod.spec?.schedulerName, 'kinfer-scheduler');
      assert.match(pod.spec?.nodeName ?? '', /^l4-\d$/);
      assert.equal(pod.metadata?.annotations?.['kinfer.dev/model'], 'meta-llama/Llama-3.1-8B-Instruct');
      assert.equal(pod.spec?.containers[0]?.resources?.limits?.['nvidia.com/gpu'], '1');
    }
  });

  test('list shows it, as a table and as JSON', async () => {
    const table = await inference(['list', '-n', NS]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAME\s+MODEL\s+SERVER\s+ACCELERATOR\s+READY\s+POOL\s+AGE$/m);
    assert.match(table.stdout, /^llama-3-1-8b-instruct\s+meta-llama\/Llama-3\.1-8B-Instruct\s+vllm\s+nvidia-l4 x1\s+2\/2\s+<none>\s+\d+[sm]$/m);
    const json = await inference(['list', '-A', '-o', 'json']);
    const items = (JSON.parse(json.stdout) as { items: { name: string; namespace: string; ready: number; desired: number }[] }).items;
    assert.deepEqual(items.map((i) => [i.namespace, i.name, i.ready, i.desired]), [[NS, 'llama-3-1-8b-instruct', 2, 2]]);
  });

  test('list -o wide adds the workloads, -o name prints names, -l narrows by label', async () => {
    const wide = await inference(['list', '-n', NS, '-o', 'wide']);
    assert.equal(wide.code, 0, wide.stderr);
    assert.match(wide.stdout, /^NAME\s+MODEL\s+SERVER\s+ACCELERATOR\s+READY\s+POOL\s+AGE\s+WORKLOADS$/m);
    assert.match(wide.stdout, /^llama-3-1-8b-instruct\s+.*\s+deployment\/llama-3-1-8b-instruct-nvidia-l4$|^llama-3-1-8b-instruct\s+.*\s+deployment\/\S+$/m);
    assert.equal((await inference(['list', '-n', NS, '-o', 'name'])).stdout, 'llama-3-1-8b-instruct\n');
    assert.equal((await inference(['list', '-A', '-o', 'name'])).stdout, `${NS}/llama-3-1-8b-instruct\n`);
    assert.equal((await inference(['list', '-n', NS, '-o', 'name', '-l', 'kinfer.dev/server=vllm'])).stdout, 'llama-3-1-8b-instruct\n');
    const none = await inference(['list', '-n', NS, '-l', 'kinfer.dev/server=sglang']);
    assert.equal(none.code, 0);
    assert.equal(none.stdout, '');
    const bad = await inference(['list', '-n', NS, '-l', '=oops']);
    assert.notEqual(bad.code, 0);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  });

  test('--dry-run=client -o yaml writes nothing, and its YAML passes the server dry run', async () => {
    const run = await inference(['deploy', 'Qwen/Qwen2.5-7B-Instruct', '-n', NS, '--accelerator', 'nvidia-h100-80gb', '--dry-run=client', '-o', 'yaml']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^kind: Deployment$/m);
    assert.match(run.stdout, /^kind: Service$/m);
    assert.doesNotMatch(run.stdout, /serverside-applied|replica\(s\) on/, 'stdout is only the objects');
    const deployments = await stand.cluster.apps.listNamespacedDeployment({ namespace: NS, labelSelector: 'kinfer.dev/deployment=qwen2-5-7b-instruct' });
    assert.equal(deployments.items.length, 0, 'a client dry run writes nothing');
    const check = await kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-'], run.stdout);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /deployment\.apps\/qwen2-5-7b-instruct serverside-applied \(server dry run\)/);
  });

  test('--dry-run=server validates with the API server and persists nothing', async () => {
    const run = await inference(['deploy', 'Qwen/Qwen2.5-7B-Instruct', '-n', NS, '--dry-run=server']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /deployment\.apps\/qwen2-5-7b-instruct serverside-applied \(server dry run\)/);
    const deployments = await stand.cluster.apps.listNamespacedDeployment({ namespace: NS, labelSelector: 'kinfer.dev/deployment=qwen2-5-7b-instruct' });
    assert.equal(deployments.items.length, 0);
  });

  test('delete removes everything deploy created, and says what', async () => {
    // A bare --dry-run means client, as kubectl's did; =server asks the API server; neither deletes anything.
    const dry = await inference(['delete', 'llama-3-1-8b-instruct', '-n', NS, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(dry.stdout.trim().split('\n'), ['service/llama-3-1-8b-instruct deleted (dry run)', 'deployment.apps/llama-3-1-8b-instruct deleted (dry run)']);
    const server = await inference(['delete', 'llama-3-1-8b-instruct', '-n', NS, '--dry-run=server']);
    assert.equal(server.code, 0, server.stderr);
    assert.deepEqual(server.stdout.trim().split('\n'), ['service/llama-3-1-8b-instruct deleted (server dry run)', 'deployment.apps/llama-3-1-8b-instruct deleted (server dry run)']);
    assert.equal((await stand.cluster.apps.listNamespacedDeployment({ namespace: NS })).items.length, 1, 'a dry run deletes nothing');
    const run = await inference(['delete', 'llama-3-1-8b-instruct', '-n', NS]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n'), ['service/llama-3-1-8b-instruct deleted', 'deployment.apps/llama-3-1-8b-instruct deleted']);
    await waitFor(async () => (await stand.cluster.core.listNamespacedPod({ namespace: NS })).items.length === 0 || undefined, { what: 'the pods to go', timeoutMs: 60_000 });
    assert.equal((await stand.cluster.core.listNamespacedService({ namespace: NS })).items.length, 0);
    const list = await inference(['list', '-n', NS]);
    assert.match(list.stderr, /No models deployed by kubectl inference in namespace ml\./);
  });

  test('--model-cache: deploy creates a ReadWriteMany claim sized from the weights, mounted as HF_HOME; delete removes it, never a claim the user made', async () => {
    // The user's own claim, given as pvc:NAME. Neither claim binds here (no provisioner): pods stay Pending, which
    // is all this test needs; what the API server accepted and what delete removes are the point.
    await stand.cluster.core.createNamespacedPersistentVolumeClaim({ namespace: NS, body: { metadata: { name: 'shared-weights' }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '100Gi' } } } } });
    const made = await inference(['deploy', 'meta-llama/Llama-3.1-8B-Instruct', '-n', NS, '--name', 'cached', '--model-cache', 'pvc', '--explain']);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^model cache: +PersistentVolumeClaim cached-model-cache \(created by deploy, ReadWriteMany, 19Gi \(meta-llama\/Llama-3\.1-8B-Instruct weights \(bf16\) × 1\.25\); delete removes it\)/m);
    assert.match(made.stdout, /^persistentvolumeclaim\/cached-model-cache serverside-applied$/m);
    const claim = await stand.cluster.core.readNamespacedPersistentVolumeClaim({ name: 'cached-model-cache', namespace: NS });
    assert.deepEqual([claim.spec?.accessModes, claim.spec?.resources?.requests?.storage], [['ReadWriteMany'], '19Gi']);
    const pod = (await stand.cluster.apps.readNamespacedDeployment({ name: 'cached', namespace: NS })).spec?.template.spec;
    assert.equal(pod?.volumes?.find((v) => v.name === 'model-cache')?.persistentVolumeClaim?.claimName, 'cached-model-cache');
    assert.equal(pod?.containers[0]?.env?.find((e) => e.name === 'HF_HOME')?.value, '/model-cache');
    assert.equal(pod?.containers[0]?.volumeMounts?.find((m) => m.name === 'model-cache')?.mountPath, '/model-cache');

    const theirs = await inference(['deploy', 'Qwen/Qwen2.5-7B-Instruct', '-n', NS, '--name', 'theirs', '--model-cache', 'pvc:shared-weights']);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.doesNotMatch(theirs.stdout, /persistentvolumeclaim/);
    const server = await inference(['deploy', 'Qwen/Qwen2.5-7B-Instruct', '-n', NS, '--name', 'node-cache', '--model-cache', 'hostpath:/var/cache/kinfer', '--dry-run=server']);
    assert.equal(server.code, 0, server.stderr);
    const bad = await inference(['deploy', 'Qwen/Qwen2.5-7B-Instruct', '-n', NS, '--model-cache', 'nfs:/x']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'error: --model-cache nfs:/x: not a cache this understands (none | pvc | pvc:SIZE | pvc:NAME | pvc:NAME:SIZE | hostpath:/ABSOLUTE/PATH) (see --help)\n');

    const deleted = await inference(['delete', 'cached', '-n', NS]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /^persistentvolumeclaim\/cached-model-cache deleted$/m);
    const kept = await inference(['delete', 'theirs', '-n', NS]);
    assert.equal(kept.code, 0, kept.stderr);
    assert.doesNotMatch(kept.stdout, /persistentvolumeclaim/);
    const claims = (await stand.cluster.core.listNamespacedPersistentVolumeClaim({ namespace: NS })).items;
    // pvc-protection holds a claim a pod still uses until the pod is gone: deleted means marked for deletion.
    assert.deepEqual(claims.filter((c) => !c.metadata?.deletionTimestamp).map((c) => c.metadata?.name), ['shared-weights']);
    await stand.cluster.core.deleteNamespacedPersistentVolumeClaim({ name: 'shared-weights', namespace: NS });
    await waitFor(async () => (await stand.cluster.core.listNamespacedPod({ namespace: NS, labelSelector: 'kinfer.dev/deployment in (cached,theirs)' })).items.length === 0 || undefined,
      { what: 'the pods to go', timeoutMs: 60_000 });
  });

  const errors: { name: string; args: string[]; env?: NodeJS.ProcessEnv; code: number; line: RegExp }[] = [
    { name: 'no cluster reachable', args: ['list'], env: { KUBECONFIG: join(ROOT, 'test', 'e2e', 'fixtures', 'unreachable.kubeconfig') }, code: 1, line: /^error: listing Deployments: cannot reach the cluster at https:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\); check --kubeconfig/ },
    { name: 'unknown model', args: ['deploy', 'acme/not-a-model', '-n', NS], code: 2, line: /^error: unknown model "acme\/not-a-model": not in kinfer's catalog \(kubectl inference models lists it\)\. Add it with --hf-config/ },
    { name: 'nothing fits', args: ['deploy', 'meta-llama/Llama-3.1-405B-Instruct', '-n', NS, '--accelerator', 'nvidia-l4'], code: 1, line: /^error: meta-llama\/Llama-3\.1-405B-Instruct does not fit nvidia-l4: needs \d+\.\d GiB; the most one node offers, 4 × nvidia-l4, gives \d+\.\d GiB usable/ },
    { name: 'multi-host without the LeaderWorkerSet CRD', args: ['deploy', 'meta-llama/Llama-3.1-405B-Instruct', '-n', NS], code: 1, line: /^error: .*takes a LeaderWorkerSet; its CRD \(leaderworkersets\.leaderworkerset\.x-k8s\.io\) is not installed/ },
    { name: 'a bad flag value', args: ['deploy', 'meta-llama/Llama-3.1-8B-Instruct', '--replicas', '0'], code: 2, line: /^error: .*replicas.*(see --help)/ },
    { name: 'delete of something that is not there', args: ['delete', 'nope', '-n', NS], code: 1, line: /^error: no model deployment named nope in namespace ml/ },
  ];
  for (const e of errors) {
    test(`error: ${e.name} → one line, exit ${e.code}`, async () => {
      const run = await inference(e.args, e.env);
      assert.equal(run.code, e.code, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
      const lines = run.stderr.trim().split('\n').filter((l) => !l.startsWith('note: ') && !l.startsWith('warning: '));
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, e.line);
    });
  }
});

// InferencePool, picker and `kubectl inference route` through the real kubectl on the local control plane, with
// the Gateway API Inference Extension's own InferencePool CRD (v1, from its Go module: test/upstream), so what
// deploy and route write is held to the real schema by server-side apply.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { Cluster, KUBECTL, ROOT } from './harness/cluster.js';
import { createNodes } from './harness/nodes.js';
import { waitFor } from './harness/wait.js';
import { runProcess, type Run } from '../run.js';

const NODES = `
- { name: l4, count: 2, scheme: gke, type: nvidia-l4, devices: 4, zone: us-central1-a, cpu: 48, memory: 192Gi }
`;
const NS = 'serve';
const POOL = 'llama-3-1-8b-instruct';

describe('InferencePool and kubectl inference route', { timeout: 300_000 }, () => {
  const cluster = new Cluster({ suite: 'route', basePort: 31070, crds: true });
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'kinfer-route-'));

  const run = (command: string, args: readonly string[], input?: string): Promise<Run> => runProcess(command, args, {
    env: { ...process.env, PATH: `${join(ROOT, 'bin')}:${process.env.PATH ?? ''}`, KUBECONFIG: cluster.kubeconfigPath },
    ...(input !== undefined ? { input } : {}),
  });
  const inference = (...args: string[]) => run(KUBECTL, ['inference', ...args, '-n', NS]);

  before(async () => {
    await cluster.start();
    await createNodes(cluster.core, NODES);
    await cluster.waitExtenderNodes(2);
    await cluster.core.createNamespace({ body: { metadata: { name: NS } } });
  }, { timeout: 240_000 });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await cluster.stop();
  });

  test('deploy creates the InferencePool and its picker, pointed at each other', async () => {
    const deployed = await inference('deploy', 'meta-llama/Llama-3.1-8B-Instruct', '--accelerator', 'nvidia-l4', '--tp', '1', '--max-model-len', '2048');
    assert.equal(deployed.code, 0, deployed.stderr);
    for (const line of ['inferencepool.inference.networking.k8s.io/llama-3-1-8b-instruct serverside-applied', 'deployment.apps/llama-3-1-8b-instruct-picker serverside-applied', 'configmap/llama-3-1-8b-instruct-picker serverside-applied', 'role.rbac.authorization.k8s.io/llama-3-1-8b-instruct-picker serverside-applied',
      // Strict server-side validation of the hardening objects (a real kube-apiserver, no CNI enforcing them here).
      'poddisruptionbudget.policy/llama-3-1-8b-instruct-picker serverside-applied', 'networkpolicy.networking.k8s.io/llama-3-1-8b-instruct-picker serverside-applied',
      'networkpolicy.networking.k8s.io/llama-3-1-8b-instruct-model-servers serverside-applied']) {
      assert.ok(deployed.stdout.includes(line), `missing "${line}" in:\n${deployed.stdout}`);
    }
    const pool = await cluster.kubeConfig.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: 'inference.networking.k8s.io', version: 'v1', namespace: NS, plural: 'inferencepools', name: POOL }) as { spec: { endpointPickerRef: { name: string; port: { number: number }; group?: string; kind?: string; failureMode?: string }; selector: { matchLabels: Record<string, string> }; targetPorts: { number: number }[] } };
    // group, kind and failureMode are the upstream schema's defaults: the real CRD is in effect.
    assert.deepEqual(pool.spec.endpointPickerRef, { name: `${POOL}-picker`, port: { number: 9002 }, group: '', kind: 'Service', failureMode: 'FailClose' });
    assert.deepEqual(pool.spec.selector.matchLabels, { 'kinfer.dev/deployment': POOL, 'app.kubernetes.io/component': 'model-server' });
    assert.deepEqual(pool.spec.targetPorts, [{ number: 8000 }]);
    const list = await inference('list');
    assert.match(list.stdout, new RegExp(`^${POOL}\\s+.*\\s+${POOL}\\s+\\d+[sm]$`, 'm'));
  });

  test('the CRD is the real one: a pool without targetPorts, or with an unknown field, is refused', async () => {
    const pool = (spec: string) => `apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata:\n  name: bad\n  namespace: ${NS}\nspec:\n${spec}`;
    const missing = await run(KUBECTL, ['apply', '--server-side', '--dry-run=server', '-f', '-'], pool('  selector:\n    matchLabels: {a: b}\n  endpointPickerRef: {name: p, port: {number: 9002}}\n'));
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /spec\.targetPorts: Required value/);
    const unknown = await run(KUBECTL, ['apply', '--server-side', '--dry-run=server', '-f', '-'], pool('  selector:\n    matchLabels: {a: b}\n  targetPorts: [{number: 8000}]\n  endpointPickerRef: {name: p, port: {number: 9002}}\n  replicaz: 2\n'));
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /replicaz/);
  });

  test('route set writes the profile into the picker ConfigMap and shows the diff', async () => {
    const set = await inference('route', 'set', POOL, '--scorer', 'queue=2', '--scorer', 'kv-cache=2', '--scorer', 'prefix=3');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^- +- pluginRef: predicted-latency-scorer$/m);
    assert.match(set.stdout, /^\+ +- pluginRef: queue-scorer$/m);
    assert.match(set.stdout, /configmap\/llama-3-1-8b-instruct-picker serverside-applied/);
    const again = await inference('route', 'set', POOL, '--scorer', 'queue=2', '--scorer', 'kv-cache=2', '--scorer', 'prefix=3');
    assert.match(again.stdout, /configmap\/llama-3-1-8b-instruct-picker unchanged/);
  });

  test('route apply rejects a bad config with the path of the field, and writes nothing', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\nplugins:\n- type: queue-scorer\n- type: no-such-scorer\nschedulingProfiles:\n- name: default\n  plugins:\n  - pluginRef: queue-scorer\n');
    const applied = await inference('route', 'apply', POOL, '-f', bad);
    assert.equal(applied.code, 1);
    assert.match(applied.stderr, /^error: .*bad\.yaml: invalid EndpointPickerConfig: .*plugins.*no-such-scorer/m);
    const shown = await inference('route', 'show', POOL, '-o', 'json');
    const config = (JSON.parse(shown.stdout) as { config: { schedulingProfiles: { plugins: { pluginRef: string }[] }[] } }).config;
    assert.deepEqual(config.schedulingProfiles[0]!.plugins.map((p) => p.pluginRef), ['queue-scorer', 'kv-cache-utilization-scorer', 'prefix-cache-scorer', 'max-score-picker']);
  });

  test('route show prints the profile and a live picker\'s endpoints with their scores', async () => {
    const sim = spawn(process.execPath, [join(ROOT, 'bin', 'kinfer-sim.js'), '--port', '31079', '--host', '127.0.0.1', '--model', 'llama'], { stdio: 'ignore' });
    const picker = spawn(process.execPath, [join(ROOT, 'bin', 'kinfer-picker.js'), '--mode', 'proxy', '--port', '31077', '--health-port', '31078', '--endpoint', 'http://127.0.0.1:31079'], { stdio: 'ignore' });
    children.push(sim, picker);
    await waitFor(async () => {
      try {
        const body = await (await fetch('http://127.0.0.1:31078/debug/endpoints')).json() as { endpoints: { metrics: unknown }[] };
        return body.endpoints[0]?.metrics ? true : undefined;
      } catch {
        return undefined;
      }
    }, { what: 'the picker to scrape the sim', timeoutMs: 30_000 });
    const shown = await inference('route', 'show', POOL, '--picker-url', 'http://127.0.0.1:31078');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^profile default: queue-scorer ×2, kv-cache-utilization-scorer ×2, prefix-cache-scorer ×3, max-score-picker$/m);
    assert.match(shown.stdout, /^ENDPOINT\s+KV\s+WAITING\s+RUNNING\s+IN FLIGHT\s+ROUTED\s+SCORE\s+STATE$/m);
    assert.match(shown.stdout, /^127\.0\.0\.1:31079\s+0%\s+0\s+0\s+0\s+0\s+\d\.\d{3}\s+ok$/m);
  });

  test('route install keeps a tuned config and re-points the pool', async () => {
    const installed = await inference('route', 'install', POOL);
    assert.equal(installed.code, 0, installed.stderr);
    const shown = await inference('route', 'show', POOL, '-o', 'json');
    const config = (JSON.parse(shown.stdout) as { config: { schedulingProfiles: { name: string }[] } }).config;
    assert.equal(config.schedulingProfiles[0]!.name, 'default', 'the config set earlier survives');
  });

  test('delete removes the pool and the picker with the rest', async () => {
    const deleted = await inference('delete', POOL);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /^inferencepool\.inference\.networking\.k8s\.io\/llama-3-1-8b-instruct deleted$/m);
    assert.match(deleted.stdout, /^serviceaccount\/llama-3-1-8b-instruct-picker deleted$/m);
    // Pods go too, once their (absent) kubelet confirms; the objects deploy made are gone at once.
    const left = await run(KUBECTL, ['get', 'deployments,services,configmaps,roles,rolebindings,serviceaccounts,inferencepools,networkpolicies,poddisruptionbudgets', '-n', NS, '-l', 'app.kubernetes.io/managed-by=kubectl-inference', '-o', 'name']);
    assert.equal(left.stdout.trim(), '');
  });

  test('route commands on a pool that does not exist: one line, exit 1', async () => {
    const shown = await inference('route', 'show', 'nope');
    assert.equal(shown.code, 1);
    assert.match(shown.stderr.trim(), /^error: InferencePool serve\/nope not found/);
  });
});

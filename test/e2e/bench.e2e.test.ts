// `kubectl inference bench` and `recommend` on the local control plane: a model deployed with `deploy`, its pods
// run by a fake kubelet as kinfer-sim processes (the containers' own vllm command lines, on the nodes' H100s), a kinfer-picker in proxy
// mode in front of them, and a Gateway + HTTPRoute that name the pool, so `bench NAME` finds its way in as a client
// would (through the picker). The Gateway API and InferencePool CRDs are the upstream ones (test/upstream), so
// what deploy and the test write passes their schemas. The Gateway's status is written by the test through the
// status subresource, since no gateway controller runs here; its address is the picker's.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { startProxyPicker } from './harness/picker.js';
import { startStand, type Stand } from './harness/stand.js';
import type { Run } from '../run.js';

const NODES = `
- { name: h100, count: 2, scheme: gke, type: nvidia-h100-80gb, devices: 8, zone: us-central1-a, cpu: 96, memory: 1Ti }
`;
const NS = 'bench';
const NAME = 'llama-3-1-8b-instruct';
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const BASE_PORT = 31170;
const PICKER_PORT = BASE_PORT + 20;

describe('kubectl inference bench and recommend against kinfer-sim replicas', { timeout: 420_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kinfer-bench-'));
  const store = join(dir, 'profiles.db');
  let stand: Stand;

  // `profiles` is local: it takes no cluster flags.
  const run = (args: readonly string[], timeoutMs = 120_000): Promise<Run> =>
    stand.inference(args, { ...(args[0] === 'profiles' ? {} : { namespace: NS }), timeoutMs, env: { KINFER_PROFILES: store } });

  before(async () => {
    stand = await startStand({ suite: 'bench', basePort: BASE_PORT, crds: true, nodes: NODES, namespace: NS, kubelet: { sims: {} } });
  }, { timeout: 300_000 });

  after(() => stand?.close());

  test('deploy two replicas on H100s and put a picker and a Gateway in front of them', async () => {
    const deployed = await run(['deploy', MODEL, '--accelerator', 'nvidia-h100-80gb', '--tp', '1', '--replicas', '2', '--max-model-len', '4096', '--kv-reserve-seqs', '8', '--no-picker', '--wait', '--timeout', '90s']);
    assert.equal(deployed.code, 0, deployed.stderr);
    stand.children.push(await startProxyPicker(stand.cluster, { deployment: NAME, namespace: NS, port: PICKER_PORT, replicas: 2 }));

    const custom = stand.cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({
      group: 'gateway.networking.k8s.io', version: 'v1', namespace: NS, plural: 'gateways',
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'inference-gateway' },
        spec: { gatewayClassName: 'test', listeners: [{ name: 'http', port: PICKER_PORT, protocol: 'HTTP' }] },
      },
    });
    // What a gateway controller would report: the address it serves on (status is a subresource of the real CRD).
    await custom.patchNamespacedCustomObjectStatus({
      group: 'gateway.networking.k8s.io', version: 'v1', namespace: NS, plural: 'gateways', name: 'inference-gateway',
      body: [{ op: 'add', path: '/status', value: { addresses: [{ type: 'IPAddress', value: '127.0.0.1' }] } }],
    });
    await custom.createNamespacedCustomObject({
      group: 'gateway.networking.k8s.io', version: 'v1', namespace: NS, plural: 'httproutes',
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: NAME },
        spec: { parentRefs: [{ name: 'inference-gateway' }], rules: [{ backendRefs: [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: NAME }] }] },
      },
    });
  });

  test('bench NAME goes through the Gateway and the picker, and stores a measured profile', async () => {
    // 8 s stages: at concurrency 1 a request takes ~0.3 s, so every stage finishes the 20 requests recommend needs to
    // trust a profile (src/profiles/judgement.ts); 4 s stages finished ~15 and the profile was set aside.
    const bench = await run(['bench', NAME, '--concurrency', '1,4,8', '--stage-duration', '8s', '--input-tokens', '500', '--output-tokens', '40'], 180_000);
    assert.equal(bench.code, 0, bench.stderr);
    assert.doesNotMatch(bench.stderr, /^warning: stage/m);
    assert.match(bench.stderr, /^bench llama-3-1-8b-instruct: meta-llama\/Llama-3\.1-8B-Instruct on 1 × nvidia-h100-80gb \(vllm\), 2 replica\(s\), via http:\/\/127\.0\.0\.1:31190$/m);
    assert.match(bench.stderr, /^\[3\/3\] concurrency 8: \d+ ok, \d+ tok\/s\/replica, TTFT p99 \d+ ms$/m);
    assert.match(bench.stderr, /^saved: meta-llama\/Llama-3\.1-8B-Instruct on 1 × nvidia-h100-80gb \(vllm\), 50\d in \/ 40 out tokens → /m);
    assert.match(bench.stdout, /^concurrency 8 +\d+ +0 +0/m);
    assert.match(bench.stdout, /^CONCURRENCY +REQ\/S +OUTPUT TOK\/S +TTFT P50 MS/m);

    const listed = await run(['profiles', 'list', MODEL, '-o', 'json']);
    assert.equal(listed.code, 0, listed.stderr);
    const doc = JSON.parse(listed.stdout) as { profiles: { key: { inputTokens: number; outputTokens: number; tp: number; accelerator: string }; source: string; points: { concurrency: number; outputTokensPerSecond: number; itlP50Ms: number }[] }[] };
    assert.equal(doc.profiles.length, 1);
    const profile = doc.profiles[0]!;
    assert.equal(profile.source, 'measured');
    assert.deepEqual([profile.key.accelerator, profile.key.tp, profile.key.outputTokens], ['nvidia-h100-80gb', 1, 40]);
    // The sims' usage counts the prompt by their tokenizer (4 characters a token): our 3-letter words are one each.
    assert.ok(Math.abs(profile.key.inputTokens - 500) <= 10, `${profile.key.inputTokens} input tokens`);
    assert.equal(profile.points.length, 3);
    // Per replica: 2 replicas share the load, so concurrency 1, 4, 8 in total are 0.5, 2, 4 each.
    assert.deepEqual(profile.points.map((p) => p.concurrency), [0.5, 2, 4]);
    const tokens = profile.points.map((p) => p.outputTokensPerSecond);
    assert.ok(tokens[2]! > tokens[0]! * 2, `throughput grows with load: ${tokens.join(', ')}`);
    // The sim decodes Llama 8B at the H100 roofline: ~7 ms a token at batch 1.
    assert.ok(profile.points[0]!.itlP50Ms > 4 && profile.points[0]!.itlP50Ms < 20, `ITL ${profile.points[0]!.itlP50Ms} ms`);
  });

  test('recommend shows that option as measured, the rest estimated and calibrated by it', async () => {
    const text = await run(['recommend', MODEL, '--in-cluster', '--input-tokens', '500', '--output-tokens', '40', '--target-ttft-ms', '2000']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^\d+ +nvidia-h100-80gb +1 +.* measured$/m);
    assert.match(text.stdout, /^\d+ +nvidia-h100-80gb +2 +.* estimated, calibrated$/m);
    assert.match(text.stdout, /^ {2}measured: kubectl inference bench llama-3-1-8b-instruct \(2 replicas, synthetic\), \d{4}-\d\d-\d\d$/m);
    assert.doesNotMatch(text.stdout, /nvidia-l4|tpu-/, '--in-cluster: only the types the nodes have');

    const json = await run(['recommend', MODEL, '--in-cluster', '--input-tokens', '500', '--output-tokens', '40', '-o', 'json']);
    const data = JSON.parse(json.stdout) as { options: { accelerator: string; tp: number; source: string; curve: unknown[] }[] };
    const measured = data.options.find((o) => o.tp === 1)!;
    assert.equal(measured.source, 'measured');
    assert.equal(measured.curve.length, 3);

    const other = await run(['recommend', MODEL, '--in-cluster', '--input-tokens', '2000', '--output-tokens', '40']);
    assert.match(other.stdout, /^\d+ +nvidia-h100-80gb +1 +.* estimated, calibrated$/m, 'another workload shape is not the measured one');
  });

  test('deploy --target-ttft-ms chooses with the same recommendation', async () => {
    const planned = await run(['deploy', MODEL, '--name', 'targeted', '--target-ttft-ms', '2000', '--target-ntpot-ms', '30', '--input-tokens', '500', '--output-tokens', '40', '--dry-run=client']);
    assert.equal(planned.code, 0, planned.stderr);
    assert.match(planned.stderr, /^recommend: \d × nvidia-h100-80gb, \d+ output tokens\/s per replica at TTFT p99 \d+ ms, NTPOT p99 [\d.]+ ms, \d+ requests in flight \((measured|estimated, calibrated)\)$/m);
    assert.match(planned.stdout, /^meta-llama\/Llama-3\.1-8B-Instruct: 1 replica\(s\) on nvidia-h100-80gb/m);
    const impossible = await run(['deploy', MODEL, '--name', 'targeted', '--target-ttft-ms', '1', '--dry-run=client']);
    assert.equal(impossible.code, 1);
    assert.match(impossible.stderr, /^error: no accelerator in the cluster serves meta-llama\/Llama-3\.1-8B-Instruct within the targets: .*misses the target even at batch 1/m);
  });

  test('bench errors are one line: an unknown deployment, nothing listening, a bad store', async () => {
    const unknown = await run(['bench', 'nope']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr.trim(), 'error: no model-server pods of deployment nope in namespace bench (see kubectl inference list)');
    const closed = await run(['bench', NAME, '--endpoint', `http://127.0.0.1:${BASE_PORT + 29}`]);
    assert.equal(closed.code, 1);
    assert.equal(closed.stderr.trim().split('\n').at(-1), `error: cannot reach http://127.0.0.1:${BASE_PORT + 29}: ECONNREFUSED`);
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'not a database');
    const bad = await run(['recommend', MODEL, '--profiles', junk]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: profile store .*junk\.db is not a SQLite database/m);
  });
});

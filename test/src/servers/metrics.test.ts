import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { replicaMetrics, type ReplicaMetrics } from '../../../src/servers/metrics.js';

// dist/test/src/servers/ -> test/fixtures/metrics/ in the repository (fixtures are not compiled).
const FIXTURES = new URL('../../../../test/fixtures/metrics/', import.meta.url);
const page = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');

const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct';

describe('replicaMetrics on recorded pages of each dialect', () => {
  const cases: { page: string; want: Omit<ReplicaMetrics, 'ttftSeconds' | 'itlSeconds'>; ttftCount?: number; itlCount?: number }[] = [
    {
      page: 'vllm-v0.11.prom',
      want: {
        dialect: 'vllm', models: [LLAMA], skippedLines: 0, kvCacheUsage: 0.8125, running: 12, waiting: 3,
        promptTokensTotal: 52000, generationTokensTotal: 91000, prefixCacheQueriesTotal: 40000, prefixCacheHitsTotal: 30000,
        preemptionsTotal: 7, blockSize: 16, numGpuBlocks: 27000, runningLoras: ['sql-lora', 'chat-lora'], waitingLoras: [], maxLoras: 4,
      },
      ttftCount: 355,
    },
    {
      page: 'vllm-v0.6.prom',
      want: {
        dialect: 'vllm', models: ['mistralai/Mistral-7B-Instruct-v0.3'], skippedLines: 0, kvCacheUsage: 0.25, running: 4, waiting: 0,
        promptTokensTotal: 1200, generationTokensTotal: 3400, preemptionsTotal: 2, blockSize: 16, numGpuBlocks: 7800,
      },
      ttftCount: 10,
    },
    {
      page: 'llm-d-inference-sim-v0.10.2.prom',
      want: {
        dialect: 'vllm', models: ['e2e-model'], skippedLines: 0, kvCacheUsage: 0, running: 0, waiting: 0,
        promptTokensTotal: 55, generationTokensTotal: 63, prefixCacheQueriesTotal: 55, prefixCacheHitsTotal: 32,
        prefillSecondsTotal: 0.083028905, prefillRequestsTotal: 4, requestPromptTokensTotal: 55, requestPromptRequestsTotal: 4,
        blockSize: 16, numGpuBlocks: 1024, runningLoras: [], waitingLoras: [], maxLoras: 1,
      },
      ttftCount: 4,
      // It exports vllm:inter_token_latency_seconds and the older vllm:time_per_output_token_seconds: the new one is read.
      itlCount: 59,
    },
    {
      page: 'sglang.prom',
      want: {
        dialect: 'sglang', models: ['Qwen/Qwen2.5-7B-Instruct'], skippedLines: 0, kvCacheUsage: 0.97, running: 20, waiting: 9,
        promptTokensTotal: 8000, generationTokensTotal: 16000, prefixCacheQueriesTotal: 8000, prefixCacheHitsTotal: 4000, preemptionsTotal: 3,
      },
      ttftCount: 10,
    },
    {
      page: 'tgi.prom',
      want: { dialect: 'tgi', models: [], skippedLines: 0, running: 8, waiting: 5, promptTokensTotal: 24000, generationTokensTotal: 30500 },
    },
    {
      page: 'trtllm.prom',
      want: { dialect: 'trtllm', models: [], skippedLines: 0, kvCacheUsage: 0.75, running: 6, waiting: 2 },
    },
    {
      page: 'trtllm-no-fraction.prom',
      want: { dialect: 'trtllm', models: [], skippedLines: 0, kvCacheUsage: 0.75, running: 6, waiting: 2 },
    },
    {
      // Cut mid-line after the preemption counter: the gauges before the cut still read, the torn line is skipped.
      page: 'vllm-truncated.prom',
      want: {
        dialect: 'vllm', models: [LLAMA], skippedLines: 1, kvCacheUsage: 0.8125, running: 12, waiting: 3,
        prefixCacheQueriesTotal: 40000, prefixCacheHitsTotal: 30000, preemptionsTotal: 7,
      },
    },
    {
      page: 'garbage.prom',
      want: { dialect: 'unknown', models: [], skippedLines: 3 },
    },
  ];
  for (const c of cases) {
    it(c.page, () => {
      const { ttftSeconds, itlSeconds, itlSecondsTotal, itlGapsTotal, ...rest } = replicaMetrics(page(c.page), { interTokenLatency: true });
      assert.deepEqual(rest, c.want);
      assert.equal(ttftSeconds?.count, c.ttftCount);
      assert.equal(itlSeconds?.count, c.itlCount);
      // The sums the picker reads without the buckets are the histogram's own.
      assert.equal(itlGapsTotal, itlSeconds?.count);
      assert.ok(Math.abs((itlSecondsTotal ?? 0) - (itlSeconds?.sum ?? 0)) < 1e-9, `${itlSecondsTotal} vs ${itlSeconds?.sum}`);
      if (ttftSeconds) assert.equal(ttftSeconds.buckets.at(-1)?.[0], Infinity, 'the +Inf bucket comes last');
    });
  }

  it('never throws on any prefix of a page', () => {
    const text = page('vllm-v0.11.prom');
    for (let end = 0; end <= text.length; end += 7) assert.doesNotThrow(() => replicaMetrics(text.slice(0, end)));
  });

  it('reads vLLM V1 prefix-cache counters by their pre-0.10 names', () => {
    const m = replicaMetrics([
      'vllm:num_requests_running{engine="0",model_name="m"} 1',
      'vllm:gpu_prefix_cache_queries_total{engine="0",model_name="m"} 100',
      'vllm:gpu_prefix_cache_hits_total{engine="0",model_name="m"} 25',
    ].join('\n'));
    assert.equal(m.prefixCacheQueriesTotal, 100);
    assert.equal(m.prefixCacheHitsTotal, 25);
  });

  // Go's client_golang exports a counter under the name it was registered with; llm-d-inference-sim v0.10.2 registers
  // some vLLM counters without `_total` (pkg/llm-d-inference-sim/metrics.go). Both spellings read the same.
  const counterNames: { name: string; lines: string[]; want: Partial<ReplicaMetrics> }[] = [
    {
      name: 'without _total (llm-d-inference-sim v0.10.2)',
      lines: ['vllm:prefix_cache_queries{model_name="m"} 400', 'vllm:prefix_cache_hits{model_name="m"} 100', 'vllm:generation_tokens_total{model_name="m"} 7'],
      want: { prefixCacheQueriesTotal: 400, prefixCacheHitsTotal: 100, generationTokensTotal: 7 },
    },
    {
      name: 'with _total (vLLM v0.11)',
      lines: ['vllm:prefix_cache_queries_total{model_name="m"} 400', 'vllm:prefix_cache_hits_total{model_name="m"} 100', 'vllm:prompt_tokens_total{model_name="m"} 9'],
      want: { prefixCacheQueriesTotal: 400, prefixCacheHitsTotal: 100, promptTokensTotal: 9 },
    },
    {
      name: 'both on one page: the _total series wins, the bare one is not added to it',
      lines: ['vllm:num_preemptions_total{model_name="m"} 3', 'vllm:num_preemptions{model_name="m"} 5'],
      want: { preemptionsTotal: 3 },
    },
    {
      name: 'SGLang without _total',
      lines: ['sglang:num_running_reqs 1', 'sglang:prompt_tokens 800', 'sglang:cached_tokens 200', 'sglang:generation_tokens 50'],
      want: { promptTokensTotal: 800, prefixCacheQueriesTotal: 800, prefixCacheHitsTotal: 200, generationTokensTotal: 50 },
    },
  ];
  for (const c of counterNames) {
    it(`reads counters ${c.name}`, () => {
      const m = replicaMetrics([c.lines[0]!.startsWith('sglang') ? '' : 'vllm:num_requests_running{model_name="m"} 1', ...c.lines].join('\n'));
      const got = Object.fromEntries(Object.keys(c.want).map((k) => [k, m[k as keyof ReplicaMetrics]]));
      assert.deepEqual(got, c.want);
    });
  }
});

describe('parsePrometheusText with a name filter', () => {
  it('reads only the series asked for; declined lines are not counted as skipped', async () => {
    const { parsePrometheusText } = await import('../../../src/servers/prometheus.js');
    const text = ['# TYPE a counter', 'a_total{x="1"} 3', 'b_bucket{le="1"} 2', 'b_bucket{le="+Inf"', 'c 4 1700000000000', 'torn{'].join('\n');
    assert.deepEqual(parsePrometheusText(text, (name) => !name.startsWith('b')), {
      samples: [{ name: 'a_total', labels: { x: '1' }, value: 3 }, { name: 'c', labels: {}, value: 4 }],
      skipped: 1,
    });
    assert.equal(parsePrometheusText(text).skipped, 2);
  });
});

describe('replicaMetrics reads inter-token latency under either name, when asked', () => {
  const gauge = (dialect: 'vllm' | 'sglang'): string => (dialect === 'vllm' ? 'vllm:num_requests_running 1' : 'sglang:num_running_reqs 1');
  const histogramPage = (name: string, count: number): string => [
    `${name}_bucket{le="0.05"} ${count - 1}`, `${name}_bucket{le="+Inf"} ${count}`, `${name}_sum 1.5`, `${name}_count ${count}`,
  ].join('\n');
  const cases: { name: string; dialect: 'vllm' | 'sglang'; page: string; count: number }[] = [
    { name: 'vLLM V1', dialect: 'vllm', page: histogramPage('vllm:inter_token_latency_seconds', 7), count: 7 },
    { name: 'vLLM before v0.11', dialect: 'vllm', page: histogramPage('vllm:time_per_output_token_seconds', 5), count: 5 },
    { name: 'both: the new name wins', dialect: 'vllm', page: `${histogramPage('vllm:inter_token_latency_seconds', 7)}\n${histogramPage('vllm:time_per_output_token_seconds', 5)}`, count: 7 },
    { name: 'SGLang', dialect: 'sglang', page: histogramPage('sglang:inter_token_latency_seconds', 3), count: 3 },
    { name: 'older SGLang', dialect: 'sglang', page: histogramPage('sglang:time_per_output_token_seconds', 4), count: 4 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const text = `${gauge(c.dialect)}\n${c.page}\n`;
      assert.deepEqual(replicaMetrics(text, { interTokenLatency: true }).itlSeconds, { buckets: [[0.05, c.count - 1], [Infinity, c.count]], sum: 1.5, count: c.count });
      // Not asked (the picker's scrape loop): its buckets are not parsed, its sums are (the decode speed).
      assert.equal(replicaMetrics(text).itlSeconds, undefined);
      assert.deepEqual([replicaMetrics(text).itlSecondsTotal, replicaMetrics(text).itlGapsTotal], [1.5, c.count]);
    });
  }
});

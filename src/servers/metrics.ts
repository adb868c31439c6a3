import type { Histogram } from './histogram.js';
import { parsePrometheusText, type Sample } from './prometheus.js';

export { histogramQuantile, type Histogram } from './histogram.js';

/** Model-server metric dialects kinfer reads (DESIGN.md "Replica metrics"). */
export type Dialect = 'vllm' | 'sglang' | 'tgi' | 'trtllm';

/** What one scrape says about a replica, in one shape whatever the server. Absent = the page did not say. */
export interface ReplicaMetrics {
  readonly dialect: Dialect | 'unknown';
  /** KV cache in use, 0..1. */
  readonly kvCacheUsage?: number;
  readonly waiting?: number;
  readonly running?: number;
  readonly promptTokensTotal?: number;
  readonly generationTokensTotal?: number;
  readonly prefixCacheQueriesTotal?: number;
  readonly prefixCacheHitsTotal?: number;
  readonly preemptionsTotal?: number;
  readonly ttftSeconds?: Histogram;
  /** Inter-token latency: the gaps between a request's output tokens (its buckets read only with `interTokenLatency`). */
  readonly itlSeconds?: Histogram;
  /**
   * The inter-token-latency histogram's `_sum` (seconds) and `_count` (gaps), read on every page, buckets or not:
   * their deltas give the decode speed one sequence receives (src/servers/rate.ts decodeSpeed).
   */
  readonly itlSecondsTotal?: number;
  readonly itlGapsTotal?: number;
  /**
   * Seconds all finished requests spent in prefill (first token − first scheduled) and their prompt tokens: the
   * sums of `vllm:request_prefill_time_seconds` and `vllm:request_prompt_tokens`. vLLM v1 (vllm/v1/metrics/loggers.py)
   * and kinfer-sim observe both as a request finishes; llm-d-inference-sim v0.10.2 observes the prefill time at the
   * first token (pkg/llm-d-inference-sim/context.go) and the prompt tokens at the finish (metrics.go
   * recordRequestMetricsOnSuccess), so its two `_count`s differ by the requests in decode. Their deltas give a
   * replica's prefill speed (src/servers/rate.ts prefillFit).
   */
  readonly prefillSecondsTotal?: number;
  /** Requests the prefill-time histogram observed (its `_count`): the fixed per-request cost needs it (src/servers/rate.ts prefillFit). */
  readonly prefillRequestsTotal?: number;
  readonly requestPromptTokensTotal?: number;
  /** Requests the prompt-token histogram observed (its `_count`): where it equals the prefill `_count`, both sums cover the same requests. */
  readonly requestPromptRequestsTotal?: number;
  readonly blockSize?: number;
  readonly numGpuBlocks?: number;
  readonly runningLoras?: readonly string[];
  readonly waitingLoras?: readonly string[];
  readonly maxLoras?: number;
  /** `model_name` labels seen on the page. */
  readonly models: readonly string[];
  /** Unreadable lines on the page (a partial or foreign page still gives what it can). */
  readonly skippedLines: number;
}

// Metric names per dialect, as each server exports them:
// vLLM (docs "Production Metrics"; vllm/v1/metrics/loggers.py): vllm:kv_cache_usage_perc (0..1; before v0.10
// vllm:gpu_cache_usage_perc), vllm:num_requests_waiting/running, counters with the _total suffix.
// SGLang (docs "Production Metrics"): sglang:token_usage (0..1), sglang:num_queue_reqs, sglang:num_running_reqs.
// TGI (docs "Metrics"): tgi_queue_size, tgi_batch_current_size; it exports no KV-cache gauge.
// TensorRT-LLM / Triton (triton-inference-server/tensorrtllm_backend docs): nv_trt_llm_kv_cache_block_metrics
// {kv_cache_block_type="fraction"}, nv_trt_llm_request_metrics{request_type="waiting"|"scheduled"}.
// Counters are read with and without the `_total` suffix: prometheus_client (Python: vLLM, SGLang) appends it to a
// counter's name, Go's client_golang does not, so a Go server registering `vllm:prefix_cache_hits` exports exactly that
// (llm-d-inference-sim v0.10.2, pkg/llm-d-inference-sim/metrics.go). docs/routing.md lists the versions read.

// The only histograms ReplicaMetrics reads. Buckets are most of a page (a vLLM v0.11 page has a dozen
// histograms of 10-25 buckets each), so bucket lines of any other histogram are not parsed at all; inter-token
// latency only when asked (top's drill-down), not in the picker's 100 ms scrape loop, which has no use for it.
// Inter-token latency: vLLM V1 (v0.11, vllm/v1/metrics/loggers.py) exports vllm:inter_token_latency_seconds, older
// versions vllm:time_per_output_token_seconds (the same gaps); SGLang (python/sglang/srt/metrics/collector.py)
// sglang:inter_token_latency_seconds, older ones sglang:time_per_output_token_seconds.
const ITL = { vllm: ['vllm:inter_token_latency_seconds', 'vllm:time_per_output_token_seconds'], sglang: ['sglang:inter_token_latency_seconds', 'sglang:time_per_output_token_seconds'] } as const;
const TTFT_HISTOGRAMS = ['vllm:time_to_first_token_seconds', 'sglang:time_to_first_token_seconds'];
const TTFT_ONLY = new Set(TTFT_HISTOGRAMS);
const WITH_ITL = new Set([...TTFT_HISTOGRAMS, ...ITL.vllm, ...ITL.sglang]);
const BUCKET = '_bucket';
const wanted = (read: ReadonlySet<string>) => (name: string): boolean => !name.endsWith(BUCKET) || read.has(name.slice(0, -BUCKET.length));

export interface ReadOptions {
  /** Also read the inter-token-latency histogram (itlSeconds); default false. */
  readonly interTokenLatency?: boolean;
}

/** Parses a /metrics page into ReplicaMetrics. Never throws; the dialect is read from the names present. */
export function replicaMetrics(page: string, options: ReadOptions = {}): ReplicaMetrics {
  const { samples, skipped } = parsePrometheusText(page, wanted(options.interTokenLatency ? WITH_ITL : TTFT_ONLY));
  const byName = new Map<string, Sample[]>();
  const models = new Set<string>();
  for (const s of samples) {
    let list = byName.get(s.name);
    if (!list) byName.set(s.name, (list = []));
    list.push(s);
    if (s.labels.model_name) models.add(s.labels.model_name);
  }
  // Several engines (data parallel) or models on one page: gauges of counts add up, fractions average.
  const sum = (name: string, where: (s: Sample) => boolean = () => true): number | undefined => {
    const list = byName.get(name)?.filter(where);
    return list && list.length > 0 ? list.reduce((a, s) => a + s.value, 0) : undefined;
  };
  const mean = (name: string, where: (s: Sample) => boolean = () => true): number | undefined => {
    const list = byName.get(name)?.filter(where);
    return list && list.length > 0 ? list.reduce((a, s) => a + s.value, 0) / list.length : undefined;
  };
  // A counter by its name without `_total`: the suffixed series when present, else the bare one (see above).
  const counter = (name: string): number | undefined => sum(`${name}_total`) ?? sum(name);
  const base = { models: [...models].sort(), skippedLines: skipped };
  // The first of the names (the current one) that the page has, as a histogram's _sum and _count.
  const itlSums = (names: readonly string[]): { itlSecondsTotal?: number; itlGapsTotal?: number } => {
    const name = names.find((n) => byName.has(`${n}_count`));
    return name === undefined ? {} : { itlSecondsTotal: sum(`${name}_sum`), itlGapsTotal: sum(`${name}_count`) };
  };
  // TensorRT-LLM backends before the `fraction` block type export only used and max blocks.
  const trtUsedFraction = (): number | undefined => {
    const used = sum('nv_trt_llm_kv_cache_block_metrics', (s) => s.labels.kv_cache_block_type === 'used');
    const max = sum('nv_trt_llm_kv_cache_block_metrics', (s) => s.labels.kv_cache_block_type === 'max');
    return used !== undefined && max !== undefined && max > 0 ? used / max : undefined;
  };

  if (byName.has('vllm:num_requests_running') || byName.has('vllm:kv_cache_usage_perc') || byName.has('vllm:gpu_cache_usage_perc')) {
    const cacheConfig = byName.get('vllm:cache_config_info')?.[0]?.labels;
    const lora = latestLoraInfo(byName.get('vllm:lora_requests_info'));
    return compact({
      dialect: 'vllm',
      ...base,
      kvCacheUsage: mean('vllm:kv_cache_usage_perc') ?? mean('vllm:gpu_cache_usage_perc'),
      waiting: sum('vllm:num_requests_waiting'),
      running: sum('vllm:num_requests_running'),
      promptTokensTotal: counter('vllm:prompt_tokens'),
      generationTokensTotal: counter('vllm:generation_tokens'),
      // vLLM V1 before v0.10 named these vllm:gpu_prefix_cache_queries/hits (same meaning: tokens).
      prefixCacheQueriesTotal: counter('vllm:prefix_cache_queries') ?? counter('vllm:gpu_prefix_cache_queries'),
      prefixCacheHitsTotal: counter('vllm:prefix_cache_hits') ?? counter('vllm:gpu_prefix_cache_hits'),
      preemptionsTotal: counter('vllm:num_preemptions'),
      ttftSeconds: histogram(byName, 'vllm:time_to_first_token_seconds'),
      itlSeconds: histogram(byName, ITL.vllm[0]) ?? histogram(byName, ITL.vllm[1]),
      ...itlSums(ITL.vllm),
      prefillSecondsTotal: sum('vllm:request_prefill_time_seconds_sum'),
      prefillRequestsTotal: sum('vllm:request_prefill_time_seconds_count'),
      requestPromptTokensTotal: sum('vllm:request_prompt_tokens_sum'),
      requestPromptRequestsTotal: sum('vllm:request_prompt_tokens_count'),
      blockSize: numberLabel(cacheConfig?.block_size),
      numGpuBlocks: numberLabel(cacheConfig?.num_gpu_blocks),
      runningLoras: lora?.running,
      waitingLoras: lora?.waiting,
      maxLoras: numberLabel(lora?.max),
    });
  }
  if (byName.has('sglang:num_running_reqs') || byName.has('sglang:token_usage')) {
    return compact({
      dialect: 'sglang',
      ...base,
      kvCacheUsage: mean('sglang:token_usage'),
      waiting: sum('sglang:num_queue_reqs'),
      running: sum('sglang:num_running_reqs'),
      promptTokensTotal: counter('sglang:prompt_tokens'),
      generationTokensTotal: counter('sglang:generation_tokens'),
      // SGLang counts every prompt token in prompt_tokens and those served from its radix cache in cached_tokens,
      // so hits / queries in tokens read as vLLM's prefix_cache_hits / prefix_cache_queries do.
      prefixCacheQueriesTotal: counter('sglang:cached_tokens') !== undefined ? counter('sglang:prompt_tokens') : undefined,
      prefixCacheHitsTotal: counter('sglang:cached_tokens'),
      // A retracted request is SGLang's preemption: its KV is dropped and it goes back to the queue.
      preemptionsTotal: counter('sglang:num_retracted_requests'),
      ttftSeconds: histogram(byName, 'sglang:time_to_first_token_seconds'),
      itlSeconds: histogram(byName, ITL.sglang[0]) ?? histogram(byName, ITL.sglang[1]),
      ...itlSums(ITL.sglang),
    });
  }
  if (byName.has('nv_trt_llm_request_metrics') || byName.has('nv_trt_llm_kv_cache_block_metrics')) {
    return compact({
      dialect: 'trtllm',
      ...base,
      kvCacheUsage: mean('nv_trt_llm_kv_cache_block_metrics', (s) => s.labels.kv_cache_block_type === 'fraction') ?? trtUsedFraction(),
      waiting: sum('nv_trt_llm_request_metrics', (s) => s.labels.request_type === 'waiting'),
      running: sum('nv_trt_llm_request_metrics', (s) => s.labels.request_type === 'scheduled'),
    });
  }
  if (byName.has('tgi_queue_size') || byName.has('tgi_batch_current_size')) {
    return compact({
      dialect: 'tgi',
      ...base,
      waiting: sum('tgi_queue_size'),
      running: sum('tgi_batch_current_size'),
      // TGI counts tokens only per finished request (histogram sums): rates from them move in steps.
      promptTokensTotal: sum('tgi_request_input_length_sum'),
      generationTokensTotal: sum('tgi_request_generated_tokens_sum'),
    });
  }
  return { dialect: 'unknown', ...base };
}

function numberLabel(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** A histogram from its _bucket/_sum/_count series, summed over label sets other than `le`. */
function histogram(byName: Map<string, Sample[]>, name: string): Histogram | undefined {
  const buckets = byName.get(`${name}_bucket`);
  if (!buckets || buckets.length === 0) return undefined;
  const perLe = new Map<number, number>();
  for (const b of buckets) {
    const le = b.labels.le === '+Inf' ? Infinity : Number(b.labels.le);
    if (Number.isNaN(le)) continue;
    perLe.set(le, (perLe.get(le) ?? 0) + b.value);
  }
  const total = (suffix: string) => byName.get(`${name}${suffix}`)?.reduce((a, s) => a + s.value, 0) ?? 0;
  return { buckets: [...perLe.entries()].sort((a, b) => a[0] - b[0]), sum: total('_sum'), count: total('_count') };
}

/**
 * vLLM's `vllm:lora_requests_info` is a gauge whose value is a timestamp and whose labels list the adapters
 * (`running_lora_adapters`, `waiting_lora_adapters`, comma-separated, and `max_lora`); the newest sample wins.
 */
function latestLoraInfo(samples: Sample[] | undefined): { running: string[]; waiting: string[]; max?: string } | undefined {
  if (!samples || samples.length === 0) return undefined;
  const latest = samples.reduce((a, b) => (b.value > a.value ? b : a));
  const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  return { running: list(latest.labels.running_lora_adapters), waiting: list(latest.labels.waiting_lora_adapters), ...(latest.labels.max_lora !== undefined ? { max: latest.labels.max_lora } : {}) };
}

/** Drops undefined fields so results compare whole in tests. */
function compact<T extends object>(value: T): ReplicaMetrics {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as unknown as ReplicaMetrics;
}

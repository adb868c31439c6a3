import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineSnapshot, RequestListener } from './engine/engine.js';

// The simulator's /metrics page, in the names, types, labels and buckets of the server it imitates, so that
// scrapers (kinfer-picker, `kubectl inference top`, the Inference Extension) cannot tell it from the real one.
// Counters are named with their `_total` suffix: Python's prometheus_client, which vLLM and SGLang use, exposes a
// counter `vllm:prompt_tokens` as `vllm:prompt_tokens_total` in its HELP, TYPE and sample lines alike.
// Gauges and counters are read from the engine at scrape time; histograms are observed as requests progress.

export type Dialect = 'vllm' | 'sglang';
export const DIALECTS: readonly Dialect[] = ['vllm', 'sglang'];

export type FinishedReason = 'stop' | 'length' | 'abort';

export interface CacheInfo {
  readonly blockSize: number;
  readonly numGpuBlocks: number;
  readonly gpuMemoryUtilization: number;
  readonly enablePrefixCaching: boolean;
  readonly maxModelLen: number;
}

export interface SimMetricsOptions {
  readonly dialect: Dialect;
  readonly modelName: string;
  readonly cache: CacheInfo;
  /** The engine's state now (the server brings the engine up to the wall clock first). */
  readonly snapshot: () => EngineSnapshot;
}

// vllm/v1/metrics/loggers.py (PrometheusStatLogger), v0.10/v0.11.
const VLLM_TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];
const VLLM_ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
const VLLM_REQUEST_LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0];
// python/sglang/srt/metrics/collector.py (TokenizerMetricsCollector defaults).
const SGLANG_TTFT_BUCKETS = [0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400];
const SGLANG_E2E_BUCKETS = [0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400, 600, 1200, 1800, 2400];
const SGLANG_ITL_BUCKETS = [0.002, 0.004, 0.006, 0.008, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.06, 0.08, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8];

/** vLLM's build_1_2_5_buckets: 1, 2, 5, 10, 20, 50, ... up to `max`. */
export function buckets125(max: number): number[] {
  const out: number[] = [];
  for (let scale = 1; scale <= max; scale *= 10) for (const m of [1, 2, 5]) if (m * scale <= max) out.push(m * scale);
  return out;
}

/** SGLang's gen_throughput is tokens/s over a recent window; here the last 5 s of engine time, in 1 s buckets. */
const THROUGHPUT_WINDOW_SECONDS = 5;

class ThroughputWindow {
  private readonly counts = new Map<number, number>();

  add(timeMs: number): void {
    const second = Math.floor(timeMs / 1000);
    this.counts.set(second, (this.counts.get(second) ?? 0) + 1);
    for (const key of this.counts.keys()) if (key <= second - THROUGHPUT_WINDOW_SECONDS * 2) this.counts.delete(key);
  }

  /** Tokens per second over the window ending at `nowMs` (shorter at start-up). */
  rate(nowMs: number): number {
    const seconds = Math.min(THROUGHPUT_WINDOW_SECONDS, nowMs / 1000);
    if (seconds <= 0) return 0;
    const from = nowMs / 1000 - seconds;
    let tokens = 0;
    for (const [second, count] of this.counts) if (second + 1 > from && second <= nowMs / 1000) tokens += count;
    return tokens / seconds;
  }
}

export class SimMetrics {
  readonly registry = new Registry();
  /** Feed to the engine as its observer. */
  readonly observer: RequestListener;
  private readonly finished: Counter<string> | undefined;
  private readonly labels: Record<string, string>;

  constructor(private readonly options: SimMetricsOptions) {
    const throughput = new ThroughputWindow();
    if (options.dialect === 'vllm') {
      // vLLM labels every engine series with model_name and engine (in that order).
      this.labels = { model_name: options.modelName, engine: '0' };
      const hist = this.vllmMetrics();
      this.finished = new Counter({
        name: 'vllm:request_success_total', help: 'Count of successfully processed requests.',
        labelNames: ['model_name', 'engine', 'finished_reason'], registers: [this.registry],
      });
      for (const reason of ['stop', 'length', 'abort'] satisfies FinishedReason[]) this.finished.inc({ ...this.labels, finished_reason: reason }, 0);
      this.observer = {
        onFirstToken: (e) => hist.ttft.observe(this.labels, (e.timeMs - e.arrivalMs) / 1000),
        onToken: (e) => { if (e.sinceLastMs !== undefined) hist.itl.observe(this.labels, e.sinceLastMs / 1000); },
        onFinish: (e) => {
          hist.e2e.observe(this.labels, (e.finishMs - e.arrivalMs) / 1000);
          if (e.firstTokenMs !== undefined) {
            hist.promptTokens.observe(this.labels, e.promptTokens);
            hist.generationTokens.observe(this.labels, e.outputTokens);
            if (e.scheduledMs !== undefined) hist.prefill.observe(this.labels, (e.firstTokenMs - e.scheduledMs) / 1000);
          }
        },
      };
    } else {
      this.labels = { model_name: options.modelName };
      const hist = this.sglangMetrics(throughput);
      this.finished = undefined;
      this.observer = {
        onFirstToken: (e) => hist.ttft.observe(this.labels, (e.timeMs - e.arrivalMs) / 1000),
        onToken: (e) => {
          throughput.add(e.timeMs);
          if (e.sinceLastMs !== undefined) hist.itl.observe(this.labels, e.sinceLastMs / 1000);
        },
        onFinish: (e) => hist.e2e.observe(this.labels, (e.finishMs - e.arrivalMs) / 1000),
      };
    }
  }

  /** The server calls this when a request ends, with the OpenAI finish reason it reported. */
  requestFinished(reason: FinishedReason): void {
    this.finished?.inc({ ...this.labels, finished_reason: reason });
  }

  private gauge(name: string, help: string, read: (s: EngineSnapshot) => number): void {
    const labels = this.labels;
    const snapshot = this.options.snapshot;
    new Gauge({
      name, help, labelNames: Object.keys(labels), registers: [this.registry],
      collect() { this.set(labels, read(snapshot())); },
    });
  }

  /** A counter mirroring a cumulative engine figure: each scrape adds what the engine counted since the last. */
  private counter(name: string, help: string, read: (s: EngineSnapshot) => number): void {
    const labels = this.labels;
    const snapshot = this.options.snapshot;
    let last = 0;
    new Counter({
      name, help, labelNames: Object.keys(labels), registers: [this.registry],
      collect() {
        const value = read(snapshot());
        this.inc(labels, Math.max(0, value - last));
        last = Math.max(last, value);
      },
    });
  }

  private histogram(name: string, help: string, buckets: number[]): Histogram<string> {
    const h = new Histogram({ name, help, buckets, labelNames: Object.keys(this.labels), registers: [this.registry] });
    h.zero(this.labels);
    return h;
  }

  private vllmMetrics() {
    const { cache, modelName } = this.options;
    this.gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', (s) => s.running);
    this.gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', (s) => s.waiting);
    this.gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', (s) => s.kvCacheUsage);
    this.counter('vllm:prefix_cache_queries_total', 'Prefix cache queries, in terms of number of queried tokens.', (s) => s.prefixCacheQueriesTotal);
    this.counter('vllm:prefix_cache_hits_total', 'Prefix cache hits, in terms of number of cached tokens.', (s) => s.prefixCacheHitsTotal);
    this.counter('vllm:num_preemptions_total', 'Cumulative number of preemption from the engine.', (s) => s.preemptionsTotal);
    this.counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.', (s) => s.promptTokensTotal);
    this.counter('vllm:generation_tokens_total', 'Number of generation tokens processed.', (s) => s.generationTokensTotal);
    // vLLM's info metric: a gauge fixed at 1 whose labels are CacheConfig.metrics_info() (every value a string)
    // plus engine. vLLM leaves model_name off this one series; kinfer-sim adds it so every series carries it.
    const info: Record<string, string> = {
      block_size: String(cache.blockSize),
      cache_dtype: 'auto',
      calculate_kv_scales: 'False',
      cpu_offload_gb: '0',
      enable_prefix_caching: cache.enablePrefixCaching ? 'True' : 'False',
      gpu_memory_utilization: String(cache.gpuMemoryUtilization),
      is_attention_free: 'False',
      num_cpu_blocks: 'None',
      num_gpu_blocks: String(cache.numGpuBlocks),
      num_gpu_blocks_override: 'None',
      prefix_caching_hash_algo: 'sha256',
      sliding_window: 'None',
      swap_space: '4',
      engine: '0',
      model_name: modelName,
    };
    new Gauge({ name: 'vllm:cache_config_info', help: 'Information of the LLMEngine CacheConfig', labelNames: Object.keys(info), registers: [this.registry] }).set(info, 1);
    return {
      ttft: this.histogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', VLLM_TTFT_BUCKETS),
      itl: this.histogram('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', VLLM_ITL_BUCKETS),
      e2e: this.histogram('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', VLLM_REQUEST_LATENCY_BUCKETS),
      // vLLM v1 (vllm/v1/metrics/loggers.py, stats.py): first token time − first scheduled time, observed when the
      // request finishes, on the request-latency buckets.
      prefill: this.histogram('vllm:request_prefill_time_seconds', 'Histogram of time spent in PREFILL phase for request.', VLLM_REQUEST_LATENCY_BUCKETS),
      promptTokens: this.histogram('vllm:request_prompt_tokens', 'Number of prefill tokens processed.', buckets125(cache.maxModelLen)),
      generationTokens: this.histogram('vllm:request_generation_tokens', 'Number of generation tokens processed.', buckets125(cache.maxModelLen)),
    };
  }

  private sglangMetrics(throughput: ThroughputWindow) {
    const { cache } = this.options;
    this.gauge('sglang:num_running_reqs', 'The number of running requests.', (s) => s.running);
    this.gauge('sglang:num_used_tokens', 'The number of used tokens.', (s) => s.usedBlocks * cache.blockSize);
    this.gauge('sglang:token_usage', 'The token usage.', (s) => s.kvCacheUsage);
    this.gauge('sglang:gen_throughput', 'The generation throughput (token/s).', (s) => throughput.rate(s.nowMs));
    this.gauge('sglang:num_queue_reqs', 'The number of requests in the waiting queue.', (s) => s.waiting);
    this.gauge('sglang:cache_hit_rate', 'The prefix cache hit rate.', (s) => (s.prefixCacheQueriesTotal > 0 ? s.prefixCacheHitsTotal / s.prefixCacheQueriesTotal : 0));
    this.gauge('sglang:max_total_num_tokens', 'Maximum total number of tokens in the KV cache pool.', () => cache.numGpuBlocks * cache.blockSize);
    this.counter('sglang:prompt_tokens_total', 'Number of prefill tokens processed.', (s) => s.promptTokensTotal);
    this.counter('sglang:generation_tokens_total', 'Number of generation tokens processed.', (s) => s.generationTokensTotal);
    this.counter('sglang:cached_tokens_total', 'Number of cached prompt tokens.', (s) => s.prefixCacheHitsTotal);
    this.counter('sglang:num_requests_total', 'Number of requests processed.', (s) => s.requestsCompletedTotal + s.requestsAbortedTotal);
    this.counter('sglang:num_aborted_requests_total', 'Number of requests aborted.', (s) => s.requestsAbortedTotal);
    this.counter('sglang:num_retracted_requests_total', 'Total number of retracted requests.', (s) => s.preemptionsTotal);
    return {
      ttft: this.histogram('sglang:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', SGLANG_TTFT_BUCKETS),
      itl: this.histogram('sglang:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', SGLANG_ITL_BUCKETS),
      e2e: this.histogram('sglang:e2e_request_latency_seconds', 'Histogram of End-to-end request latency in seconds', SGLANG_E2E_BUCKETS),
    };
  }
}

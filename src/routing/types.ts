// The picking core's data: what the picker knows of each replica, what it knows of a request, and what it answers.
// Pure data; the picker service (picker/) fills these from scrapes and request bodies.

/** What the picker knows of a replica from its last scrape. Every field but `scrapedAtMs` may be missing. */
export interface EndpointMetrics {
  /** Held KV blocks / all blocks, 0..1 (`vllm:kv_cache_usage_perc`, `sglang:token_usage`). */
  readonly kvCacheUsage?: number;
  /** Requests queued, not yet admitted (`vllm:num_requests_waiting`). */
  readonly waiting?: number;
  /** Requests in the running batch (`vllm:num_requests_running`). */
  readonly running?: number;
  /** Tokens per KV block (`vllm:cache_config_info{block_size}`). */
  readonly blockSize?: number;
  /** KV blocks of the replica (`vllm:cache_config_info{num_gpu_blocks}`). */
  readonly numGpuBlocks?: number;
  /** LoRA adapters loaded (`vllm:lora_requests_info{running_lora_adapters}`). */
  readonly activeLoras?: readonly string[];
  /** LoRA adapters the replica can hold at once (`vllm:lora_requests_info{max_lora}`). */
  readonly maxLoras?: number;
  /**
   * Prompt tokens one request's prefill computes per second on this replica, as measured (src/servers/rate.ts
   * prefillFit over `vllm:request_prefill_time_seconds` and `vllm:request_prompt_tokens`). A per-request speed, not
   * the replica's current throughput.
   */
  readonly prefillTokensPerSecond?: number;
  /** What one request's prefill costs on top of its tokens (measured with the speed): an engine step, a server's set overhead. */
  readonly prefillFixedMs?: number;
  /**
   * Output tokens per second one running request receives: 1 / the mean inter-token gap over the last 10 s, the last
   * such figure while the replica idles (picker/scrape.ts); without an inter-token histogram, generated tokens ÷ running.
   */
  readonly decodeTokensPerSecond?: number;
  /** When these numbers were read (the picker's clock, ms). */
  readonly scrapedAtMs: number;
}

export interface Endpoint {
  /** `host:port`, what goes into `x-gateway-destination-endpoint`. */
  readonly address: string;
  /** Undefined: never scraped, or the last scrape failed. Treated as unknown (worst), never as idle. */
  readonly metrics?: EndpointMetrics;
  /** Requests the picker sent here since `metrics.scrapedAtMs` (in-flight accounting between scrapes). */
  readonly sentSinceScrape: number;
  /** Requests the picker has in flight here now (sent, response not finished). */
  readonly inFlight: number;
}

export interface InferenceRequest {
  /** Model name from the body. */
  readonly model: string;
  /** Estimated prompt length (characters / 4, see prefix.ts). */
  readonly promptTokens: number;
  readonly maxTokens?: number;
  /**
   * Hash chain of the prompt's blocks, from `blockHashes(text, picker.prefixBlockSize, model)` (prefix.ts).
   * Empty when the prompt is shorter than one block or the caller does not hash.
   */
  readonly prefixHashes: readonly string[];
  /** LoRA adapter the request targets, if any. */
  readonly lora?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface PickResult {
  /** The chosen endpoint; undefined when none could be chosen (`reason` says why). */
  readonly endpoint: Endpoint | undefined;
  /** Address -> final weighted score, for every endpoint that survived the filters. */
  readonly scores: ReadonlyMap<string, number>;
  /** Name of the scheduling profile that ran. */
  readonly profile: string;
  /** Why no endpoint was chosen. */
  readonly reason?: string;
}

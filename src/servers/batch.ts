import { VLLM_MAX_NUM_SEQS, VLLM_MAX_NUM_SEQS_LARGE, vllmDefaultMaxNumSeqs } from '../models/memory.js';
import type { ServerKind } from './templates.js';

// The server's batch cap: how many sequences one engine step may run at once (vLLM --max-num-seqs, SGLang
// --max-running-requests). Not the KV reservation kinfer.dev/kv-reserve-seqs, which only sizes placement.

/** The server flag that caps the batch. */
export const BATCH_FLAG: Readonly<Record<ServerKind, string>> = {
  vllm: '--max-num-seqs',
  sglang: '--max-running-requests',
};

/** What the server decides for itself when deploy passes no batch flag, for one accelerator. */
export interface ServerBatchDefault {
  /** The cap the server will use. */
  readonly maxBatch: number;
  /** The rule, with its source, in a few words. */
  readonly rule: string;
}

/** The figures of an accelerator the defaults depend on. */
export interface BatchDefaultInput {
  readonly accelerator: string;
  readonly kind: 'gpu' | 'tpu';
  readonly hbmBytesPerDevice: number;
  /** KV cache tokens one replica holds (SGLang derives its default from it). */
  readonly kvCapacityTokens: number;
  readonly maxModelLen: number;
}

/**
 * vLLM (V1 engine, `vllm serve` = UsageContext.OPENAI_API_SERVER): vllm/engine/arg_utils.py,
 * EngineArgs.get_batch_defaults (vLLM main as of v0.11–v0.18): a GPU with at least 70 GiB whose name does not
 * contain "a100" gets max_num_seqs 1024 ("for GPUs like H100 and MI300x"), every other device 256. A TPU falls
 * to 256 too: its platform reports no device memory to that check (the `except` branch sets it to 0).
 */
/**
 * SGLang: python/sglang/srt/model_executor/model_runner.py (v0.5.x): with no --max-running-requests, the
 * request pool holds min(max(KV tokens ÷ context length × 512, 2048), 4096) requests, and the scheduler caps
 * running requests at min(KV tokens ÷ 2, that pool).
 */
const SGLANG_POOL_MIN = 2048;
const SGLANG_POOL_MAX = 4096;

export function serverDefaultBatch(server: ServerKind, input: BatchDefaultInput): ServerBatchDefault {
  if (server === 'vllm') {
    const maxBatch = input.kind === 'tpu' ? VLLM_MAX_NUM_SEQS : vllmDefaultMaxNumSeqs(input.accelerator, input.hbmBytesPerDevice);
    return maxBatch === VLLM_MAX_NUM_SEQS_LARGE
      ? { maxBatch, rule: `vLLM's default on a GPU of 70 GiB or more that is not an A100 (vllm/engine/arg_utils.py get_batch_defaults)` }
      : { maxBatch, rule: `vLLM's default on ${input.kind === 'tpu' ? 'a TPU' : input.accelerator.includes('a100') ? 'an A100' : 'a GPU under 70 GiB'} (vllm/engine/arg_utils.py get_batch_defaults)` };
  }
  const pool = Math.min(Math.max(Math.floor((input.kvCapacityTokens / input.maxModelLen) * 512), SGLANG_POOL_MIN), SGLANG_POOL_MAX);
  return {
    maxBatch: Math.max(1, Math.min(Math.floor(input.kvCapacityTokens / 2), pool)),
    rule: `SGLang's default: min(KV tokens ÷ 2, its request pool of ${pool}) (sglang/srt/model_executor/model_runner.py)`,
  };
}

import type { Dtype, KvDtype } from '../../src/models/dtype.js';
import { acceleratorByName, type AcceleratorType } from '../../src/accelerators/catalog.js';
import { modelById } from '../../src/models/catalog.js';
import { DEFAULT_MEMORY_UTILIZATION, tensorParallelProblem } from '../../src/models/memory.js';
import { stepCosts, vllmKvBudget } from '../../src/profiles/roofline.js';
import type { ModelSpec } from '../../src/models/spec.js';
import { err, ok, type Result } from '../../src/result.js';

/**
 * How long one engine step takes. A step runs one forward pass over every scheduled token (prompt chunks of
 * new sequences and one token per decoding sequence) and is bound either by memory (read the weights once,
 * plus the KV cache of every scheduled sequence) or by compute (2 × params FLOPs per token), a roofline:
 *
 *   stepMs = max(decodeBaseMs + kvTokens × decodePerKvTokenUs / 1000,  tokens × 1000 / prefillTokensPerSecond)
 *            + sequences × decodePerSeqMs
 *
 * so decode steps grow with the batch and the context read, and prefill time grows with the prompt tokens
 * actually computed (prefix-cache hits are not).
 */
export interface SpeedModel {
  /** Forward tokens per second when compute-bound (long prefills). */
  readonly prefillTokensPerSecond: number;
  /** Memory time of a step that reads no KV: the weights once. */
  readonly decodeBaseMs: number;
  /** Per scheduled sequence, outside the roofline: sampling, detokenizing, scheduler bookkeeping. */
  readonly decodePerSeqMs: number;
  /** Memory time to read one token's KV (all layers) once. */
  readonly decodePerKvTokenUs: number;
}

export interface StepWork {
  /** Tokens computed in the step (prompt chunks + one per decoding sequence). */
  readonly tokens: number;
  /** Sequences in the step. */
  readonly sequences: number;
  /** KV tokens the step's attention reads: each sequence's context. */
  readonly kvTokens: number;
}

export function stepDurationMs(speed: SpeedModel, work: StepWork): number {
  const memoryMs = speed.decodeBaseMs + (work.kvTokens * speed.decodePerKvTokenUs) / 1000;
  const computeMs = (work.tokens * 1000) / speed.prefillTokensPerSecond;
  return Math.max(memoryMs, computeMs) + work.sequences * speed.decodePerSeqMs;
}

/** Problem with a speed model, or undefined. Base time must be positive: every step takes time. */
export function speedProblem(speed: SpeedModel): string | undefined {
  if (!(speed.prefillTokensPerSecond > 0) || !Number.isFinite(speed.prefillTokensPerSecond)) return `prefill tokens per second ${speed.prefillTokensPerSecond} must be a positive number`;
  if (!(speed.decodeBaseMs > 0) || !Number.isFinite(speed.decodeBaseMs)) return `decode base ${speed.decodeBaseMs} ms must be a positive number`;
  if (!(speed.decodePerSeqMs >= 0) || !Number.isFinite(speed.decodePerSeqMs)) return `decode per-sequence ${speed.decodePerSeqMs} ms must be zero or more`;
  if (!(speed.decodePerKvTokenUs >= 0) || !Number.isFinite(speed.decodePerKvTokenUs)) return `decode per-KV-token ${speed.decodePerKvTokenUs} µs must be zero or more`;
  return undefined;
}

// Step costs are src/profiles/roofline.ts's (stepCosts), shared with `recommend`'s estimates, so a simulated replica
// runs at the speed recommend estimates for it (all-reduce time aside: the sim leaves it out).

/** vLLM's default KV block size (--block-size 16 on CUDA). */
export const DEFAULT_BLOCK_SIZE = 16;

export interface Profile {
  readonly speed: SpeedModel;
  /** KV blocks the replica's memory leaves after weights and overhead (vLLM's num_gpu_blocks). */
  readonly numGpuBlocks: number;
  readonly model: ModelSpec;
  readonly accelerator: AcceleratorType;
  readonly tensorParallelSize: number;
}

export interface ProfileRequest {
  readonly accelerator: string;
  readonly model: string;
  readonly tensorParallelSize?: number;
  readonly blockSize?: number;
  readonly memoryUtilization?: number;
  /** Weight precision the server runs (vLLM's --quantization); default the checkpoint's own. */
  readonly dtype?: Dtype;
  /** KV precision (vLLM's --kv-cache-dtype); default bf16. */
  readonly kvCacheDtype?: KvDtype;
}

/**
 * A speed model and KV size for a model on `tensorParallelSize` devices of an accelerator type, from the
 * catalogs: weights at the checkpoint's dtype, bf16 KV, vLLM's default memory utilization. Memory terms divide
 * total bytes by the group's total bandwidth; MoE models read all their weights (true at serving batch sizes)
 * but compute only their active parameters. Sliding-window layers are counted as full (pessimistic).
 */
export function deriveProfile(request: ProfileRequest): Result<Profile> {
  const accelerator = acceleratorByName(request.accelerator);
  if (accelerator === undefined) return err(`unknown accelerator ${request.accelerator}`);
  const model = modelById(request.model);
  if (model === undefined) return err(`unknown model ${request.model} (not in the catalog)`);
  const tp = request.tensorParallelSize ?? 1;
  const tpProblem = tensorParallelProblem(model, tp);
  if (tpProblem !== undefined) return err(tpProblem);
  const blockSize = request.blockSize ?? DEFAULT_BLOCK_SIZE;
  const utilization = request.memoryUtilization ?? DEFAULT_MEMORY_UTILIZATION;
  const dtype = request.dtype ?? model.nativeDtype;
  const kvDtype = request.kvCacheDtype ?? 'bf16';
  // As vLLM budgets: from the memory the framework sees, with the sampler's activation at its default max_num_seqs
  // (the roofline's one vllmKvBudget, as recommend estimates it).
  const { kvTokens } = vllmKvBudget({ model, accelerator, dtype, kvCacheDtype: kvDtype, memoryUtilization: utilization }, tp);
  const numGpuBlocks = Math.floor(kvTokens / blockSize);
  if (numGpuBlocks < 1) return err(`${model.id} does not fit on ${tp} x ${accelerator.name} with room for KV cache; raise --tensor-parallel-size`);
  const costs = stepCosts(model, accelerator, tp, dtype, kvDtype);
  const speed: SpeedModel = {
    prefillTokensPerSecond: costs.prefillTokensPerSecond,
    decodeBaseMs: costs.weightsReadMs,
    decodePerSeqMs: costs.perSeqMs,
    decodePerKvTokenUs: costs.kvReadUsPerToken,
  };
  return ok({ speed, numGpuBlocks, model, accelerator, tensorParallelSize: tp });
}

import { GiB } from '../units/quantity.js';
import { bytesPerKvElement, bytesPerParam, isHalfPrecision, type Dtype, type KvDtype } from './dtype.js';
import { embeddingParams, type ModelSpec } from './spec.js';

// Memory math for one model replica (DESIGN.md's fit rule):
//   devices × HBM per device × memory-utilization ≥ weights + KV(max-model-len × kv-reserve-seqs) + runtime overhead.
// Everything is in bytes; GiB only appears in messages, elsewhere.

/**
 * DESIGN.md fixes 0.92 as the default `kinfer.dev/memory-utilization` and calls it vLLM's default. vLLM's actual
 * default `--gpu-memory-utilization` is 0.9 (vllm/config CacheConfig); the contract keeps 0.92 until DESIGN.md
 * changes, so a pod that runs vLLM with its defaults should declare 0.9.
 */
export const DEFAULT_MEMORY_UTILIZATION = 0.92;
/** DESIGN.md: `kinfer.dev/max-model-len` defaults to 8192 tokens. */
export const DEFAULT_MAX_MODEL_LEN = 8192;
/** DESIGN.md: `kinfer.dev/kv-reserve-seqs` (sequences at full context the KV cache must hold) defaults to 1. */
export const DEFAULT_KV_RESERVE_SEQS = 1;
/** Device counts tried when sizing a replica: powers of two, as tensor parallelism wants, up to 8 nodes of 8. */
export const DEFAULT_DEVICE_COUNTS: readonly number[] = [1, 2, 4, 8, 16, 32, 64];

// Runtime overhead per device: what a serving process holds besides weights and KV cache, as vLLM budgets it.
// vLLM sizes its KV cache from a profiling run (vllm-project/vllm#10511 and #12126 describe it): budget = the
// device total the framework sees (src/accelerators/catalog.ts frameworkBytesPerDevice) × utilization, minus the
// weights, minus "non-torch" memory (CUDA context, NCCL and custom all-reduce buffers), minus the activation peak
// of a profiling forward pass. Published start-up logs of vLLM V1 (test/fixtures/measurements/vllm-kv-cache.json)
// give the figures below; the test there holds the KV-token estimate within ±5% of them.
//
// CUDA graphs: vLLM V1 logs the graphs' memory after the KV cache is sized and does not deduct it (llm-d's H100
// logs: -0.45 to 1.03 GiB "CUDAGraph memory" outside the sum); it comes out of the 1 − utilization headroom, so
// the budget carries none. vLLM V0 of December 2024 (#10511) also left it out of available_kv_cache_memory.

/**
 * Non-torch memory at TP 1: 0.13 GiB in vLLM V1 on H100 (llm-d/llm-d-benchmark
 * config_explorer/empirical-vllm-memory-results.md, every model). 0.25 GiB: that with room for the larger CUDA
 * contexts of other drivers (0.3–0.6 GiB measured with nvidia-smi), since the total the framework sees already
 * leaves out what the driver reserves.
 */
export const NON_TORCH_BYTES = 0.25 * GiB;
/**
 * Non-torch memory with tensor parallelism: NCCL buffers and vLLM's custom all-reduce IPC buffers. vLLM V1 logs
 * 0.55 GiB at TP 2 (Llama-3.3-70B-FP8 on H100, the same llm-d file). (vLLM V0 counted 3.58 GiB at TP 2 against
 * 1.79 at TP 1 for Llama 3 8B, #10511: its profile included cuBLAS workspaces V1 no longer keeps.)
 */
export const NON_TORCH_TP_BYTES = 0.55 * GiB;
/**
 * Activation peak of vLLM V1's profiling pass, a fixed part: everything but the sampler's logits. A least-squares
 * fit over the five V1 H100 logs of the llm-d file (Llama 3.1 8B 4.76 GiB, Llama 3.3 70B FP8 TP 2 4.84, Qwen3-32B
 * 5.64, Qwen3-0.6B 5.56, gpt-oss-20b 7.38) gives 0.24 GiB plus the logits term below; the hidden size barely
 * matters (Qwen3-0.6B and Qwen3-32B differ by 0.08 GiB), the vocabulary does.
 */
export const ACTIVATION_BASE_BYTES = 0.24 * GiB;
/**
 * The sampler's part of the activation peak, per sequence the profile samples (vLLM's max_num_seqs) and per
 * vocabulary entry: 37.15 bytes, about nine fp32 copies of the logits (logits, softmax, sorted top-p/top-k
 * buffers), from the same fit. At 1024 sequences: 4.8 GiB for Llama's 128,256-entry vocabulary, 7.4 GiB for
 * gpt-oss's 201,088; at 256 sequences (A100) 1.4 GiB for Llama, as vLLM v0.31.0 logs (1.44 GiB).
 */
export const LOGITS_BYTES_PER_SEQ_PER_VOCAB = 37.15;
/** A vocabulary for models that do not state one: Qwen's 151,936 (above Llama's; the overhead errs high). */
const DEFAULT_VOCAB = 151_936;
/**
 * vLLM's default --max-num-seqs for the OpenAI server (vllm/engine/arg_utils.py get_batch_defaults): 1024 on a
 * device of at least 70 GiB that is not an A100 ("For GPUs like H100 and MI300x, use larger default values"),
 * else 256. The profiling pass samples that many sequences, and the server batches up to that many.
 */
export const VLLM_MAX_NUM_SEQS_LARGE = 1024;
export const VLLM_MAX_NUM_SEQS = 256;

/** vLLM's default max_num_seqs on a device of this type and framework-visible memory (see VLLM_MAX_NUM_SEQS_LARGE). */
export function vllmDefaultMaxNumSeqs(acceleratorName: string, frameworkBytesPerDevice: number): number {
  // A TPU gets the smaller default: its platform reports no device memory to that check (the `except` branch).
  const name = acceleratorName.toLowerCase();
  return frameworkBytesPerDevice >= 70 * GiB && !name.includes('a100') && !name.startsWith('tpu') ? VLLM_MAX_NUM_SEQS_LARGE : VLLM_MAX_NUM_SEQS;
}

/** Activation peak of vLLM's profiling pass on each device: the fixed part plus the sampler's logits. */
export function activationPeakBytes(model: ModelSpec, maxNumSeqs: number = VLLM_MAX_NUM_SEQS): number {
  return ACTIVATION_BASE_BYTES + LOGITS_BYTES_PER_SEQ_PER_VOCAB * maxNumSeqs * (model.vocabSize ?? DEFAULT_VOCAB);
}

/**
 * Overhead one device of a `devices`-wide replica carries in vLLM's budget: non-torch memory and the activation
 * peak. `maxNumSeqs` is the server's (vllmDefaultMaxNumSeqs for the device); without it vLLM's smaller default.
 */
export function overheadBytesPerDevice(devices: number, model: ModelSpec, maxNumSeqs: number = VLLM_MAX_NUM_SEQS): number {
  return (devices > 1 ? NON_TORCH_TP_BYTES : NON_TORCH_BYTES) + activationPeakBytes(model, maxNumSeqs);
}

/** What one replica serving this model needs. */
export interface ServingShape {
  readonly model: ModelSpec;
  readonly dtype: Dtype;
  readonly kvCacheDtype: KvDtype;
  readonly maxModelLen: number;
  readonly kvReserveSeqs: number;
}

/** HBM one replica needs across all its devices. */
export interface HbmNeed {
  readonly weightsBytes: number;
  readonly kvBytes: number;
  /** Summed over the replica's devices. */
  readonly overheadBytes: number;
  readonly totalBytes: number;
}

/**
 * Bytes of weights at `dtype`. 16-bit: every parameter at 2 bytes, whatever the checkpoint ships in (bf16 of
 * native-fp8 DeepSeek-V3 is the full bf16 size). Below 16 bits: the quantized parameters at that precision and
 * the rest at 16 bits. At the native dtype the checkpoint says which are quantized (`nativeQuantizedParams`:
 * gpt-oss quantizes only its experts); otherwise every parameter but the embedding and LM head, which
 * quantizers (vLLM fp8, GPTQ, AWQ, ModelOpt) leave at 16 bits.
 */
export function weightsBytes(model: ModelSpec, dtype: Dtype): number {
  if (isHalfPrecision(dtype)) return model.params * bytesPerParam(dtype);
  const quantized = dtype === model.nativeDtype && model.nativeQuantizedParams !== undefined
    ? model.nativeQuantizedParams
    : Math.max(0, model.params - embeddingParams(model));
  return quantized * bytesPerParam(dtype) + (model.params - quantized) * bytesPerParam('bf16');
}

/**
 * MoE: parameters in the routed experts. With E routed experts of which k serve each token, total = rest + E × e
 * and active = rest + k × e, so E × e = (total − active) × E ÷ (E − k). Undefined for dense models (or without the
 * expert counts).
 */
export function expertParams(model: ModelSpec): number | undefined {
  if (!model.experts || model.activeParams === undefined || model.activeParams >= model.params) return undefined;
  const { routed, perToken } = model.experts;
  if (!(routed > perToken && perToken >= 1)) return undefined;
  return Math.min(model.params, ((model.params - model.activeParams) * routed) / (routed - perToken));
}

/**
 * MoE: bytes of the routed experts at `dtype` (undefined for dense models). Experts are always among the quantized
 * parameters (weightsBytes), so below 16 bits they take the dtype's bytes; at the native dtype of a checkpoint that
 * says which parameters it quantizes (gpt-oss: exactly its experts), those (the estimate of E × e from the
 * published active count can overshoot them by a fraction of a percent).
 */
export function expertWeightsBytes(model: ModelSpec, dtype: Dtype): number | undefined {
  const experts = expertParams(model);
  if (experts === undefined) return undefined;
  if (isHalfPrecision(dtype)) return experts * bytesPerParam(dtype);
  const quantized = dtype === model.nativeDtype && model.nativeQuantizedParams !== undefined ? Math.min(experts, model.nativeQuantizedParams) : experts;
  return quantized * bytesPerParam(dtype);
}

/** KV bytes one token occupies in one layer. */
function kvBytesPerTokenPerLayer(model: ModelSpec, kvDtype: KvDtype): number {
  const element = bytesPerKvElement(kvDtype);
  if (model.attention.kind === 'mla') return (model.attention.kvLoraRank + model.attention.qkRopeHeadDim) * element;
  return 2 * model.kvHeads * model.headDim * element;
}

/**
 * KV bytes per token over all layers, for a context within any sliding window:
 * 2 (K and V) × layers × kvHeads × headDim × bytes; MLA: layers × (kvLoraRank + qkRopeHeadDim) × bytes.
 */
export function kvBytesPerToken(model: ModelSpec, kvDtype: KvDtype): number {
  return model.layers * kvBytesPerTokenPerLayer(model, kvDtype);
}

/** KV bytes one sequence of `tokens` holds: sliding layers keep min(tokens, window), the others every token. */
export function kvBytesForSequence(model: ModelSpec, tokens: number, kvDtype: KvDtype): number {
  const perLayer = kvBytesPerTokenPerLayer(model, kvDtype);
  if (model.attention.kind !== 'sliding') return model.layers * tokens * perLayer;
  const { slidingLayers, windowTokens } = model.attention;
  const fullLayers = model.layers - slidingLayers;
  return (fullLayers * tokens + slidingLayers * Math.min(tokens, windowTokens)) * perLayer;
}

/**
 * How many copies of the KV cache a tensor-parallel group holds. Each rank keeps max(1, kvHeads / tp) KV heads, so
 * past tp = kvHeads heads are replicated (vLLM's QKVParallelLinear); MLA's latent is shared by all heads, so every
 * rank holds all of it (vLLM's MLA backends under TP).
 */
export function kvReplication(model: ModelSpec, devices: number): number {
  if (model.attention.kind === 'mla') return devices;
  const headsPerRank = Math.max(1, Math.ceil(model.kvHeads / devices));
  return (headsPerRank * devices) / model.kvHeads;
}

/**
 * Why a server would refuse this shape, or undefined: vLLM rejects a max-model-len above the model's
 * max_position_embeddings, and a shape needs at least one token and one sequence.
 */
export function servingShapeProblem(shape: ServingShape): string | undefined {
  if (!Number.isInteger(shape.maxModelLen) || shape.maxModelLen < 1) return `max-model-len ${shape.maxModelLen} is not a positive whole number`;
  if (!Number.isInteger(shape.kvReserveSeqs) || shape.kvReserveSeqs < 1) return `kv-reserve-seqs ${shape.kvReserveSeqs} is not a positive whole number`;
  if (shape.maxModelLen > shape.model.maxContext) {
    return `max-model-len ${shape.maxModelLen} exceeds ${shape.model.id}'s context of ${shape.model.maxContext} tokens`;
  }
  return undefined;
}

/**
 * Weights + KV for kv-reserve-seqs sequences of max-model-len tokens + runtime overhead, over `devices` devices.
 * `serverMaxNumSeqs` sizes the activation peak (overheadBytesPerDevice). Without it (placement, which sizes a pod
 * before it knows the device) vLLM's smaller default, 256: on H100-class devices the server's 1024 sequences add
 * ~3.4 GiB of activation per device for a 128k vocabulary, which deploy's planner (src/deploy/plan.ts) and
 * smallestDeviceCount count, as they know the device.
 */
export function replicaHbmNeed(shape: ServingShape, devices: number, serverMaxNumSeqs: number = VLLM_MAX_NUM_SEQS): HbmNeed {
  const weights = weightsBytes(shape.model, shape.dtype);
  const kv = kvBytesForSequence(shape.model, shape.maxModelLen, shape.kvCacheDtype)
    * shape.kvReserveSeqs * kvReplication(shape.model, devices);
  const overhead = overheadBytesPerDevice(devices, shape.model, serverMaxNumSeqs) * devices;
  return { weightsBytes: weights, kvBytes: kv, overheadBytes: overhead, totalBytes: weights + kv + overhead };
}

/** Memory the server may use: devices × HBM per device × memory-utilization. */
export function usableBytes(devices: number, hbmBytesPerDevice: number, memoryUtilization: number): number {
  return devices * hbmBytesPerDevice * memoryUtilization;
}

/** DESIGN.md's fit rule: usable ≥ need (an exact fit fits). */
export function fits(need: HbmNeed, devices: number, hbmBytesPerDevice: number, memoryUtilization: number): boolean {
  return usableBytes(devices, hbmBytesPerDevice, memoryUtilization) >= need.totalBytes;
}

/**
 * Bytes on each device of a `tp`-wide replica, given the need computed for `tp` devices: weights and KV split
 * evenly across ranks, overhead is each device's own.
 */
export function perDeviceBytes(need: HbmNeed, tp: number): number {
  return need.weightsBytes / tp + need.kvBytes / tp + need.overheadBytes / tp;
}

/**
 * Why `tp` devices cannot serve this model with tensor parallelism, or undefined when they can. vLLM requires
 * num_attention_heads % tp == 0, and KV heads either split evenly or are replicated whole (kvHeads % tp == 0 or
 * tp % kvHeads == 0).
 */
export function tensorParallelProblem(model: ModelSpec, tp: number): string | undefined {
  if (!Number.isInteger(tp) || tp < 1) return `${tp} is not a device count`;
  if (model.attentionHeads % tp !== 0) {
    return `${model.id} has ${model.attentionHeads} attention heads, not divisible by ${tp} devices`;
  }
  if (model.kvHeads % tp !== 0 && tp % model.kvHeads !== 0) {
    return `${model.id} has ${model.kvHeads} KV heads, which ${tp} devices can neither split nor replicate evenly`;
  }
  return undefined;
}

/** The fewest devices (from `candidates`) that hold one replica; undefined when none does. */
export function smallestDeviceCount(
  shape: ServingShape,
  hbmBytesPerDevice: number,
  memoryUtilization: number,
  candidates: readonly number[] = DEFAULT_DEVICE_COUNTS,
): number | undefined {
  // The device's memory decides vLLM's default batch (≥ 70 GiB: 1024 sequences), which sizes the activation peak.
  const serverMaxSeqs = hbmBytesPerDevice >= 70 * GiB ? VLLM_MAX_NUM_SEQS_LARGE : VLLM_MAX_NUM_SEQS;
  return [...candidates]
    .sort((a, b) => a - b)
    .find((n) => tensorParallelProblem(shape.model, n) === undefined
      && fits(replicaHbmNeed(shape, n, serverMaxSeqs), n, hbmBytesPerDevice, memoryUtilization));
}

/**
 * The most KV tokens a placement leaves room for after weights and overhead, counted as full-attention tokens
 * (kvBytesPerToken each, times the TP replication); 0 when the weights and overhead alone do not fit.
 * `hbmBytesPerDevice` is what the framework sees (frameworkBytesPerDevice), as vLLM budgets from it; `maxNumSeqs`
 * the server's (vllmDefaultMaxNumSeqs), which sizes the sampler's part of the activation peak.
 */
export function kvCapacityTokens(
  model: ModelSpec,
  dtype: Dtype,
  kvDtype: KvDtype,
  devices: number,
  hbmBytesPerDevice: number,
  memoryUtilization: number,
  maxNumSeqs: number = VLLM_MAX_NUM_SEQS,
): number {
  const free = usableBytes(devices, hbmBytesPerDevice, memoryUtilization)
    - weightsBytes(model, dtype) - overheadBytesPerDevice(devices, model, maxNumSeqs) * devices;
  if (free <= 0) return 0;
  return Math.floor(free / (kvBytesPerToken(model, kvDtype) * kvReplication(model, devices)));
}

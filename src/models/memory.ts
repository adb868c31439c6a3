import { GiB, MiB } from '../units/quantity.js';
import { bytesPerKvElement, bytesPerParam, isHalfPrecision, type Dtype, type KvDtype } from './dtype.js';
import { embeddingParams, type ModelSpec } from './spec.js';

// Memory math for one model replica (DESIGN.md's fit rule):
//   devices × HBM per device × memory-utilization ≥ weights + KV(max-model-len × max-num-seqs) + runtime overhead.
// Everything is in bytes; GiB only appears in messages, elsewhere.

/**
 * DESIGN.md fixes 0.92 as the default `kinfer.dev/memory-utilization` and calls it vLLM's default. vLLM's actual
 * default `--gpu-memory-utilization` is 0.9 (vllm/config CacheConfig); the contract keeps 0.92 until DESIGN.md
 * changes, so a pod that runs vLLM with its defaults should declare 0.9.
 */
export const DEFAULT_MEMORY_UTILIZATION = 0.92;
/** DESIGN.md: `kinfer.dev/max-model-len` defaults to 8192 tokens. */
export const DEFAULT_MAX_MODEL_LEN = 8192;
/** DESIGN.md: `kinfer.dev/max-num-seqs` defaults to 1 sequence at full context. */
export const DEFAULT_MAX_NUM_SEQS = 1;
/** Device counts tried when sizing a replica: powers of two, as tensor parallelism wants, up to 8 nodes of 8. */
export const DEFAULT_DEVICE_COUNTS: readonly number[] = [1, 2, 4, 8, 16, 32, 64];

// Runtime overhead per device: what a serving process holds besides weights and KV cache. vLLM sizes its KV cache
// from a profiling run (vllm-project/vllm#10511 and #12126 describe it): budget = HBM × utilization, minus weights,
// minus "non-torch" memory, minus the activation peak; CUDA graphs come on top.

/**
 * CUDA context plus cuBLAS/cuDNN handles and workspaces: a PyTorch process on an H100 holds about 0.5 GiB right
 * after CUDA initialises, before it allocates a tensor (measured with nvidia-smi; varies 0.3–0.6 GiB by driver).
 */
export const CUDA_CONTEXT_BYTES = 512 * MiB;
/**
 * Peak activations of vLLM's profiling forward pass (max-num-batched-tokens tokens at once). Reported figures:
 * 1.26 GiB for Llama-3-8B on an H100 (vllm-project/vllm#10511), 2.38 GiB for a 12.5 GiB model with torch.compile
 * under vLLM V1 (kubernetes-sigs/gateway-api-inference-extension#550). Rounded up to cover wider models and
 * larger vocabularies, whose logits grow it.
 */
export const ACTIVATION_PEAK_BYTES = 2.5 * GiB;
/**
 * CUDA graphs captured for decode batch sizes: vLLM logged 0.21 GiB for Llama-3.2-1B (vllm-project/vllm#11349);
 * graphs of bigger models hold more intermediate buffers, so 0.5 GiB.
 */
export const CUDA_GRAPH_BYTES = 512 * MiB;
/**
 * With tensor parallelism, NCCL buffers and vLLM's custom all-reduce IPC buffers: vLLM's non-torch memory for
 * Llama-3-8B went from 1.79 GiB at TP 1 to 3.58 GiB at TP 2 on H100s (vllm-project/vllm#10511), 1.79 GiB more.
 */
export const TENSOR_PARALLEL_COMM_BYTES = 1.75 * GiB;

/** Overhead one device of a `devices`-wide replica carries. */
export function overheadBytesPerDevice(devices: number): number {
  const single = CUDA_CONTEXT_BYTES + ACTIVATION_PEAK_BYTES + CUDA_GRAPH_BYTES;
  return devices > 1 ? single + TENSOR_PARALLEL_COMM_BYTES : single;
}

/** What one replica serving this model needs. */
export interface ServingShape {
  readonly model: ModelSpec;
  readonly dtype: Dtype;
  readonly kvCacheDtype: KvDtype;
  readonly maxModelLen: number;
  readonly maxNumSeqs: number;
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
  if (!Number.isInteger(shape.maxNumSeqs) || shape.maxNumSeqs < 1) return `max-num-seqs ${shape.maxNumSeqs} is not a positive whole number`;
  if (shape.maxModelLen > shape.model.maxContext) {
    return `max-model-len ${shape.maxModelLen} exceeds ${shape.model.id}'s context of ${shape.model.maxContext} tokens`;
  }
  return undefined;
}

/** Weights + KV for max-num-seqs sequences of max-model-len tokens + runtime overhead, over `devices` devices. */
export function replicaHbmNeed(shape: ServingShape, devices: number): HbmNeed {
  const weights = weightsBytes(shape.model, shape.dtype);
  const kv = kvBytesForSequence(shape.model, shape.maxModelLen, shape.kvCacheDtype)
    * shape.maxNumSeqs * kvReplication(shape.model, devices);
  const overhead = overheadBytesPerDevice(devices) * devices;
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
  return [...candidates]
    .sort((a, b) => a - b)
    .find((n) => tensorParallelProblem(shape.model, n) === undefined
      && fits(replicaHbmNeed(shape, n), n, hbmBytesPerDevice, memoryUtilization));
}

/**
 * The most KV tokens a placement leaves room for after weights and overhead, counted as full-attention tokens
 * (kvBytesPerToken each, times the TP replication); 0 when the weights and overhead alone do not fit.
 */
export function kvCapacityTokens(
  model: ModelSpec,
  dtype: Dtype,
  kvDtype: KvDtype,
  devices: number,
  hbmBytesPerDevice: number,
  memoryUtilization: number,
): number {
  const free = usableBytes(devices, hbmBytesPerDevice, memoryUtilization)
    - weightsBytes(model, dtype) - overheadBytesPerDevice(devices) * devices;
  if (free <= 0) return 0;
  return Math.floor(free / (kvBytesPerToken(model, kvDtype) * kvReplication(model, devices)));
}

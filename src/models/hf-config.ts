import { z } from 'zod';
import { err, ok, type Result } from '../result.js';
import { isHalfPrecision, parseDtype, type Dtype } from './dtype.js';
import { estimateParams, type Architecture, type MoeShape } from './estimate.js';
import { formatIssues } from './issues.js';
import type { AttentionLayout, ModelSpec } from './spec.js';

// A Hugging Face config.json becomes a ModelSpec. The file is read loosely (configs carry dozens of fields we do
// not need) but every field we do read is type-checked, and a missing required one is an error naming it.

export interface HfConfigOptions {
  /** Total parameters, when known (e.g. from the model card); otherwise estimated from the architecture. */
  readonly params?: number;
  /** Overrides the dtype read from torch_dtype / quantization_config. */
  readonly nativeDtype?: Dtype;
  /** For configs that omit max_position_embeddings. */
  readonly maxContext?: number;
  readonly aliases?: readonly string[];
  /** Defaults to the config.json URL on huggingface.co. */
  readonly source?: string;
}

const count = z.int().positive();
const optCount = count.nullish();

const QuantizationConfig = z.looseObject({
  quant_method: z.string(),
  bits: z.int().nullish(),
  quant_algo: z.string().nullish(),
  load_in_4bit: z.boolean().nullish(),
  modules_to_not_convert: z.array(z.string()).nullish(),
  ignore: z.array(z.string()).nullish(),
  config_groups: z.record(z.string(), z.looseObject({
    weights: z.looseObject({ num_bits: z.int(), type: z.string() }).nullish(),
  })).nullish(),
});
type QuantizationConfig = z.infer<typeof QuantizationConfig>;

const HfConfig = z.looseObject({
  model_type: z.string().nullish(),
  num_hidden_layers: count,
  hidden_size: count,
  num_attention_heads: count,
  num_key_value_heads: optCount,
  head_dim: optCount,
  max_position_embeddings: optCount,
  vocab_size: optCount,
  tie_word_embeddings: z.boolean().nullish(),
  torch_dtype: z.string().nullish(),
  dtype: z.string().nullish(),
  intermediate_size: optCount,
  sliding_window: optCount,
  layer_types: z.array(z.string()).nullish(),
  sliding_window_pattern: optCount,
  use_sliding_window: z.boolean().nullish(),
  max_window_layers: z.int().nonnegative().nullish(),
  kv_lora_rank: optCount,
  q_lora_rank: optCount,
  qk_rope_head_dim: optCount,
  qk_nope_head_dim: optCount,
  v_head_dim: optCount,
  num_local_experts: optCount,
  n_routed_experts: optCount,
  num_experts: optCount,
  num_experts_per_tok: optCount,
  moe_intermediate_size: optCount,
  n_shared_experts: z.int().nonnegative().nullish(),
  shared_expert_intermediate_size: z.int().nonnegative().nullish(),
  first_k_dense_replace: z.int().nonnegative().nullish(),
  mlp_only_layers: z.array(z.int()).nullish(),
  quantization_config: QuantizationConfig.nullish(),
});
type HfConfig = z.infer<typeof HfConfig>;

/**
 * transformers' defaults for fields that model types leave out of config.json when they equal the default
 * (from the model types' configuration classes; Gemma 3's own config.json omits all three).
 */
const MODEL_TYPE_DEFAULTS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  gemma3_text: { sliding_window_pattern: 6, max_position_embeddings: 131072, vocab_size: 262208 },
};

/** Multimodal configs (Gemma 3, Llama 4, Mistral 3) keep the language model under text_config. */
function flatten(raw: Record<string, unknown>): Record<string, unknown> {
  const text = raw['text_config'];
  const merged = typeof text === 'object' && text !== null && !Array.isArray(text)
    ? { ...raw, ...(text as Record<string, unknown>) }
    : raw;
  const modelType = merged['model_type'];
  const defaults = typeof modelType === 'string' ? MODEL_TYPE_DEFAULTS[modelType] : undefined;
  return defaults === undefined ? merged : { ...defaults, ...merged };
}

export function modelFromHfConfig(id: string, configText: string, options: HfConfigOptions = {}): Result<ModelSpec> {
  const where = `config.json for ${id}`;
  let raw: unknown;
  try {
    raw = JSON.parse(configText);
  } catch (e) {
    return err(`${where}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return err(`${where}: expected a JSON object`);
  const parsed = HfConfig.safeParse(flatten(raw as Record<string, unknown>));
  if (!parsed.success) return err(formatIssues(where, parsed.error));
  const c = parsed.data;

  const kvHeads = c.num_key_value_heads ?? c.num_attention_heads;
  const mla = c.kv_lora_rank != null;
  const headDim = mla
    ? (c.qk_nope_head_dim ?? 0) + (c.qk_rope_head_dim ?? 0)
    : (c.head_dim ?? c.hidden_size / c.num_attention_heads);
  if (!Number.isInteger(headDim) || headDim <= 0) {
    return err(`${where}: head_dim: absent and hidden_size / num_attention_heads is not a whole number`);
  }
  const maxContext = options.maxContext ?? c.max_position_embeddings;
  if (maxContext == null) return err(`${where}: max_position_embeddings: missing (pass maxContext)`);

  const attention = attentionLayout(c, maxContext);
  if (!attention.ok) return err(`${where}: ${attention.error}`);
  const dtype = options.nativeDtype === undefined ? nativeDtype(c) : ok(options.nativeDtype);
  if (!dtype.ok) return err(`${where}: ${dtype.error}`);
  const arch = architecture(c, kvHeads, headDim);
  if (!arch.ok) return err(`${where}: ${arch.error}`);

  const estimate = arch.value === undefined ? undefined : estimateParams(arch.value);
  const params = options.params ?? estimate?.total;
  if (params === undefined) {
    return err(`${where}: cannot estimate the parameter count (needs vocab_size and intermediate_size); pass params`);
  }
  if (!(Number.isFinite(params) && params > 0)) return err(`${where}: params must be a positive number, got ${params}`);

  const spec: ModelSpec = {
    id,
    ...(options.aliases === undefined ? {} : { aliases: options.aliases }),
    params,
    ...(estimate !== undefined && estimate.active < estimate.total ? { activeParams: Math.min(estimate.active, params) } : {}),
    ...(arch.value?.moe !== undefined ? { experts: { routed: arch.value.moe.experts, perToken: arch.value.moe.expertsPerToken } } : {}),
    layers: c.num_hidden_layers,
    hiddenSize: c.hidden_size,
    attentionHeads: c.num_attention_heads,
    kvHeads,
    headDim,
    attention: attention.value,
    nativeDtype: dtype.value,
    maxContext,
    source: options.source ?? `https://huggingface.co/${id}/blob/main/config.json`,
    ...(c.vocab_size == null ? {} : { vocabSize: c.vocab_size }),
    ...(c.vocab_size == null ? {} : { tieWordEmbeddings: tiedEmbeddings(c) }),
  };
  const quantized = estimate === undefined || isHalfPrecision(dtype.value)
    ? undefined
    : nativeQuantizedParams(c.quantization_config, estimate, params);
  return ok(quantized === undefined ? spec : { ...spec, nativeQuantizedParams: quantized });
}

/**
 * transformers writes config.json as the difference from PretrainedConfig's defaults, whose
 * tie_word_embeddings is true: an absent value means tied (Gemma's configs omit it), and untied models say false.
 */
function tiedEmbeddings(c: HfConfig): boolean {
  return c.tie_word_embeddings ?? true;
}

function attentionLayout(c: HfConfig, maxContext: number): Result<AttentionLayout> {
  if (c.kv_lora_rank != null) {
    if (c.qk_rope_head_dim == null) return err('qk_rope_head_dim: required with kv_lora_rank (MLA)');
    return ok({ kind: 'mla', kvLoraRank: c.kv_lora_rank, qkRopeHeadDim: c.qk_rope_head_dim });
  }
  const layers = c.num_hidden_layers;
  let slidingLayers: number;
  if (c.layer_types != null) {
    if (c.layer_types.length !== layers) {
      return err(`layer_types: has ${c.layer_types.length} entries for ${layers} layers`);
    }
    slidingLayers = c.layer_types.filter((t) => t.includes('sliding')).length;
  } else if (c.use_sliding_window === false || c.sliding_window == null) {
    slidingLayers = 0;
  } else if (c.sliding_window_pattern != null) {
    // Gemma 3: layer i is global when (i + 1) is a multiple of the pattern.
    slidingLayers = layers - Math.floor(layers / c.sliding_window_pattern);
  } else if (c.model_type === 'gemma2') {
    // Gemma 2: even-numbered layers slide, odd ones are global.
    slidingLayers = Math.ceil(layers / 2);
  } else if (c.use_sliding_window === true && c.max_window_layers != null) {
    // Qwen2: layers from max_window_layers on use the window.
    slidingLayers = Math.max(0, layers - c.max_window_layers);
  } else {
    // Mistral 7B v0.1 style: a window on every layer.
    slidingLayers = layers;
  }
  if (slidingLayers === 0) return ok({ kind: 'full' });
  if (c.sliding_window == null) return err('sliding_window: required when layer_types has sliding layers');
  // A window as long as the context never binds: the layers are full in effect.
  if (c.sliding_window >= maxContext) return ok({ kind: 'full' });
  return ok({ kind: 'sliding', windowTokens: c.sliding_window, slidingLayers });
}

/**
 * The checkpoint's weight precision: quantization_config when present, else torch_dtype (or transformers ≥4.56's
 * `dtype`). float32 checkpoints count as bf16, since vLLM's `--dtype auto` serves them in 16 bits; a config with no
 * dtype at all is taken as bf16, DESIGN.md's default.
 */
function nativeDtype(c: HfConfig): Result<Dtype> {
  const q = c.quantization_config;
  if (q != null) return quantizedDtype(q);
  const text = c.torch_dtype ?? c.dtype;
  if (text == null || text === 'float32') return ok('bf16');
  const parsed = parseDtype(text);
  return parsed.ok ? parsed : err(`torch_dtype: ${parsed.error}`);
}

function quantizedDtype(q: QuantizationConfig): Result<Dtype> {
  const method = q.quant_method.toLowerCase();
  const byBits = (bits: number | null | undefined): Result<Dtype> => {
    if (bits === 4) return ok('int4');
    if (bits === 8) return ok('int8');
    return err(`quantization_config.bits: ${String(bits)} is not supported (expected 4 or 8)`);
  };
  switch (method) {
    case 'fp8':
    case 'fbgemm_fp8':
      return ok('fp8');
    case 'mxfp4':
      return ok('mxfp4');
    case 'gptq':
    case 'awq':
      return byBits(q.bits);
    case 'bitsandbytes':
      return ok(q.load_in_4bit === true ? 'int4' : 'int8');
    case 'modelopt': {
      const algo = (q.quant_algo ?? '').toUpperCase();
      if (algo === 'FP8') return ok('fp8');
      if (algo === 'NVFP4') return ok('fp4');
      return err(`quantization_config.quant_algo: "${q.quant_algo ?? ''}" is not supported (expected FP8 or NVFP4)`);
    }
    case 'compressed-tensors': {
      const weights = Object.values(q.config_groups ?? {}).map((g) => g.weights).find((w) => w != null);
      if (weights == null) return err('quantization_config.config_groups: no weights scheme found');
      if (weights.num_bits === 8) return ok(weights.type === 'float' ? 'fp8' : 'int8');
      if (weights.num_bits === 4) return ok(weights.type === 'float' ? 'fp4' : 'int4');
      return err(`quantization_config.config_groups: ${weights.num_bits}-bit weights are not supported`);
    }
    default:
      return err(`quantization_config.quant_method: "${q.quant_method}" is not supported (pass nativeDtype)`);
  }
}

function architecture(c: HfConfig, kvHeads: number, headDim: number): Result<Architecture | undefined> {
  if (c.vocab_size == null) return ok(undefined);
  const experts = c.num_local_experts ?? c.n_routed_experts ?? c.num_experts;
  let moe: MoeShape | undefined;
  if (experts != null && experts > 1) {
    const width = c.moe_intermediate_size ?? c.intermediate_size;
    if (width == null) return err('moe_intermediate_size: required for a mixture-of-experts config');
    if (c.num_experts_per_tok == null) return err('num_experts_per_tok: required for a mixture-of-experts config');
    moe = {
      experts,
      expertsPerToken: c.num_experts_per_tok,
      expertIntermediateSize: width,
      sharedIntermediateSize: c.shared_expert_intermediate_size ?? (c.n_shared_experts ?? 0) * width,
      denseLayers: c.first_k_dense_replace ?? c.mlp_only_layers?.length ?? 0,
    };
  }
  const mla = c.kv_lora_rank != null && c.qk_rope_head_dim != null
    ? {
        ...(c.q_lora_rank == null ? {} : { qLoraRank: c.q_lora_rank }),
        kvLoraRank: c.kv_lora_rank,
        qkNopeHeadDim: c.qk_nope_head_dim ?? 0,
        qkRopeHeadDim: c.qk_rope_head_dim,
        vHeadDim: c.v_head_dim ?? c.qk_nope_head_dim ?? 0,
      }
    : undefined;
  return ok({
    layers: c.num_hidden_layers,
    hiddenSize: c.hidden_size,
    attentionHeads: c.num_attention_heads,
    kvHeads,
    headDim,
    vocabSize: c.vocab_size,
    tieWordEmbeddings: tiedEmbeddings(c),
    ...(c.intermediate_size == null ? {} : { intermediateSize: c.intermediate_size }),
    ...(mla === undefined ? {} : { mla }),
    ...(moe === undefined ? {} : { moe }),
  });
}

/**
 * Which parameters a quantized checkpoint stores at its low precision. Quantizers leave the embedding and LM head
 * at 16 bits; when the config also excludes attention (gpt-oss's `modules_to_not_convert: [...self_attn...]`),
 * only the MLPs and experts are quantized.
 */
function nativeQuantizedParams(
  q: QuantizationConfig | null | undefined,
  estimate: { readonly total: number; readonly embedding: number; readonly attention: number },
  params: number,
): number {
  const excluded = [...(q?.modules_to_not_convert ?? []), ...(q?.ignore ?? [])];
  const attentionKept = excluded.some((m) => m.includes('self_attn') || m.includes('attention'));
  const quantized = estimate.total - estimate.embedding - (attentionKept ? estimate.attention : 0);
  // Scale to an explicit params override so the split stays proportionate.
  return Math.round(Math.max(0, quantized) * (params / estimate.total));
}

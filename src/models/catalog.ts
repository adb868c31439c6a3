import type { ModelSpec } from './spec.js';

// Built-in models. Every architecture figure is copied from the checkpoint's config.json (`source`);
// `params` is the parameter count Hugging Face reports from the safetensors metadata, unless noted.
// Base-model and renamed ids that share the architecture are aliases.

const hf = (id: string): string => `https://huggingface.co/${id}/blob/main/config.json`;

const LLAMA_31_VOCAB = 128256;

export const MODELS: readonly ModelSpec[] = [
  {
    id: 'meta-llama/Llama-3.1-8B-Instruct',
    aliases: ['meta-llama/Llama-3.1-8B', 'meta-llama/Meta-Llama-3.1-8B-Instruct', 'meta-llama/Meta-Llama-3.1-8B'],
    params: 8_030_261_248,
    layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 8, headDim: 128,
    attention: { kind: 'full' },
    nativeDtype: 'bf16', maxContext: 131072, vocabSize: LLAMA_31_VOCAB, tieWordEmbeddings: false,
    source: hf('meta-llama/Llama-3.1-8B-Instruct'),
  },
  {
    id: 'meta-llama/Llama-3.1-70B-Instruct',
    aliases: ['meta-llama/Llama-3.1-70B', 'meta-llama/Meta-Llama-3.1-70B-Instruct', 'meta-llama/Meta-Llama-3.1-70B'],
    params: 70_553_706_496,
    layers: 80, hiddenSize: 8192, attentionHeads: 64, kvHeads: 8, headDim: 128,
    attention: { kind: 'full' },
    nativeDtype: 'bf16', maxContext: 131072, vocabSize: LLAMA_31_VOCAB, tieWordEmbeddings: false,
    source: hf('meta-llama/Llama-3.1-70B-Instruct'),
  },
  {
    id: 'meta-llama/Llama-3.1-405B-Instruct',
    aliases: ['meta-llama/Llama-3.1-405B', 'meta-llama/Meta-Llama-3.1-405B-Instruct', 'meta-llama/Meta-Llama-3.1-405B'],
    params: 405_853_388_800,
    layers: 126, hiddenSize: 16384, attentionHeads: 128, kvHeads: 8, headDim: 128,
    attention: { kind: 'full' },
    nativeDtype: 'bf16', maxContext: 131072, vocabSize: LLAMA_31_VOCAB, tieWordEmbeddings: false,
    source: hf('meta-llama/Llama-3.1-405B-Instruct'),
  },
  {
    id: 'meta-llama/Llama-3.3-70B-Instruct',
    params: 70_553_706_496,
    layers: 80, hiddenSize: 8192, attentionHeads: 64, kvHeads: 8, headDim: 128,
    attention: { kind: 'full' },
    nativeDtype: 'bf16', maxContext: 131072, vocabSize: LLAMA_31_VOCAB, tieWordEmbeddings: false,
    source: hf('meta-llama/Llama-3.3-70B-Instruct'),
  },
  {
    // Gemma 2 alternates sliding (even layers) and global attention: 21 of 42 layers use the 4096-token window.
    id: 'google/gemma-2-9b-it',
    aliases: ['google/gemma-2-9b'],
    params: 9_241_705_984,
    layers: 42, hiddenSize: 3584, attentionHeads: 16, kvHeads: 8, headDim: 256,
    attention: { kind: 'sliding', windowTokens: 4096, slidingLayers: 21 },
    nativeDtype: 'bf16', maxContext: 8192, vocabSize: 256000, tieWordEmbeddings: true,
    source: hf('google/gemma-2-9b-it'),
  },
  {
    id: 'google/gemma-2-27b-it',
    aliases: ['google/gemma-2-27b'],
    params: 27_227_128_320,
    layers: 46, hiddenSize: 4608, attentionHeads: 32, kvHeads: 16, headDim: 128,
    attention: { kind: 'sliding', windowTokens: 4096, slidingLayers: 23 },
    nativeDtype: 'bf16', maxContext: 8192, vocabSize: 256000, tieWordEmbeddings: true,
    source: hf('google/gemma-2-27b-it'),
  },
  {
    // Figures are text_config's. sliding_window_pattern 6: every sixth layer is global, so 10 of 62 are full
    // and 52 use the 1024-token window. params include the ~0.4B SigLIP vision tower vLLM also loads.
    id: 'google/gemma-3-27b-it',
    aliases: ['google/gemma-3-27b-pt'],
    params: 27_432_406_640,
    layers: 62, hiddenSize: 5376, attentionHeads: 32, kvHeads: 16, headDim: 128,
    attention: { kind: 'sliding', windowTokens: 1024, slidingLayers: 52 },
    nativeDtype: 'bf16', maxContext: 131072, vocabSize: 262208, tieWordEmbeddings: true,
    source: hf('google/gemma-3-27b-it'),
  },
  {
    // v0.3 has "sliding_window": null (v0.1 had a 4096-token window on every layer).
    id: 'mistralai/Mistral-7B-Instruct-v0.3',
    aliases: ['mistralai/Mistral-7B-v0.3'],
    params: 7_248_023_552,
    layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 8, headDim: 128,
    attention: { kind: 'full' },
    nativeDtype: 'bf16', maxContext: 32768, vocabSize: 32768, tieWordEmbeddings: false,
    source: hf('mistralai/Mistral-7B-Instruct-v0.3'),
  },
  {
    // 8 experts, 2 active per token (12.9B active).
    id: 'mistralai/Mixtral-8x7B-Instruct-v0.1',
    aliases: ['mistralai/Mixtral-8x7B-v0.1'],
    params: 46_702_792_704, activeParams: 12_879_925_248, experts: { routed: 8, perToken: 2 },
    layers: 32, hiddenSize: 4096, attentionHeads: 32, kvHeads: 8, headDim: 128,
    attention: { kind: 'full' },
    nativeDtype: 'bf16', maxContext: 32768, vocabSize: 32000, tieWordEmbeddings: false,
    source: hf('mistralai/Mixtral-8x7B-Instruct-v0.1'),
  },
  {
    // "use_sliding_window": false, so the sliding_window value in the config is unused.
    id: 'Qwen/Qwen2.5-7B-Instruct',
    aliases: ['Qwen/Qwen2.5-7B'],
    params: 7_615_616_512,
    layers: 28, hiddenSize: 3584, attentionHeads: 28, kvHeads: 4, headDim: 128,
    attention: { kind: 'full' },
    nativeDtype: 'bf16', maxContext: 32768, vocabSize: 152064, tieWordEmbeddings: false,
    source: hf('Qwen/Qwen2.5-7B-Instruct'),
  },
  {
    id: 'Qwen/Qwen2.5-72B-Instruct',
    aliases: ['Qwen/Qwen2.5-72B'],
    params: 72_706_203_648,
    layers: 80, hiddenSize: 8192, attentionHeads: 64, kvHeads: 8, headDim: 128,
    attention: { kind: 'full' },
    nativeDtype: 'bf16', maxContext: 32768, vocabSize: 152064, tieWordEmbeddings: false,
    source: hf('Qwen/Qwen2.5-72B-Instruct'),
  },
  {
    id: 'Qwen/Qwen3-32B',
    params: 32_762_123_264,
    layers: 64, hiddenSize: 5120, attentionHeads: 64, kvHeads: 8, headDim: 128,
    attention: { kind: 'full' },
    nativeDtype: 'bf16', maxContext: 40960, vocabSize: 151936, tieWordEmbeddings: false,
    source: hf('Qwen/Qwen3-32B'),
  },
  {
    // Qwen3MoE: 94 layers, 128 routed experts of moe_intermediate_size 1536, 8 per token, no shared expert; untied
    // embedding and LM head. params counted from the config: per layer attention 71,303,168 + experts 128 × 3 × 4096
    // × 1536 + router 4096 × 128 + norms 8,448 = 2,487,755,008; × 94 + 2 × 151936 × 4096 + 4096 = 235,094,634,560
    // ("235B in total and 22B activated", the model card). activeParams: attention, 8 experts, router and norms of
    // every layer plus the LM head (21.57B; the embedding lookup is not counted, as for gpt-oss).
    id: 'Qwen/Qwen3-235B-A22B',
    aliases: ['Qwen/Qwen3-235B-A22B-Instruct-2507'],
    params: 235_094_634_560, activeParams: 94 * (71_303_168 + 8 * 3 * 4096 * 1536 + 4096 * 128 + 8448) + 151936 * 4096,
    experts: { routed: 128, perToken: 8 },
    layers: 94, hiddenSize: 4096, attentionHeads: 64, kvHeads: 4, headDim: 128,
    attention: { kind: 'full' },
    nativeDtype: 'bf16', maxContext: 40960, vocabSize: 151936, tieWordEmbeddings: false,
    source: hf('Qwen/Qwen3-235B-A22B'),
  },
  {
    // layer_types alternate sliding (128 tokens) and full, starting with sliding: 12 of 24 layers slide.
    // 32 experts, 4 active. quantization_config mxfp4 covers only the experts (24 layers × 32 experts ×
    // 3 × 2880² weights); attention, router, embedding and LM head ship in bf16: ~13.8 GB on disk.
    // activeParams: OpenAI's gpt-oss model card (3.61B; the embedding lookup is not counted).
    id: 'openai/gpt-oss-20b',
    params: 20_914_757_184, activeParams: 3_610_000_000, experts: { routed: 32, perToken: 4 },
    layers: 24, hiddenSize: 2880, attentionHeads: 64, kvHeads: 8, headDim: 64,
    attention: { kind: 'sliding', windowTokens: 128, slidingLayers: 12 },
    nativeDtype: 'mxfp4', maxContext: 131072, vocabSize: 201088, tieWordEmbeddings: false,
    nativeQuantizedParams: 24 * 32 * 3 * 2880 * 2880,
    source: hf('openai/gpt-oss-20b'),
  },
  {
    // As gpt-oss-20b with 36 layers (18 sliding) and 128 experts: ~65 GB on disk.
    id: 'openai/gpt-oss-120b',
    params: 116_829_156_672, activeParams: 5_130_000_000, experts: { routed: 128, perToken: 4 },
    layers: 36, hiddenSize: 2880, attentionHeads: 64, kvHeads: 8, headDim: 64,
    attention: { kind: 'sliding', windowTokens: 128, slidingLayers: 18 },
    nativeDtype: 'mxfp4', maxContext: 131072, vocabSize: 201088, tieWordEmbeddings: false,
    nativeQuantizedParams: 36 * 128 * 3 * 2880 * 2880,
    source: hf('openai/gpt-oss-120b'),
  },
  {
    // MLA: kv_lora_rank 512 + qk_rope_head_dim 64 cached per layer per token. 256 routed experts, 8 per token,
    // plus one shared expert (counted in the active parameters). headDim is the query's
    // qk_nope_head_dim 128 + qk_rope_head_dim 64. quantization_config: fp8 e4m3, 128×128 blocks; embedding and
    // LM head stay bf16. params: 671B of the main model (DeepSeek-V3 technical report); the checkpoint's 685B
    // adds the 14B multi-token-prediction module vLLM loads only for speculative decoding.
    id: 'deepseek-ai/DeepSeek-V3',
    aliases: ['deepseek-ai/DeepSeek-V3-Base', 'deepseek-ai/DeepSeek-V3-0324', 'deepseek-ai/DeepSeek-R1', 'deepseek-ai/DeepSeek-R1-0528'],
    params: 671_000_000_000, activeParams: 37_000_000_000, experts: { routed: 256, perToken: 8 },
    layers: 61, hiddenSize: 7168, attentionHeads: 128, kvHeads: 128, headDim: 192,
    attention: { kind: 'mla', kvLoraRank: 512, qkRopeHeadDim: 64 },
    nativeDtype: 'fp8', maxContext: 163840, vocabSize: 129280, tieWordEmbeddings: false,
    source: hf('deepseek-ai/DeepSeek-V3'),
  },
];

/** Finds a model by id or alias, ignoring case (Hugging Face ids are case-insensitive). */
export function modelById(id: string, models: readonly ModelSpec[] = MODELS): ModelSpec | undefined {
  const wanted = id.trim().toLowerCase();
  return models.find((m) => m.id.toLowerCase() === wanted)
    ?? models.find((m) => (m.aliases ?? []).some((a) => a.toLowerCase() === wanted));
}

import type { Dtype } from './dtype.js';

/**
 * How a model's layers attend, which decides how the KV cache grows with context.
 * - full: every layer keeps K and V for every token.
 * - sliding: `slidingLayers` of the layers keep only the last `windowTokens` tokens; the others are full
 *   (Gemma 2 alternates 1:1, Gemma 3 has five sliding layers per full one, gpt-oss alternates with a 128-token window).
 * - mla: Multi-head Latent Attention (DeepSeek-V2/V3): each layer caches one compressed latent of
 *   `kvLoraRank` values plus a shared rotary key of `qkRopeHeadDim` values per token, whatever the head count.
 */
export type AttentionLayout =
  | { readonly kind: 'full' }
  | { readonly kind: 'sliding'; readonly windowTokens: number; readonly slidingLayers: number }
  | { readonly kind: 'mla'; readonly kvLoraRank: number; readonly qkRopeHeadDim: number };

/** The architecture facts memory math needs, as the checkpoint's config.json states them. */
export interface ModelSpec {
  /** Hugging Face id, e.g. 'meta-llama/Llama-3.1-8B-Instruct'. */
  readonly id: string;
  /** Other ids with the same architecture and size (base vs instruct, re-uploads). */
  readonly aliases?: readonly string[];
  /** Total parameters. */
  readonly params: number;
  /** MoE: parameters active per token. */
  readonly activeParams?: number;
  readonly layers: number;
  readonly hiddenSize: number;
  readonly attentionHeads: number;
  readonly kvHeads: number;
  /** Per-head dimension of K and V (MLA: of the query, nope + rope; the KV cache does not use it). */
  readonly headDim: number;
  readonly attention: AttentionLayout;
  /** What the checkpoint ships in (DeepSeek-V3 fp8, gpt-oss mxfp4 MoE weights). */
  readonly nativeDtype: Dtype;
  /** max_position_embeddings. */
  readonly maxContext: number;
  /** Where the figures come from (the config.json URL for the catalog). */
  readonly source: string;
  /** vocab_size; with `tieWordEmbeddings` it sizes the embedding and LM head, which quantization leaves at 16 bits. */
  readonly vocabSize?: number;
  /** tie_word_embeddings: the LM head reuses the input embedding (Gemma). */
  readonly tieWordEmbeddings?: boolean;
  /**
   * Parameters the shipped checkpoint stores at `nativeDtype` when that is below 16 bits; the rest ship in bf16.
   * Absent: every parameter but the embedding and LM head. gpt-oss: only the MoE expert weights are mxfp4.
   */
  readonly nativeQuantizedParams?: number;
  /**
   * MoE: routed experts per MoE layer and how many each token uses. With `activeParams` it sizes one expert, so
   * a decode step can count only the experts its batch touches (the estimate's weight read).
   */
  readonly experts?: { readonly routed: number; readonly perToken: number };
}

/** Parameters in the input embedding plus the LM head (0 when the vocabulary is unknown). */
export function embeddingParams(model: ModelSpec): number {
  if (model.vocabSize === undefined) return 0;
  const tables = model.tieWordEmbeddings === true ? 1 : 2;
  return model.vocabSize * model.hiddenSize * tables;
}

// Parameter counts from architecture, for models whose checkpoint metadata we do not have. Assumes a decoder-only
// transformer with gated MLPs (SwiGLU/GeGLU: gate, up and down projections), which every catalog family uses;
// biases are left out (Qwen2's QKV biases and gpt-oss's biases are under 0.1% of their totals).

/** Multi-head Latent Attention projection sizes (DeepSeek-V2/V3 config.json names in comments). */
export interface MlaShape {
  readonly qLoraRank?: number;    // q_lora_rank; absent: queries project straight from the hidden state
  readonly kvLoraRank: number;    // kv_lora_rank
  readonly qkNopeHeadDim: number; // qk_nope_head_dim
  readonly qkRopeHeadDim: number; // qk_rope_head_dim
  readonly vHeadDim: number;      // v_head_dim
}

export interface MoeShape {
  readonly experts: number;                  // routed experts per MoE layer
  readonly expertsPerToken: number;          // num_experts_per_tok
  readonly expertIntermediateSize: number;   // each expert's MLP width
  readonly sharedIntermediateSize: number;   // total width of always-active shared experts (0 when none)
  readonly denseLayers: number;              // leading layers with a dense MLP instead (DeepSeek first_k_dense_replace)
}

export interface Architecture {
  readonly layers: number;
  readonly hiddenSize: number;
  readonly attentionHeads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly vocabSize: number;
  readonly tieWordEmbeddings: boolean;
  /** Dense MLP width (MoE models: of their dense layers, if any). */
  readonly intermediateSize?: number;
  readonly mla?: MlaShape;
  readonly moe?: MoeShape;
}

export interface ParamEstimate {
  readonly total: number;
  /** Parameters one token touches (equals total for dense models). */
  readonly active: number;
  /** Input embedding plus LM head. */
  readonly embedding: number;
  /** All attention projections, all layers. */
  readonly attention: number;
  /** All routed-expert weights (0 for dense models). */
  readonly routedExperts: number;
}

function attentionPerLayer(a: Architecture): number {
  const h = a.hiddenSize;
  if (a.mla !== undefined) {
    const m = a.mla;
    const qHead = m.qkNopeHeadDim + m.qkRopeHeadDim;
    const q = m.qLoraRank === undefined ? h * a.attentionHeads * qHead : h * m.qLoraRank + m.qLoraRank * a.attentionHeads * qHead;
    const kvDown = h * (m.kvLoraRank + m.qkRopeHeadDim);
    const kvUp = m.kvLoraRank * a.attentionHeads * (m.qkNopeHeadDim + m.vHeadDim);
    const out = a.attentionHeads * m.vHeadDim * h;
    return q + kvDown + kvUp + out;
  }
  const q = h * a.attentionHeads * a.headDim;
  const kv = 2 * h * a.kvHeads * a.headDim;
  return q + kv + a.attentionHeads * a.headDim * h;
}

const gatedMlp = (hidden: number, width: number): number => 3 * hidden * width;

/** Estimates parameter counts; undefined when a dense model lacks its MLP width. */
export function estimateParams(a: Architecture): ParamEstimate | undefined {
  const h = a.hiddenSize;
  const embedding = a.vocabSize * h * (a.tieWordEmbeddings ? 1 : 2);
  const attention = attentionPerLayer(a) * a.layers;
  const norms = a.layers * 2 * h + h;
  if (a.moe === undefined) {
    if (a.intermediateSize === undefined) return undefined;
    const total = embedding + attention + norms + a.layers * gatedMlp(h, a.intermediateSize);
    return { total, active: total, embedding, attention, routedExperts: 0 };
  }
  const moe = a.moe;
  if (moe.denseLayers > 0 && a.intermediateSize === undefined) return undefined;
  const moeLayers = a.layers - moe.denseLayers;
  const dense = moe.denseLayers * gatedMlp(h, a.intermediateSize ?? 0);
  const perExpert = gatedMlp(h, moe.expertIntermediateSize);
  const routedExperts = moeLayers * moe.experts * perExpert;
  const shared = moeLayers * gatedMlp(h, moe.sharedIntermediateSize);
  const routers = moeLayers * h * moe.experts;
  const total = embedding + attention + norms + dense + routedExperts + shared + routers;
  const idle = moeLayers * (moe.experts - moe.expertsPerToken) * perExpert;
  return { total, active: total - idle, embedding, attention, routedExperts };
}

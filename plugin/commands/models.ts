import { Args } from '@oclif/core';
import { kvBytesPerToken, weightsBytes } from '../../src/models/memory.js';
import type { ModelSpec } from '../../src/models/spec.js';
import { formatGiB } from '../../src/units/quantity.js';
import { LocalCommand } from '../base.js';
import { loadModels, modelFlags, requireModel } from '../models.js';
import { formatData, table } from '../render.js';
import { outputFlag } from '../flags.js';

/** What `models -o json|yaml` prints per model: the spec plus the figures the table shows. */
function modelData(m: ModelSpec): Record<string, unknown> {
  return { ...m, weightsBytes: weightsBytes(m, m.nativeDtype), kvBytesPerTokenBf16: kvBytesPerToken(m, 'bf16') };
}

/** 8.03e9 → 8.0B, 405e9 → 405B. */
function billions(count: number | undefined): string {
  if (count === undefined) return '-';
  const b = count / 1e9;
  return `${b >= 100 ? b.toFixed(0) : b.toFixed(1)}B`;
}

function attention(m: ModelSpec): string {
  const a = m.attention;
  if (a.kind === 'sliding') return `sliding ${a.windowTokens} on ${a.slidingLayers}/${m.layers}`;
  if (a.kind === 'mla') return `mla ${a.kvLoraRank}+${a.qkRopeHeadDim}`;
  return 'full';
}

export default class Models extends LocalCommand {
  static override summary = 'List the model catalog: sizes, KV-cache bytes per token, context.';

  static override description = `Every model deploy and recommend know: kinfer's catalog, plus what --models-file and --hf-config add
(a user model replaces the catalog entry it names). WEIGHTS is the checkpoint at its native precision; KV/TOKEN is
one token's KV cache over all layers at bf16 (fp8 halves it); CONTEXT is max_position_embeddings.`;

  static override examples = [
    '<%= config.bin %> models',
    '<%= config.bin %> models -o wide',
    { description: 'A model outside the catalog, from its Hugging Face config.json:', command: '<%= config.bin %> models Qwen/Qwen3-30B-A3B --hf-config ./Qwen3-30B-A3B/config.json' },
    '<%= config.bin %> models meta-llama/Llama-3.1-70B-Instruct -o yaml',
  ];

  static override args = { model: Args.string({ description: 'Only this model (the id a --hf-config describes)' }) };

  static override flags = {
    ...modelFlags,
    output: outputFlag(['json', 'yaml', 'wide', 'name'] as const, 'Output format: json|yaml (the full specs), wide (more columns), name (ids only).'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Models);
    const registry = loadModels(flags, args.model);
    const models = args.model ? [requireModel(registry, args.model)] : registry.list();
    const format = flags.output;
    if (format === 'json' || format === 'yaml') {
      this.log(formatData(models.map(modelData), format));
      return;
    }
    if (format === 'name') {
      this.log(models.map((m) => m.id).join('\n'));
      return;
    }
    const wide = format === 'wide';
    const headers = ['MODEL', 'PARAMS', 'ACTIVE', 'DTYPE', 'WEIGHTS', 'KV/TOKEN', 'CONTEXT', ...(wide ? ['LAYERS', 'HEADS', 'KV HEADS', 'HEAD DIM', 'ATTENTION', 'SOURCE'] : [])];
    this.log(table(headers, models.map((m) => [
      m.id, billions(m.params), billions(m.activeParams), m.nativeDtype, formatGiB(weightsBytes(m, m.nativeDtype)),
      `${Math.round(kvBytesPerToken(m, 'bf16') / 1024)} KiB`, String(m.maxContext),
      ...(wide ? [String(m.layers), String(m.attentionHeads), String(m.kvHeads), String(m.headDim), attention(m), m.source] : []),
    ])));
  }
}

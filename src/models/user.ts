import { parseDocument } from 'yaml';
import { z } from 'zod';
import { err, ok, type Result } from '../result.js';
import { MODELS, modelById } from './catalog.js';
import { DTYPES } from './dtype.js';
import { modelFromHfConfig } from './hf-config.js';
import { formatIssues } from './issues.js';
import type { ModelSpec } from './spec.js';

// Models users add beside the catalog: from a models file (YAML or JSON: a list of ModelSpec entries, or
// `models:` holding one) or from a Hugging Face config.json (see hf-config.ts). The caller reads the file;
// this module only sees its text.

export { modelFromHfConfig, type HfConfigOptions } from './hf-config.js';

const count = z.int().positive();
/** Parameter counts are integers too, but users write them as 8.03e9; accept any positive finite number. */
const paramCount = z.number().positive().finite();

const AttentionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('full') }),
  z.strictObject({ kind: z.literal('sliding'), windowTokens: count, slidingLayers: count }),
  z.strictObject({ kind: z.literal('mla'), kvLoraRank: count, qkRopeHeadDim: count }),
]);

const ModelSpecSchema = z.strictObject({
  id: z.string().trim().min(1).regex(/^\S+$/, 'must not contain whitespace'),
  aliases: z.array(z.string().trim().min(1)).optional(),
  params: paramCount,
  activeParams: paramCount.optional(),
  layers: count,
  hiddenSize: count,
  attentionHeads: count,
  kvHeads: count,
  headDim: count,
  attention: AttentionSchema,
  nativeDtype: z.enum(DTYPES),
  maxContext: count,
  source: z.string().min(1).optional(),
  vocabSize: count.optional(),
  tieWordEmbeddings: z.boolean().optional(),
  nativeQuantizedParams: paramCount.optional(),
  experts: z.strictObject({ routed: count, perToken: count }).optional(),
}).superRefine((m, ctx) => {
  const problem = (path: string, message: string): void => {
    ctx.addIssue({ code: 'custom', path: [path], message });
  };
  if (m.kvHeads > m.attentionHeads) problem('kvHeads', `${m.kvHeads} exceeds attentionHeads ${m.attentionHeads}`);
  else if (m.attentionHeads % m.kvHeads !== 0) problem('kvHeads', `must divide attentionHeads ${m.attentionHeads}`);
  if (m.attention.kind === 'sliding' && m.attention.slidingLayers > m.layers) {
    ctx.addIssue({ code: 'custom', path: ['attention', 'slidingLayers'], message: `${m.attention.slidingLayers} exceeds layers ${m.layers}` });
  }
  if (m.activeParams !== undefined && m.activeParams > m.params) problem('activeParams', 'exceeds params');
  if (m.nativeQuantizedParams !== undefined && m.nativeQuantizedParams > m.params) problem('nativeQuantizedParams', 'exceeds params');
  if (m.experts !== undefined && m.experts.perToken >= m.experts.routed) {
    ctx.addIssue({ code: 'custom', path: ['experts', 'perToken'], message: `${m.experts.perToken} must be less than routed ${m.experts.routed}` });
  }
});

const ModelsFileSchema = z.union([
  z.array(ModelSpecSchema),
  z.strictObject({ models: z.array(ModelSpecSchema) }),
]);

/**
 * Parses a models file (YAML, or JSON, which is YAML too). Unknown keys, non-positive or fractional counts,
 * unknown dtypes and duplicate ids are errors naming the bad field's path, e.g. `[1].kvHeads: ...`.
 * `origin` names the file in messages and becomes the `source` of entries that do not give one.
 */
export function parseModelsFile(text: string, origin = 'models file'): Result<readonly ModelSpec[]> {
  const doc = parseDocument(text, { prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) return err(`${origin}: not valid YAML or JSON (${yamlError.message.split('\n')[0] ?? ''})`);
  const data: unknown = doc.toJS();
  // A file that holds `models:` reports paths from there, so that `models[1].kvHeads` points at the field.
  const parsed = ModelsFileSchema.safeParse(data);
  if (!parsed.success) {
    const isMapping = typeof data === 'object' && data !== null && !Array.isArray(data);
    const single = isMapping ? z.strictObject({ models: z.array(ModelSpecSchema) }) : z.array(ModelSpecSchema);
    const detail = single.safeParse(data);
    return err(formatIssues(origin, detail.success ? parsed.error : detail.error));
  }
  const entries = Array.isArray(parsed.data) ? parsed.data : parsed.data.models;
  const seen = new Map<string, number>();
  const models: ModelSpec[] = [];
  for (const [i, entry] of entries.entries()) {
    for (const name of [entry.id, ...(entry.aliases ?? [])]) {
      const key = name.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined && first !== i) return err(`${origin}: [${i}].id: "${name}" is already used by entry [${first}]`);
      seen.set(key, i);
    }
    const { source, ...rest } = entry;
    models.push({ ...rest, source: source ?? origin });
  }
  return ok(models);
}

/** Keys only a Hugging Face config.json has at its top level (a kinfer models file is a list or holds `models:`). */
const HF_CONFIG_KEYS = ['model_type', 'architectures', 'num_hidden_layers', 'text_config'];

/** Whether a file's text is a Hugging Face config.json rather than a kinfer models file. */
export function isHfConfig(text: string): boolean {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return false;
  }
  return typeof data === 'object' && data !== null && !Array.isArray(data) && HF_CONFIG_KEYS.some((k) => k in data);
}

/**
 * A file given as extra models: a Hugging Face config.json (then it describes `modelId`, or its own
 * `_name_or_path` when no id is given) or a kinfer models file.
 */
export function parseModelSource(text: string, origin: string, modelId?: string): Result<readonly ModelSpec[]> {
  if (!isHfConfig(text)) return parseModelsFile(text, origin);
  const named = (JSON.parse(text) as { _name_or_path?: unknown })._name_or_path;
  const id = modelId ?? (typeof named === 'string' && named.trim() !== '' ? named.trim() : undefined);
  if (id === undefined) return err(`${origin}: a Hugging Face config.json names no model; give the model id it describes`);
  const model = modelFromHfConfig(id, text, { source: origin });
  return model.ok ? ok([model.value]) : model;
}

/**
 * The catalog plus user models. A user model replaces the built-in whose id it takes (as id or alias), and
 * wins every lookup it matches, since lookups try user models first and ids before aliases.
 */
export class ModelRegistry {
  private readonly models: readonly ModelSpec[];

  constructor(extra: readonly ModelSpec[] = []) {
    const taken = new Set(extra.flatMap((m) => [m.id, ...(m.aliases ?? [])]).map((n) => n.toLowerCase()));
    this.models = [...extra, ...MODELS.filter((m) => !taken.has(m.id.toLowerCase()))];
  }

  /** Case-insensitive, aliases included. */
  get(id: string): ModelSpec | undefined {
    return modelById(id, this.models);
  }

  /** User models first, then the built-ins they did not replace. */
  list(): readonly ModelSpec[] {
    return this.models;
  }
}

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MODELS } from '../../../src/models/catalog.js';
import { kvBytesPerToken, weightsBytes } from '../../../src/models/memory.js';
import type { ModelSpec } from '../../../src/models/spec.js';
import { ModelRegistry, modelFromHfConfig, parseModelSource, parseModelsFile } from '../../../src/models/user.js';
import { REPO_ROOT } from '../../run.js';
import { catalogModel, modelSpec } from './fixtures.js';

const YAML_FILE = `
- id: acme/Widget-13B
  aliases: [acme/Widget-13B-Base]
  params: 13.0e9
  layers: 40
  hiddenSize: 5120
  attentionHeads: 40
  kvHeads: 8
  headDim: 128
  attention: { kind: full }
  nativeDtype: bf16
  maxContext: 32768
- id: acme/Slider-2B
  params: 2000000000
  layers: 26
  hiddenSize: 2304
  attentionHeads: 8
  kvHeads: 4
  headDim: 256
  attention: { kind: sliding, windowTokens: 4096, slidingLayers: 13 }
  nativeDtype: fp8
  maxContext: 8192
  source: https://example.com/config.json
`;

describe('parseModelsFile', () => {
  it('reads a YAML list; source defaults to the file name', () => {
    const got = parseModelsFile(YAML_FILE, 'models.yaml');
    assert.ok(got.ok, got.ok ? '' : got.error);
    assert.deepEqual(got.value, [
      {
        id: 'acme/Widget-13B', aliases: ['acme/Widget-13B-Base'], params: 13e9, layers: 40, hiddenSize: 5120,
        attentionHeads: 40, kvHeads: 8, headDim: 128, attention: { kind: 'full' }, nativeDtype: 'bf16', maxContext: 32768,
        source: 'models.yaml',
      },
      {
        id: 'acme/Slider-2B', params: 2e9, layers: 26, hiddenSize: 2304, attentionHeads: 8, kvHeads: 4, headDim: 256,
        attention: { kind: 'sliding', windowTokens: 4096, slidingLayers: 13 }, nativeDtype: 'fp8', maxContext: 8192,
        source: 'https://example.com/config.json',
      },
    ]);
  });

  it('reads JSON, and a `models:` mapping', () => {
    const entry = { ...modelSpec(), source: undefined };
    const fromList = parseModelsFile(JSON.stringify([entry]), 'models.json');
    const fromMapping = parseModelsFile(JSON.stringify({ models: [entry] }), 'models.json');
    assert.ok(fromList.ok && fromMapping.ok);
    assert.deepEqual(fromList.value, [{ ...modelSpec(), source: 'models.json' }]);
    assert.deepEqual(fromMapping.value, fromList.value);
  });

  const valid = (overrides: Record<string, unknown>): Record<string, unknown> => ({ ...modelSpec(), ...overrides });
  const errorCases: ReadonlyArray<[string, unknown, RegExp]> = [
    ['a fractional count', [valid({}), valid({ id: 'b', kvHeads: 2.5 })], /^f: \[1\]\.kvHeads: .*expected int/],
    ['a zero count', [valid({ layers: 0 })], /^f: \[0\]\.layers: Too small/],
    ['a negative parameter count', [valid({ params: -1 })], /^f: \[0\]\.params: Too small/],
    ['a count given as text', [valid({ maxContext: '8k' })], /^f: \[0\]\.maxContext: .*expected number/],
    ['an unknown field', [valid({ contextLength: 8192 })], /^f: \[0\]\.contextLength: unknown field$/],
    ['a missing field', [{ ...modelSpec(), headDim: undefined }], /^f: \[0\]\.headDim: /],
    ['an unknown dtype', [valid({ nativeDtype: 'fp6' })], /^f: \[0\]\.nativeDtype: /],
    ['an unknown attention kind', [valid({ attention: { kind: 'linear' } })], /^f: \[0\]\.attention\.kind: /],
    ['a bad nested field', [valid({ attention: { kind: 'sliding', windowTokens: -4, slidingLayers: 2 } })],
      /^f: \[0\]\.attention\.windowTokens: Too small/],
    ['an unknown nested field', [valid({ attention: { kind: 'full', window: 3 } })], /^f: \[0\]\.attention\.window: unknown field$/],
    ['more sliding layers than layers', [valid({ attention: { kind: 'sliding', windowTokens: 4096, slidingLayers: 17 } })],
      /^f: \[0\]\.attention\.slidingLayers: 17 exceeds layers 16$/],
    ['KV heads that do not divide heads', [valid({ kvHeads: 3 })], /^f: \[0\]\.kvHeads: must divide attentionHeads 16$/],
    ['more KV heads than heads', [valid({ kvHeads: 32 })], /^f: \[0\]\.kvHeads: 32 exceeds attentionHeads 16$/],
    ['active above total', [valid({ activeParams: 2e9 })], /^f: \[0\]\.activeParams: exceeds params$/],
    ['as many experts per token as routed', [valid({ experts: { routed: 8, perToken: 8 } })], /^f: \[0\]\.experts\.perToken: 8 must be less than routed 8$/],
    ['a zero expert count', [valid({ experts: { routed: 0, perToken: 1 } })], /^f: \[0\]\.experts\.routed: Too small/],
    ['an empty id', [valid({ id: ' ' })], /^f: \[0\]\.id: /],
    ['a duplicate id', [valid({}), valid({ id: 'EXAMPLE/tiny' })], /^f: \[1\]\.id: "EXAMPLE\/tiny" is already used by entry \[0\]$/],
    ['an alias that repeats an id', [valid({}), valid({ id: 'b', aliases: ['example/tiny'] })], /^f: \[1\]\.id: "example\/tiny" is already used/],
    ['a bad field under models:', { models: [valid({ layers: -2 })] }, /^f: models\[0\]\.layers: Too small/],
    ['an unknown top-level key', { models: [], version: 2 }, /^f: version: unknown field$/],
    ['a scalar document', 42, /^f: \(top level\): /],
  ];
  for (const [name, doc, want] of errorCases) {
    it(`rejects ${name}, naming the path`, () => {
      const got = parseModelsFile(JSON.stringify(doc), 'f');
      assert.equal(got.ok, false);
      if (!got.ok) assert.match(got.error, want);
    });
  }

  it('rejects a YAML 1.1 underscore number, which YAML 1.2 reads as text', () => {
    const got = parseModelsFile(YAML_FILE.replace('params: 2000000000', 'params: 2_000_000_000'), 'models.yaml');
    assert.equal(got.ok, false);
    if (!got.ok) assert.match(got.error, /^models\.yaml: \[1\]\.params: .*expected number, received string/);
  });

  it('rejects text that is not YAML, without throwing', () => {
    for (const text of ['- id: [unclosed', '{"models": [', 'a: 1\na: 2']) {
      const got = parseModelsFile(text, 'broken.yaml');
      assert.equal(got.ok, false, text);
      if (!got.ok) assert.match(got.error, /^broken\.yaml: not valid YAML or JSON/);
    }
  });
});

// config.json texts with the fields that matter, as the published files carry them.
const LLAMA_31_8B = {
  architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 4096, intermediate_size: 14336,
  num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8, max_position_embeddings: 131072,
  vocab_size: 128256, tie_word_embeddings: false, torch_dtype: 'bfloat16', rope_theta: 500000.0,
  rope_scaling: { factor: 8.0, rope_type: 'llama3' },
};
const GEMMA_2_9B = {
  model_type: 'gemma2', hidden_size: 3584, intermediate_size: 14336, num_attention_heads: 16, num_hidden_layers: 42,
  num_key_value_heads: 8, head_dim: 256, max_position_embeddings: 8192, vocab_size: 256000, sliding_window: 4096,
  torch_dtype: 'float32', cache_implementation: 'hybrid',
};
const GEMMA_3_27B = {
  model_type: 'gemma3', torch_dtype: 'bfloat16',
  text_config: {
    model_type: 'gemma3_text', hidden_size: 5376, intermediate_size: 21504, num_attention_heads: 32,
    num_hidden_layers: 62, num_key_value_heads: 16, head_dim: 128, sliding_window: 1024,
  },
  vision_config: { hidden_size: 1152, num_hidden_layers: 27 },
};
const GPT_OSS_20B = {
  model_type: 'gpt_oss', hidden_size: 2880, intermediate_size: 2880, num_hidden_layers: 24, num_attention_heads: 64,
  num_key_value_heads: 8, head_dim: 64, num_local_experts: 32, num_experts_per_tok: 4, sliding_window: 128,
  layer_types: Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention')),
  max_position_embeddings: 131072, vocab_size: 201088, tie_word_embeddings: false, torch_dtype: 'bfloat16',
  quantization_config: {
    quant_method: 'mxfp4',
    modules_to_not_convert: ['model.layers.*.self_attn', 'model.layers.*.mlp.router', 'model.embed_tokens', 'lm_head'],
  },
};
const DEEPSEEK_V3 = {
  model_type: 'deepseek_v3', hidden_size: 7168, intermediate_size: 18432, moe_intermediate_size: 2048,
  num_hidden_layers: 61, num_attention_heads: 128, num_key_value_heads: 128, n_routed_experts: 256, n_shared_experts: 1,
  num_experts_per_tok: 8, first_k_dense_replace: 3, q_lora_rank: 1536, kv_lora_rank: 512, qk_nope_head_dim: 128,
  qk_rope_head_dim: 64, v_head_dim: 128, max_position_embeddings: 163840, vocab_size: 129280,
  tie_word_embeddings: false, torch_dtype: 'bfloat16',
  quantization_config: { quant_method: 'fp8', fmt: 'e4m3', activation_scheme: 'dynamic', weight_block_size: [128, 128] },
};
const QWEN_25_7B = {
  model_type: 'qwen2', hidden_size: 3584, intermediate_size: 18944, num_attention_heads: 28, num_hidden_layers: 28,
  num_key_value_heads: 4, max_position_embeddings: 32768, vocab_size: 152064, sliding_window: 131072,
  use_sliding_window: false, max_window_layers: 28, tie_word_embeddings: false, torch_dtype: 'bfloat16',
};
const MISTRAL_7B_V01 = {
  model_type: 'mistral', hidden_size: 4096, intermediate_size: 14336, num_attention_heads: 32, num_hidden_layers: 32,
  num_key_value_heads: 8, max_position_embeddings: 32768, vocab_size: 32000, sliding_window: 4096, torch_dtype: 'bfloat16',
  tie_word_embeddings: false,
};

/** Parses a config that must succeed. */
function fromConfig(id: string, config: unknown, options = {}): ModelSpec {
  const got = modelFromHfConfig(id, JSON.stringify(config), options);
  assert.ok(got.ok, got.ok ? '' : got.error);
  return got.value;
}

const within = (got: number, want: number, tolerance: number): void => {
  assert.ok(Math.abs(got / want - 1) <= tolerance, `${got} vs ${want}`);
};

describe('modelFromHfConfig', () => {
  it('reads a Llama config into the catalog figures, parameters estimated exactly', () => {
    const got = fromConfig('meta-llama/Llama-3.1-8B-Instruct', LLAMA_31_8B);
    const { aliases: _aliases, ...catalog } = catalogModel('meta-llama/Llama-3.1-8B-Instruct');
    assert.deepEqual(got, catalog);
  });

  it('reads Gemma 2 alternating sliding layers; float32 checkpoints serve in bf16', () => {
    const got = fromConfig('google/gemma-2-9b-it', GEMMA_2_9B);
    assert.deepEqual(got.attention, { kind: 'sliding', windowTokens: 4096, slidingLayers: 21 });
    assert.equal(got.nativeDtype, 'bf16');
    assert.equal(got.headDim, 256);
    within(got.params, catalogModel('google/gemma-2-9b-it').params, 0.001);
  });

  it('reads a multimodal config from text_config, with transformers defaults for omitted fields', () => {
    const got = fromConfig('google/gemma-3-27b-it', GEMMA_3_27B);
    assert.deepEqual(got.attention, { kind: 'sliding', windowTokens: 1024, slidingLayers: 52 });
    assert.equal(got.maxContext, 131072);
    assert.equal(got.layers, 62);
    // The catalog count includes the vision tower, which the text estimate leaves out.
    within(got.params, catalogModel('google/gemma-3-27b-it').params, 0.02);
  });

  it('reads layer_types and mxfp4 experts (gpt-oss)', () => {
    const got = fromConfig('openai/gpt-oss-20b', GPT_OSS_20B);
    const catalog = catalogModel('openai/gpt-oss-20b');
    assert.deepEqual(got.attention, { kind: 'sliding', windowTokens: 128, slidingLayers: 12 });
    assert.equal(got.nativeDtype, 'mxfp4');
    within(got.params, catalog.params, 0.001);
    within(got.nativeQuantizedParams ?? 0, 24 * 32 * 3 * 2880 ** 2, 0.001);
    within(weightsBytes(got, 'mxfp4'), weightsBytes(catalog, 'mxfp4'), 0.005);
    assert.ok(got.activeParams !== undefined && got.activeParams < got.params / 4);
    assert.deepEqual(got.experts, { routed: 32, perToken: 4 });
  });

  it('reads MLA and fp8 (DeepSeek-V3)', () => {
    const got = fromConfig('deepseek-ai/DeepSeek-V3', DEEPSEEK_V3);
    assert.deepEqual(got.attention, { kind: 'mla', kvLoraRank: 512, qkRopeHeadDim: 64 });
    assert.equal(got.nativeDtype, 'fp8');
    assert.equal(got.headDim, 192);
    within(got.params, 671e9, 0.001);
    within(got.activeParams ?? 0, 37e9, 0.03);
    within(weightsBytes(got, 'fp8'), weightsBytes(catalogModel('deepseek-ai/DeepSeek-V3'), 'fp8'), 0.001);
  });

  const attentionCases: ReadonlyArray<[string, unknown, ModelSpec['attention']]> = [
    ['use_sliding_window false means full (Qwen2.5)', QWEN_25_7B, { kind: 'full' }],
    ['a sliding_window on every layer (Mistral 7B v0.1)', MISTRAL_7B_V01, { kind: 'sliding', windowTokens: 4096, slidingLayers: 32 }],
    ['Qwen2 with the window on, from max_window_layers', { ...QWEN_25_7B, use_sliding_window: true, sliding_window: 4096, max_window_layers: 20 },
      { kind: 'sliding', windowTokens: 4096, slidingLayers: 8 }],
    ['sliding_window_pattern (Gemma 3 text)', { ...GEMMA_3_27B.text_config, model_type: 'gemma3_text', sliding_window_pattern: 6, max_position_embeddings: 131072, vocab_size: 262208 },
      { kind: 'sliding', windowTokens: 1024, slidingLayers: 52 }],
    ['a window as long as the context is full attention', { ...MISTRAL_7B_V01, sliding_window: 32768 }, { kind: 'full' }],
    ['null sliding_window is full', { ...MISTRAL_7B_V01, sliding_window: null }, { kind: 'full' }],
  ];
  for (const [name, config, want] of attentionCases) {
    it(name, () => assert.deepEqual(fromConfig('x/y', config).attention, want));
  }

  const dtypeCases: ReadonlyArray<[string, Record<string, unknown>, string]> = [
    ['torch_dtype float16', { torch_dtype: 'float16' }, 'fp16'],
    ['transformers 4.56 `dtype`', { torch_dtype: undefined, dtype: 'bfloat16' }, 'bf16'],
    ['GPTQ 4-bit', { quantization_config: { quant_method: 'gptq', bits: 4, group_size: 128 } }, 'int4'],
    ['AWQ 4-bit', { quantization_config: { quant_method: 'awq', bits: 4 } }, 'int4'],
    ['ModelOpt NVFP4', { quantization_config: { quant_method: 'modelopt', quant_algo: 'NVFP4' } }, 'fp4'],
    ['compressed-tensors fp8', { quantization_config: { quant_method: 'compressed-tensors', config_groups: { group_0: { weights: { num_bits: 8, type: 'float' } } } } }, 'fp8'],
    ['compressed-tensors w4a16', { quantization_config: { quant_method: 'compressed-tensors', config_groups: { group_0: { weights: { num_bits: 4, type: 'int' } } } } }, 'int4'],
  ];
  for (const [name, patch, want] of dtypeCases) {
    it(`dtype from ${name}`, () => assert.equal(fromConfig('x/y', { ...LLAMA_31_8B, ...patch }).nativeDtype, want));
  }

  it('a quantized checkpoint keeps its embeddings at 16 bits', () => {
    const got = fromConfig('x/y', { ...LLAMA_31_8B, quantization_config: { quant_method: 'fp8' } });
    assert.equal(got.nativeQuantizedParams, 8_030_261_248 - 128256 * 4096 * 2);
  });

  it('takes explicit overrides', () => {
    const got = fromConfig('x/y', LLAMA_31_8B, { params: 8e9, nativeDtype: 'fp8', aliases: ['x/z'], source: 'mine' });
    assert.equal(got.params, 8e9);
    assert.equal(got.nativeDtype, 'fp8');
    assert.deepEqual(got.aliases, ['x/z']);
    assert.equal(got.source, 'mine');
  });

  const { vocab_size: _v, ...noVocab } = LLAMA_31_8B;
  const { num_hidden_layers: _l, ...noLayers } = LLAMA_31_8B;
  const errorCases: ReadonlyArray<[string, string, RegExp]> = [
    ['malformed JSON', '{"hidden_size": 4096,', /^config\.json for x\/y: not valid JSON/],
    ['empty text', '', /not valid JSON/],
    ['a JSON array', '[1, 2]', /expected a JSON object/],
    ['a missing num_hidden_layers', JSON.stringify(noLayers), /num_hidden_layers: .*expected number, received undefined/],
    ['num_hidden_layers as text', JSON.stringify({ ...LLAMA_31_8B, num_hidden_layers: '32' }), /num_hidden_layers: .*expected number, received string/],
    ['a negative head count', JSON.stringify({ ...LLAMA_31_8B, num_attention_heads: -32 }), /num_attention_heads: Too small/],
    ['a bad nested quantization field', JSON.stringify({ ...LLAMA_31_8B, quantization_config: { bits: 4 } }), /quantization_config\.quant_method: /],
    ['an unknown quantization method', JSON.stringify({ ...LLAMA_31_8B, quantization_config: { quant_method: 'hqq' } }), /quant_method: "hqq" is not supported/],
    ['GPTQ with 3 bits', JSON.stringify({ ...LLAMA_31_8B, quantization_config: { quant_method: 'gptq', bits: 3 } }), /bits: 3 is not supported/],
    ['an unknown torch_dtype', JSON.stringify({ ...LLAMA_31_8B, torch_dtype: 'float64' }), /torch_dtype: "float64" is not a dtype/],
    ['layer_types of the wrong length', JSON.stringify({ ...GPT_OSS_20B, layer_types: ['full_attention'] }), /layer_types: has 1 entries for 24 layers/],
    ['sliding layers without a window', JSON.stringify({ ...GPT_OSS_20B, sliding_window: null }), /sliding_window: required/],
    ['no max_position_embeddings', JSON.stringify({ ...LLAMA_31_8B, max_position_embeddings: null }), /max_position_embeddings: missing/],
    ['no vocab_size and no params', JSON.stringify(noVocab), /cannot estimate the parameter count .*pass params/],
    ['a head_dim that does not divide', JSON.stringify({ ...LLAMA_31_8B, num_attention_heads: 30, num_key_value_heads: 30 }), /head_dim: absent/],
    ['MoE without experts per token', JSON.stringify({ ...GPT_OSS_20B, num_experts_per_tok: undefined }), /num_experts_per_tok: required/],
  ];
  for (const [name, text, want] of errorCases) {
    it(`answers ${name} with an error, not an exception`, () => {
      const got = modelFromHfConfig('x/y', text);
      assert.equal(got.ok, false);
      if (!got.ok) assert.match(got.error, want);
    });
  }

  it('accepts a config without vocab_size when params are given', () => {
    const { vocab_size: _, ...config } = LLAMA_31_8B;
    const got = fromConfig('x/y', config, { params: 8e9 });
    assert.equal(got.params, 8e9);
    assert.equal(got.vocabSize, undefined);
  });
});

describe('ModelRegistry', () => {
  it('holds the catalog by default', () => {
    const registry = new ModelRegistry();
    assert.deepEqual(registry.list(), MODELS);
    assert.equal(registry.get('META-LLAMA/LLAMA-3.1-8B')?.id, 'meta-llama/Llama-3.1-8B-Instruct');
    assert.equal(registry.get('acme/none'), undefined);
  });

  it('adds user models and lets them replace built-ins with the same id', () => {
    const mine = modelSpec({ id: 'meta-llama/Llama-3.1-8B-Instruct', params: 1 });
    const other = modelSpec({ id: 'acme/Widget', aliases: ['acme/widget-base'] });
    const registry = new ModelRegistry([mine, other]);
    assert.equal(registry.get('meta-llama/llama-3.1-8b-instruct'), mine);
    assert.equal(registry.get('ACME/WIDGET-BASE'), other);
    assert.equal(registry.list().length, MODELS.length + 1);
    assert.equal(registry.list().filter((m) => m.id === 'meta-llama/Llama-3.1-8B-Instruct').length, 1);
  });

  it('a user model named like a built-in alias wins that lookup and leaves the built-in in place', () => {
    const base = modelSpec({ id: 'meta-llama/Llama-3.1-8B' });
    const registry = new ModelRegistry([base]);
    assert.equal(registry.get('meta-llama/Llama-3.1-8B'), base);
    assert.equal(registry.get('meta-llama/Llama-3.1-8B-Instruct')?.id, 'meta-llama/Llama-3.1-8B-Instruct');
  });

  it('takes models straight from parseModelsFile', () => {
    const parsed = parseModelsFile(JSON.stringify([modelSpec({ id: 'acme/X' })]), 'models.json');
    assert.ok(parsed.ok);
    assert.equal(new ModelRegistry(parsed.value).get('acme/x')?.source, 'test');
  });
});

describe('parseModelSource: a Hugging Face config.json or a kinfer models file', () => {
  // Qwen/Qwen3-30B-A3B's config.json as published (test/fixtures/hf/README.md); its model card: 30.5B total,
  // 3.3B activated, 128 experts with 8 activated.
  const QWEN3_MOE = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'hf', 'Qwen3-30B-A3B', 'config.json'), 'utf8');

  it('reads a config.json as the model it describes, with the file as its source', () => {
    const got = parseModelSource(QWEN3_MOE, 'config.json', 'Qwen/Qwen3-30B-A3B');
    assert.ok(got.ok, got.ok ? '' : got.error);
    const [model] = got.value;
    assert.equal(model!.id, 'Qwen/Qwen3-30B-A3B');
    assert.equal(model!.source, 'config.json');
    within(model!.params, 30.5e9, 0.02);
    within(model!.activeParams ?? 0, 3.3e9, 0.05);
    assert.deepEqual(model!.experts, { routed: 128, perToken: 8 });
    assert.equal(kvBytesPerToken(model!, 'bf16'), 2 * 48 * 4 * 128 * 2);
    assert.equal(model!.maxContext, 40960);
  });

  const cases: ReadonlyArray<[string, string, string | undefined, RegExp | string]> = [
    ['a models file stays a models file', YAML_FILE, undefined, 'acme/Widget-13B'],
    ['a config.json without an id uses its _name_or_path', JSON.stringify({ ...JSON.parse(QWEN3_MOE), _name_or_path: 'acme/Moe' }), undefined, 'acme/Moe'],
    ['a config.json without any id is an error that says what to give', QWEN3_MOE, undefined, /^f: a Hugging Face config\.json names no model; give the model id it describes$/],
    ['a config.json missing a field names it', JSON.stringify({ ...JSON.parse(QWEN3_MOE), num_hidden_layers: undefined }), 'x/y', /num_hidden_layers/],
  ];
  for (const [name, text, id, want] of cases) {
    it(name, () => {
      const got = parseModelSource(text, 'f', id);
      if (typeof want === 'string') {
        assert.ok(got.ok, got.ok ? '' : got.error);
        assert.equal(got.value[0]!.id, want);
      } else {
        assert.ok(!got.ok);
        assert.match(got.error, want);
      }
    });
  }
});

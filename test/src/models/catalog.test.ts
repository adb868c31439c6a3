import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelById, MODELS } from '../../../src/models/catalog.js';
import { kvBytesPerToken } from '../../../src/models/memory.js';
import { tensorParallelProblem } from '../../../src/models/memory.js';

describe('catalog KV bytes per token', () => {
  // Worked by hand from each config.json: 2 (K and V) × layers × kvHeads × headDim × bytes;
  // MLA: layers × (kv_lora_rank + qk_rope_head_dim) × bytes.
  const cases: ReadonlyArray<[string, number]> = [
    ['meta-llama/Llama-3.1-8B-Instruct', 131072], // 2×32×8×128×2 = 128 KiB
    ['meta-llama/Llama-3.1-70B-Instruct', 327680], // 2×80×8×128×2 = 320 KiB
    ['meta-llama/Llama-3.1-405B-Instruct', 2 * 126 * 8 * 128 * 2], // 504 KiB
    ['meta-llama/Llama-3.3-70B-Instruct', 327680],
    ['google/gemma-2-9b-it', 2 * 42 * 8 * 256 * 2], // 336 KiB
    ['google/gemma-2-27b-it', 2 * 46 * 16 * 128 * 2], // 368 KiB
    ['google/gemma-3-27b-it', 2 * 62 * 16 * 128 * 2], // 496 KiB
    ['mistralai/Mistral-7B-Instruct-v0.3', 131072],
    ['mistralai/Mixtral-8x7B-Instruct-v0.1', 131072],
    ['Qwen/Qwen2.5-7B-Instruct', 2 * 28 * 4 * 128 * 2], // 56 KiB
    ['Qwen/Qwen2.5-72B-Instruct', 327680],
    ['Qwen/Qwen3-32B', 2 * 64 * 8 * 128 * 2], // 256 KiB
    ['Qwen/Qwen3-235B-A22B', 2 * 94 * 4 * 128 * 2], // 188 KiB
    ['openai/gpt-oss-20b', 2 * 24 * 8 * 64 * 2], // 48 KiB
    ['openai/gpt-oss-120b', 2 * 36 * 8 * 64 * 2], // 72 KiB
    ['deepseek-ai/DeepSeek-V3', 61 * 576 * 2], // 70272
  ];
  for (const [id, bf16Bytes] of cases) {
    it(`${id}: ${bf16Bytes} bytes in bf16, half in fp8`, () => {
      const model = modelById(id);
      assert.ok(model);
      assert.equal(kvBytesPerToken(model, 'bf16'), bf16Bytes);
      assert.equal(kvBytesPerToken(model, 'fp16'), bf16Bytes);
      assert.equal(kvBytesPerToken(model, 'fp8'), bf16Bytes / 2);
    });
  }
  it('covers every catalog model', () => {
    assert.deepEqual(new Set(cases.map(([id]) => id)), new Set(MODELS.map((m) => m.id)));
  });
});

describe('modelById', () => {
  const cases: ReadonlyArray<[string, string | undefined]> = [
    ['meta-llama/Llama-3.1-8B-Instruct', 'meta-llama/Llama-3.1-8B-Instruct'],
    ['META-LLAMA/llama-3.1-8b-instruct', 'meta-llama/Llama-3.1-8B-Instruct'],
    ['meta-llama/Llama-3.1-8B', 'meta-llama/Llama-3.1-8B-Instruct'],
    ['meta-llama/Meta-Llama-3.1-70B-Instruct', 'meta-llama/Llama-3.1-70B-Instruct'],
    ['google/gemma-2-9b', 'google/gemma-2-9b-it'],
    ['qwen/qwen2.5-72b', 'Qwen/Qwen2.5-72B-Instruct'],
    ['deepseek-ai/DeepSeek-R1', 'deepseek-ai/DeepSeek-V3'],
    ['  openai/gpt-oss-20b ', 'openai/gpt-oss-20b'],
    ['meta-llama/Llama-3.1-8B-Instruct-FP8', undefined],
    ['', undefined],
  ];
  for (const [query, want] of cases) {
    it(`"${query}" → ${want ?? 'none'}`, () => assert.equal(modelById(query)?.id, want));
  }
});

describe('catalog consistency', () => {
  for (const m of MODELS) {
    it(`${m.id} is self-consistent`, () => {
      assert.equal(m.attentionHeads % m.kvHeads, 0, 'kvHeads divides attentionHeads');
      assert.match(m.source, /^https:\/\/huggingface\.co\/.+\/config\.json$/);
      if (m.activeParams !== undefined) assert.ok(m.activeParams < m.params);
      if (m.attention.kind === 'sliding') {
        assert.ok(m.attention.slidingLayers < m.layers, 'some layers stay full');
        assert.ok(m.attention.windowTokens < m.maxContext);
      }
      assert.equal(tensorParallelProblem(m, 1), undefined);
      assert.equal(tensorParallelProblem(m, 2), undefined, 'every catalog model splits over 2 devices');
    });
  }
  it('ids and aliases are unique, ignoring case', () => {
    const names = MODELS.flatMap((m) => [m.id, ...(m.aliases ?? [])]).map((n) => n.toLowerCase());
    assert.equal(new Set(names).size, names.length);
  });
});

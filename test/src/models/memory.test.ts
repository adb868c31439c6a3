import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Dtype, KvDtype } from '../../../src/models/dtype.js';
import {
  DEFAULT_MAX_MODEL_LEN, DEFAULT_KV_RESERVE_SEQS, DEFAULT_MEMORY_UTILIZATION, fits, kvBytesForSequence, kvCapacityTokens,
  kvReplication, overheadBytesPerDevice, perDeviceBytes, replicaHbmNeed, servingShapeProblem, smallestDeviceCount, tensorParallelProblem,
  usableBytes, weightsBytes, type HbmNeed, type ServingShape,
} from '../../../src/models/memory.js';
import type { ModelSpec } from '../../../src/models/spec.js';
import { GiB } from '../../../src/units/quantity.js';
import { catalogModel, H100_80GB, H200_141GB, L4_24GB, modelSpec } from './fixtures.js';

const GB = 1e9;

function shape(model: ModelSpec, overrides: Partial<Omit<ServingShape, 'model'>> = {}): ServingShape {
  return { model, dtype: 'bf16', kvCacheDtype: 'bf16', maxModelLen: DEFAULT_MAX_MODEL_LEN, kvReserveSeqs: DEFAULT_KV_RESERVE_SEQS, ...overrides };
}

describe('defaults', () => {
  it('follow DESIGN.md', () => {
    assert.equal(DEFAULT_MEMORY_UTILIZATION, 0.92);
    assert.equal(DEFAULT_MAX_MODEL_LEN, 8192);
    assert.equal(DEFAULT_KV_RESERVE_SEQS, 1);
  });
});

describe('weightsBytes against published checkpoint sizes', () => {
  // [model, dtype, published bytes, where the figure comes from]
  const cases: ReadonlyArray<[string, Dtype, number, string]> = [
    ['meta-llama/Llama-3.1-8B-Instruct', 'bf16', 16.06 * GB, 'the bf16 checkpoint'],
    ['meta-llama/Llama-3.1-70B-Instruct', 'bf16', 141.1 * GB, 'the bf16 checkpoint'],
    ['meta-llama/Llama-3.1-8B-Instruct', 'fp8', 9.08 * GB, 'RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8 (embedding and LM head bf16)'],
    ['meta-llama/Llama-3.1-8B-Instruct', 'int4', 5.73 * GB, 'hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4'],
    ['meta-llama/Llama-3.1-405B-Instruct', 'fp8', 410 * GB, 'meta-llama/Llama-3.1-405B-Instruct-FP8'],
    ['mistralai/Mixtral-8x7B-Instruct-v0.1', 'bf16', 93.4 * GB, 'the bf16 checkpoint'],
    ['openai/gpt-oss-20b', 'mxfp4', 13.8 * GB, 'the checkpoint: mxfp4 experts, bf16 rest'],
    ['openai/gpt-oss-120b', 'mxfp4', 65.3 * GB, 'the checkpoint: mxfp4 experts, bf16 rest'],
    // 688.6 GB on disk holds 685B parameters: the 671B model plus the 14B multi-token-prediction module (fp8).
    ['deepseek-ai/DeepSeek-V3', 'fp8', 688.6 * GB - 14 * GB, 'the fp8 checkpoint less its MTP module'],
  ];
  for (const [id, dtype, published, where] of cases) {
    it(`${id} ${dtype} within 3% of ${(published / GB).toFixed(1)} GB (${where})`, () => {
      const got = weightsBytes(catalogModel(id), dtype);
      assert.ok(Math.abs(got / published - 1) < 0.03, `${(got / GB).toFixed(2)} GB`);
    });
  }
});

describe('weightsBytes rules', () => {
  const llama8b = catalogModel('meta-llama/Llama-3.1-8B-Instruct');
  const embedding = 128256 * 4096 * 2; // untied input embedding + LM head stay 16-bit
  const cases: ReadonlyArray<[string, ModelSpec, Dtype, number]> = [
    ['16-bit is 2 bytes a parameter', llama8b, 'bf16', 8_030_261_248 * 2],
    ['fp16 equals bf16', llama8b, 'fp16', 8_030_261_248 * 2],
    ['fp8 quantizes all but the embeddings', llama8b, 'fp8', (8_030_261_248 - embedding) * 1 + embedding * 2],
    ['int8 likewise', llama8b, 'int8', (8_030_261_248 - embedding) * 1 + embedding * 2],
    ['mxfp4 of a bf16 model quantizes all but the embeddings', llama8b, 'mxfp4', (8_030_261_248 - embedding) * 0.53125 + embedding * 2],
    ['bf16 of native-fp8 DeepSeek-V3 is the full bf16 size', catalogModel('deepseek-ai/DeepSeek-V3'), 'bf16', 671e9 * 2],
    ['bf16 of native-mxfp4 gpt-oss is the full bf16 size', catalogModel('openai/gpt-oss-20b'), 'bf16', 20_914_757_184 * 2],
    ['gpt-oss native: only its experts are mxfp4', catalogModel('openai/gpt-oss-20b'), 'mxfp4',
      24 * 32 * 3 * 2880 ** 2 * 0.53125 + (20_914_757_184 - 24 * 32 * 3 * 2880 ** 2) * 2],
    ['no vocabulary known: every parameter quantizes', modelSpec({ params: 1e9 }), 'fp8', 1e9],
    ['tied embeddings count once', modelSpec({ params: 1e9, vocabSize: 1000, hiddenSize: 100, tieWordEmbeddings: true }), 'fp8',
      (1e9 - 1e5) + 1e5 * 2],
  ];
  for (const [name, model, dtype, want] of cases) {
    it(name, () => assert.equal(weightsBytes(model, dtype), want));
  }
  it('quantizing never grows the weights', () => {
    for (const id of ['meta-llama/Llama-3.1-70B-Instruct', 'openai/gpt-oss-120b', 'deepseek-ai/DeepSeek-V3']) {
      const model = catalogModel(id);
      const sizes = (['bf16', 'fp8', 'fp4', 'int4'] as const).map((d) => weightsBytes(model, d));
      assert.deepEqual([...sizes].sort((a, b) => b - a), sizes, id);
    }
  });
});

describe('kvBytesForSequence', () => {
  const gemma2 = catalogModel('google/gemma-2-9b-it'); // 42 layers, 21 slide over 4096 tokens; 8192 bytes/layer/token
  const perLayer = 2 * 8 * 256 * 2;
  const gptOss = catalogModel('openai/gpt-oss-120b'); // 36 layers, 18 slide over 128 tokens; 2048 bytes/layer/token
  const cases: ReadonlyArray<[string, ModelSpec, number, KvDtype, number]> = [
    ['Gemma 2 within the window: every layer holds every token', gemma2, 2048, 'bf16', 42 * 2048 * perLayer],
    ['Gemma 2 at the window edge', gemma2, 4096, 'bf16', 42 * 4096 * perLayer],
    ['Gemma 2 past the window: sliding layers stop at 4096', gemma2, 32768, 'bf16', (21 * 32768 + 21 * 4096) * perLayer],
    ['Gemma 2 past the window in fp8', gemma2, 32768, 'fp8', ((21 * 32768 + 21 * 4096) * perLayer) / 2],
    ['gpt-oss-120b at 8k: half the layers hold 128 tokens', gptOss, 8192, 'bf16', (18 * 8192 + 18 * 128) * 2048],
    ['Llama 3.1 8B: full attention is linear', catalogModel('meta-llama/Llama-3.1-8B-Instruct'), 8192, 'bf16', 8192 * 131072],
    ['DeepSeek-V3 MLA is linear', catalogModel('deepseek-ai/DeepSeek-V3'), 8192, 'fp8', 8192 * 61 * 576],
    ['no tokens, no bytes', gemma2, 0, 'bf16', 0],
  ];
  for (const [name, model, tokens, kvDtype, want] of cases) {
    it(name, () => assert.equal(kvBytesForSequence(model, tokens, kvDtype), want));
  }
});

describe('kvReplication', () => {
  const cases: ReadonlyArray<[string, ModelSpec, number, number]> = [
    ['8 KV heads over 1 device', catalogModel('meta-llama/Llama-3.1-70B-Instruct'), 1, 1],
    ['8 KV heads over 8 devices: one head each', catalogModel('meta-llama/Llama-3.1-70B-Instruct'), 8, 1],
    ['8 KV heads over 16 devices: each head held twice', catalogModel('meta-llama/Llama-3.1-405B-Instruct'), 16, 2],
    ['4 KV heads over 8 devices', catalogModel('Qwen/Qwen2.5-7B-Instruct'), 8, 2],
    ['MLA: every rank holds the whole latent', catalogModel('deepseek-ai/DeepSeek-V3'), 8, 8],
  ];
  for (const [name, model, devices, want] of cases) {
    it(name, () => assert.equal(kvReplication(model, devices), want));
  }
});

describe('replicaHbmNeed', () => {
  it('sums weights, KV for every sequence and per-device overhead', () => {
    const model = catalogModel('meta-llama/Llama-3.1-70B-Instruct');
    const need = replicaHbmNeed(shape(model, { maxModelLen: 32768, kvReserveSeqs: 4, kvCacheDtype: 'fp8' }), 4);
    const weights = 70_553_706_496 * 2;
    const kv = 4 * 32768 * 327680 / 2;
    const overhead = 4 * overheadBytesPerDevice(4, model);
    assert.deepEqual(need, { weightsBytes: weights, kvBytes: kv, overheadBytes: overhead, totalBytes: weights + kv + overhead });
  });
  // vLLM V1's logs on H100 (llm-d's empirical-vllm-memory-results.md): non-torch 0.13 GiB at TP 1, 0.55 at TP 2;
  // activation peak 4.76 GiB for Llama 3.1 8B and 4.84 for Llama 3.3 70B (128,256-entry vocabulary), 5.64 for
  // Qwen3-32B (151,936), 7.38 for gpt-oss-20b (201,088), at vLLM's 1024 sequences.
  const llama = catalogModel('meta-llama/Llama-3.1-8B-Instruct');
  const overheads: ReadonlyArray<[string, ModelSpec, number, number, number, number]> = [
    ['Llama 3.1 8B, one H100', llama, 1, 1024, 0.13 + 4.76, 0.2],
    ['Llama 3.1 70B, TP 2 on H100: NCCL buffers on top', catalogModel('meta-llama/Llama-3.1-70B-Instruct'), 2, 1024, 0.55 + 4.84, 0.2],
    ['Qwen3-32B, one H100', catalogModel('Qwen/Qwen3-32B'), 1, 1024, 0.14 + 5.64, 0.2],
    ['gpt-oss-20b, one H100: the widest vocabulary', catalogModel('openai/gpt-oss-20b'), 1, 1024, 0.13 + 7.38, 0.2],
    ['Llama 3.1 8B at 256 sequences (A100): 1.44 GiB of activation (vLLM v0.31.0 log)', llama, 1, 256, 0.26 + 1.44, 0.2],
  ];
  for (const [name, model, devices, seqs, gib, slack] of overheads) {
    it(`overhead per device, ${name}: ${gib.toFixed(2)} GiB as logged, within ${slack} GiB`, () => {
      const got = overheadBytesPerDevice(devices, model, seqs) / GiB;
      assert.ok(Math.abs(got - gib) <= slack, `${got.toFixed(3)} GiB`);
    });
  }
  it('charges tensor-parallel communication buffers only past one device', () => {
    assert.ok(overheadBytesPerDevice(2, llama) > overheadBytesPerDevice(1, llama));
    assert.equal(overheadBytesPerDevice(2, llama), overheadBytesPerDevice(8, llama));
  });
  it('counts replicated KV heads', () => {
    const model = catalogModel('deepseek-ai/DeepSeek-V3');
    const need = replicaHbmNeed(shape(model, { dtype: 'fp8' }), 8);
    assert.equal(need.kvBytes, 8192 * 70272 * 8);
  });
});

describe('fits at its edges', () => {
  const need = (totalBytes: number): HbmNeed => ({ weightsBytes: totalBytes, kvBytes: 0, overheadBytes: 0, totalBytes });
  const usable = usableBytes(2, H100_80GB, 0.92);
  const cases: ReadonlyArray<[string, HbmNeed, number, number, number, boolean]> = [
    ['exactly the usable bytes fits', need(usable), 2, H100_80GB, 0.92, true],
    ['one byte more does not', need(usable + 1), 2, H100_80GB, 0.92, false],
    ['one byte less fits', need(usable - 1), 2, H100_80GB, 0.92, true],
    ['exact at utilization 0.5', need(80 * GiB), 2, 80 * GiB, 0.5, true],
    ['one byte short at utilization 0.5', need(80 * GiB), 2, 80 * GiB - 1, 0.5, false],
    ['nothing fits on no devices', need(1), 0, H100_80GB, 0.92, false],
  ];
  for (const [name, n, devices, hbm, util, want] of cases) {
    it(name, () => assert.equal(fits(n, devices, hbm, util), want));
  }
  it('a real shape sized to the byte', () => {
    const n = replicaHbmNeed(shape(catalogModel('meta-llama/Llama-3.1-8B-Instruct')), 1);
    assert.equal(fits(n, 1, n.totalBytes * 2, 0.5), true);
    assert.equal(fits(n, 1, (n.totalBytes - 1) * 2, 0.5), false);
  });
  it('usableBytes is devices × HBM × utilization', () => {
    assert.equal(usableBytes(8, 80 * GiB, 0.5), 320 * GiB);
  });
});

describe('perDeviceBytes', () => {
  it('splits weights and KV across ranks and keeps each device its overhead', () => {
    const model = catalogModel('meta-llama/Llama-3.1-70B-Instruct');
    const n = replicaHbmNeed(shape(model), 2);
    assert.equal(perDeviceBytes(n, 2), 70_553_706_496 + (8192 * 327680) / 2 + overheadBytesPerDevice(2, model));
  });
});

describe('tensorParallelProblem', () => {
  const cases: ReadonlyArray<[string, number, RegExp | undefined]> = [
    ['meta-llama/Llama-3.1-70B-Instruct', 8, undefined],
    ['meta-llama/Llama-3.1-70B-Instruct', 16, undefined], // 64 heads; 8 KV heads replicated twice
    ['meta-llama/Llama-3.1-70B-Instruct', 3, /64 attention heads, not divisible by 3 devices/],
    ['Qwen/Qwen2.5-7B-Instruct', 4, undefined],
    ['Qwen/Qwen2.5-7B-Instruct', 8, /28 attention heads, not divisible by 8/],
    ['Qwen/Qwen2.5-7B-Instruct', 7, /4 KV heads, which 7 devices can neither split nor replicate/],
    ['google/gemma-2-9b-it', 32, /16 attention heads/],
    ['openai/gpt-oss-120b', 0, /not a device count/],
  ];
  for (const [id, tp, want] of cases) {
    it(`${id} over ${tp}`, () => {
      const got = tensorParallelProblem(catalogModel(id), tp);
      if (want === undefined) assert.equal(got, undefined);
      else assert.match(got ?? '', want);
    });
  }
});

describe('smallestDeviceCount', () => {
  const util = DEFAULT_MEMORY_UTILIZATION;
  const cases: ReadonlyArray<[string, ServingShape, number, number | undefined, (readonly number[])?]> = [
    ['Llama-3.1-8B bf16 at 8k: one H100', shape(catalogModel('meta-llama/Llama-3.1-8B-Instruct')), H100_80GB, 1],
    ['Llama-3.1-8B bf16 at 8k: one L4', shape(catalogModel('meta-llama/Llama-3.1-8B-Instruct')), L4_24GB, 1],
    ['Llama-3.1-70B bf16 at 8k: two H100s, not one', shape(catalogModel('meta-llama/Llama-3.1-70B-Instruct')), H100_80GB, 2],
    ['Llama-3.1-70B bf16 at 128k × 8: eight H100s',
      shape(catalogModel('meta-llama/Llama-3.1-70B-Instruct'), { maxModelLen: 131072, kvReserveSeqs: 8 }), H100_80GB, 8],
    ['Llama-3.1-405B bf16 does not fit 8 × 80GB', shape(catalogModel('meta-llama/Llama-3.1-405B-Instruct')), H100_80GB, undefined, [1, 2, 4, 8]],
    ['Llama-3.1-405B bf16: two nodes of 8 H100s', shape(catalogModel('meta-llama/Llama-3.1-405B-Instruct')), H100_80GB, 16],
    ['Llama-3.1-405B fp8: one node of 8 H100s', shape(catalogModel('meta-llama/Llama-3.1-405B-Instruct'), { dtype: 'fp8' }), H100_80GB, 8],
    ['DeepSeek-V3 fp8: 8 H200s', shape(catalogModel('deepseek-ai/DeepSeek-V3'), { dtype: 'fp8' }), H200_141GB, 8],
    ['DeepSeek-V3 fp8: 16 H100s', shape(catalogModel('deepseek-ai/DeepSeek-V3'), { dtype: 'fp8' }), H100_80GB, 16],
    ['gpt-oss-120b mxfp4: one H100', shape(catalogModel('openai/gpt-oss-120b'), { dtype: 'mxfp4' }), H100_80GB, 1],
    ['gpt-oss-120b in bf16: four H100s', shape(catalogModel('openai/gpt-oss-120b')), H100_80GB, 4],
    ['gpt-oss-20b mxfp4: one L4', shape(catalogModel('openai/gpt-oss-20b'), { dtype: 'mxfp4' }), L4_24GB, 1],
    ['Gemma 2 9B bf16 at 8k: two L4s', shape(catalogModel('google/gemma-2-9b-it')), L4_24GB, 2],
    // 1024 × 8k tokens of KV (448 GiB) would fit 8 H100s, but 28 heads do not split 8 ways, nor 16, 32, 64.
    ['Qwen2.5-7B skips device counts its 28 heads cannot use',
      shape(catalogModel('Qwen/Qwen2.5-7B-Instruct'), { kvReserveSeqs: 1024 }), H100_80GB, undefined],
    ['candidates are tried smallest first', shape(catalogModel('meta-llama/Llama-3.1-70B-Instruct')), H100_80GB, 4, [8, 4]],
    ['no candidates, no answer', shape(catalogModel('meta-llama/Llama-3.1-8B-Instruct')), H100_80GB, undefined, []],
  ];
  for (const [name, s, hbm, want, candidates] of cases) {
    it(name, () => assert.equal(smallestDeviceCount(s, hbm, util, candidates), want));
  }
});

describe('kvCapacityTokens', () => {
  const util = DEFAULT_MEMORY_UTILIZATION;
  const llama8b = catalogModel('meta-llama/Llama-3.1-8B-Instruct');
  const deepseek = catalogModel('deepseek-ai/DeepSeek-V3');
  const cases: ReadonlyArray<[string, number, () => number]> = [
    ['Llama-3.1-8B bf16 on one H100',
      Math.floor((H100_80GB * 0.92 - 8_030_261_248 * 2 - overheadBytesPerDevice(1, llama8b)) / 131072),
      () => kvCapacityTokens(llama8b, 'bf16', 'bf16', 1, H100_80GB, util)],
    ['fp8 KV doubles the tokens',
      Math.floor((H100_80GB * 0.92 - 8_030_261_248 * 2 - overheadBytesPerDevice(1, llama8b)) / 65536),
      () => kvCapacityTokens(llama8b, 'bf16', 'fp8', 1, H100_80GB, util)],
    ['Llama-3.1-8B over 16 devices holds each KV head twice',
      Math.floor((16 * H100_80GB * 0.92 - 8_030_261_248 * 2 - 16 * overheadBytesPerDevice(16, llama8b)) / (131072 * 2)),
      () => kvCapacityTokens(llama8b, 'bf16', 'bf16', 16, H100_80GB, util)],
    ['DeepSeek-V3 fp8 on 8 H200s: each rank holds the whole latent',
      Math.floor((8 * H200_141GB * 0.92 - weightsBytes(deepseek, 'fp8') - 8 * overheadBytesPerDevice(8, deepseek)) / (70272 * 8)),
      () => kvCapacityTokens(deepseek, 'fp8', 'bf16', 8, H200_141GB, util)],
    ['Llama-3.1-405B bf16 on one H100: weights do not fit, 0',
      0, () => kvCapacityTokens(catalogModel('meta-llama/Llama-3.1-405B-Instruct'), 'bf16', 'bf16', 1, H100_80GB, util)],
  ];
  for (const [name, want, got] of cases) {
    it(`${name}: ${want} tokens`, () => assert.equal(got(), want));
  }
  it('agrees with fits for full-attention shapes', () => {
    const model = catalogModel('meta-llama/Llama-3.1-70B-Instruct');
    for (const devices of [1, 2, 4, 8]) {
      const capacity = kvCapacityTokens(model, 'bf16', 'bf16', devices, H100_80GB, util);
      for (const tokens of [capacity, capacity + 1]) {
        if (tokens === 0) continue;
        const n = replicaHbmNeed(shape(model, { maxModelLen: tokens }), devices);
        assert.equal(fits(n, devices, H100_80GB, util), tokens <= capacity, `${devices} devices, ${tokens} tokens`);
      }
    }
  });
});

describe('servingShapeProblem', () => {
  const llama8b = catalogModel('meta-llama/Llama-3.1-8B-Instruct');
  const gemma2 = catalogModel('google/gemma-2-9b-it');
  const cases: ReadonlyArray<[string, ServingShape, RegExp | undefined]> = [
    ['the defaults', shape(llama8b), undefined],
    ['the full context', shape(llama8b, { maxModelLen: 131072 }), undefined],
    ['past the context', shape(gemma2, { maxModelLen: 8193 }), /max-model-len 8193 exceeds google\/gemma-2-9b-it's context of 8192 tokens/],
    ['no tokens', shape(llama8b, { maxModelLen: 0 }), /max-model-len 0 is not a positive whole number/],
    ['fractional sequences', shape(llama8b, { kvReserveSeqs: 1.5 }), /kv-reserve-seqs 1.5 is not a positive whole number/],
  ];
  for (const [name, s, want] of cases) {
    it(name, () => {
      const got = servingShapeProblem(s);
      if (want === undefined) assert.equal(got, undefined);
      else assert.match(got ?? '', want);
    });
  }
});

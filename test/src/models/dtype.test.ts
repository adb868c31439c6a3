import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesPerParam, DTYPES, parseDtype, parseKvDtype, type Dtype } from '../../../src/models/dtype.js';

describe('bytesPerParam', () => {
  const cases: ReadonlyArray<[Dtype, number, string]> = [
    ['bf16', 2, '16 bits'],
    ['fp16', 2, '16 bits'],
    ['fp8', 1, '8 bits, per-tensor or per-channel scales'],
    ['int8', 1, '8 bits'],
    ['fp4', 0.5625, 'NVFP4: 4 bits + an 8-bit scale per 16 values = 4.5 bits'],
    ['mxfp4', 0.53125, 'MXFP4: 4 bits + an 8-bit scale per 32 values = 4.25 bits'],
    ['int4', 0.51953125, 'GPTQ/AWQ group 128: 4 bits + (16-bit scale + 4-bit zero) / 128 = 4.15625 bits'],
  ];
  for (const [dtype, bytes, why] of cases) {
    it(`${dtype} is ${bytes} bytes (${why})`, () => assert.equal(bytesPerParam(dtype), bytes));
  }
  it('covers every dtype', () => assert.deepEqual(cases.map(([d]) => d), DTYPES));
});

describe('parseDtype', () => {
  const cases: ReadonlyArray<[string, Dtype | undefined]> = [
    ['bf16', 'bf16'], ['BF16', 'bf16'], ['bfloat16', 'bf16'], [' fp16 ', 'fp16'], ['float16', 'fp16'],
    ['fp8', 'fp8'], ['int8', 'int8'], ['fp4', 'fp4'], ['nvfp4', 'fp4'], ['mxfp4', 'mxfp4'], ['int4', 'int4'],
    ['fp6', undefined], ['', undefined], ['float32', undefined], ['auto', undefined],
  ];
  for (const [text, want] of cases) {
    it(`"${text}" → ${want ?? 'error'}`, () => {
      const got = parseDtype(text);
      if (want === undefined) {
        assert.equal(got.ok, false);
        if (!got.ok) assert.match(got.error, /expected one of bf16, fp16, fp8, int8, fp4, mxfp4, int4/);
      } else {
        assert.deepEqual(got, { ok: true, value: want });
      }
    });
  }
});

describe('parseKvDtype', () => {
  const cases: ReadonlyArray<[string, string | undefined]> = [
    ['bf16', 'bf16'], ['fp16', 'fp16'], ['fp8', 'fp8'], ['fp8_e4m3', 'fp8'], ['fp8_e5m2', 'fp8'],
    ['int8', undefined], ['int4', undefined], ['mxfp4', undefined], ['nope', undefined],
  ];
  for (const [text, want] of cases) {
    it(`"${text}" → ${want ?? 'error'}`, () => {
      const got = parseKvDtype(text);
      assert.deepEqual(got.ok ? got.value : undefined, want);
      if (!got.ok) assert.match(got.error, /not a KV-cache dtype \(expected one of bf16, fp16, fp8\)/);
    });
  }
});

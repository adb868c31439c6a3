import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceleratorByName, type AcceleratorType } from '../../../src/accelerators/catalog.js';
import { modelById } from '../../../src/models/catalog.js';
import { expertWeightsBytes, weightsBytes } from '../../../src/models/memory.js';
import { mulberry32 } from '../../../src/random.js';
import type { ModelSpec } from '../../../src/models/spec.js';
import type { PerfPoint } from '../../../src/profiles/profile.js';
import {
  ALL_REDUCE_MS, ALL_REDUCE_PCIE_MS, ALL_REDUCE_PER_DOUBLING_MS, calibrate, DECODE_BANDWIDTH_EFFICIENCY, decodeStepMs, decodeWeightsReadMs, DEFAULT_EFFICIENCY,
  estimateProfile, md1WaitQuantileMs, moeShare, prefillMs, PREFILL_FLOPS_EFFICIENCY, stepCosts, type EstimateInput,
} from '../../../src/profiles/roofline.js';

const LLAMA_8B = modelById('meta-llama/Llama-3.1-8B-Instruct')!;
const LLAMA_70B = modelById('meta-llama/Llama-3.1-70B-Instruct')!;
const accelerator = (name: string): AcceleratorType => acceleratorByName(name)!;

function input(model: ModelSpec, type: string, tp: number, overrides: Partial<EstimateInput> = {}): EstimateInput {
  return { model, accelerator: accelerator(type), tp, dtype: model.nativeDtype, kvCacheDtype: 'bf16', memoryUtilization: 0.9, workload: { inputTokens: 1000, outputTokens: 200 }, ...overrides };
}

function curve(i: EstimateInput): PerfPoint[] {
  const e = estimateProfile(i);
  assert.ok(e.ok, e.ok ? '' : e.error);
  return e.value.points;
}

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.abs(expected), `${what}: ${actual} vs ${expected} (±${tolerance * 100}%)`);

describe('step costs from the catalogs', () => {
  it('Llama 3.1 8B on one H100: weights over 70% of 3.35 TB/s, 2 × 8B FLOPs per token over 50% of 989 TFLOP/s', () => {
    const c = stepCosts(LLAMA_8B, accelerator('nvidia-h100-80gb'), 1, 'bf16', 'bf16');
    close(c.weightsReadMs, (weightsBytes(LLAMA_8B, 'bf16') / (3.35e12 * DECODE_BANDWIDTH_EFFICIENCY)) * 1000, 1e-9, 'weights read');
    close(c.kvReadUsPerToken, (131072 / (3.35e12 * DECODE_BANDWIDTH_EFFICIENCY)) * 1e6, 1e-9, 'KV read per token');
    close(c.prefillTokensPerSecond, (accelerator('nvidia-h100-80gb').bf16FlopsPerSecond * PREFILL_FLOPS_EFFICIENCY) / (2 * LLAMA_8B.params), 1e-9, 'prefill rate');
    assert.equal(c.commMs, 0);
  });

  const comm: ReadonlyArray<[string, number, number]> = [
    ['nvidia-h100-80gb', 2, 2 * 32 * ALL_REDUCE_MS],
    ['nvidia-h100-80gb', 4, 2 * 32 * (ALL_REDUCE_MS + ALL_REDUCE_PER_DOUBLING_MS)],
    ['nvidia-h100-80gb', 8, 2 * 32 * (ALL_REDUCE_MS + 2 * ALL_REDUCE_PER_DOUBLING_MS)],
    ['nvidia-l4', 2, 2 * 32 * ALL_REDUCE_PCIE_MS],
  ];
  for (const [type, tp, ms] of comm) {
    it(`TP ${tp} on ${type}: two all-reduces per layer, ${ms.toFixed(2)} ms a step`, () => {
      close(stepCosts(LLAMA_8B, accelerator(type), tp, 'bf16', 'bf16').commMs, ms, 1e-9, 'comm');
    });
  }

  it('fp8 weights halve the weight read; prefill runs at the fp8 rate where the part has one', () => {
    const bf16 = stepCosts(LLAMA_70B, accelerator('nvidia-h100-80gb'), 4, 'bf16', 'bf16');
    const fp8 = stepCosts(LLAMA_70B, accelerator('nvidia-h100-80gb'), 4, 'fp8', 'bf16');
    assert.ok(fp8.weightsReadMs < bf16.weightsReadMs * 0.55 && fp8.weightsReadMs > bf16.weightsReadMs * 0.45);
    close(fp8.prefillTokensPerSecond, bf16.prefillTokensPerSecond * (1979 / 989), 1e-9, 'H100: fp8 at 1979 TFLOP/s');
  });

  // [type, fp8 prefill ÷ bf16 prefill]: TPU v5p/v6e and A100 have no faster fp8 path; TPU7x, B200 and MI300X do.
  const fp8Rates: ReadonlyArray<[string, number]> = [
    ['tpu-v5p-slice', 1], ['tpu-v6e-slice', 1], ['nvidia-tesla-a100', 1], ['tpu7x', 2], ['nvidia-b200', 2], ['amd-mi300x', 2614.9 / 1307.4],
  ];
  for (const [type, ratio] of fp8Rates) {
    it(`${type}: fp8 prefill runs ${ratio === 1 ? 'at the bf16 rate' : `${ratio.toFixed(2)}× the bf16 rate`}`, () => {
      const rate = (dtype: 'bf16' | 'fp8') => stepCosts(LLAMA_8B, accelerator(type), 1, dtype, 'bf16').prefillTokensPerSecond;
      close(rate('fp8') / rate('bf16'), ratio, 1e-3, 'fp8 ÷ bf16');
    });
  }

  it('a decode step is memory-bound at small batches and compute-bound at huge ones', () => {
    const c = stepCosts(LLAMA_8B, accelerator('nvidia-h100-80gb'), 1, 'bf16', 'bf16');
    close(decodeStepMs(c, 1, 0), c.weightsReadMs + c.perSeqMs, 1e-9, 'batch 1, no context');
    const huge = 100_000;
    close(decodeStepMs(c, huge, 0), (huge * 1000) / c.prefillTokensPerSecond + huge * c.perSeqMs, 1e-9, 'compute-bound');
    assert.equal(prefillMs(c, 1), c.weightsReadMs, 'a one-token prefill still reads every weight');
  });
});

describe('MoE decode reads the experts its batch touches', () => {
  // [model, routed experts, per token]; the expert share is of BYTES at the native dtype
  const cases: ReadonlyArray<[string, number, number]> = [
    ['mistralai/Mixtral-8x7B-Instruct-v0.1', 8, 2],
    ['openai/gpt-oss-120b', 128, 4],
    ['deepseek-ai/DeepSeek-V3', 256, 8],
  ];
  for (const [id, routed, perToken] of cases) {
    const model = modelById(id)!;
    it(`${id}: batch 1 reads the active parameters' share, a big batch all of them, more with every sequence`, () => {
      const share = expertWeightsBytes(model, model.nativeDtype)! / weightsBytes(model, model.nativeDtype);
      close(moeShare(model)!, share, 1e-12, 'expert share');
      const c = stepCosts(model, accelerator('nvidia-h200-141gb'), 8, model.nativeDtype, 'bf16');
      close(decodeWeightsReadMs(c, 1), c.weightsReadMs * (1 - share + (share * perToken) / routed), 1e-9, 'batch 1');
      close(decodeWeightsReadMs(c, 100_000), c.weightsReadMs, 1e-9, 'every expert');
      let last = 0;
      for (const b of [1, 2, 4, 8, 16, 64, 256]) {
        const read = decodeWeightsReadMs(c, b);
        assert.ok(read > last && read <= c.weightsReadMs, `batch ${b}`);
        last = read;
      }
    });
  }

  it('gpt-oss-120b: the always-read bf16 part is 6.7% of the bytes (1.9% of the parameters)', () => {
    const model = modelById('openai/gpt-oss-120b')!;
    close(1 - moeShare(model)!, 0.067, 0.02, 'non-expert byte share');
  });

  it('a dense model reads every weight at any batch', () => {
    assert.equal(moeShare(LLAMA_70B), undefined);
    const c = stepCosts(LLAMA_70B, accelerator('nvidia-h100-80gb'), 4, 'bf16', 'bf16');
    assert.equal(decodeWeightsReadMs(c, 1), c.weightsReadMs);
    assert.equal(decodeWeightsReadMs(c, 64), c.weightsReadMs);
  });

  it('gpt-oss-120b decodes a single stream far faster than a dense model of its size', () => {
    const model = modelById('openai/gpt-oss-120b')!;
    const first = curve(input(model, 'nvidia-h100-80gb', 1))[0]!;
    const c = stepCosts(model, accelerator('nvidia-h100-80gb'), 1, model.nativeDtype, 'bf16');
    assert.ok(first.itlP50Ms! < c.weightsReadMs / 5, `${first.itlP50Ms} ms vs ${c.weightsReadMs} ms for all weights`);
  });
});

describe('estimated curves', () => {
  const cases: ReadonlyArray<[string, EstimateInput]> = [
    ['Llama 8B, 1 × H100', input(LLAMA_8B, 'nvidia-h100-80gb', 1)],
    ['Llama 8B, 1 × L4', input(LLAMA_8B, 'nvidia-l4', 1)],
    ['Llama 70B, 4 × H100', input(LLAMA_70B, 'nvidia-h100-80gb', 4)],
    ['Llama 70B, 8 × H200, long prompts', input(LLAMA_70B, 'nvidia-h200-141gb', 8, { workload: { inputTokens: 8000, outputTokens: 500 } })],
    ['Llama 8B, 4 × TPU v6e', input(LLAMA_8B, 'tpu-v6e-slice', 4)],
  ];
  for (const [name, i] of cases) {
    it(`${name}: throughput, rate and every latency grow with the batch`, () => {
      const points = curve(i);
      assert.ok(points.length >= 3);
      assert.equal(points[0]!.concurrency, 1);
      for (let k = 1; k < points.length; k++) {
        const [a, b] = [points[k - 1]!, points[k]!];
        assert.ok(b.concurrency! > a.concurrency!);
        assert.ok(b.requestRate > a.requestRate, `rate at ${b.concurrency}`);
        assert.ok(b.outputTokensPerSecond > a.outputTokensPerSecond, `throughput at ${b.concurrency}`);
        assert.ok(b.itlP50Ms! >= a.itlP50Ms!, `ITL at ${b.concurrency}`);
        assert.ok(b.ntpotP50Ms >= a.ntpotP50Ms, `NTPOT at ${b.concurrency}`);
        assert.ok(b.ttftP99Ms >= a.ttftP99Ms, `TTFT p99 at ${b.concurrency}`);
      }
      for (const p of points) {
        assert.ok(p.ttftP99Ms >= p.ttftP50Ms && p.ntpotP99Ms >= p.ntpotP50Ms, 'p99 ≥ p50');
        close(p.outputTokensPerSecond, p.requestRate * i.workload.outputTokens, 1e-9, 'tokens = rate × output');
      }
    });
  }

  it('the batch stops where the KV cache is full (L4: 24 GB leave room for a dozen 1200-token requests)', () => {
    const e = estimateProfile(input(LLAMA_8B, 'nvidia-l4', 1));
    assert.ok(e.ok);
    if (!e.ok) return;
    assert.equal(e.value.maxBatch, Math.floor(e.value.kvCapacityTokens / 1200));
    assert.equal(e.value.points.at(-1)!.concurrency, e.value.maxBatch);
  });

  // vLLM's default max_num_seqs (vllm/engine/arg_utils.py get_batch_defaults): 1024 on devices of ≥ 70 GiB but
  // A100s, 256 elsewhere.
  const caps: ReadonlyArray<[string, number]> = [['nvidia-h200-141gb', 1024], ['nvidia-a100-80gb', 256]];
  for (const [type, cap] of caps) {
    it(`the batch is capped at vLLM's default max_num_seqs on ${type} (${cap}) when the KV cache has room for more`, () => {
      const e = estimateProfile(input(LLAMA_8B, type, 1, { workload: { inputTokens: 100, outputTokens: 100 } }));
      assert.ok(e.ok && e.value.maxBatch === cap, e.ok ? String(e.value.maxBatch) : e.error);
    });
  }

  it('batch-1 decode is bandwidth-bound: H200 vs H100 speed-up is their bandwidth ratio (4.8 / 3.35 = 1.43)', () => {
    // NVIDIA's H200 launch figures put single-stream decode at ~1.4× H100 for models that fit both; the roofline
    // must land there because both GPUs run the same Hopper compute.
    for (const model of [LLAMA_8B, LLAMA_70B]) {
      const tp = model === LLAMA_8B ? 1 : 4;
      const h100 = curve(input(model, 'nvidia-h100-80gb', tp))[0]!;
      const h200 = curve(input(model, 'nvidia-h200-141gb', tp))[0]!;
      // The all-reduces (same NVLink on both) are not bandwidth-bound: compare the memory part of the step.
      const comm = stepCosts(model, accelerator('nvidia-h100-80gb'), tp, 'bf16', 'bf16').commMs;
      close((h100.itlP50Ms! - comm) / (h200.itlP50Ms! - comm), 4.8 / 3.35, 0.05, `${model.id} ITL ratio`);
    }
  });

  it('batch-1 decode of Llama 8B on an H100 is near the 6.48 ms TPOT p50 vLLM 0.21.0 serves (fixture)', () => {
    close(curve(input(LLAMA_8B, 'nvidia-h100-80gb', 1))[0]!.itlP50Ms!, 6.48, 0.1, 'ITL');
  });

  it('prefill is compute-bound: TTFT at light load grows with the prompt, in proportion to FLOPs', () => {
    const short = curve(input(LLAMA_8B, 'nvidia-h100-80gb', 1, { workload: { inputTokens: 2000, outputTokens: 100 } }))[0]!;
    const long = curve(input(LLAMA_8B, 'nvidia-h100-80gb', 1, { workload: { inputTokens: 8000, outputTokens: 100 } }))[0]!;
    const c = stepCosts(LLAMA_8B, accelerator('nvidia-h100-80gb'), 1, 'bf16', 'bf16');
    close(long.ttftP50Ms - short.ttftP50Ms, (6000 * 1000) / c.prefillTokensPerSecond, 0.05, 'TTFT difference');
  });

  it('more tensor parallelism: faster tokens at batch 1 and more throughput at saturation', () => {
    const tp2 = curve(input(LLAMA_70B, 'nvidia-h100-80gb', 2));
    const tp8 = curve(input(LLAMA_70B, 'nvidia-h100-80gb', 8));
    assert.ok(tp8[0]!.itlP50Ms! < tp2[0]!.itlP50Ms!);
    assert.ok(tp8.at(-1)!.outputTokensPerSecond > tp2.at(-1)!.outputTokensPerSecond);
  });

  const errors: ReadonlyArray<[string, EstimateInput, RegExp]> = [
    ['70B on one L4', input(LLAMA_70B, 'nvidia-l4', 1), /weights leave no room for KV cache on 1 × nvidia-l4/],
    ['a TP size the heads do not divide', input(LLAMA_8B, 'nvidia-h100-80gb', 3), /not divisible by 3/],
    ['a request longer than the KV cache', input(LLAMA_8B, 'nvidia-l4', 1, { workload: { inputTokens: 100_000, outputTokens: 10 } }), /KV cache holds \d+ tokens, less than one request of 100010/],
    ['no output', input(LLAMA_8B, 'nvidia-l4', 1, { workload: { inputTokens: 100, outputTokens: 0 } }), /at least 1 input and 1 output token/],
  ];
  for (const [name, i, error] of errors) {
    it(`refuses ${name}`, () => {
      const e = estimateProfile(i);
      assert.equal(e.ok, false);
      if (!e.ok) assert.match(e.error, error);
    });
  }
});

describe('the M/D/1 wait of prefills', () => {
  /** The q-quantile of the wait by Lindley's recursion over simulated Poisson arrivals: a check we did not derive. */
  function simulated(arrivalsPerMs: number, serviceMs: number, q: number, n: number): number {
    const random = mulberry32(42);
    const waits = new Float64Array(n);
    let wait = 0;
    for (let i = 0; i < n; i++) {
      waits[i] = wait;
      wait = Math.max(0, wait + serviceMs + Math.log(1 - random()) / arrivalsPerMs);
    }
    waits.sort();
    return waits[Math.floor(q * n)]!;
  }
  // [arrivals per ms, service ms, q]: the issue's case (1 req/s, 133 ms: exact p99 133 ms, Kingman said 199), and heavier loads
  const cases: ReadonlyArray<[number, number, number]> = [[0.001, 133, 0.99], [0.005, 100, 0.99], [0.009, 100, 0.99], [0.009, 100, 0.5]];
  for (const [lambda, service, q] of cases) {
    it(`ρ = ${(lambda * service).toFixed(2)}: the q${q * 100} wait matches a simulation within 5%`, () => {
      const exact = md1WaitQuantileMs(lambda, service, q);
      close(exact, simulated(lambda, service, q, 2_000_000), 0.05, 'wait quantile');
    });
  }

  it('no wait below P(no wait) = 1 − ρ', () => {
    assert.equal(md1WaitQuantileMs(0.001, 133, 0.8), 0);
  });
});

describe('calibration from measured profiles', () => {
  const base = input(LLAMA_8B, 'nvidia-h100-80gb', 1);
  const estimated = curve(base);

  it('a measurement equal to the estimate leaves the efficiencies as they are', () => {
    const c = calibrate([{ measured: estimated, estimated }]);
    close(c.decodeBandwidth, DEFAULT_EFFICIENCY.decodeBandwidth, 1e-9, 'decode');
    close(c.prefillFlops, DEFAULT_EFFICIENCY.prefillFlops, 1e-9, 'prefill');
  });

  it('decode measured 25% slower scales the bandwidth efficiency by 0.8; prefill 2× slower halves the FLOPs one', () => {
    const light = estimated[0]!;
    const measured = [{ ...light, itlP50Ms: light.itlP50Ms! * 1.25, ttftP50Ms: light.ttftP50Ms * 2 }];
    const c = calibrate([{ measured, estimated }]);
    close(c.decodeBandwidth, DEFAULT_EFFICIENCY.decodeBandwidth * 0.8, 1e-9, 'decode');
    close(c.prefillFlops, DEFAULT_EFFICIENCY.prefillFlops * 0.5, 1e-9, 'prefill');
  });

  it('re-estimating with the calibrated efficiencies reproduces the measured batch-1 ITL', () => {
    const light = estimated[0]!;
    const measured = [{ ...light, itlP50Ms: light.itlP50Ms! * 1.3 }];
    const again = curve({ ...base, efficiency: calibrate([{ measured, estimated }]) })[0]!;
    close(again.itlP50Ms!, measured[0]!.itlP50Ms, 0.02, 'ITL');
  });

  it('several profiles: the geometric mean; without ITL, NTPOT; absurd ratios are clamped', () => {
    const light = estimated[0]!;
    const slow = [{ ...light, itlP50Ms: light.itlP50Ms! * 2 }];
    const fast = [{ ...light, itlP50Ms: light.itlP50Ms! / 2 }];
    close(calibrate([{ measured: slow, estimated }, { measured: fast, estimated }]).decodeBandwidth, DEFAULT_EFFICIENCY.decodeBandwidth, 1e-9, 'mean');
    const { itlP50Ms: _itl, ...noItl } = light;
    close(calibrate([{ measured: [{ ...noItl, ntpotP50Ms: light.ntpotP50Ms * 2 }], estimated }]).decodeBandwidth, DEFAULT_EFFICIENCY.decodeBandwidth / 2, 1e-9, 'NTPOT');
    assert.equal(calibrate([{ measured: [{ ...light, itlP50Ms: light.itlP50Ms! / 100 }], estimated }]).decodeBandwidth, 1);
    assert.equal(calibrate([]).decodeBandwidth, DEFAULT_EFFICIENCY.decodeBandwidth);
  });
});

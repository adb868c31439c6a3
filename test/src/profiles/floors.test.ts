import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACCELERATORS, type AcceleratorType } from '../../../src/accelerators/catalog.js';
import { MODELS } from '../../../src/models/catalog.js';
import { DTYPES, type Dtype } from '../../../src/models/dtype.js';
import { expertWeightsBytes, kvBytesPerToken, kvReplication, tensorParallelProblem, weightsBytes } from '../../../src/models/memory.js';
import type { ModelSpec } from '../../../src/models/spec.js';
import { decodeStepMs, estimateProfile, prefillMs, stepCosts } from '../../../src/profiles/roofline.js';

// Physical floors as a property, over the whole catalog: every model × accelerator type × TP × weight dtype.
// No estimate may beat the hardware: a decode step cannot take less than the bytes it must read over the group's
// peak bandwidth, a prefill less than its FLOPs over the group's peak FLOP/s at the dtype's rate. The floors are
// written here from the catalogs' peak figures, not from the roofline's efficiency-scaled costs.

const TPS = [1, 2, 4, 8];
const WORKLOAD = { inputTokens: 1000, outputTokens: 200 };

/** Bytes a decode step of `batch` sequences at `context` tokens must read at least: the always-read weights, the
 * experts each token needs (k of E, all of them shared at best), and every sequence's KV. */
function decodeFloorBytes(model: ModelSpec, dtype: Dtype, tp: number, batch: number, context: number): number {
  const experts = expertWeightsBytes(model, dtype) ?? 0;
  const share = model.experts ? model.experts.perToken / model.experts.routed : 0;
  const weights = weightsBytes(model, dtype) - experts + experts * share;
  return weights + batch * context * kvBytesPerToken(model, 'bf16') * kvReplication(model, tp);
}

/** The dtype's peak rate: fp8 at the part's fp8 rate where it lists one, everything else at bf16. */
function peakFlops(accelerator: AcceleratorType, dtype: Dtype): number {
  return dtype === 'fp8' && accelerator.fp8FlopsPerSecond !== undefined ? accelerator.fp8FlopsPerSecond : accelerator.bf16FlopsPerSecond;
}

describe('physical floors over the whole catalog', () => {
  for (const model of MODELS) {
    it(`${model.id}: every accelerator, TP and dtype at or above the bandwidth and compute floors`, () => {
      let checked = 0;
      for (const accelerator of ACCELERATORS) {
        for (const tp of TPS) {
          if (tensorParallelProblem(model, tp)) continue;
          const bandwidth = tp * accelerator.hbmBandwidthBytesPerSecond;
          for (const dtype of DTYPES) {
            const where = `${tp} × ${accelerator.name}, ${dtype}`;
            const flops = tp * peakFlops(accelerator, dtype);
            const costs = stepCosts(model, accelerator, tp, dtype, 'bf16');
            const itlFloorMs = (decodeFloorBytes(model, dtype, tp, 1, 0) / bandwidth) * 1000;
            assert.ok(decodeStepMs(costs, 1, 0) >= itlFloorMs, `${where}: batch-1 step ${decodeStepMs(costs, 1, 0)} < floor ${itlFloorMs}`);
            const prefillFloorMs = ((2 * (model.activeParams ?? model.params) * WORKLOAD.inputTokens) / flops) * 1000;
            assert.ok(prefillMs(costs, WORKLOAD.inputTokens) >= prefillFloorMs, `${where}: prefill ${prefillMs(costs, WORKLOAD.inputTokens)} < floor ${prefillFloorMs}`);
            const estimate = estimateProfile({ model, accelerator, tp, dtype, kvCacheDtype: 'bf16', memoryUtilization: 0.9, workload: WORKLOAD });
            if (!estimate.ok) continue;
            for (const point of estimate.value.points) {
              const batch = point.concurrency ?? 1;
              const floor = (decodeFloorBytes(model, dtype, tp, batch, WORKLOAD.inputTokens) / bandwidth) * 1000;
              assert.ok((point.itlP50Ms ?? 0) >= floor, `${where}, batch ${batch}: ITL ${point.itlP50Ms} < floor ${floor}`);
              assert.ok(point.ttftP50Ms >= prefillFloorMs, `${where}, batch ${batch}: TTFT ${point.ttftP50Ms} < floor ${prefillFloorMs}`);
            }
            checked++;
          }
        }
      }
      assert.ok(checked > 0, 'no combination checked');
    });
  }

  it('gpt-oss-120b at batch 1 on one H100 stays above its ~1.85 ms floor (the issue: 1.25 ms when split by parameters)', () => {
    const model = MODELS.find((m) => m.id === 'openai/gpt-oss-120b')!;
    const h100 = ACCELERATORS.find((a) => a.name === 'nvidia-h100-80gb')!;
    const floor = (decodeFloorBytes(model, 'mxfp4', 1, 1, 0) / h100.hbmBandwidthBytesPerSecond) * 1000;
    assert.ok(floor > 1.8 && floor < 1.95, `floor ${floor}`);
    assert.ok(decodeStepMs(stepCosts(model, h100, 1, 'mxfp4', 'bf16'), 1, 0) >= floor);
  });
});

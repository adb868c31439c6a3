import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceleratorByName } from '../../../src/accelerators/catalog.js';
import { modelById } from '../../../src/models/catalog.js';
import { MIN_COMPLETED_REQUESTS, profileDoubts } from '../../../src/profiles/judgement.js';
import type { PerfProfile, PerfPoint } from '../../../src/profiles/profile.js';
import { estimateProfile } from '../../../src/profiles/roofline.js';

// Which measured profiles may calibrate others: enough finished requests per stage, plausible efficiencies.

const LLAMA_8B = modelById('meta-llama/Llama-3.1-8B-Instruct')!;
const WORKLOAD = { inputTokens: 1000, outputTokens: 200 };
const estimate = estimateProfile({ model: LLAMA_8B, accelerator: acceleratorByName('nvidia-h100-80gb')!, tp: 1, dtype: 'bf16', kvCacheDtype: 'bf16', memoryUtilization: 0.9, workload: WORKLOAD });
assert.ok(estimate.ok);
const estimated = estimate.value.points;
const light = estimated[0]!;

/** A measured point like the estimate's lightest, scaled: `decode` × its ITL and NTPOT, `prefill` × its TTFT. */
function aPoint(decode: number, prefill: number, completedRequests?: number): PerfPoint {
  return {
    ...light, itlP50Ms: light.itlP50Ms! * decode, ntpotP50Ms: light.ntpotP50Ms * decode, ttftP50Ms: light.ttftP50Ms * prefill,
    ...(completedRequests !== undefined ? { completedRequests } : {}),
  };
}

function aProfile(points: PerfPoint[]): PerfProfile {
  return { key: { model: LLAMA_8B.id, server: 'vllm', accelerator: 'nvidia-h100-80gb', tp: 1, ...WORKLOAD }, source: 'measured', points, origin: 'test', createdAt: '2026-12-01T00:00:00Z' };
}

describe('profileDoubts', () => {
  const cases: ReadonlyArray<[string, PerfPoint[], RegExp[]]> = [
    ['as estimated, enough requests', [aPoint(1, 1, 200)], []],
    ['20% slower decode, 30% slower prefill: plausible', [aPoint(1.2, 1.3, 50)], []],
    ['no request counts (an old import): judged on efficiencies only', [aPoint(1, 1)], []],
    ['one request in a stage', [aPoint(1, 1, 1), aPoint(1, 1, 300)], [new RegExp(`1 of 2 stages finished fewer than ${MIN_COMPLETED_REQUESTS} requests \\(fewest: 1\\)`)]],
    ['decode 3.75× slower: 20% of peak bandwidth', [aPoint(3.75, 1, 100)], [/implies 20% of peak bandwidth \(plausible: 30%–95%\)/]],
    ['decode twice as fast as the estimate: past 95%', [aPoint(0.5, 1, 100)], [/implies 150% of peak bandwidth/]],
    ['TTFT 10× the estimate: prefill under 10% of peak', [aPoint(1, 10, 100)], [/implies 5% of peak FLOP\/s \(plausible: 10%–90%\)/]],
    ['everything wrong at once', [aPoint(4, 10, 2)], [/fewer than 20/, /peak bandwidth/, /peak FLOP\/s/]],
  ];
  for (const [name, points, expected] of cases) {
    it(name, () => {
      const doubts = profileDoubts(aProfile(points), estimated);
      assert.equal(doubts.length, expected.length, doubts.join('; '));
      expected.forEach((re, i) => assert.match(doubts[i]!, re));
    });
  }

  it('without an estimate (model not in the catalog) only the counts are judged', () => {
    assert.deepEqual(profileDoubts(aProfile([aPoint(10, 10, 100)]), undefined), []);
    assert.equal(profileDoubts(aProfile([aPoint(1, 1, 3)]), undefined).length, 1);
  });
});

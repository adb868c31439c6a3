import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceleratorByName } from '../../../src/accelerators/catalog.js';
import { catalogInventory, catalogSliceInventory, inventory } from '../../../src/deploy/inventory.js';
import { modelById } from '../../../src/models/catalog.js';
import type { ModelSpec } from '../../../src/models/spec.js';
import type { PriceTable } from '../../../src/profiles/pricing.js';
import type { PerfProfile, PerfPoint } from '../../../src/profiles/profile.js';
import { aNode } from '../../builders.js';
import { matchingProfile, operatingPoint, recommend, type RecommendInput } from '../../../src/profiles/recommend.js';

const LLAMA_8B = modelById('meta-llama/Llama-3.1-8B-Instruct')!;
const LLAMA_70B = modelById('meta-llama/Llama-3.1-70B-Instruct')!;
const LLAMA_405B = modelById('meta-llama/Llama-3.1-405B-Instruct')!;

function point(rate: number, ttftP99: number, ntpotP99: number, concurrency?: number): PerfPoint {
  return { requestRate: rate, outputTokensPerSecond: rate * 100, ttftP50Ms: ttftP99 / 2, ttftP99Ms: ttftP99, ntpotP50Ms: ntpotP99 / 2, ntpotP99Ms: ntpotP99, ...(concurrency !== undefined ? { concurrency } : {}) };
}

function measured(overrides: Partial<PerfProfile['key']> = {}, points: PerfPoint[] = [point(1, 100, 16, 1), point(4, 180, 20, 4)], createdAt = '2026-11-01T00:00:00Z'): PerfProfile {
  return {
    key: { model: LLAMA_8B.id, server: 'vllm', accelerator: 'nvidia-h100-80gb', tp: 1, inputTokens: 1000, outputTokens: 200, ...overrides },
    source: 'measured', points, origin: 'kubectl inference bench test', createdAt,
  };
}

const PRICES: PriceTable = {
  source: 'test', asOf: '2026-11-01', currency: 'USD',
  prices: new Map([['nvidia-h100-80gb', { onDemand: 10, spot: 4 }], ['nvidia-l4', { onDemand: 0.7, spot: 0.28 }], ['tpu-v6e-slice', { onDemand: 2.7 }]]),
};

function recommendInput(overrides: Partial<RecommendInput> = {}): RecommendInput {
  return {
    model: LLAMA_8B, server: 'vllm', dtype: 'bf16', kvCacheDtype: 'bf16', maxModelLen: 8192, memoryUtilization: 0.9,
    workload: { inputTokens: 1000, outputTokens: 200 }, targets: { ttftMs: 500, ntpotMs: 60 },
    candidates: [catalogInventory(acceleratorByName('nvidia-h100-80gb')!, 8), catalogInventory(acceleratorByName('nvidia-l4')!, 8)],
    prices: PRICES, pricing: 'on-demand', measured: [], modelOf: (id: string): ModelSpec | undefined => modelById(id),
    ...overrides,
  };
}

describe('operating point: the most throughput within the targets', () => {
  const curve = [point(1, 100, 10, 1), point(2, 200, 20, 2), point(4, 400, 40, 4)];
  const cases: ReadonlyArray<[string, { ttftMs?: number; ntpotMs?: number }, number | RegExp]> = [
    ['no targets: the last point', {}, 4],
    ['targets every point meets', { ttftMs: 1000, ntpotMs: 100 }, 4],
    ['TTFT crosses halfway between 2 and 4 req/s', { ttftMs: 300 }, 3],
    ['the tighter of the two decides', { ttftMs: 300, ntpotMs: 25 }, 2.5],
    ['a target met exactly at a point', { ntpotMs: 20 }, 2],
    ['missed at batch 1', { ttftMs: 50 }, /misses the target even at batch 1: TTFT p99 100 ms > 50 ms/],
    ['both missed at batch 1', { ttftMs: 50, ntpotMs: 5 }, /TTFT p99 100 ms > 50 ms, NTPOT p99 10 ms > 5 ms/],
  ];
  for (const [name, targets, expected] of cases) {
    it(name, () => {
      const result = operatingPoint(curve, targets);
      if (typeof expected === 'number') {
        assert.ok('point' in result);
        if ('point' in result) assert.ok(Math.abs(result.point.requestRate - expected) < 1e-9, `${result.point.requestRate}`);
      } else {
        assert.ok('miss' in result);
        if ('miss' in result) assert.match(result.miss, expected);
      }
    });
  }

  it('a measured curve that starts above batch 1 says "at its lightest load"', () => {
    const result = operatingPoint([point(3, 900, 10, 8)], { ttftMs: 500 });
    assert.ok('miss' in result && /at its lightest load \(3 req\/s\)/.test(result.miss));
  });
});

describe('matching a measured profile to the question', () => {
  const workload = { inputTokens: 1000, outputTokens: 200 };
  const cases: ReadonlyArray<[string, PerfProfile[], string | undefined]> = [
    ['the same key', [measured()], 'kubectl inference bench test'],
    ['a workload within 10%', [measured({ inputTokens: 1080, outputTokens: 190 })], 'kubectl inference bench test'],
    ['a workload 20% off', [measured({ inputTokens: 1200 })], undefined],
    ['another TP', [measured({ tp: 2 })], undefined],
    ['another server', [measured({ server: 'sglang' })], undefined],
    ['another accelerator', [measured({ accelerator: 'nvidia-l4' })], undefined],
    ['the nearest of two', [{ ...measured({ inputTokens: 1090 }), origin: 'far' }, { ...measured({ inputTokens: 1010 }), origin: 'near' }], 'near'],
  ];
  for (const [name, profiles, origin] of cases) {
    it(name, () => assert.equal(matchingProfile(profiles, LLAMA_8B.id, 'vllm', 'nvidia-h100-80gb', 1, workload)?.origin, origin));
  }
});

describe('recommend', () => {
  it('ranks by cost per million output tokens and says why the first', () => {
    const r = recommend(recommendInput());
    assert.ok(r.options.length > 3);
    const costs = r.options.map((o) => o.costPerMillionTokens!);
    assert.deepEqual(costs, [...costs].sort((a, b) => a - b));
    assert.match(r.reason!, /^lowest on-demand cost per million output tokens within TTFT p99 ≤ 500 ms and NTPOT p99 ≤ 60 ms/);
    for (const o of r.options) {
      assert.ok(o.operating.ttftP99Ms <= 500 + 1e-6 && o.operating.ntpotP99Ms <= 60 + 1e-6, `${o.tp} × ${o.accelerator} within targets`);
      const expected = ((o.pricePerHour!) / (o.operating.outputTokensPerSecond * 3600)) * 1e6;
      assert.ok(Math.abs(o.costPerMillionTokens! - expected) < 1e-9, 'cost = $/h ÷ tokens/h');
      assert.equal(o.source, 'estimated');
    }
  });

  it('spot prices change the costs', () => {
    const onDemand = recommend(recommendInput()).options.find((o) => o.accelerator === 'nvidia-h100-80gb' && o.tp === 1)!;
    const spot = recommend(recommendInput({ pricing: 'spot' })).options.find((o) => o.accelerator === 'nvidia-h100-80gb' && o.tp === 1)!;
    assert.ok(Math.abs(spot.costPerMillionTokens! / onDemand.costPerMillionTokens! - 0.4) < 1e-9);
  });

  it('a measured profile is used as it is and says so; other TPs of that type are calibrated by it', () => {
    const r = recommend(recommendInput({ measured: [measured()] }));
    const exact = r.options.find((o) => o.accelerator === 'nvidia-h100-80gb' && o.tp === 1)!;
    assert.equal(exact.source, 'measured');
    assert.match(exact.origin, /kubectl inference bench test, 2026-11-01/);
    assert.equal(exact.operating.requestRate, 4);
    assert.equal(r.options.find((o) => o.accelerator === 'nvidia-h100-80gb' && o.tp === 2)!.source, 'estimated, calibrated');
    assert.equal(r.options.find((o) => o.accelerator === 'nvidia-l4')?.source ?? 'estimated', 'estimated');
    assert.equal(r.calibration.get('nvidia-h100-80gb')?.profiles, 1);
  });

  it('a doubtful profile (one request in its stage, 5× the estimated ITL) calibrates nothing and is set aside, with why', () => {
    const odd = measured({}, [{ ...point(0.2, 300, 70, 1), itlP50Ms: 33, completedRequests: 1 }]);
    const r = recommend(recommendInput({ measured: [odd] }));
    assert.equal(r.calibration.get('nvidia-h100-80gb'), undefined);
    assert.equal(r.setAside.length, 1);
    assert.match(r.setAside[0]!.doubts.join('; '), /fewer than 20 requests \(fewest: 1\)/);
    assert.match(r.setAside[0]!.doubts.join('; '), /implies \d+% of peak bandwidth \(plausible: 30%–95%\)/);
    // The exact match is still shown, flagged; TP 2 keeps the plain estimate instead of a 5× slower calibration.
    const exact = recommend(recommendInput({ measured: [odd], targets: {} })).options.find((o) => o.accelerator === 'nvidia-h100-80gb' && o.tp === 1)!;
    assert.match(exact.origin, /doubtful: /);
    assert.ok(exact.doubts && exact.doubts.length === 2);
    assert.equal(r.options.find((o) => o.accelerator === 'nvidia-h100-80gb' && o.tp === 2)!.source, 'estimated');
  });

  it('a measured profile that misses the targets at its lightest load makes its option infeasible, with the source', () => {
    const r = recommend(recommendInput({ measured: [measured({}, [point(1, 900, 10, 1)])] }));
    const row = r.infeasible.find((x) => x.accelerator === 'nvidia-h100-80gb' && x.tp === 1);
    assert.equal(row?.source, 'measured');
    assert.match(row!.why, /misses the target even at batch 1/);
  });

  it('lists why the others are out: too slow even at batch 1', () => {
    const r = recommend(recommendInput({ model: LLAMA_70B, targets: { ttftMs: 2000, ntpotMs: 60 } }));
    const l4 = r.infeasible.find((x) => x.accelerator === 'nvidia-l4')!;
    assert.equal(l4.tp, 8, 'Llama 70B bf16 fits 8 L4s of one node as vLLM budgets it (256 sequences of activation)');
    assert.match(l4.why, /misses the target even at batch 1.*NTPOT p99 \d+(\.\d)? ms > 60 ms/);
    const tight = recommend(recommendInput({ targets: { ntpotMs: 60 } }));
    assert.match(tight.infeasible.find((x) => x.accelerator === 'nvidia-l4' && x.tp === 1)!.why, /NTPOT p99 \d+(\.\d)? ms > 60 ms/);
  });

  it('a model no node holds: the smallest replica over several nodes, with the node count and every device priced', () => {
    const r = recommend(recommendInput({ model: LLAMA_405B, candidates: [catalogInventory(acceleratorByName('nvidia-h100-80gb')!, 8)], targets: { ttftMs: 5000, ntpotMs: 200 } }));
    assert.equal(r.options.length, 1, JSON.stringify(r.infeasible));
    const o = r.options[0]!;
    assert.deepEqual([o.accelerator, o.tp, o.nodes], ['nvidia-h100-80gb', 16, 2]);
    assert.equal(o.pricePerHour, 16 * 10);
    assert.match(o.origin, /8-way TP per node × 2 pipeline stages, 50 µs \+ activations at 50 GB\/s per stage hop/);
    assert.ok(r.options.every((x) => x.nodes >= 1));
    const single = recommend(recommendInput());
    assert.ok(single.options.every((x) => x.nodes === 1));
  });

  it('nothing meets impossible targets: no reason, every option infeasible', () => {
    const r = recommend(recommendInput({ targets: { ttftMs: 1 } }));
    assert.equal(r.options.length, 0);
    assert.equal(r.reason, undefined);
    assert.ok(r.infeasible.length >= 5);
  });

  it('TPU host shapes: a shape too small is not reported when a bigger one fits', () => {
    const v6e = acceleratorByName('tpu-v6e-slice')!;
    const r = recommend(recommendInput({ model: LLAMA_70B, targets: {}, candidates: [1, 4, 8].map((n) => catalogInventory(v6e, n)) }));
    assert.ok(r.options.some((o) => o.accelerator === 'tpu-v6e-slice' && o.tp === 8));
    assert.equal(r.infeasible.filter((x) => x.accelerator === 'tpu-v6e-slice' && x.tp === undefined).length, 0);
  });

  it('multi-host TPU slices from the cluster: one option per whole slice that holds the model, hosts as nodes, ICI in the estimate', () => {
    const host = (pool: string, topology: string, i: number) => aNode(`${pool}-${i}`).gkeTpu('tpu-v6e-slice', topology, 4).label('cloud.google.com/gke-nodepool', pool).build();
    const nodes = [...[0, 1, 2, 3].map((i) => host('a', '4x4', i)), ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => host('b', '4x8', i))];
    const r = recommend(recommendInput({ model: LLAMA_70B, targets: {}, candidates: inventory(nodes) }));
    const tpu = r.options.filter((o) => o.accelerator === 'tpu-v6e-slice').map((o) => [o.tp, o.nodes, o.tpuTopology]).sort((a, b) => Number(a[0]) - Number(b[0]));
    assert.deepEqual(tpu, [[16, 4, '4x4'], [32, 8, '4x8']]);
    assert.match(r.options.find((o) => o.tp === 16)!.origin, /4x4 slice: 16-way TP over 4 hosts, all-reduces over ICI at 448 GB\/s per chip/);
  });

  it('a model no TPU host holds: the smallest two multi-host slice shapes that do, none bigger', () => {
    const v6e = acceleratorByName('tpu-v6e-slice')!;
    const r = recommend(recommendInput({ model: LLAMA_405B, targets: {}, candidates: [...[1, 4, 8].map((n) => catalogInventory(v6e, n)), catalogSliceInventory(v6e)!] }));
    assert.deepEqual(r.options.map((o) => [o.tp, o.nodes, o.tpuTopology]).sort((a, b) => Number(a[0]) - Number(b[0])), [[32, 8, '4x8'], [64, 16, '8x8']]);
    assert.equal(r.infeasible.filter((x) => x.accelerator === 'tpu-v6e-slice' && x.tp === undefined).length, 0, 'the single-host shapes that fail are not reported');
  });

  it('TPU host shapes that all fail: one row, with the biggest host figures', () => {
    const v5e = acceleratorByName('tpu-v5-lite-podslice')!;
    const r = recommend(recommendInput({ model: LLAMA_70B, targets: {}, candidates: [1, 4, 8].map((n) => catalogInventory(v5e, n)) }));
    const rows = r.infeasible.filter((x) => x.accelerator === 'tpu-v5-lite-podslice');
    assert.equal(rows.length, 1);
    assert.match(rows[0]!.why, /8 × tpu-v5-lite-podslice/);
  });

  it('unpriced types come after priced ones; --rate gives the replicas', () => {
    const r = recommend(recommendInput({ candidates: [catalogInventory(acceleratorByName('nvidia-b200')!, 8), catalogInventory(acceleratorByName('nvidia-l4')!, 8)], requestRate: 50 }));
    const firstUnpriced = r.options.findIndex((o) => o.costPerMillionTokens === undefined);
    assert.ok(firstUnpriced > 0 && r.options.slice(firstUnpriced).every((o) => o.costPerMillionTokens === undefined));
    for (const o of r.options) assert.equal(o.replicas, Math.ceil(50 / o.operating.requestRate));
  });
});

describe('recommend on parts without speed data and on GPU shares', () => {
  // Karpenter g5 (A10G; instance-types reference: gpu-memory 22888 MiB) and GFD MPS shares of H100s.
  const a10g = aNode('g5').label('karpenter.k8s.aws/instance-gpu-name', 'a10g').label('karpenter.k8s.aws/instance-gpu-memory', '22888')
    .label('karpenter.k8s.aws/instance-gpu-manufacturer', 'nvidia').resource('nvidia.com/gpu', 4).build();
  const shared = aNode('h').gfdGpu('NVIDIA-H100-80GB-HBM3-SHARED', 8, 81559).label('nvidia.com/gpu.replicas', '2')
    .label('nvidia.com/gpu.sharing-strategy', 'mps').resource('nvidia.com/gpu', 16).build();
  const r = recommend(recommendInput({ targets: {}, candidates: inventory([a10g, shared]) }));

  it('a part with no speed data is marked so, with its memory fit, and priced nowhere', () => {
    const row = r.infeasible.find((x) => x.accelerator === 'nvidia-a10g');
    assert.ok(row);
    assert.match(row.why, /^no speed data: kinfer has no bandwidth or FLOP\/s figures for nvidia-a10g, so it prices nothing there \(it fits: /);
    assert.ok(!r.options.some((o) => o.accelerator === 'nvidia-a10g'));
  });

  it('a GPU share is one replica at TP 1; TP 2 across shares is refused with the reason', () => {
    assert.deepEqual(r.options.filter((o) => o.accelerator === 'nvidia-h100-80gb').map((o) => o.tp), [1]);
    const refused = r.infeasible.find((x) => x.accelerator === 'nvidia-h100-80gb' && x.tp === 2);
    assert.ok(refused);
    assert.match(refused.why, /GPUs are shared here \(mps, 2 shares per GPU\): 2 shares may be one GPU, so tensor parallelism across shares is refused/);
  });
});

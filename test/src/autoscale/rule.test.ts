import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredReplicas, replicaDemand, type DeploymentLoad } from '../../../src/autoscale/rule.js';

/** A Deployment's load: idle, one ready replica, unless the case says otherwise. */
function deployment(name: string, capacityRps: number, over: Partial<DeploymentLoad> = {}): DeploymentLoad {
  return { name, capacityRps, readyReplicas: 1, waitingRequests: 0, kvCacheUsages: [0.2], ...over };
}

const SETTINGS = { ttftTargetSeconds: 2, kvHighWatermark: 0.9 };

describe('replicaDemand: one Deployment', () => {
  const cases: { name: string; arrivalRps: number; d: DeploymentLoad; demand: number; desired: number }[] = [
    { name: 'no load: demand 0, the HPA keeps minReplicas', arrivalRps: 0, d: deployment('a', 4), demand: 0, desired: 1 },
    { name: 'exactly one replica of load', arrivalRps: 4, d: deployment('a', 4), demand: 1, desired: 1 },
    { name: 'a little over one replica rounds up', arrivalRps: 4.4, d: deployment('a', 4), demand: 1.1, desired: 2 },
    { name: 'rate 10 at 4 per replica: 3 replicas', arrivalRps: 10, d: deployment('a', 4, { readyReplicas: 1 }), demand: 2.5, desired: 3 },
    { name: 'the rate term does not depend on how many replicas are ready', arrivalRps: 10, d: deployment('a', 4, { readyReplicas: 3, kvCacheUsages: [0.2, 0.2, 0.2] }), demand: 2.5, desired: 3 },
    { name: 'a waiting queue adds what drains it within the TTFT target: 16 ÷ (4 × 2 s) = 2', arrivalRps: 4, d: deployment('a', 4, { waitingRequests: 16 }), demand: 3, desired: 3 },
    { name: 'KV above the watermark floors the demand: 2 × 0.99 ÷ 0.9 = 2.2', arrivalRps: 4, d: deployment('a', 4, { readyReplicas: 2, kvCacheUsages: [0.99, 0.99] }), demand: 2.2, desired: 3 },
    { name: 'KV at the watermark adds nothing', arrivalRps: 4, d: deployment('a', 4, { readyReplicas: 2, kvCacheUsages: [0.9, 0.9] }), demand: 1, desired: 1 },
    { name: 'the max replicas cap holds', arrivalRps: 400, d: deployment('a', 4), demand: 100, desired: 8 },
    { name: 'zero capacity (unknown) yields no demand rather than infinity', arrivalRps: 5, d: deployment('a', 0), demand: 0, desired: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const [out] = replicaDemand({ arrivalRps: c.arrivalRps, deployments: [c.d] }, SETTINGS);
      assert.ok(Math.abs(out!.demand - c.demand) < 1e-9, `demand ${out!.demand}, expected ${c.demand}: ${out!.why}`);
      assert.equal(desiredReplicas(out!.demand, 1, 8), c.desired);
    });
  }
});

describe('replicaDemand: mixed pools split by capacity', () => {
  const cases: { name: string; arrivalRps: number; ds: DeploymentLoad[]; shares: number[]; desired: number[] }[] = [
    {
      name: 'GPU (6 req/s) and TPU (2 req/s), one replica each: 3:1 split, both need 2 at 12 req/s',
      arrivalRps: 12, ds: [deployment('gpu', 6), deployment('tpu', 2)], shares: [0.75, 0.25], desired: [2, 2],
    },
    {
      name: 'more ready GPU replicas take more of the traffic',
      arrivalRps: 16, ds: [deployment('gpu', 6, { readyReplicas: 2 }), deployment('tpu', 2)], shares: [12 / 14, 2 / 14], desired: [3, 2],
    },
    {
      name: 'a type with no ready replica still gets a share (counted as one)',
      arrivalRps: 8, ds: [deployment('gpu', 6), deployment('tpu', 2, { readyReplicas: 0, kvCacheUsages: [] })], shares: [0.75, 0.25], desired: [1, 1],
    },
    {
      name: 'queues count per Deployment',
      arrivalRps: 8, ds: [deployment('gpu', 4), deployment('tpu', 4, { waitingRequests: 24 })], shares: [0.5, 0.5], desired: [1, 4],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = replicaDemand({ arrivalRps: c.arrivalRps, deployments: c.ds }, SETTINGS);
      assert.deepEqual(out.map((o) => Math.round(o.share * 1e6) / 1e6), c.shares.map((s) => Math.round(s * 1e6) / 1e6));
      assert.deepEqual(out.map((o) => desiredReplicas(o.demand, 1, 10)), c.desired, out.map((o) => o.why).join('\n'));
    });
  }
});

describe('replicaDemand: explanation', () => {
  it('names every figure', () => {
    const [out] = replicaDemand({ arrivalRps: 10, deployments: [deployment('a', 4, { waitingRequests: 4 })] }, SETTINGS);
    assert.equal(out!.why, '10 req/s × 100% ÷ 4 req/s per replica = 2.50 + 4 waiting ÷ (4 × 2 s) = 0.50 → 3 replica(s)');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meanShape, pointFromRequests, quantile, type TimedRequest } from '../../../src/profiles/measure.js';

const ONE_TO_100 = Array.from({ length: 100 }, (_, i) => i + 1);

describe('quantile (nearest rank)', () => {
  // [name, sorted samples, q, want]
  const cases: ReadonlyArray<[string, number[], number, number]> = [
    ['one sample, p0', [7], 0, 7],
    ['one sample, p50', [7], 0.5, 7],
    ['one sample, p100', [7], 1, 7],
    ['p50 of 1..100', ONE_TO_100, 0.5, 50],
    ['p99 of 1..100', ONE_TO_100, 0.99, 99],
    ['p100 of 1..100', ONE_TO_100, 1, 100],
    ['p0 of 1..100 is the first', ONE_TO_100, 0, 1],
    ['p1 of 1..100', ONE_TO_100, 0.01, 1],
    ['p50 of four is the second', [1, 2, 3, 4], 0.5, 2],
    ['p75 of four', [1, 2, 3, 4], 0.75, 3],
    ['just over p75 of four rounds up', [1, 2, 3, 4], 0.76, 4],
    ['q above 1 clamps to the last', [1, 2, 3], 1.5, 3],
  ];
  for (const [name, sorted, q, want] of cases) {
    it(name, () => assert.equal(quantile(sorted, q), want));
  }

  it('is NaN for no samples', () => {
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });
});

// Four requests over 2 s on 2 replicas, figured by hand below.
const A: TimedRequest = { ttftMs: 100, latencyMs: 500, outputTokens: 4, gapsMs: [100, 120, 140], promptTokens: 10 };
const B: TimedRequest = { ttftMs: 200, latencyMs: 1200, outputTokens: 8, gapsMs: [50, 250] };
const C: TimedRequest = { ttftMs: 300, latencyMs: 300, outputTokens: 1, gapsMs: [], promptTokens: 21 };
const D: TimedRequest = { ttftMs: 50, latencyMs: 600, outputTokens: 0, gapsMs: [] }; // no tokens: not in NTPOT
const SET = [A, B, C, D];

describe('pointFromRequests', () => {
  it('figures a point per replica', () => {
    const point = pointFromRequests(SET, 2, 2, 6);
    assert.deepEqual(point, {
      requestRate: 1, // 4 requests / 2 s / 2 replicas
      concurrency: 3, // 6 in flight / 2 replicas
      outputTokensPerSecond: 3.25, // (4 + 8 + 1 + 0) tokens / 2 s / 2 replicas
      ttftP50Ms: 100, // of [50, 100, 200, 300]
      ttftP99Ms: 300,
      ntpotP50Ms: 150, // of [500/4, 1200/8, 300/1] = [125, 150, 300]; D has no tokens
      ntpotP99Ms: 300,
      itlP50Ms: 120, // of every gap: [50, 100, 120, 140, 250]
      completedRequests: 4,
    });
  });

  it("takes concurrency from Little's law when it is not given", () => {
    // 2 req/s × mean latency (500 + 1200 + 300 + 600) / 4 = 0.65 s = 1.3 in flight, / 2 replicas.
    const point = pointFromRequests(SET, 2, 2);
    assert.ok(point);
    assert.ok(Math.abs(point.concurrency! - 0.65) < 1e-12, String(point.concurrency));
  });

  it('on one replica the figures are the pool’s', () => {
    const point = pointFromRequests(SET, 2, 1, 6);
    assert.ok(point);
    assert.equal(point.requestRate, 2);
    assert.equal(point.concurrency, 6);
    assert.equal(point.outputTokensPerSecond, 6.5);
  });

  it('with no tokens anywhere: NTPOT 0 and no ITL', () => {
    const point = pointFromRequests([D, { ...D, ttftMs: 70 }], 1, 1);
    assert.ok(point);
    assert.equal(point.ntpotP50Ms, 0);
    assert.equal(point.ntpotP99Ms, 0);
    assert.equal(point.outputTokensPerSecond, 0);
    assert.equal('itlP50Ms' in point, false);
  });

  const none: ReadonlyArray<[string, readonly TimedRequest[], number]> = [
    ['no requests', [], 2],
    ['zero seconds', SET, 0],
    ['negative seconds', SET, -1],
    ['NaN seconds', SET, Number.NaN],
  ];
  for (const [name, requests, seconds] of none) {
    it(`is undefined for ${name}`, () => assert.equal(pointFromRequests(requests, seconds, 1), undefined));
  }
});

describe('meanShape', () => {
  it('averages prompts over the requests that report one, outputs over all, rounded', () => {
    // prompts (10 + 21) / 2 = 15.5 → 16; outputs (4 + 8 + 1 + 0) / 4 = 3.25 → 3
    assert.deepEqual(meanShape(SET), { inputTokens: 16, outputTokens: 3 });
    // (4 + 8 + 1) / 3 = 4.33 → 4
    assert.deepEqual(meanShape([A, B, C]), { inputTokens: 16, outputTokens: 4 });
  });

  it('is never below one token', () => {
    assert.deepEqual(meanShape([{ ...D, promptTokens: 0 }]), { inputTokens: 1, outputTokens: 1 });
  });

  it('is undefined without prompt counts or requests', () => {
    assert.equal(meanShape([B, D]), undefined);
    assert.equal(meanShape([]), undefined);
  });
});

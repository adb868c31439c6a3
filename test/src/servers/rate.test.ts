import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prefillTokensPerSecond, ratePerSecond, trimToWindow, type PrefillPoint } from '../../../src/servers/rate.js';

const at = (atMs: number, value?: number) => ({ atMs, ...(value !== undefined ? { value } : {}) });
type Point = ReturnType<typeof at>;

describe('trimToWindow', () => {
  const cases: { name: string; points: Point[]; windowMs: number; want: number[] }[] = [
    { name: 'empty', points: [], windowMs: 1000, want: [] },
    { name: 'all inside the window', points: [at(0), at(500), at(900)], windowMs: 1000, want: [0, 500, 900] },
    { name: 'keeps the newest point at or before the start as the base', points: [at(0), at(1000), at(2000), at(2500), at(3000)], windowMs: 1000, want: [2000, 2500, 3000] },
    { name: 'a gap longer than the window keeps the point before it', points: [at(0), at(5000)], windowMs: 1000, want: [0, 5000] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(trimToWindow(c.points, c.windowMs).map((p) => p.atMs), c.want));
});

describe('ratePerSecond', () => {
  const value = (p: Point) => p.value;
  const cases: { name: string; points: Point[]; want: number | undefined }[] = [
    { name: 'first to last point', points: [at(0, 0), at(1000, 0), at(2000, 400)], want: 200 },
    { name: 'one point: no rate', points: [at(0, 10)], want: undefined },
    { name: 'no time between the points', points: [at(0, 0), at(0, 10)], want: undefined },
    { name: 'counter absent at the end', points: [at(0, 0), at(1000)], want: undefined },
    { name: 'a restart (value went down): from the restart on', points: [at(0, 900), at(1000, 5), at(2000, 105)], want: 100 },
    { name: 'a restart at the last point: no rate', points: [at(0, 900), at(1000, 5)], want: undefined },
    { name: 'counter absent in the middle: from the point after it', points: [at(0, 0), at(1000), at(2000, 50), at(3000, 150)], want: 100 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(ratePerSecond(c.points, value), c.want));
});

describe('prefillTokensPerSecond', () => {
  const p = (atMs: number, prefillSecondsTotal?: number, requestPromptTokensTotal?: number, cache?: { queries: number; hits: number }): PrefillPoint => ({
    atMs,
    ...(prefillSecondsTotal !== undefined ? { prefillSecondsTotal } : {}),
    ...(requestPromptTokensTotal !== undefined ? { requestPromptTokensTotal } : {}),
    ...(cache !== undefined ? { prefixCacheQueriesTotal: cache.queries, prefixCacheHitsTotal: cache.hits } : {}),
  });
  const cases: { name: string; points: PrefillPoint[]; want: number | undefined }[] = [
    { name: 'prompt tokens over prefill seconds, first to last point', points: [p(0, 1, 1000), p(5000, 1.5, 3000), p(10000, 2, 5000)], want: 4000 },
    { name: 'the hit share of the queried tokens is not computed', points: [p(0, 0, 0, { queries: 0, hits: 0 }), p(10000, 0.5, 3000, { queries: 4000, hits: 1000 })], want: 4500 },
    {
      name: 'hits of requests admitted but not finished weigh as a share, not as tokens',
      points: [p(0, 0, 0, { queries: 0, hits: 0 }), p(10000, 0.5, 1000, { queries: 4000, hits: 3000 })], want: 500,
    },
    { name: 'no prefix-cache counters: the prompt tokens count whole', points: [p(0, 0, 0), p(10000, 0.5, 1000)], want: 2000 },
    { name: 'no queries in the window: the prompt tokens count whole', points: [p(0, 0, 0, { queries: 10, hits: 5 }), p(10000, 0.5, 1000, { queries: 10, hits: 5 })], want: 2000 },
    { name: 'every queried token hit: no speed', points: [p(0, 0, 0, { queries: 0, hits: 0 }), p(10000, 0.5, 1000, { queries: 1000, hits: 1000 })], want: undefined },
    { name: 'no request finished in the window', points: [p(0, 2, 5000), p(10000, 2, 5000)], want: undefined },
    { name: 'one point', points: [p(0, 2, 5000)], want: undefined },
    { name: 'no points', points: [], want: undefined },
    { name: 'the server exports no prefill histogram', points: [p(0, undefined, 1000), p(10000, undefined, 3000)], want: undefined },
    { name: 'a restart (sums went down)', points: [p(0, 9, 90000), p(10000, 0.5, 2000)], want: undefined },
  ];
  for (const c of cases) it(c.name, () => assert.equal(prefillTokensPerSecond(c.points), c.want));
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Histogram } from '../../../src/servers/metrics.js';
import {
  bucketRows, DETAIL_WINDOW_MS, histogramLines, KV_HISTORY_POINTS, rememberDetails, replicaDetail, sparkline, type DetailHistory, type KvPoint,
} from '../../../plugin/top/detail.js';
import { Refresher } from '../../../plugin/top/refresher.js';
import { endpointTargets } from '../../../plugin/top/targets.js';
import { failed, ok, target, ttft } from './builders.js';

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);
const R = target('llama-0');

/** A histogram over the given bounds (seconds) from cumulative counts. */
function histogram(bounds: readonly number[], counts: readonly number[]): Histogram {
  return { buckets: bounds.map((le, i) => [le, counts[i]!] as const), sum: 0, count: counts.at(-1)! };
}

/** The detail history after these scrapes, one refresh each, in order. */
function remember(scrapes: Parameters<typeof rememberDetails>[1][]): Map<string, DetailHistory> {
  return scrapes.reduce((history, s) => rememberDetails(history, s), new Map<string, DetailHistory>());
}

describe('replicaDetail: histograms over the recent window, not since start', () => {
  const cases: { name: string; scrapes: Parameters<typeof rememberDetails>[1][]; want: { windowSeconds: number; ttftCounts?: number[]; itlCount?: number } }[] = [
    { name: 'one scrape: no window yet', scrapes: [[ok(R, T0, { ttftSeconds: ttft([5, 9, 10, 10]) })]], want: { windowSeconds: 0 } },
    {
      name: 'the observations since the oldest scrape of the window (the 100 before it are not counted)',
      scrapes: [
        [ok(R, T0, { ttftSeconds: ttft([50, 90, 100, 100]) })],
        [ok(R, T0 + 2000, { ttftSeconds: ttft([52, 95, 106, 106]) })],
        [ok(R, T0 + 4000, { ttftSeconds: ttft([53, 97, 110, 111]) })],
      ],
      want: { windowSeconds: 4, ttftCounts: [3, 7, 10, 11] },
    },
    {
      name: 'scrapes older than the window are dropped (only the base just before it stays)',
      scrapes: [
        [ok(R, T0, { ttftSeconds: ttft([0, 0, 0, 0]) })],
        [ok(R, T0 + 30_000, { ttftSeconds: ttft([10, 10, 10, 10]) })],
        [ok(R, T0 + 30_000 + DETAIL_WINDOW_MS, { ttftSeconds: ttft([12, 13, 14, 14]) })],
      ],
      want: { windowSeconds: 60, ttftCounts: [2, 3, 4, 4] },
    },
    {
      name: 'a restart (counts went down) starts the window again',
      scrapes: [
        [ok(R, T0, { ttftSeconds: ttft([50, 90, 100, 100]) })],
        [ok(R, T0 + 2000, { ttftSeconds: ttft([1, 1, 2, 2]) })],
        [ok(R, T0 + 4000, { ttftSeconds: ttft([3, 4, 5, 5]) })],
      ],
      want: { windowSeconds: 2, ttftCounts: [2, 3, 3, 3] },
    },
    {
      name: 'a failed scrape in between leaves a gap, not a new base',
      scrapes: [
        [ok(R, T0, { ttftSeconds: ttft([0, 0, 0, 0]) })],
        [failed(R, T0 + 2000, 'connection refused')],
        [ok(R, T0 + 4000, { ttftSeconds: ttft([1, 2, 2, 2]) })],
      ],
      want: { windowSeconds: 4, ttftCounts: [1, 2, 2, 2] },
    },
    {
      name: 'inter-token latency the same way',
      scrapes: [
        [ok(R, T0, { itlSeconds: histogram([0.01, Infinity], [100, 100]) })],
        [ok(R, T0 + 2000, { itlSeconds: histogram([0.01, Infinity], [160, 170]) })],
      ],
      want: { windowSeconds: 2, itlCount: 70 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const detail = replicaDetail(remember(c.scrapes).get(R.id));
      assert.equal(detail.windowSeconds, c.want.windowSeconds);
      assert.deepEqual(detail.ttft?.buckets.map(([, n]) => n), c.want.ttftCounts);
      assert.equal(detail.itl?.count, c.want.itlCount);
    });
  }

  it('KV use at every refresh, gaps where a scrape failed, at most KV_HISTORY_POINTS, gone replicas dropped', () => {
    const history = remember([
      [ok(R, T0, { kvCacheUsage: 0.1 })],
      [failed(R, T0 + 2000, 'HTTP 503')],
      [ok(R, T0 + 4000, { kvCacheUsage: 0.3 })],
    ]);
    assert.deepEqual(history.get(R.id)!.kv, [{ atMs: T0, usage: 0.1 }, { atMs: T0 + 2000, usage: undefined }, { atMs: T0 + 4000, usage: 0.3 }]);
    const long = remember(Array.from({ length: KV_HISTORY_POINTS + 5 }, (_, i) => [ok(R, T0 + i * 2000, { kvCacheUsage: i / 1000 })]));
    assert.equal(long.get(R.id)!.kv.length, KV_HISTORY_POINTS);
    assert.equal(long.get(R.id)!.kv[0]!.usage, 5 / 1000, 'the oldest points go first');
    assert.equal(rememberDetails(history, [ok(target('other'), T0 + 6000)]).has(R.id), false);
  });

  it('no history: an empty detail', () => {
    assert.deepEqual(replicaDetail(undefined), { windowSeconds: 0, kv: [] });
  });
});

describe('sparkline', () => {
  const points = (usages: readonly (number | undefined)[]): KvPoint[] => usages.map((usage, i) => ({ atMs: T0 + i * 2000, usage }));
  const cases: { name: string; usages: (number | undefined)[]; width: number; ascii?: boolean; want: string }[] = [
    { name: 'empty to full on a fixed 0..1 scale', usages: [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1], width: 20, want: '▁▂▃▄▅▆▇██' },
    { name: 'a failed scrape is a space', usages: [0.5, undefined, 0.5], width: 20, want: '▅ ▅' },
    { name: 'only the newest `width` points', usages: [0, 0, 1, 1], width: 2, want: '██' },
    { name: 'out-of-range values are clamped', usages: [-0.2, 1.7], width: 5, want: '▁█' },
    { name: 'ascii: tenths as digits, gaps as -', usages: [0, 0.42, undefined, 1], width: 10, ascii: true, want: '04-9' },
    { name: 'no points', usages: [], width: 10, want: '' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(sparkline(points(c.usages), c.width, c.ascii), c.want));
});

describe('bucketRows and histogramLines', () => {
  // vLLM's first TTFT bounds (vllm/v1/metrics/loggers.py): 1, 5, 10, 20, 40, 60, 80, 100, 250, 500, 750 ms, ... +Inf.
  const bounds = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, Infinity];
  const cases: { name: string; h: Histogram; rows: number; want: [number, number][] }[] = [
    { name: 'per-bucket counts from the first to the last non-empty bucket', h: histogram(bounds, [0, 0, 0, 2, 5, 5, 9, 9, 9, 9, 9, 9]), rows: 10, want: [[0.02, 2], [0.04, 3], [0.06, 0], [0.08, 4]] },
    { name: 'too many buckets merge pairwise, counts stay exact', h: histogram(bounds, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), rows: 4, want: [[0.02, 4], [0.1, 4], [Infinity, 4]] },
    { name: 'observations above the last bound land in +Inf', h: histogram(bounds, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 5]), rows: 10, want: [[0.75, 2], [Infinity, 3]] },
    { name: 'nothing observed: no rows', h: histogram(bounds, Array(12).fill(0) as number[]), rows: 10, want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const rows = bucketRows(c.h, c.rows);
      assert.deepEqual(rows.map((b) => [b.le, b.count]), c.want);
      assert.equal(rows.reduce((a, b) => a + b.count, 0), c.want.reduce((a, [, n]) => a + n, 0));
    });
  }

  it('draws labelled bars scaled to the fullest bucket within the width', () => {
    assert.deepEqual(histogramLines(histogram(bounds, [0, 0, 0, 2, 5, 5, 9, 9, 9, 9, 9, 9]), { rows: 10, width: 24 }), [
      '≤20ms ████████         2',
      '≤40ms ████████████     3',
      '≤60ms                  0',
      '≤80ms ████████████████ 4',
    ]);
    // Seconds past 1 s; the +Inf bucket reads "above the last bound".
    assert.deepEqual(histogramLines(histogram([0.5, 1, Infinity], [0, 1, 3]), { rows: 5, width: 14, ascii: true }), ['≤1s ####     1', '>1s ######## 2']);
    assert.deepEqual(histogramLines(undefined, { rows: 5, width: 30 }), []);
  });
});

describe('Refresher keeps the detail histories and reads the picker each refresh', () => {
  it('KV history grows per refresh; the picker answer rides on the snapshot with each target address', async () => {
    let kv = 0;
    let reads = 0;
    const refresher = new Refresher({
      discover: async () => endpointTargets(['http://replica:8000']),
      fetch: async () => `vllm:num_requests_running 1\nvllm:kv_cache_usage_perc ${(kv += 0.25)}\n`,
      recentRequests: async () => {
        reads += 1;
        return { from: 'http://picker:9003/', answer: { perEndpoint: 32, endpoints: { 'replica:8000': [] } } };
      },
      concurrency: 1, timeoutMs: 100, intervalMs: 1000,
    });
    await refresher.refresh();
    const second = await refresher.refresh();
    const id = second.rows[0]!.id;
    assert.deepEqual(second.details?.get(id)?.kv.map((p) => p.usage), [0.25, 0.5]);
    assert.equal(second.addresses?.get(id), 'replica:8000');
    assert.deepEqual(second.requests?.answer?.endpoints, { 'replica:8000': [] });
    assert.equal(reads, 2);
  });
});

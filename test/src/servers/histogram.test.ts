import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { histogramDelta, histogramQuantile, mergeHistograms, type Histogram } from '../../../src/servers/histogram.js';
import { ttft } from '../../plugin/top/builders.js';

describe('histogramQuantile over the observations between two scrapes', () => {
  const h = (buckets: [number, number][]): Histogram => ({ buckets, sum: 0, count: buckets.at(-1)?.[1] ?? 0 });
  const before = h([[0.1, 10], [0.5, 20], [1, 20], [Infinity, 20]]);
  const now = h([[0.1, 10], [0.5, 30], [1, 40], [Infinity, 40]]);
  const cases: { name: string; q: number; now: Histogram; before?: Histogram; want: number | undefined }[] = [
    { name: 'p50 of the 20 new: the 10th of them, at the top of (0.1, 0.5]', q: 0.5, now, before, want: 0.5 },
    { name: 'p99 of the 20 new: inside (0.5, 1]', q: 0.99, now, before, want: 0.5 + 0.5 * (19.8 - 10) / 10 },
    { name: 'no new observations', q: 0.5, now: before, before, want: undefined },
    { name: 'no earlier scrape: everything counts', q: 0.25, now, want: 0.1 },
    { name: 'rank in +Inf: the last finite bound', q: 0.99, now: h([[0.1, 1], [Infinity, 10]]), want: 0.1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = histogramQuantile(c.q, c.now, c.before);
      if (c.want === undefined) assert.equal(got, undefined);
      else assert.ok(got !== undefined && Math.abs(got - c.want) < 1e-9, `got ${got}, want ${c.want}`);
    });
  }
});

describe('histogram deltas', () => {
  it('subtract bucket by bucket', () => {
    assert.deepEqual(histogramDelta(ttft([1, 2, 3, 4]), ttft([0, 1, 1, 1])), { buckets: [[0.05, 1], [0.1, 1], [0.5, 2], [Infinity, 3]], sum: 0, count: 3 });
  });
  it('are undefined after a reset or with no earlier scrape', () => {
    assert.equal(histogramDelta(ttft([0, 0, 1, 1]), ttft([0, 1, 1, 1])), undefined);
    assert.equal(histogramDelta(ttft([0, 0, 1, 1]), undefined), undefined);
  });
  it('merge by bound', () => {
    assert.deepEqual(mergeHistograms([ttft([1, 1, 1, 1]), ttft([0, 2, 2, 3])]), { buckets: [[0.05, 1], [0.1, 3], [0.5, 3], [Infinity, 4]], sum: 0, count: 4 });
    assert.equal(mergeHistograms([]), undefined);
  });
});

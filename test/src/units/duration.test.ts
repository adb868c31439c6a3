import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration, parseDurationFlag } from '../../../src/units/duration.js';

// Expected values are what Go's time.ParseDuration gives (https://pkg.go.dev/time#ParseDuration), in ms.
describe('parseDuration: Go duration grammar', () => {
  const good: ReadonlyArray<[string, number]> = [
    ['1h30m', 5_400_000], ['250ms', 250], ['90s', 90_000], ['1.5h', 5_400_000], ['2m3.5s', 123_500], ['0', 0],
    ['100us', 0.1], ['100µs', 0.1], ['5000ns', 0.005], ['+1s', 1000], ['.5s', 500], ['1h0m0s', 3_600_000], [' 2s ', 2000],
  ];
  for (const [text, ms] of good) it(`${JSON.stringify(text)} is ${ms} ms`, () => assert.deepEqual(parseDuration(text), { ok: true, value: ms }));

  const bad: ReadonlyArray<[string, RegExp]> = [
    ['30', /^"30" has no unit: write 30s or 30ms \(units: h, m, s, ms, us, ns; e\.g\. 1h30m, 250ms\)$/],
    ['1.5', /has no unit: write 1\.5s or 1\.5ms/],
    ['-1s', /must not be negative/],
    ['1d', /is not a duration/],
    ['1h30', /is not a duration/],
    ['s', /is not a duration/],
    ['', /is not a duration/],
    ['1 h', /is not a duration/],
    ['1H', /is not a duration/],
  ];
  for (const [text, want] of bad) {
    it(`${JSON.stringify(text)} is refused`, () => {
      const got = parseDuration(text);
      assert.ok(!got.ok);
      assert.match(got.error, want);
    });
  }
});

describe('parseDurationFlag', () => {
  it('names the flag and the range', () => {
    assert.deepEqual(parseDurationFlag('--timeout', '10m', { maxMs: 3_600_000 }), { ok: true, value: 600_000 });
    assert.deepEqual(parseDurationFlag('--interval', '50ms', { minMs: 100 }), { ok: false, error: '--interval 50ms: must be at least 100ms' });
    assert.deepEqual(parseDurationFlag('--interval', '2h', { maxMs: 3_600_000 }), { ok: false, error: '--interval 2h: must be at most 1h' });
    assert.deepEqual(parseDurationFlag('--timeout', '15'), { ok: false, error: '--timeout "15" has no unit: write 15s or 15ms (units: h, m, s, ms, us, ns; e.g. 1h30m, 250ms)' });
  });

  it('formats like Go', () => {
    assert.deepEqual([5_400_000, 250, 1500, 3_600_000, 61_000].map(formatDuration), ['1h30m', '250ms', '1.5s', '1h', '1m1s']);
  });
});

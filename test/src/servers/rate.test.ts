import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ratePerSecond, trimToWindow } from '../../../src/servers/rate.js';

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

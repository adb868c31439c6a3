import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProgressBar } from '../../plugin/load/progress.js';

describe("bench's progress bar", () => {
  it('at a terminal: drawn in place (carriage return, line cleared), filled by the elapsed share, ended with a newline', () => {
    const out: string[] = [];
    const bar = new ProgressBar('[1/2] concurrency 4', true, (t) => out.push(t));
    bar.update(0.5, '12 done');
    bar.done('40 ok');
    assert.equal(out[0], `\r\x1b[2K[1/2] concurrency 4 ${'░'.repeat(24)} 0% `);
    assert.equal(out[1], `\r\x1b[2K[1/2] concurrency 4 ${'█'.repeat(12)}${'░'.repeat(12)} 50% 12 done`);
    assert.equal(out[2], `\r\x1b[2K[1/2] concurrency 4 ${'█'.repeat(24)} 40 ok\n`);
  });

  it('redraws at most every 100 ms', () => {
    const out: string[] = [];
    const bar = new ProgressBar('s', true, (t) => out.push(t));
    for (let i = 0; i < 50; i++) bar.update(i / 50, `${i}`);
    assert.equal(out.length, 2, 'the first draw and one update');
  });

  it('without a terminal: a start line and an end line, no escape codes', () => {
    const out: string[] = [];
    const bar = new ProgressBar('[2/2] rate 4 req/s', false, (t) => out.push(t));
    bar.update(0.7, 'x');
    bar.done('9 ok');
    assert.deepEqual(out, ['[2/2] rate 4 req/s ...\n', '[2/2] rate 4 req/s: 9 ok\n']);
  });
});

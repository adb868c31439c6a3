import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { svgToPng } from '../../plugin/profiles/png.js';
import { svgPlot } from '../../plugin/views/plot/svg.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The image size from the IHDR chunk, which a PNG must start with right after its signature. */
function ihdrSize(png: Buffer): { width: number; height: number } {
  assert.equal(png.toString('latin1', 12, 16), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('svgToPng', () => {
  it('renders a PNG of the SVG size', () => {
    const png = svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><rect x="10" y="10" width="50" height="50" fill="#0072B2"/><text x="20" y="120" font-size="14">hello</text></svg>');
    assert.deepEqual([...png.subarray(0, 8)], SIGNATURE);
    assert.deepEqual(ihdrSize(png), { width: 300, height: 200 });
  });

  it('renders a plot', () => {
    const svg = svgPlot(
      [{ title: 'TTFT p99', yLabel: 'ms', target: 200, series: [{ label: 'a × 1 (measured)', dashed: false, points: [{ x: 100, y: 50 }, { x: 900, y: 400 }] }] }],
      { title: 'plot', xLabel: 'output tokens/s per replica' },
    );
    const png = svgToPng(svg);
    assert.deepEqual([...png.subarray(0, 8)], SIGNATURE);
    const height = Number(/^<svg [^>]*height="(\d+)"/.exec(svg)![1]);
    assert.deepEqual(ihdrSize(png), { width: 960, height });
  });

  it('fails with a message on SVG it cannot parse', () => {
    assert.throws(() => svgToPng('not svg'));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { formatTicks, niceTicks, type PlotPanel, type PlotSeries } from '../../../plugin/views/plot/scale.js';
import { svgPlot } from '../../../plugin/views/plot/svg.js';
import { terminalPlot } from '../../../plugin/views/plot/terminal.js';

const OPTIONS = { title: 'Llama-3.1-8B, 1000 in / 200 out', xLabel: 'output tokens/s per replica' };

function series(label: string, points: [number, number][], dashed = false): PlotSeries {
  return { label, dashed, points: points.map(([x, y]) => ({ x, y })) };
}

function panel(seriesList: PlotSeries[], target?: number, title = 'TTFT p99'): PlotPanel {
  return { title, yLabel: 'ms', series: seriesList, ...(target === undefined ? {} : { target }) };
}

/** A panel's header line and its grid rows (x axis included), found by the panel's title. */
function gridOf(text: string, title: string, height: number): { header: string; rows: string[]; ticks: string } {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${title} (`));
  assert.ok(at >= 0, `no panel "${title}" in:\n${text}`);
  return { header: lines[at]!, rows: lines.slice(at + 1, at + 1 + height), ticks: lines[at + 1 + height]! };
}

const chars = (line: string) => [...line];

describe('niceTicks', () => {
  // [lo, hi, maxTicks, want]
  const cases: ReadonlyArray<[number, number, number, number[]]> = [
    [0, 100, 5, [0, 50, 100]],
    [0, 130, 5, [0, 50, 100, 150]],
    [0, 7, 5, [0, 2, 4, 6, 8]],
    [0, 1, 5, [0, 0.5, 1]],
    [0, 0.41, 5, [0, 0.2, 0.4, 0.6]],
    [-3, 7, 5, [-5, 0, 5, 10]],
    [0, 12_000, 8, [0, 2000, 4000, 6000, 8000, 10_000, 12_000]],
    [5, 5, 5, [4, 6, 8, 10]], // an empty range widens to [lo, 2 × lo]
    [0, 0, 5, [0, 0.5, 1]],
    [Number.NaN, 1, 5, [0, 1]],
  ];
  for (const [lo, hi, most, want] of cases) {
    it(`[${lo}, ${hi}] in at most ${most} → ${want.join(', ')}`, () => assert.deepEqual(niceTicks(lo, hi, most), want));
  }

  it('gives 3 to 5 round, evenly spaced ticks covering any range', () => {
    for (const hi of [0.003, 0.7, 1, 3.3, 9.9, 10, 42, 99, 101, 250, 999, 1234, 5e4, 7.7e6]) {
      for (const lo of [0, hi / 3]) {
        const ticks = niceTicks(lo, hi, 5);
        assert.ok(ticks.length >= 3 && ticks.length <= 5, `[${lo}, ${hi}]: ${ticks}`);
        assert.ok(ticks[0]! <= lo && ticks[ticks.length - 1]! >= hi, `[${lo}, ${hi}]: ${ticks}`);
        const step = ticks[1]! - ticks[0]!;
        const mantissa = Number((step / 10 ** Math.floor(Math.log10(step) + 1e-9)).toPrecision(6));
        assert.ok([1, 2, 5].includes(mantissa), `step ${step}`);
        ticks.forEach((t, i) => assert.ok(Math.abs(t - ticks[0]! - i * step) < step * 1e-9, `${ticks}`));
      }
    }
  });
});

describe('formatTicks', () => {
  const cases: ReadonlyArray<[number[], string[]]> = [
    [[0, 50, 100], ['0', '50', '100']],
    [[0, 0.5, 1], ['0', '0.5', '1.0']],
    [[0, 0.02, 0.04], ['0', '0.02', '0.04']],
    [[0, 1000, 2000, 3000], ['0', '1000', '2000', '3000']],
    [[0, 5000, 10_000, 15_000], ['0', '5k', '10k', '15k']],
  ];
  for (const [ticks, want] of cases) it(`${ticks.join(', ')}`, () => assert.deepEqual(formatTicks(ticks), want));
});

describe('terminalPlot', () => {
  // One series through (50, 50) and (100, 100): both axes 0, 50, 100; labels "100" make a 4-column gutter.
  const tiny = [panel([series('h100 × 1 (measured)', [[50, 50], [100, 100]])])];
  const tinySize = { width: 24, height: 9 };

  it('has the requested dimensions', () => {
    for (const size of [tinySize, { width: 72, height: 16 }, { width: 100, height: 24 }]) {
      const text = terminalPlot(tiny, { ...OPTIONS, ...size });
      const { rows, ticks } = gridOf(text, 'TTFT p99', size.height);
      assert.ok(rows.at(-1)!.includes('┼'), 'the last grid row is the x axis');
      assert.equal(chars(rows.at(-1)!).length, size.width, 'the x axis spans the width');
      for (const line of [...rows, ticks]) assert.ok(chars(line).length <= size.width, line);
      assert.ok(!rows.slice(0, -1).some((r) => r.includes('┼')), 'exactly `height` rows');
    }
  });

  it('defaults to 72 × 16', () => {
    const { rows } = gridOf(terminalPlot(tiny, OPTIONS), 'TTFT p99', 16);
    assert.equal(chars(rows.at(-1)!).length, 72);
    assert.ok(rows.at(-1)!.includes('┼'));
  });

  it('puts markers, ticks and labels where the scales say', () => {
    const text = terminalPlot(tiny, { ...OPTIONS, ...tinySize });
    const { rows, ticks } = gridOf(text, 'TTFT p99', 9);
    // Plot columns 0..19 after the gutter; rows 0..8. (50, 50) → column round(9.5) = 10, row 4; (100, 100) → 19, 0.
    assert.equal(chars(rows[4]!)[4 + 10], '●');
    assert.equal(chars(rows[0]!)[4 + 19], '●');
    assert.equal(rows[0]!.slice(0, 5), '100 ┤');
    assert.equal(rows[4]!.slice(0, 5), ' 50 ┤');
    assert.equal(rows[8]!.slice(0, 5), '  0 ┼');
    assert.equal(ticks, '    0         50     100');
    // Between the two markers the segment is braille.
    assert.ok(rows.slice(1, 4).some((r) => /[\u2801-\u28FF]/.test(r)));
    assert.equal(text.split('\n')[0], OPTIONS.title);
  });

  it('has a legend line per series with its marker', () => {
    const text = terminalPlot([panel([series('a (measured)', [[1, 1]]), series('b (estimated)', [[2, 2]], true), series('c', [[3, 3]])])], OPTIONS);
    const lines = text.split('\n');
    for (const want of ['  ● a (measured)', '  ▲ b (estimated)', '  ■ c']) assert.ok(lines.includes(want), want);
  });

  it('keeps one marker per label across panels and lists it once', () => {
    const a = series('a', [[10, 10]]);
    const b = series('b', [[20, 20]]);
    const text = terminalPlot([panel([a, b]), panel([b], undefined, 'NTPOT p99')], OPTIONS);
    const { rows } = gridOf(text, 'NTPOT p99', 16);
    assert.ok(rows.some((r) => r.includes('▲')) && !rows.some((r) => r.includes('●')), 'b keeps ▲ in the second panel');
    assert.equal(text.split('\n').filter((l) => l.endsWith(' b')).length, 1);
  });

  it('draws the target as a labelled row of ┄', () => {
    const text = terminalPlot([panel(tiny[0]!.series as PlotSeries[], 60)], { ...OPTIONS, ...tinySize });
    const { rows } = gridOf(text, 'TTFT p99', 9);
    // Target 60 on 0..100 over rows 0..8: row round(0.4 × 8) = 3.
    assert.match(rows[3]!, /┄ target 60 ms ┄/);
    assert.equal(rows.filter((r) => r.includes('┄')).length, 1);
  });

  it('caps the y range at 3 × the target and clips what is above with ↑', () => {
    const text = terminalPlot([panel([series('a', [[50, 50], [100, 1000]])], 100)], { ...OPTIONS, ...tinySize });
    const { header, rows } = gridOf(text, 'TTFT p99', 9);
    assert.equal(rows[0]!.slice(0, 5), '300 ┤');
    assert.equal(chars(rows[0]!)[4 + 19], '↑');
    assert.match(header, /↑ beyond 300 ms/);
    assert.ok(!rows.some((r) => r.includes('●') && r.startsWith('300')), 'the clipped point has no marker');
  });

  it('keeps the target in view when every latency is far below it', () => {
    const { rows } = gridOf(terminalPlot([panel([series('a', [[10, 5]])], 200)], OPTIONS), 'TTFT p99', 16);
    assert.ok(rows.some((r) => r.includes('target 200 ms')));
  });

  it('writes no escape codes without color, and the same text under them with it', () => {
    const panels = [panel([series('a', [[1, 5], [2, 9]]), series('b', [[1, 7], [3, 20]], true)], 10)];
    const plain = terminalPlot(panels, OPTIONS);
    const colored = terminalPlot(panels, { ...OPTIONS, color: true });
    assert.ok(!plain.includes('\u001B'));
    assert.ok(colored.includes('\u001B[31m'), 'the target is red');
    assert.ok(colored.includes('\u001B[36m') && colored.includes('\u001B[33m'), 'one color per series');
    assert.equal(stripVTControlCharacters(colored), plain);
  });

  describe('edge cases', () => {
    // [name, panels, what the output must contain]
    const cases: ReadonlyArray<[string, PlotPanel[], string[]]> = [
      ['no panels', [], [OPTIONS.title]],
      ['no series', [panel([])], ['no data', '┼']],
      ['an empty series', [panel([series('a', [])])], ['no data', '  ● a']],
      ['a single point', [panel([series('a', [[500, 80]])])], ['●']],
      ['all values equal', [panel([series('a', [[5, 5], [5, 5], [5, 5]])])], ['●']],
      ['all zero: the point sits on the corner', [panel([series('a', [[0, 0], [0, 0]])])], ['  0 ●──']],
      ['NaN and Infinity skipped', [panel([series('a', [[Number.NaN, 1], [10, Number.POSITIVE_INFINITY], [20, 30], [40, Number.NaN]])], Number.NaN)], ['●']],
      ['a zero target ignored', [panel([series('a', [[10, 10]])], 0)], ['●']],
    ];
    for (const [name, panels, want] of cases) {
      it(name, () => {
        const text = terminalPlot(panels, OPTIONS);
        for (const w of want) assert.ok(text.includes(w), `${w} in:\n${text}`);
        assert.ok(!/NaN|Infinity|undefined/.test(text), text);
        if (panels.length > 0) assert.equal(gridOf(text, 'TTFT p99', 16).rows.filter((r) => r.includes('─')).length, 1, 'one x axis, last');
      });
    }
    it('NaN points are skipped, not drawn', () => {
      const text = terminalPlot([panel([series('a', [[Number.NaN, 1], [20, 30]])])], OPTIONS);
      assert.equal(text.split('●').length - 1, 2, 'one marker in the grid, one in the legend');
    });
  });
});

/** Checks every tag is closed in order and that text holds no raw <, > or bare &; returns the tag names. */
function checkXml(svg: string): string[] {
  const stack: string[] = [];
  const names: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(svg); m !== null; m = tag.exec(svg)) {
    const text = svg.slice(last, m.index);
    assert.ok(!/[<>]/.test(text) && !/&(?!(amp|lt|gt|quot|apos);)/.test(text), `bad text ${JSON.stringify(text)}`);
    last = tag.lastIndex;
    const [, close, name, , selfClose] = m;
    names.push(name!);
    if (close) assert.equal(stack.pop(), name, `</${name}> closes the wrong tag`);
    else if (!selfClose) stack.push(name!);
  }
  assert.equal(svg.slice(last), '', 'nothing after the last tag');
  assert.deepEqual(stack, [], 'every tag closed');
  return names;
}

describe('svgPlot', () => {
  const panels = [
    panel([series('h100 × 1 (measured)', [[1000, 60], [3000, 90], [5000, 5000]]), series('l4 <tp> & "q" \'x\' (estimated)', [[800, 80], [2000, 120]], true)], 200),
    panel([series('h100 × 1 (measured)', [[1000, 8], [3000, 12]])], undefined, 'NTPOT <p99>'),
  ];
  const svg = svgPlot(panels, { ...OPTIONS, title: 'A & B' });

  it('is a well-formed, self-contained <svg>', () => {
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.endsWith('</svg>'));
    const names = checkXml(svg);
    assert.equal(names.filter((n) => n === 'svg').length, 2, 'one svg element');
    assert.ok(!/NaN|Infinity|undefined/.test(svg));
    assert.ok(!/href|<image|<script/.test(svg), 'nothing external');
  });

  it('has a white background, the font and the default size', () => {
    assert.match(svg, /<rect x="0" y="0" width="960" height="\d+" fill="#ffffff"\/>/);
    assert.match(svg, /font-family="DejaVu Sans, Arial, sans-serif"/);
    assert.match(svg, /^<svg [^>]*width="960"/);
  });

  it('escapes every label', () => {
    for (const want of ['A &amp; B', 'l4 &lt;tp&gt; &amp; &quot;q&quot; &apos;x&apos; (estimated)', 'NTPOT &lt;p99&gt;', 'h100 × 1 (measured)', OPTIONS.xLabel]) {
      assert.ok(svg.includes(want), want);
    }
  });

  it('dashes estimated curves only', () => {
    const solid = svgPlot([panel([series('a', [[1, 1], [2, 2]])])], OPTIONS);
    const dashed = svgPlot([panel([series('a', [[1, 1], [2, 2]], true)])], OPTIONS);
    assert.ok(!solid.includes('stroke-dasharray'));
    assert.equal(dashed.split('stroke-dasharray').length - 1, 2, 'the curve and its legend sample');
  });

  it('draws the target dashed and labelled', () => {
    assert.ok(svg.includes('>target 200 ms</text>'));
    assert.match(svg, /<path d="M\S+ (\S+) H\S+" stroke="#D62728" stroke-width="1.5" stroke-dasharray/);
  });

  it('clips latencies above 3 × the target to the top with a note', () => {
    assert.ok(svg.includes('↑ beyond 600 ms'));
    const unclipped = svgPlot([panel([series('a', [[1, 1], [2, 2]])], 10)], OPTIONS);
    assert.ok(!unclipped.includes('beyond'));
  });

  it('rings the operating points and explains the ring once, below the legend', () => {
    const plain = svgPlot([panel([series('a', [[1, 1], [2, 2]])])], OPTIONS);
    assert.ok(!plain.includes('r="9" fill="none"') && !plain.includes('operating point'));
    const ringed = svgPlot([panel([{ ...series('a', [[0, 0], [10, 10]]), highlight: { x: 5, y: 5 } }, series('b', [[0, 1], [10, 2]])])], OPTIONS);
    const rings = [...ringed.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="9" fill="none" stroke="(#\w+)"/g)];
    assert.equal(rings.length, 1, 'one ring: only series a has a highlight');
    assert.equal(rings[0]![3], '#0072B2', "in series a's colour");
    assert.equal(ringed.split('the operating point: the most load within the targets').length - 1, 1);
    assert.ok(Number(/height="(\d+)"/.exec(ringed)![1]) > Number(/height="(\d+)"/.exec(svgPlot([panel([series('a', [[0, 0], [10, 10]]), series('b', [[0, 1], [10, 2]])])], OPTIONS))![1]), 'a legend row more');
  });

  it('is deterministic', () => assert.equal(svgPlot(panels, { ...OPTIONS, title: 'A & B' }), svg));

  it('grows with panels and honours width and height', () => {
    const height = (s: string) => Number(/^<svg [^>]*height="(\d+)"/.exec(s)![1]);
    const one = svgPlot(panels.slice(0, 1), { ...OPTIONS, width: 800, height: 300 });
    const two = svgPlot(panels, { ...OPTIONS, width: 800, height: 300 });
    assert.match(one, /^<svg [^>]*width="800"/);
    assert.equal(height(two) - height(one), 300);
  });

  describe('edge cases', () => {
    const cases: ReadonlyArray<[string, PlotPanel[]]> = [
      ['no panels', []],
      ['no series', [panel([])]],
      ['an empty series', [panel([series('a', [])])]],
      ['a single point', [panel([series('a', [[500, 80]])])]],
      ['all values equal', [panel([series('a', [[5, 5], [5, 5]])])]],
      ['NaN and Infinity', [panel([series('a', [[Number.NaN, 1], [10, Number.POSITIVE_INFINITY], [20, 30]])], Number.NaN)]],
      ['many series', [panel(Array.from({ length: 12 }, (_, i) => series(`option ${i}`, [[i, i + 1], [i + 1, i + 3]], i % 2 === 1)))]],
    ];
    for (const [name, p] of cases) {
      it(name, () => {
        const out = svgPlot(p, OPTIONS);
        checkXml(out);
        assert.ok(!/NaN|Infinity|undefined/.test(out), out);
      });
    }
  });
});

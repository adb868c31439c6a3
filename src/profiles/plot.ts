// Latency-vs-throughput plots for `kubectl inference recommend --plot`: one panel per latency metric (TTFT, NTPOT),
// one curve per recommended option. Two renderers share the scaling: a character grid for the terminal and a
// self-contained SVG for --plot-file (the plugin turns it into PNG when asked). Pure: data in, string out.

export interface PlotSeries {
  /** e.g. "nvidia-h100-80gb × 1 (measured)". */
  readonly label: string;
  /** Estimated curves are dashed, measured ones solid. */
  readonly dashed: boolean;
  /** In load order. x = output tokens/s per replica, y = latency in ms. Non-finite points are skipped. */
  readonly points: readonly { readonly x: number; readonly y: number }[];
  /** A point to ring (SVG): where the recommendation operates on this curve. */
  readonly highlight?: { readonly x: number; readonly y: number };
}

export interface PlotPanel {
  /** e.g. "TTFT p99". */
  readonly title: string;
  /** The y unit, e.g. "ms". */
  readonly yLabel: string;
  /** A horizontal target line (e.g. --target-ttft-ms), drawn dashed and labelled. */
  readonly target?: number;
  readonly series: readonly PlotSeries[];
}

export interface PlotOptions {
  readonly title: string;
  readonly xLabel: string;
  /** Terminal: columns of every line, y-axis labels included (default 72). SVG: pixels (default 960). */
  readonly width?: number;
  /** Per panel. Terminal: rows of the grid, x axis included (default 16). SVG: pixels (default 380). */
  readonly height?: number;
}

interface Point { readonly x: number; readonly y: number }

// ---------------------------------------------------------------------------------------------------------------
// Scaling shared by both renderers.

/** A linear axis whose domain is exactly its first and last tick, so the ticks fall on the plot's edges. */
interface Axis {
  readonly lo: number;
  readonly hi: number;
  readonly ticks: readonly number[];
  readonly labels: readonly string[];
}

/** Above this many times the target, latency is off the interesting part of the plot and gets clipped. */
const TARGET_CAP = 3;

/**
 * At most `maxTicks` (≥ 2) evenly spaced round values — 1, 2 or 5 × 10ⁿ apart — from at or below `lo` to at or
 * above `hi`: the finest such spacing that fits. With maxTicks ≥ 5 that is never fewer than 3 ticks.
 */
export function niceTicks(lo: number, hi: number, maxTicks: number): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi <= lo) hi = lo + (lo === 0 ? 1 : Math.abs(lo));
  const most = Math.max(2, Math.floor(maxTicks));
  // The finest step that could fit is span ÷ (most − 1); start at its decade and coarsen until the ticks fit.
  for (let exponent = Math.floor(Math.log10((hi - lo) / (most - 1))); ; exponent++) {
    for (const mantissa of [1, 2, 5]) {
      const step = mantissa * 10 ** exponent;
      const first = Math.floor(lo / step + 1e-9);
      const last = Math.ceil(hi / step - 1e-9);
      if (last - first + 1 <= most) {
        // toPrecision keeps 0.1 × 3 from printing as 0.30000000000000004.
        return Array.from({ length: last - first + 1 }, (_, i) => Number(((first + i) * step).toPrecision(12)) || 0);
      }
    }
  }
}

/** Tick labels with as many decimals as the step needs; "k" thousands once the numbers reach five digits. */
export function formatTicks(ticks: readonly number[]): string[] {
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : 1;
  const thousands = step >= 100 && Math.max(...ticks.map(Math.abs)) >= 10_000;
  const unit = thousands ? step / 1000 : step;
  const decimals = Math.max(0, -Math.floor(Math.log10(unit) + 1e-9));
  return ticks.map((t) => (t === 0 ? '0' : thousands ? `${(t / 1000).toFixed(decimals)}k` : t.toFixed(decimals)));
}

/** A single figure for labels ("target 200 ms"): at most four significant digits, no trailing zeros. */
function formatValue(value: number): string {
  return String(Number(value.toPrecision(4)));
}

function axis(lo: number, hi: number, maxTicks: number): Axis {
  const ticks = niceTicks(lo, hi, maxTicks);
  return { lo: ticks[0]!, hi: ticks[ticks.length - 1]!, ticks, labels: formatTicks(ticks) };
}

/** Where a value falls on an axis: 0 at lo, 1 at hi (beyond for clipped values). */
function fraction(value: number, a: Axis): number {
  return (value - a.lo) / (a.hi - a.lo);
}

function finitePoints(series: PlotSeries): Point[] {
  return series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
}

/** The target if it can be drawn: finite and positive. */
function usableTarget(panel: PlotPanel): number | undefined {
  return panel.target !== undefined && Number.isFinite(panel.target) && panel.target > 0 ? panel.target : undefined;
}

/** One x range for every panel, from 0 (or below, for negative data) to the largest x, so panels line up. */
function xRange(panels: readonly PlotPanel[]): [number, number] {
  const xs = panels.flatMap((p) => p.series.flatMap((s) => finitePoints(s).map((q) => q.x)));
  return xs.length === 0 ? [0, 1] : [Math.min(0, ...xs), Math.max(...xs)];
}

/**
 * A panel's y range, from 0 to the largest latency, but with a target never above TARGET_CAP × it (latency explodes
 * near saturation and would squash the rest) and never below 1.1 × it (the line stays in view).
 */
function yRange(panel: PlotPanel): [number, number] {
  const ys = panel.series.flatMap((s) => finitePoints(s).map((q) => q.y));
  const lo = Math.min(0, ...ys);
  let hi = ys.length === 0 ? 1 : Math.max(...ys);
  const target = usableTarget(panel);
  if (target !== undefined) hi = Math.max(Math.min(hi, TARGET_CAP * target), 1.1 * target);
  return [lo, hi];
}

/** Each distinct series label gets one style index for all panels, in order of first appearance. */
function styleIndex(panels: readonly PlotPanel[]): Map<string, number> {
  const styles = new Map<string, number>();
  for (const panel of panels) for (const s of panel.series) if (!styles.has(s.label)) styles.set(s.label, styles.size);
  return styles;
}

/** The legend's entries: one per label, dashed if its first appearance is. */
function legendEntries(panels: readonly PlotPanel[]): PlotSeries[] {
  const seen = new Map<string, PlotSeries>();
  for (const panel of panels) for (const s of panel.series) if (!seen.has(s.label)) seen.set(s.label, s);
  return [...seen.values()];
}

/** Clips segment a–b to a box (Liang–Barsky); undefined when it lies wholly outside. */
function clipSegment(a: Point, b: Point, box: { x0: number; y0: number; x1: number; y1: number }): [Point, Point] | undefined {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  let t0 = 0;
  let t1 = 1;
  const edges: [number, number][] = [[-dx, a.x - box.x0], [dx, box.x1 - a.x], [-dy, a.y - box.y0], [dy, box.y1 - a.y]];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return undefined;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
    }
  }
  if (t0 > t1) return undefined;
  return [{ x: a.x + t0 * dx, y: a.y + t0 * dy }, { x: a.x + t1 * dx, y: a.y + t1 * dy }];
}

// ---------------------------------------------------------------------------------------------------------------
// Terminal.

/** One marker per series; shapes rather than colors alone, so the plot reads without color too. */
const MARKERS = ['●', '▲', '■', '◆', '✚', '★', '▼', '○'];
/** ANSI foreground colors per series (cyan, yellow, green, magenta, bright blue, …); red is the target's. */
const ANSI = ['36', '33', '32', '35', '94', '96', '93', '95'];
const ANSI_TARGET = '31';
const CLIPPED = '↑';
const TARGET_DASH = '┄';

interface Cell { ch: string; color?: string }

/** Braille dot bits by [row][column] within a cell (2 × 4 dots): lines get 2× horizontal, 4× vertical resolution. */
const BRAILLE_BITS = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]] as const;

export function terminalPlot(panels: readonly PlotPanel[], options: PlotOptions & { readonly color?: boolean }): string {
  const width = Math.max(24, Math.floor(options.width ?? 72));
  const rows = Math.max(5, Math.floor(options.height ?? 16));
  const color = options.color === true;
  const paint = (text: string, code: string | undefined) => (color && code !== undefined ? `\u001B[${code}m${text}\u001B[0m` : text);
  const styles = styleIndex(panels);

  // The y axes decide the label gutter, the gutter the plot width, and the plot width how many x ticks fit.
  const yAxes = panels.map((p) => axis(...yRange(p), 5));
  const labelWidth = Math.max(1, ...yAxes.flatMap((a) => a.labels.map((l) => l.length)));
  const gutter = labelWidth + 1;
  const cols = width - gutter;
  const [xLo, xHi] = xRange(panels);
  const { xAxis, tickRow } = terminalXAxis(xLo, xHi, cols, gutter, width);

  const out: string[] = [color ? `\u001B[1m${options.title}\u001B[0m` : options.title];
  panels.forEach((panel, i) => {
    const yAxis = yAxes[i]!;
    const grid = drawPanel(panel, xAxis, yAxis, cols, rows, styles);
    const clipped = panel.series.some((s) => finitePoints(s).some((p) => p.y > yAxis.hi));
    out.push('');
    out.push(`${panel.title} (${panel.yLabel})${clipped ? `   ${CLIPPED} beyond ${formatValue(yAxis.hi)} ${panel.yLabel}` : ''}`);
    const labelRows = new Map(yAxis.ticks.map((t, k) => [gridRow(t, yAxis, rows), yAxis.labels[k]!]));
    grid.forEach((cells, r) => {
      const last = cells.findLastIndex((c) => c.ch !== ' ');
      let line = `${(labelRows.get(r) ?? '').padStart(labelWidth)} `;
      // Runs of one color share an escape sequence.
      for (let c = 0; c <= last; ) {
        let end = c;
        while (end <= last && cells[end]!.color === cells[c]!.color) end++;
        line += paint(cells.slice(c, end).map((cell) => cell.ch).join(''), cells[c]!.color);
        c = end;
      }
      out.push(line);
    });
    out.push(tickRow);
    out.push(center(options.xLabel, gutter, cols).trimEnd());
  });

  const legend = legendEntries(panels);
  if (legend.length > 0) out.push('');
  for (const s of legend) {
    const k = styles.get(s.label)!;
    out.push(`  ${paint(MARKERS[k % MARKERS.length]!, ANSI[k % ANSI.length])} ${s.label}`);
  }
  return out.join('\n');
}

function gridRow(y: number, yAxis: Axis, rows: number): number {
  return Math.round((1 - fraction(y, yAxis)) * (rows - 1));
}

function gridCol(x: number, xAxis: Axis, cols: number): number {
  return Math.round(fraction(x, xAxis) * (cols - 1));
}

/** `text` centred under the plot columns. */
function center(text: string, gutter: number, cols: number): string {
  return ' '.repeat(gutter + Math.max(0, Math.floor((cols - text.length) / 2))) + text;
}

/** The x axis with the most ticks whose labels fit side by side with two spaces between, and its label row. */
function terminalXAxis(lo: number, hi: number, cols: number, gutter: number, width: number): { xAxis: Axis; tickRow: string } {
  for (let most = Math.max(2, Math.floor(cols / 6)); ; most--) {
    const xAxis = axis(lo, hi, most);
    const row = Array<string>(width).fill(' ');
    let free = 0; // the first column a label may use
    let fits = true;
    xAxis.ticks.forEach((t, k) => {
      const label = xAxis.labels[k]!;
      const at = gutter + gridCol(t, xAxis, cols);
      const start = Math.min(width - label.length, Math.max(0, at - Math.floor((label.length - 1) / 2)));
      if (start < free) fits = false;
      for (let j = 0; j < label.length; j++) row[start + j] = label[j]!;
      free = start + label.length + 2;
    });
    if (fits || most === 2) return { xAxis, tickRow: row.join('').trimEnd() };
  }
}

/** One panel's grid: axes, target line, braille curves, then markers on top (the first series uppermost). */
function drawPanel(panel: PlotPanel, xAxis: Axis, yAxis: Axis, cols: number, rows: number, styles: Map<string, number>): Cell[][] {
  const grid: Cell[][] = Array.from({ length: rows }, () => Array.from({ length: cols }, () => ({ ch: ' ' })));
  const put = (r: number, c: number, cell: Cell) => {
    if (r >= 0 && r < rows && c >= 0 && c < cols) grid[r]![c] = cell;
  };

  // Axes: the y axis is column 0 (x = lo), the x axis row rows − 1 (y = lo); ticks are ┤ and ┬, the corner ┼.
  for (let r = 0; r < rows; r++) put(r, 0, { ch: '│' });
  for (let c = 0; c < cols; c++) put(rows - 1, c, { ch: '─' });
  for (const t of yAxis.ticks) put(gridRow(t, yAxis, rows), 0, { ch: '┤' });
  for (const t of xAxis.ticks) put(rows - 1, gridCol(t, xAxis, cols), { ch: '┬' });
  put(rows - 1, 0, { ch: '┼' });
  const isAxis = (r: number, c: number) => r === rows - 1 || c === 0;

  const target = usableTarget(panel);
  const targetRow = target === undefined ? -1 : gridRow(target, yAxis, rows);
  const labelCells = new Set<number>();
  if (target !== undefined && targetRow < rows - 1) {
    for (let c = 1; c < cols; c++) put(targetRow, c, { ch: TARGET_DASH, color: ANSI_TARGET });
    // Labelled near the left, where curves are still low: they start light and climb to the right.
    const label = ` target ${formatValue(target)} ${panel.yLabel} `;
    [...label].slice(0, Math.max(0, cols - 3)).forEach((ch, j) => {
      put(targetRow, 2 + j, { ch, color: ANSI_TARGET });
      labelCells.add(2 + j);
    });
  }

  const order = [...panel.series].reverse();
  const position = (p: Point) => ({ col: fraction(p.x, xAxis) * (cols - 1), row: (1 - fraction(p.y, yAxis)) * (rows - 1) });

  // Curves as braille dots; estimated ones dashed (four dots on, four off: a cell or two each).
  const bits: number[][] = Array.from({ length: rows }, () => Array<number>(cols).fill(0));
  const owner: number[][] = Array.from({ length: rows }, () => Array<number>(cols).fill(-1));
  const box = { x0: 0, y0: 0, x1: 2 * cols - 1, y1: 4 * rows - 1 };
  for (const s of order) {
    const style = styles.get(s.label)!;
    const dots = finitePoints(s).map(position).map((p) => ({ x: p.col * 2 + 0.5, y: p.row * 4 + 1.5 }));
    let n = 0;
    for (let i = 1; i < dots.length; i++) {
      const clipped = clipSegment(dots[i - 1]!, dots[i]!, box);
      if (clipped === undefined) continue;
      const [a, b] = clipped;
      const steps = Math.max(1, Math.ceil(Math.max(Math.abs(b.x - a.x), Math.abs(b.y - a.y))));
      for (let k = 0; k <= steps; k++, n++) {
        if (s.dashed && n % 8 >= 4) continue;
        const x = Math.round(a.x + ((b.x - a.x) * k) / steps);
        const y = Math.round(a.y + ((b.y - a.y) * k) / steps);
        const r = Math.floor(y / 4);
        const c = Math.floor(x / 2);
        bits[r]![c]! |= BRAILLE_BITS[y % 4]![x % 2]!;
        owner[r]![c] = style;
      }
    }
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (bits[r]![c] === 0 || isAxis(r, c) || (r === targetRow && labelCells.has(c))) continue;
      put(r, c, { ch: String.fromCodePoint(0x2800 + bits[r]![c]!), color: ANSI[owner[r]![c]! % ANSI.length]! });
    }
  }

  // Markers over everything; a point above the range becomes ↑ on the top row.
  for (const s of order) {
    const style = styles.get(s.label)!;
    const ansi = ANSI[style % ANSI.length]!;
    for (const p of finitePoints(s)) {
      const col = gridCol(p.x, xAxis, cols);
      if (p.y > yAxis.hi) put(0, col, { ch: CLIPPED, color: ansi });
      else put(gridRow(p.y, yAxis, rows), col, { ch: MARKERS[style % MARKERS.length]!, color: ansi });
    }
  }

  if (panel.series.every((s) => finitePoints(s).length === 0)) {
    const text = 'no data';
    const start = Math.max(1, Math.floor((cols - text.length) / 2));
    [...text].forEach((ch, j) => put(Math.floor((rows - 1) / 2), start + j, { ch }));
  }
  return grid;
}

// ---------------------------------------------------------------------------------------------------------------
// SVG.

/** Okabe–Ito, reordered so the first few read well on white (its yellow last); the target keeps red to itself. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000', '#F0E442'];
const SVG_TARGET = '#D62728';
const FONT = 'DejaVu Sans, Arial, sans-serif';
/** Panel margins: room for the panel title above, tick labels and the y label left, tick labels and x label below. */
const MARGIN = { top: 40, right: 28, bottom: 58, left: 84 };
const HEADER = 48;
const LEGEND_ROW = 24;

/** Escapes the five XML special characters, for text and attribute values alike. */
function xml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!);
}

/** Coordinates to one decimal: short and deterministic. */
function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** A rough text width for layout, DejaVu Sans averaging about 0.56 em a character (a little over, never under). */
function textWidth(text: string, size: number): number {
  return [...text].length * size * 0.58;
}

/** The marker of style k at (x, y): the same shapes as the terminal's, white-edged to stand out where curves cross. */
function svgMarker(k: number, x: number, y: number, fill: string): string {
  const r = 4.5;
  const edge = 'stroke="#ffffff" stroke-width="1"';
  const poly = (pts: [number, number][]) => `<path d="M${pts.map(([px, py]) => `${n(x + px)} ${n(y + py)}`).join(' L')} Z" fill="${fill}" ${edge}/>`;
  switch (k % MARKERS.length) {
    case 0: return `<circle cx="${n(x)}" cy="${n(y)}" r="${r}" fill="${fill}" ${edge}/>`;
    case 1: return poly([[0, -r * 1.2], [r * 1.1, r * 0.8], [-r * 1.1, r * 0.8]]);
    case 2: return poly([[-r * 0.9, -r * 0.9], [r * 0.9, -r * 0.9], [r * 0.9, r * 0.9], [-r * 0.9, r * 0.9]]);
    case 3: return poly([[0, -r * 1.25], [r * 1.1, 0], [0, r * 1.25], [-r * 1.1, 0]]);
    case 4: {
      const a = r * 1.2;
      const b = r * 0.4;
      return poly([[-b, -a], [b, -a], [b, -b], [a, -b], [a, b], [b, b], [b, a], [-b, a], [-b, b], [-a, b], [-a, -b], [-b, -b]]);
    }
    case 5: {
      const star: [number, number][] = [];
      for (let i = 0; i < 10; i++) {
        const radius = i % 2 === 0 ? r * 1.35 : r * 0.6;
        const angle = (Math.PI / 5) * i - Math.PI / 2;
        star.push([radius * Math.cos(angle), radius * Math.sin(angle)]);
      }
      return poly(star);
    }
    case 6: return poly([[0, r * 1.2], [r * 1.1, -r * 0.8], [-r * 1.1, -r * 0.8]]);
    default: return `<circle cx="${n(x)}" cy="${n(y)}" r="${r - 0.5}" fill="#ffffff" stroke="${fill}" stroke-width="2"/>`;
  }
}

export function svgPlot(panels: readonly PlotPanel[], options: PlotOptions): string {
  const width = Math.max(320, Math.round(options.width ?? 960));
  const panelHeight = Math.max(200, Math.round(options.height ?? 380));
  const styles = styleIndex(panels);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = panelHeight - MARGIN.top - MARGIN.bottom;
  const xAxis = axis(...xRange(panels), Math.max(3, Math.min(11, Math.floor(plotWidth / 80))));

  // The legend flows left to right and wraps; laid out first because it sets the picture's height.
  const legend = legendEntries(panels);
  const legendItems: { s: PlotSeries; x: number; row: number }[] = [];
  let cursor = MARGIN.left;
  let row = 0;
  for (const s of legend) {
    const itemWidth = 44 + textWidth(s.label, 13) + 32;
    if (cursor > MARGIN.left && cursor + itemWidth > width - MARGIN.right) {
      cursor = MARGIN.left;
      row++;
    }
    legendItems.push({ s, x: cursor, row });
    cursor += itemWidth;
  }
  const ringed = panels.some((p) => p.series.some((s) => s.highlight !== undefined));
  const legendTop = HEADER + panels.length * panelHeight;
  const height = legendTop + (legend.length > 0 ? (row + 1 + (ringed ? 1 : 0)) * LEGEND_ROW + 16 : 0);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="30" font-size="18" font-weight="bold" fill="#222222">${xml(options.title)}</text>`,
  ];

  panels.forEach((panel, i) => {
    const top = HEADER + i * panelHeight + MARGIN.top;
    const left = MARGIN.left;
    const bottom = top + plotHeight;
    const right = left + plotWidth;
    const yAxis = axis(...yRange(panel), Math.max(3, Math.min(7, Math.floor(plotHeight / 45))));
    const px = (x: number) => left + fraction(x, xAxis) * plotWidth;
    const py = (y: number) => bottom - fraction(y, yAxis) * plotHeight;

    out.push(`<g>`);
    out.push(`<text x="${left}" y="${top - 14}" font-size="15" font-weight="bold" fill="#222222">${xml(panel.title)}</text>`);
    // Grid and tick labels.
    const grid = [
      ...xAxis.ticks.map((t) => `M${n(px(t))} ${top} V${bottom}`),
      ...yAxis.ticks.map((t) => `M${left} ${n(py(t))} H${right}`),
    ].join(' ');
    out.push(`<path d="${grid}" stroke="#e6e6e6" stroke-width="1" fill="none"/>`);
    xAxis.ticks.forEach((t, k) => {
      out.push(`<text x="${n(px(t))}" y="${bottom + 20}" font-size="12" fill="#444444" text-anchor="middle">${xml(xAxis.labels[k]!)}</text>`);
    });
    yAxis.ticks.forEach((t, k) => {
      out.push(`<text x="${left - 8}" y="${n(py(t) + 4)}" font-size="12" fill="#444444" text-anchor="end">${xml(yAxis.labels[k]!)}</text>`);
    });
    out.push(`<path d="M${left} ${top} V${bottom} H${right}" stroke="#333333" stroke-width="1.2" fill="none"/>`);
    out.push(`<text x="${n((left + right) / 2)}" y="${bottom + 44}" font-size="13" fill="#333333" text-anchor="middle">${xml(options.xLabel)}</text>`);
    const yMid = (top + bottom) / 2;
    out.push(`<text x="24" y="${n(yMid)}" font-size="13" fill="#333333" text-anchor="middle" transform="rotate(-90 24 ${n(yMid)})">${xml(panel.yLabel)}</text>`);

    // The target under the curves, labelled near the left where curves are still low; a white halo keeps it legible.
    const target = usableTarget(panel);
    if (target !== undefined) {
      const ty = n(py(target));
      out.push(`<path d="M${left} ${ty} H${right}" stroke="${SVG_TARGET}" stroke-width="1.5" stroke-dasharray="8 5" fill="none"/>`);
      out.push(`<text x="${left + 10}" y="${n(py(target) - 6)}" font-size="12" fill="${SVG_TARGET}" stroke="#ffffff" stroke-width="3" paint-order="stroke">target ${xml(formatValue(target))} ${xml(panel.yLabel)}</text>`);
    }

    // Curves, then markers, each drawn last-series-first so the top option ends up on top.
    const order = [...panel.series].reverse();
    const box = { x0: left, y0: top, x1: right, y1: bottom };
    for (const s of order) {
      const pts = finitePoints(s).map((p) => ({ x: px(p.x), y: py(p.y) }));
      let d = '';
      let pen: Point | undefined;
      for (let k = 1; k < pts.length; k++) {
        const clipped = clipSegment(pts[k - 1]!, pts[k]!, box);
        if (clipped === undefined) continue;
        const [a, b] = clipped;
        if (pen === undefined || pen.x !== a.x || pen.y !== a.y) d += `M${n(a.x)} ${n(a.y)} `;
        d += `L${n(b.x)} ${n(b.y)} `;
        pen = b;
      }
      if (d === '') continue;
      const dash = s.dashed ? ' stroke-dasharray="7 5"' : '';
      out.push(`<path d="${d.trimEnd()}" stroke="${PALETTE[styles.get(s.label)! % PALETTE.length]}" stroke-width="2.2" fill="none" stroke-linejoin="round" stroke-linecap="round"${dash}/>`);
    }
    let clippedAny = false;
    for (const s of order) {
      const k = styles.get(s.label)!;
      const fill = PALETTE[k % PALETTE.length]!;
      for (const p of finitePoints(s)) {
        const x = px(p.x);
        if (p.y > yAxis.hi) {
          // Off the top: an arrow on the edge, pointing at where the latency went.
          clippedAny = true;
          out.push(`<path d="M${n(x)} ${top + 12} V${top + 1} M${n(x - 4)} ${top + 6} L${n(x)} ${top + 1} L${n(x + 4)} ${top + 6}" stroke="${fill}" stroke-width="2" fill="none" stroke-linecap="round" stroke-linejoin="round"/>`);
        } else {
          out.push(svgMarker(k, x, py(p.y), fill));
        }
      }
    }
    // The operating points: a ring round the point in the series' colour.
    for (const s of order) {
      const h = s.highlight;
      if (h === undefined || !Number.isFinite(h.x) || !Number.isFinite(h.y) || h.y > yAxis.hi) continue;
      out.push(`<circle cx="${n(px(h.x))}" cy="${n(py(h.y))}" r="9" fill="none" stroke="${PALETTE[styles.get(s.label)! % PALETTE.length]}" stroke-width="2.5"/>`);
    }
    if (clippedAny) {
      out.push(`<text x="${right}" y="${top - 14}" font-size="12" fill="#666666" text-anchor="end">↑ beyond ${xml(formatValue(yAxis.hi))} ${xml(panel.yLabel)}</text>`);
    }
    if (panel.series.every((s) => finitePoints(s).length === 0)) {
      out.push(`<text x="${n((left + right) / 2)}" y="${n(yMid)}" font-size="14" fill="#888888" text-anchor="middle">no data</text>`);
    }
    out.push(`</g>`);
  });

  // Legend: a stroke sample (dashed if estimated) with the marker on it, then the label.
  for (const { s, x, row: r } of legendItems) {
    const k = styles.get(s.label)!;
    const color = PALETTE[k % PALETTE.length]!;
    const y = legendTop + 8 + r * LEGEND_ROW + LEGEND_ROW / 2;
    const dash = s.dashed ? ' stroke-dasharray="7 5"' : '';
    out.push(`<path d="M${n(x)} ${n(y)} H${n(x + 34)}" stroke="${color}" stroke-width="2.2" fill="none"${dash}/>`);
    out.push(svgMarker(k, x + 17, y, color));
    out.push(`<text x="${n(x + 44)}" y="${n(y + 4.5)}" font-size="13" fill="#222222">${xml(s.label)}</text>`);
  }
  if (ringed && legend.length > 0) {
    const y = legendTop + 8 + (row + 1) * LEGEND_ROW + LEGEND_ROW / 2;
    out.push(`<circle cx="${n(MARGIN.left + 17)}" cy="${n(y)}" r="7" fill="none" stroke="#444444" stroke-width="2"/>`);
    out.push(`<text x="${n(MARGIN.left + 44)}" y="${n(y + 4.5)}" font-size="13" fill="#222222">the operating point: the most load within the targets</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}

// The terminal renderer of recommend's plots: braille curves and shape markers on a character grid.

import {
  type Axis,
  axis,
  clipSegment,
  finitePoints,
  formatValue,
  fraction,
  legendEntries,
  MARKERS,
  type PlotOptions,
  type PlotPanel,
  type Point,
  styleIndex,
  usableTarget,
  xRange,
  yRange,
} from './scale.js';

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

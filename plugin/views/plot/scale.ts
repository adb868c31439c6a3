// Latency-vs-throughput plots for `kubectl inference recommend --plot`: one panel per latency metric (TTFT, NTPOT),
// one curve per recommended option. Two renderers share this scaling: a character grid for the terminal
// (terminal.ts) and a self-contained SVG for --plot-file (svg.ts; png.ts rasterizes it). Pure: data in, string out.

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

export interface Point { readonly x: number; readonly y: number }

/** A linear axis whose domain is exactly its first and last tick, so the ticks fall on the plot's edges. */
export interface Axis {
  readonly lo: number;
  readonly hi: number;
  readonly ticks: readonly number[];
  readonly labels: readonly string[];
}

/** One marker per series, in both renderers; shapes rather than colors alone, so the plot reads without color too. */
export const MARKERS = ['●', '▲', '■', '◆', '✚', '★', '▼', '○'];

/** Above this many times the target, latency is off the interesting part of the plot and gets clipped. */
export const TARGET_CAP = 3;

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
export function formatValue(value: number): string {
  return String(Number(value.toPrecision(4)));
}

export function axis(lo: number, hi: number, maxTicks: number): Axis {
  const ticks = niceTicks(lo, hi, maxTicks);
  return { lo: ticks[0]!, hi: ticks[ticks.length - 1]!, ticks, labels: formatTicks(ticks) };
}

/** Where a value falls on an axis: 0 at lo, 1 at hi (beyond for clipped values). */
export function fraction(value: number, a: Axis): number {
  return (value - a.lo) / (a.hi - a.lo);
}

export function finitePoints(series: PlotSeries): Point[] {
  return series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
}

/** The target if it can be drawn: finite and positive. */
export function usableTarget(panel: PlotPanel): number | undefined {
  return panel.target !== undefined && Number.isFinite(panel.target) && panel.target > 0 ? panel.target : undefined;
}

/** One x range for every panel, from 0 (or below, for negative data) to the largest x, so panels line up. */
export function xRange(panels: readonly PlotPanel[]): [number, number] {
  const xs = panels.flatMap((p) => p.series.flatMap((s) => finitePoints(s).map((q) => q.x)));
  return xs.length === 0 ? [0, 1] : [Math.min(0, ...xs), Math.max(...xs)];
}

/**
 * A panel's y range, from 0 to the largest latency, but with a target never above TARGET_CAP × it (latency explodes
 * near saturation and would squash the rest) and never below 1.1 × it (the line stays in view).
 */
export function yRange(panel: PlotPanel): [number, number] {
  const ys = panel.series.flatMap((s) => finitePoints(s).map((q) => q.y));
  const lo = Math.min(0, ...ys);
  let hi = ys.length === 0 ? 1 : Math.max(...ys);
  const target = usableTarget(panel);
  if (target !== undefined) hi = Math.max(Math.min(hi, TARGET_CAP * target), 1.1 * target);
  return [lo, hi];
}

/** Each distinct series label gets one style index for all panels, in order of first appearance. */
export function styleIndex(panels: readonly PlotPanel[]): Map<string, number> {
  const styles = new Map<string, number>();
  for (const panel of panels) for (const s of panel.series) if (!styles.has(s.label)) styles.set(s.label, styles.size);
  return styles;
}

/** The legend's entries: one per label, dashed if its first appearance is. */
export function legendEntries(panels: readonly PlotPanel[]): PlotSeries[] {
  const seen = new Map<string, PlotSeries>();
  for (const panel of panels) for (const s of panel.series) if (!seen.has(s.label)) seen.set(s.label, s);
  return [...seen.values()];
}

/** Clips segment a–b to a box (Liang–Barsky); undefined when it lies wholly outside. */
export function clipSegment(a: Point, b: Point, box: { x0: number; y0: number; x1: number; y1: number }): [Point, Point] | undefined {
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

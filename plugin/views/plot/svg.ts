// The SVG renderer of recommend's plots (--plot-file; png.ts rasterizes it with resvg).

import {
  axis,
  clipSegment,
  finitePoints,
  formatValue,
  fraction,
  legendEntries,
  MARKERS,
  type PlotOptions,
  type PlotPanel,
  type PlotSeries,
  type Point,
  styleIndex,
  usableTarget,
  xRange,
  yRange,
} from './scale.js';

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

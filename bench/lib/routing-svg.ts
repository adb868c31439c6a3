import type { RunFigures } from './routing-report.js';

// A hand-written SVG: p99 TTFT (log scale) against output throughput, one line per policy, a point per rate.

const COLORS = ['#d62728', '#ff7f0e', '#1f77b4', '#2ca02c', '#9467bd', '#8c564b'];

export function latencyThroughputSvg(results: readonly RunFigures[], policies: readonly string[], sloMs: number, title: string): string {
  const W = 720, H = 440, L = 70, R = 170, T = 40, B = 50;
  const xs = results.map((r) => r.outputTokensPerSecond);
  const ys = results.map((r) => Math.max(10, r.ttftP99Ms));
  const xMax = Math.ceil(Math.max(...xs) / 500) * 500;
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...ys)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...ys)));
  const x = (v: number): number => L + (v / xMax) * (W - L - R);
  const y = (v: number): number => T + (1 - (Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (H - T - B);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - 60}" y="20" text-anchor="middle" font-size="14">${title}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">output throughput (tokens/s)</text>`,
    `<text x="16" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(T + H - B) / 2})">p99 TTFT (ms, log)</text>`,
  ];
  for (let v = 0; v <= xMax; v += 500) out.push(`<line x1="${x(v)}" y1="${H - B}" x2="${x(v)}" y2="${H - B + 4}" stroke="black"/><text x="${x(v)}" y="${H - B + 17}" text-anchor="middle">${v}</text>`);
  for (let v = yMin; v <= yMax; v *= 10) out.push(`<line x1="${L - 4}" y1="${y(v)}" x2="${W - R}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v >= 1000 ? `${v / 1000}k` : v}</text>`);
  if (sloMs > yMin && sloMs < yMax) out.push(`<line x1="${L}" y1="${y(sloMs)}" x2="${W - R}" y2="${y(sloMs)}" stroke="#888" stroke-dasharray="5,4"/><text x="${W - R - 4}" y="${y(sloMs) - 4}" text-anchor="end" fill="#555">SLO ${sloMs} ms</text>`);
  policies.forEach((policy, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const points = results.filter((r) => r.policy === policy).sort((a, b) => a.rate - b.rate);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${x(p.outputTokensPerSecond).toFixed(1)},${y(Math.max(10, p.ttftP99Ms)).toFixed(1)}`).join(' ')}"/>`);
    for (const p of points) out.push(`<circle cx="${x(p.outputTokensPerSecond).toFixed(1)}" cy="${y(Math.max(10, p.ttftP99Ms)).toFixed(1)}" r="3" fill="${color}"><title>${policy} ${p.rate} req/s</title></circle>`);
    out.push(`<line x1="${W - R + 15}" y1="${T + 10 + i * 20}" x2="${W - R + 35}" y2="${T + 10 + i * 20}" stroke="${color}" stroke-width="2"/><text x="${W - R + 40}" y="${T + 14 + i * 20}">${policy}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

import { autoscaleLine, totalDemand } from '../autoscale.js';
import { severity, type PoolSummary, type ReplicaRow, type Severity, type TopSnapshot } from './state.js';

// Text of the `top` table, shared by the live view (ink) and the one-shot table (--once, piped), so both
// print the same cells. Numbers right-aligned, '-' where a figure is unknown.

/** Cells of the KV bar; the live view draws blocks, plain text draws ASCII. */
export const BAR_WIDTH = 10;

export function kvBar(usage: number | undefined, ascii: boolean, width = BAR_WIDTH): string {
  const [full, empty] = ascii ? ['#', '.'] : ['█', '░'];
  if (usage === undefined) return ' '.repeat(width);
  const filled = Math.max(0, Math.min(width, Math.round(usage * width)));
  return full.repeat(filled) + empty.repeat(width - filled);
}

export const percent = (fraction: number | undefined): string => (fraction === undefined ? '-' : `${Math.round(fraction * 100)}%`);
export const count = (n: number | undefined): string => (n === undefined ? '-' : String(Math.round(n)));
export const rate = (n: number | undefined): string => (n === undefined ? '-' : n >= 100 ? String(Math.round(n)) : n.toFixed(1));
export function duration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(2)}s`;
}

interface Column {
  readonly header: string;
  readonly right: boolean;
  /** Narrow terminals drop the columns with the highest numbers first (1 is never dropped). */
  readonly priority: number;
  readonly cell: (r: ReplicaRow, ascii: boolean) => string;
}

const COLUMNS: readonly Column[] = [
  { header: 'NAMESPACE', right: false, priority: 7, cell: (r) => r.namespace || '-' },
  { header: 'REPLICA', right: false, priority: 1, cell: (r) => r.name },
  { header: 'NODE', right: false, priority: 10, cell: (r) => r.node || '-' },
  { header: 'ACCELERATOR', right: false, priority: 8, cell: (r) => r.accelerator || '-' },
  { header: 'KV CACHE', right: false, priority: 1, cell: (r, ascii) => `${kvBar(r.kvCacheUsage, ascii)} ${percent(r.kvCacheUsage).padStart(4)}` },
  { header: 'RUN', right: true, priority: 3, cell: (r) => count(r.running) },
  { header: 'WAIT', right: true, priority: 2, cell: (r) => count(r.waiting) },
  { header: 'TOK/S', right: true, priority: 4, cell: (r) => rate(r.generationTokensPerSecond) },
  { header: 'TTFT P50', right: true, priority: 9, cell: (r) => duration(r.ttftP50Ms) },
  { header: 'TTFT P99', right: true, priority: 5, cell: (r) => duration(r.ttftP99Ms) },
  { header: 'PREFIX HIT', right: true, priority: 11, cell: (r) => percent(r.prefixCacheHitRate) },
  { header: 'PREEMPT', right: true, priority: 12, cell: (r) => count(r.preemptionsTotal) },
  { header: 'STATUS', right: false, priority: 1, cell: (r) => (r.reachable ? 'ok' : `unreachable: ${r.reason ?? ''}`) },
];

/** What of the last column (STATUS) must show for a layout to fit: the word, not the whole reason. */
const STATUS_MIN_WIDTH = 'unreachable'.length;
const GAP = '  ';

export interface TableLayout {
  readonly header: string;
  readonly lines: readonly { readonly id: string; readonly text: string; readonly severity: Severity }[];
}

/**
 * The header and one line per row, columns padded to the widest cell of `rows` (pass every row, not only the
 * visible ones, so columns stay put while scrolling). The namespace column shows only with `namespaces`. With a
 * `width` (the terminal's columns), the least important columns go until a line fits, so REPLICA, KV CACHE, WAIT
 * and STATUS stay visible at 80 columns; a long STATUS reason may still be cut at the edge.
 */
export function layoutTable(rows: readonly ReplicaRow[], options: { ascii: boolean; namespaces: boolean; width?: number | undefined }): TableLayout {
  let columns = COLUMNS.filter((c) => options.namespaces || c.header !== 'NAMESPACE');
  const cellsOf = (cols: readonly Column[]): string[][] => rows.map((r) => cols.map((c) => c.cell(r, options.ascii)));
  const widthsOf = (cols: readonly Column[], cells: readonly string[][]): number[] =>
    cols.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  let cells = cellsOf(columns);
  let widths = widthsOf(columns, cells);
  const needed = (w: readonly number[]): number =>
    w.slice(0, -1).reduce((sum, x) => sum + x + GAP.length, 0) + Math.min(w.at(-1) ?? 0, Math.max(STATUS_MIN_WIDTH, 'STATUS'.length));
  while (options.width !== undefined && needed(widths) > options.width) {
    const droppable = columns.filter((c) => c.priority > 1);
    if (droppable.length === 0) break;
    const drop = droppable.reduce((a, b) => (b.priority > a.priority ? b : a));
    const keep = columns.map((c) => c !== drop);
    columns = columns.filter((_, i) => keep[i]);
    cells = cells.map((row) => row.filter((_, i) => keep[i]));
    widths = widths.filter((_, i) => keep[i]);
  }
  const line = (row: readonly string[]): string => row
    .map((cell, i) => (i === row.length - 1 ? cell : columns[i]!.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
    .join(GAP)
    .trimEnd();
  return {
    header: line(columns.map((c) => c.header)),
    lines: rows.map((r, i) => ({ id: r.id, text: line(cells[i]!), severity: severity(r) })),
  };
}

/** `ml/llama  3 replicas (1 unreachable)  KV 45% mean, 92% max  run 12  wait 3  123 tok/s  TTFT p50 85ms p99 420ms  prefix hit 73%` */
export function poolLine(p: PoolSummary): string {
  const parts = [
    p.pool,
    `${p.replicas} ${p.replicas === 1 ? 'replica' : 'replicas'}${p.unreachable > 0 ? ` (${p.unreachable} unreachable)` : ''}`,
    `KV ${percent(p.kvCacheMean)} mean, ${percent(p.kvCacheMax)} max`,
    `run ${p.running}`,
    `wait ${p.waiting}`,
    `${rate(p.generationTokensPerSecond)} tok/s`,
    `TTFT p50 ${duration(p.ttftP50Ms)} p99 ${duration(p.ttftP99Ms)}`,
    `prefix hit ${percent(p.prefixCacheHitRate)}`,
  ];
  return parts.join('  ');
}

/** The one-shot report: pool lines, autoscaler lines (when there are HPAs), a blank line, the table (no colors: for pipes and files). */
export function plainReport(snapshot: TopSnapshot, namespaces: boolean): string {
  const table = layoutTable(snapshot.rows, { ascii: true, namespaces });
  return [
    ...(snapshot.problem ? [`warning: ${snapshot.problem}`] : []),
    ...snapshot.pools.map(poolLine),
    ...(snapshot.autoscale ?? []).map(autoscaleLine),
    '',
    table.header,
    ...table.lines.map((l) => l.text),
  ].join('\n');
}

/** `-o json`: the same figures, unrounded (fractions 0..1, latencies in ms, rates per second). */
export function jsonReport(snapshot: TopSnapshot): object {
  return {
    time: new Date(snapshot.atMs).toISOString(),
    ...(snapshot.problem ? { problem: snapshot.problem } : {}),
    pools: snapshot.pools,
    // demand: the HPA's reading in replicas' worth of capacity (demandPerReplica × currentReplicas).
    ...(snapshot.autoscale ? { autoscale: snapshot.autoscale.map((s) => ({ ...s, ...withDemand(totalDemand(s)) })) } : {}),
    replicas: snapshot.rows,
  };
}

const withDemand = (demand: number | undefined): { demand?: number } => (demand === undefined ? {} : { demand });

import type { PerfPoint } from '../../src/profiles/profile.js';
import { table } from '../render.js';

/** A number for a table: 3 significant figures below 100, whole above. */
export function figure(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '-';
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  return String(Number(x.toPrecision(3)));
}

/** A profile's points as a table, lightest load first. */
export function profileTable(points: readonly PerfPoint[]): string {
  return table(
    ['CONCURRENCY', 'REQ/S', 'OUTPUT TOK/S', 'TTFT P50 MS', 'TTFT P99 MS', 'NTPOT P50 MS', 'NTPOT P99 MS', 'ITL P50 MS'],
    points.map((p) => [figure(p.concurrency), figure(p.requestRate), figure(p.outputTokensPerSecond), figure(p.ttftP50Ms), figure(p.ttftP99Ms), figure(p.ntpotP50Ms), figure(p.ntpotP99Ms), figure(p.itlP50Ms)]),
  );
}

import { RecentRequestsAnswerSchema, type RecentRequest, type RecentRequestsAnswer } from '../../src/routing/recent-requests.js';
import { count, duration } from './format.js';
import type { Fetcher } from './scrape.js';

// The recent requests of a replica's detail: what kinfer-picker (proxy mode) routed there, read from its
// GET /debug/requests (src/routing/recent-requests.ts). Model servers keep no per-request log, so without --picker
// the detail says where to get them rather than showing nothing.

/** The picker's answer at the latest refresh, or why there is none. */
export interface PickerRequests {
  /** The picker's health-port URL (`--picker`). */
  readonly from: string;
  readonly answer?: RecentRequestsAnswer;
  readonly error?: string;
}

/** What the detail shows under "Recent requests": a title and the requests (newest last), or only a title saying why not. */
export interface RecentRequestsView {
  readonly title: string;
  readonly requests?: readonly RecentRequest[];
}

/** `http://host:9003` → a reader of its /debug/requests, checked against the schema. */
export function pickerRequestsReader(fetch: Fetcher, from: string, timeoutMs: number): () => Promise<PickerRequests> {
  const url = new URL('/debug/requests', from).href;
  return async () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const parsed = RecentRequestsAnswerSchema.safeParse(JSON.parse(await fetch(url, controller.signal)));
      return parsed.success ? { from, answer: parsed.data } : { from, error: `not a kinfer-picker /debug/requests answer (${parsed.error.issues[0]?.message ?? 'invalid'})` };
    } catch (error) {
      return { from, error: controller.signal.aborted ? `no answer in ${timeoutMs / 1000}s` : (error as Error).message.split('\n')[0]!.slice(0, 120) };
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Several pickers (one per pool, `--picker` repeated) as one: their endpoints together (an endpoint sits in one
 * pool), and the failures said by URL. With every picker failing, only the errors.
 */
export function mergePickerRequests(list: readonly PickerRequests[]): PickerRequests | undefined {
  if (list.length <= 1) return list[0];
  const answered = list.filter((p) => p.answer);
  const errors = list.filter((p) => p.error).map((p) => `${p.from}: ${p.error}`);
  const from = list.map((p) => p.from).join(', ');
  if (answered.length === 0) return { from, error: errors.join('; ') };
  const endpoints = Object.assign({}, ...answered.map((p) => p.answer!.endpoints)) as RecentRequestsAnswer['endpoints'];
  return { from: answered.map((p) => p.from).join(', '), answer: { perEndpoint: Math.max(...answered.map((p) => p.answer!.perEndpoint)), endpoints } };
}

/** The requests of the replica at `address` (`host:port`, as the picker names endpoints). */
export function requestsView(picker: PickerRequests | undefined, address: string | undefined): RecentRequestsView {
  if (!picker) return { title: 'Recent requests: model servers keep none; give --picker URL (a kinfer-picker in proxy mode, its health port)' };
  if (picker.error) return { title: `Recent requests: picker ${picker.from}: ${picker.error}` };
  const requests = address === undefined ? undefined : picker.answer?.endpoints[address];
  if (!requests || requests.length === 0) return { title: `Recent requests (picker ${picker.from}): none routed to ${address ?? 'this replica'} yet`, requests: [] };
  return { title: `Recent requests (picker ${picker.from}), newest first`, requests };
}

/** A line of the requests table; `failed` colours it (status 0 or ≥ 400). */
export interface RequestLine {
  readonly text: string;
  readonly failed: boolean;
}

const HEADER = ['AGE', 'STATUS', 'PROMPT', 'OUTPUT', 'TTFT', 'TOTAL'];

/** The header and up to `rows` requests, newest first; nothing when the view has no requests to show. */
export function requestLines(view: RecentRequestsView, atMs: number, rows: number): RequestLine[] {
  if (!view.requests || view.requests.length === 0) return [];
  const shown = [...view.requests].reverse().slice(0, Math.max(1, rows));
  const cells = shown.map((r) => [
    age(atMs - r.atMs),
    r.status === 0 ? 'failed' : String(r.status),
    `${r.promptEstimated ? '~' : ''}${count(r.promptTokens)}`,
    count(r.outputTokens),
    duration(r.ttftMs),
    duration(r.latencyMs),
  ]);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]): string => c.map((cell, i) => cell.padStart(widths[i]!)).join('  ');
  return [{ text: line(HEADER), failed: false }, ...cells.map((c, i) => ({ text: line(c), failed: shown[i]!.status === 0 || shown[i]!.status >= 400 }))];
}

/** `4s`, `2m`, `1h` ago. */
function age(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}

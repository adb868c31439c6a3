import { parseSimArgs } from '../../sim/config.js';
import { startSimServer, type RunningSim } from '../../sim/server.js';

export const MODEL = 'sim-model';

/** A kinfer-sim on an ephemeral loopback port, configured by the same flags the CLI takes. */
export async function startSim(flags: readonly string[] = []): Promise<RunningSim> {
  const parsed = parseSimArgs(['--model', MODEL, ...flags]);
  if (!parsed.ok || parsed.value.kind !== 'serve') throw new Error(`bad test flags: ${parsed.ok ? parsed.value.kind : parsed.error}`);
  return startSimServer(parsed.value.config, '127.0.0.1', 0);
}

export async function postJson(url: string, body: unknown, signal?: AbortSignal): Promise<{ status: number; json: unknown; text: string; contentType: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text, contentType: response.headers.get('content-type') ?? '' };
}

/**
 * A strict reader of an OpenAI-style event stream: the body is nothing but `data: <payload>\n\n` events, the
 * last one `data: [DONE]`; every other payload is one JSON object. Throws on anything else.
 */
export function parseSse(body: string): Record<string, unknown>[] {
  if (!body.endsWith('\n\n')) throw new Error('stream does not end with a blank line');
  const events = body.slice(0, -2).split('\n\n');
  const last = events.pop();
  if (last !== 'data: [DONE]') throw new Error(`last event is ${JSON.stringify(last)}, not data: [DONE]`);
  return events.map((event, i) => {
    if (!event.startsWith('data: ') || event.includes('\n')) throw new Error(`event ${i} is not one data line: ${JSON.stringify(event)}`);
    const payload: unknown = JSON.parse(event.slice('data: '.length));
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new Error(`event ${i} is not a JSON object`);
    return payload as Record<string, unknown>;
  });
}

export interface Scrape {
  readonly text: string;
  /** Sample value by `name{labels as exposed}`. */
  readonly samples: Map<string, number>;
}

export async function scrape(url: string): Promise<Scrape> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a sample line: ${line}`);
    samples.set(match[1] as string, Number(match[2]));
  }
  return { text, samples };
}

/** The value of the one series of `name` (any labels); throws when there is none. */
export function value(s: Scrape, name: string): number {
  for (const [key, v] of s.samples) if (key === name || key.startsWith(`${name}{`)) return v;
  throw new Error(`no sample ${name}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

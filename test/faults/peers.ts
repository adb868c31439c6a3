// The hostile or broken peers of the fault suite, and what it reads off the real processes under test.
// The process under test is always a spawned binary (kinfer-picker, kinfer-sim, kubectl-inference) on loopback;
// the peers here misbehave on purpose: a /metrics that drips forever, an upstream that dies mid-stream or
// accepts and never answers, an upstream that records the headers it was sent.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { Child, freePort, ROOT, waitFor } from '../picker/helpers.js';

/** A real vLLM v0.11 /metrics page (test/fixtures), so the picker reads the peer as a vLLM replica. */
export const VLLM_PAGE = readFileSync(join(ROOT, 'test/fixtures/metrics/vllm-v0.11.prom'), 'utf8');

export type MetricsBehaviour = 'ok' | 'drip';
export type CompletionBehaviour = 'die-mid-stream' | 'hang' | 'record';

/** One fake model server on 127.0.0.1. */
export class Peer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  address = '';
  /** Headers of every completion request received, in order. */
  readonly received: IncomingHttpHeaders[] = [];
  /** Raw header lines (name, value, ...) of every completion request, to count framing headers exactly. */
  readonly rawReceived: string[][] = [];
  /** Open /metrics drips (each writes a byte every 100 ms until the peer stops). */
  drips = 0;

  constructor(private readonly metrics: MetricsBehaviour, private readonly completions: CompletionBehaviour = 'record') {}

  async start(): Promise<void> {
    const timers = new Set<NodeJS.Timeout>();
    this.server = createServer((req, res) => {
      if (req.url === '/metrics') {
        if (this.metrics === 'ok') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(VLLM_PAGE);
        this.drips += 1;
        res.writeHead(200, { 'content-type': 'text/plain' });
        const timer = setInterval(() => res.write('#'), 100);
        timers.add(timer);
        res.on('close', () => clearInterval(timer));
        return;
      }
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        this.received.push(req.headers);
        this.rawReceived.push(req.rawHeaders);
        if (this.completions === 'hang') return; // accepted, read, never answered
        if (this.completions === 'die-mid-stream') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: {"choices":[{"text":"one"}]}\n\n');
          res.write('data: {"choices":[{"text":"two"}]}\n\n');
          setTimeout(() => req.socket.destroy(), 100);
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'text_completion', bytes: Buffer.byteLength(body) }));
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('close', () => timers.forEach(clearInterval));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.address = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Resident and peak resident memory of a process, MiB (Linux /proc/PID/status VmRSS, VmHWM). */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

export interface RunningPicker {
  readonly child: Child;
  /** ext-proc target host:port, or the proxy's URL. */
  readonly data: string;
  readonly health: string;
}

/** A kinfer-picker child on loopback ports; resolves when it printed `ready`. */
export async function startPicker(mode: 'ext-proc' | 'proxy', endpoints: readonly string[], flags: readonly string[] = []): Promise<RunningPicker> {
  const [port, healthPort] = [await freePort(), await freePort()];
  const child = new Child(`kinfer-picker ${mode}`, process.execPath, [
    'bin/kinfer-picker.js', '--mode', mode, '--host', '127.0.0.1', '--port', String(port), '--health-port', String(healthPort),
    ...endpoints.flatMap((e) => ['--endpoint', `http://${e}`]), ...flags,
  ]);
  await child.waitOutput(/kinfer-picker ready/);
  return { child, data: mode === 'proxy' ? `http://127.0.0.1:${port}` : `127.0.0.1:${port}`, health: `http://127.0.0.1:${healthPort}` };
}

export interface EndpointRow {
  address: string;
  metrics: { scrapedAtMs: number } | null;
  inFlight: number;
  decisions: number;
  lastError: string | null;
}

/** The picker's /debug/endpoints rows. */
export async function endpointRows(health: string): Promise<EndpointRow[]> {
  const response = await fetch(`${health}/debug/endpoints`, { signal: AbortSignal.timeout(3000) });
  return ((await response.json()) as { endpoints: EndpointRow[] }).endpoints;
}

/** Waits until the picker has scraped `n` endpoints. */
export function waitFresh(health: string, n: number, timeoutMs = 10_000): Promise<unknown> {
  return waitFor(async () => {
    const response = await fetch(`${health}/health`, { signal: AbortSignal.timeout(2000) });
    return ((await response.json()) as { fresh: number }).fresh >= n;
  }, `${n} fresh endpoint(s)`, timeoutMs, 50);
}

/** One figure line, printed so `make test` output carries it (docs/reliability.md quotes these). */
export function figure(name: string, values: Record<string, string | number | boolean>): void {
  console.log(`FIGURE ${name}: ${Object.entries(values).map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : v}`).join(' ')}`);
}

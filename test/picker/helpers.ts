// Shared by the picker's tests and the Envoy e2e: child processes that are always killed, free loopback ports,
// Prometheus text parsing, bounded waits.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep as harnessSleep, waitFor as harnessWaitFor } from '../e2e/harness/wait.js';

// dist/test/picker/ -> repository root
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const sleep = harnessSleep;

/** The e2e harness's waitFor with positional arguments: what is awaited, the deadline, the poll interval. */
export function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 5000, intervalMs = 50): Promise<T> {
  return harnessWaitFor(probe, { what, timeoutMs, intervalMs });
}

/** A port that was free on 127.0.0.1 a moment ago (for binaries that print no bound port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A child process whose stdout and stderr are kept (for failure messages and readiness lines). */
export class Child {
  output = '';
  readonly process: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(readonly name: string, command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.process = spawn(command, [...args], { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (data: Buffer): void => {
      this.output += data.toString();
      if (this.output.length > 1_000_000) this.output = this.output.slice(-500_000);
    };
    this.process.stdout?.on('data', keep);
    this.process.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      if (this.process.exitCode !== null) resolve(this.process.exitCode);
      else this.process.once('exit', (code) => resolve(code));
    });
    this.process.once('error', (error) => {
      this.output += `\n[spawn error: ${error.message}]`;
    });
    LIVE.add(this);
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Resolves with the first match of `pattern` in the output; rejects on exit or after `timeoutMs`. */
  async waitOutput(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
    return waitFor(() => {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (!this.running) throw new Error(`${this.name} exited (${this.process.exitCode ?? this.process.signalCode}): ${this.tail()}`);
      return undefined;
    }, `${this.name} to print ${pattern}: ${this.tail()}`, timeoutMs, 25);
  }

  tail(chars = 2000): string {
    return this.output.slice(-chars);
  }

  /** SIGTERM, then SIGKILL when it has not exited within `graceMs`. Resolves when it is gone. */
  async stop(graceMs = 2000): Promise<void> {
    LIVE.delete(this);
    if (!this.running) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) this.process.kill('SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

const LIVE = new Set<Child>();
// Whatever happens to the test process, its children go with it.
process.once('exit', () => {
  for (const child of LIVE) if (child.running) child.process.kill('SIGKILL');
});

/** Stops every child given, in parallel, ignoring ones never started. */
export async function stopAll(children: readonly (Child | undefined)[]): Promise<void> {
  await Promise.all(children.map((c) => c?.stop()));
}

/** A kinfer-sim child on an ephemeral loopback port; resolves once it printed its URL. */
export async function startSimProcess(name: string, flags: readonly string[]): Promise<{ child: Child; url: string; address: string }> {
  const child = new Child(name, process.execPath, ['bin/kinfer-sim.js', '--host', '127.0.0.1', '--port', '0', ...flags]);
  const match = await child.waitOutput(/"url":"http:\/\/(127\.0\.0\.1:\d+)"/);
  const address = match[1] as string;
  return { child, url: `http://${address}`, address };
}

/** Prometheus text → samples as [name, labels, value]. */
export function parseProm(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1] as string] = pair[2] as string;
    out.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return out;
}

/** Sum of every series of `name` whose labels include `where`. */
export function sample(text: string, name: string, where: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of parseProm(text)) {
    if (s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

export async function metricsOf(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3000) });
  return response.text();
}

/** p-th percentile (0..100) of `values` (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

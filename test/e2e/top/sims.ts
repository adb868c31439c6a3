import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** A kinfer-sim process on an ephemeral loopback port. */
export interface SimProcess {
  readonly url: string;
  readonly child: ChildProcess;
}

/** Starts `bin/kinfer-sim.js` on 127.0.0.1 port 0 and reads its URL from the start-up log line (10 s bound). */
export function startSimProcess(root: string, flags: readonly string[]): Promise<SimProcess> {
  const child = spawn(process.execPath, [join(root, 'bin/kinfer-sim.js'), '--host', '127.0.0.1', '--port', '0', ...flags], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kinfer-sim did not start in 10 s: ${text}`));
    }, 10_000);
    child.stderr!.on('data', (d: Buffer) => {
      text += d.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, child });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kinfer-sim exited with ${code}: ${text}`));
    });
  });
}

/** Stops sims: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopSims(sims: readonly SimProcess[], graceMs = 2000): Promise<void> {
  await Promise.all(sims.map((s) => new Promise<void>((resolve) => {
    if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
    const timer = setTimeout(() => s.child.kill('SIGKILL'), graceMs);
    s.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    s.child.kill('SIGTERM');
  })));
}

/** A private tmux server (its own socket), so the test never touches a developer's sessions. */
export class Tmux {
  constructor(readonly socket: string) {}

  run(args: readonly string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr || r.error?.message}`);
    return r.stdout;
  }

  capture(target: string): string {
    return this.run(['capture-pane', '-p', '-t', target]);
  }

  /** The pane with its colours and attributes as escape sequences (capture-pane -e). */
  captureEscapes(target: string): string {
    return this.run(['capture-pane', '-p', '-e', '-t', target]);
  }

  /** Ends the server and every session on it; never throws (cleanup path). */
  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { timeout: 10_000 });
  }

  static available(): boolean {
    return spawnSync('tmux', ['-V'], { timeout: 5000 }).status === 0;
  }
}

/** Keeps `concurrency` completions in flight against `url` until the signal aborts. */
export function keepBusy(url: string, model: string, concurrency: number, promptChars: number, maxTokens: number, signal: AbortSignal): Promise<void> {
  const one = async (): Promise<void> => {
    while (!signal.aborted) {
      try {
        const response = await fetch(`${url}/v1/completions`, {
          method: 'POST', signal, headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model, prompt: 'x'.repeat(promptChars), max_tokens: maxTokens }),
        });
        await response.text();
      } catch {
        if (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  return Promise.all(Array.from({ length: concurrency }, one)).then(() => undefined);
}

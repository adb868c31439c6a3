// Runs a command to completion for a test: stdout and stderr collected, stdin given or closed, killed after a
// bound so a hung CLI fails its test instead of the run.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/…). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed (closed at once without it). */
  readonly input?: string;
  readonly timeoutMs?: number;
  /** Called with all of stderr so far after each chunk (e.g. to send a signal at some point of the output). */
  readonly onStderr?: (stderr: string, child: ChildProcess) => void;
}

export function runProcess(command: string, args: readonly string[], options: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      options.onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A child that exits without reading its stdin (validate-krew-manifest does, within milliseconds) makes this
    // write fail with EPIPE; its exit code and output are the result, not an uncaught exception in the test.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

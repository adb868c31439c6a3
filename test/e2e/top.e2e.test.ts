// `kubectl inference top` in a real terminal: tmux runs the live view against three kinfer-sim processes under
// different load, capture-pane reads what a user would see, and `q` must end it cleanly. The sims are plain
// --endpoint targets: kube-apiserver refuses to proxy to loopback pod IPs, so the pod-proxy path is covered by
// test/plugin/top/command.test.ts against a fake API server instead.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { keepBusy, startSimProcess, stopSims, Tmux, type SimProcess } from './top/sims.js';
import { runProcess } from '../run.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MODEL = 'sim-model';
const SESSION = 'top';

/** An SGR escape (colour or attribute), as capture-pane -e writes them. */
const ESC = String.fromCharCode(0x1b);
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `ok` holds, at most `ms`; returns the last value read. */
async function until<T>(read: () => T, ok: (value: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let value = read();
  while (!ok(value) && Date.now() < deadline) {
    await sleep(250);
    value = read();
  }
  return value;
}

/** The KV percent shown on the row of the replica at `hostPort`, or undefined if that row is not on screen. */
function kvPercent(screen: string, hostPort: string): number | undefined {
  const line = screen.split('\n').find((l) => l.startsWith(`${hostPort} `));
  const match = line ? /[█░]{10}\s+(\d+)%/.exec(line) : null;
  return match ? Number(match[1]) : undefined;
}

describe('kubectl inference top in tmux against three sims', { skip: Tmux.available() ? false : 'tmux is not installed', timeout: 120_000 }, () => {
  const tmux = new Tmux(`kinfer-top-e2e-${process.pid}`);
  const sims: SimProcess[] = [];
  const load = new AbortController();
  const hostPorts: string[] = [];
  let loaded = '';
  let idle = '';
  // Cleanup even when the runner is interrupted: the tmux server and the sims are ours alone.
  const cleanupOnExit = (): void => {
    tmux.kill();
    for (const s of sims) s.child.kill('SIGKILL');
  };

  before(async () => {
    process.once('exit', cleanupOnExit);
    // loaded: a small KV cache (256 blocks x 16 = 4,096 tokens) and slow decoding, so 24 long requests fill it;
    // light: a default cache and a trickle of short requests; idle: nothing.
    const flags = [
      ['--model', MODEL, '--num-gpu-blocks', '256', '--max-model-len', '2048', '--decode-base-ms', '25'],
      ['--model', MODEL],
      ['--model', MODEL],
    ];
    for (const f of flags) {
      const sim = await startSimProcess(ROOT, f);
      sims.push(sim);
      hostPorts.push(new URL(sim.url).host);
    }
    [loaded, , idle] = hostPorts as [string, string, string];
    void keepBusy(sims[0]!.url, MODEL, 24, 1600, 1500, load.signal);
    void keepBusy(sims[1]!.url, MODEL, 1, 200, 16, load.signal);
    tmux.run(['new-session', '-d', '-s', SESSION, '-x', '200', '-y', '40', '-c', ROOT, 'env', 'PS1=$ ', 'bash', '--norc', '--noprofile']);
  });

  after(async () => {
    load.abort();
    tmux.kill();
    await stopSims(sims);
    process.off('exit', cleanupOnExit);
  });

  it('shows the header, a row per sim, the loaded one fuller than the idle one; q exits cleanly', async () => {
    const endpoints = sims.map((s) => `--endpoint ${s.url}`).join(' ');
    tmux.run(['send-keys', '-t', SESSION, `clear; node bin/kubectl-inference top ${endpoints} --interval 1s; echo "top exited $?"`, 'Enter']);

    const screen = await until(() => tmux.capture(SESSION), (s) => {
      const full = kvPercent(s, loaded);
      return full !== undefined && full >= 30 && kvPercent(s, idle) !== undefined && /\d+ tok\/s/.test(s);
    }, 30_000);
    assert.match(screen, /^kubectl inference top {2}3 replicas {2}every 1s {2}\d\d:\d\d:\d\d {2}sort: name/m, screen);
    assert.match(screen, /^REPLICA +NODE +ACCELERATOR +KV CACHE +RUN +WAIT +TOK\/S +TTFT P50 +TTFT P99 +PREFIX HIT +PREEMPT +STATUS$/m, screen);
    assert.match(screen, new RegExp(`^${MODEL} {2}3 replicas {2}KV \\d+% mean, \\d+% max`, 'm'), screen);
    for (const hp of hostPorts) assert.ok(screen.split('\n').some((l) => l.startsWith(`${hp} `) && l.endsWith(' ok')), `a row for ${hp}:\n${screen}`);
    assert.ok(kvPercent(screen, loaded)! > kvPercent(screen, idle)!, screen);
    assert.equal(kvPercent(screen, idle), 0, screen);
    assert.match(screen.split('\n').find((l) => l.startsWith(`${idle} `))!, /░{10}\s+0%/);
    assert.match(screen, /q quit {2}s\/S sort {2}r reverse {2}\/ filter {2}\? help {2}rows 1-3 of 3/);

    tmux.run(['send-keys', '-t', SESSION, 's']);
    const sorted = await until(() => tmux.capture(SESSION), (s) => /sort: KV % ↓/.test(s), 5000);
    const order = sorted.split('\n').filter((l) => hostPorts.some((hp) => l.startsWith(`${hp} `))).map((l) => l.split(' ')[0]);
    assert.equal(order[0], loaded, `sorted by KV, the loaded sim comes first:\n${sorted}`);

    tmux.run(['send-keys', '-t', SESSION, 'q']);
    const done = await until(() => tmux.capture(SESSION), (s) => /top exited \d+/.test(s), 5000);
    assert.match(done, /top exited 0\n\$ ?$/m, done);
  });

  it('at 80 columns with CI=true in the environment: colour, STATUS visible, fast keys honoured, ? help; NO_COLOR: none', async () => {
    const NARROW = 'narrow';
    tmux.run(['new-session', '-d', '-s', NARROW, '-x', '80', '-y', '30', '-c', ROOT, 'env', 'PS1=$ ', 'bash', '--norc', '--noprofile']);
    const endpoints = sims.map((s) => `--endpoint ${s.url}`).join(' ');
    // CI=true is what a CI runner exports; at a terminal it must not turn colour or live redraws off.
    tmux.run(['send-keys', '-t', NARROW, `clear; CI=true node bin/kubectl-inference top ${endpoints} --interval 1s; echo "top exited $?"`, 'Enter']);
    const screen = await until(() => tmux.capture(NARROW), (s) => kvPercent(s, loaded) !== undefined && kvPercent(s, idle) !== undefined, 30_000);
    const header = screen.split('\n').find((l) => l.startsWith('REPLICA '));
    assert.ok(header !== undefined && /KV CACHE .* WAIT .* STATUS$/.test(header), screen);
    for (const hp of hostPorts) assert.ok(screen.split('\n').some((l) => l.startsWith(`${hp} `) && l.endsWith(' ok')), `${hp} row with its STATUS:\n${screen}`);
    // Bold header and dim key hints at least: SGR escapes (ESC [ ... m) in the pane's cells.
    const escapes = tmux.captureEscapes(NARROW);
    assert.match(escapes, new RegExp(`${ESC}\\[1m`), 'the header is bold');
    assert.match(escapes, SGR);

    // Three keys sent at once arrive as one chunk: each counts (name -> KV -> waiting -> tokens/s).
    tmux.run(['send-keys', '-t', NARROW, 'sss']);
    await until(() => tmux.capture(NARROW), (s) => /sort: tokens\/s ↓/.test(s), 5000);
    assert.match(tmux.capture(NARROW), /sort: tokens\/s ↓/);
    tmux.run(['send-keys', '-t', NARROW, 'r']);
    assert.match(await until(() => tmux.capture(NARROW), (s) => /sort: tokens\/s ↑/.test(s), 5000), /sort: tokens\/s ↑/);
    tmux.run(['send-keys', '-t', NARROW, '?']);
    const help = await until(() => tmux.capture(NARROW), (s) => /^Keys$/m.test(s), 5000);
    assert.match(help, /^s \/ S +sort by the next/m, help);
    tmux.run(['send-keys', '-t', NARROW, 'q']);
    assert.match(await until(() => tmux.capture(NARROW), (s) => /top exited \d+/.test(s), 5000), /top exited 0/);

    tmux.run(['send-keys', '-t', NARROW, `clear; NO_COLOR=1 node bin/kubectl-inference top ${endpoints} --interval 1s; echo "top exited $?"`, 'Enter']);
    await until(() => tmux.capture(NARROW), (s) => kvPercent(s, idle) !== undefined, 30_000);
    assert.doesNotMatch(tmux.captureEscapes(NARROW), SGR, 'NO_COLOR: no colour or attribute escapes');
    tmux.run(['send-keys', '-t', NARROW, 'q']);
    await until(() => tmux.capture(NARROW), (s) => /top exited \d+/.test(s), 5000);
  });

  it('--once -o json reports the loaded sim KV cache in use and the idle one empty', async () => {
    const { code, stdout } = await runProcess(process.execPath, ['bin/kubectl-inference', 'top', '--once', '-o', 'json', '--interval', '1s', ...sims.flatMap((s) => ['--endpoint', s.url])], { timeoutMs: 20_000 });
    assert.equal(code, 0);
    const report = JSON.parse(stdout) as { replicas: { name: string; kvCacheUsage: number; generationTokensPerSecond?: number; reachable: boolean }[] };
    const byName = new Map(report.replicas.map((r) => [r.name, r]));
    assert.ok(byName.get(loaded)!.kvCacheUsage > 0.3, stdout);
    assert.ok(byName.get(loaded)!.generationTokensPerSecond! > 0, stdout);
    assert.equal(byName.get(idle)!.kvCacheUsage, 0);
    assert.ok(report.replicas.every((r) => r.reachable));
  });
});

// `kubectl inference top` in a real terminal: tmux runs the live view against three kinfer-sim processes under
// different load, capture-pane reads what a user would see, and `q` must end it cleanly. The sims are plain
// --endpoint targets: kube-apiserver refuses to proxy to loopback pod IPs, so the pod-proxy path is covered by
// test/plugin/top/command.test.ts against a fake API server instead.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { keepBusy, startSimProcess, stopSims, Tmux, type SimProcess } from './top/sims.js';
import { runProcess } from '../run.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MODEL = 'sim-model';
const SESSION = 'top';
/** kinfer-picker in proxy mode in front of the light sim: its proxy port, and its health port with /debug/requests. */
const PICKER_PORT = 31250;
const PICKER_HEALTH_PORT = 31251;

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
  let light = '';
  let idle = '';
  let picker: ChildProcess | undefined;
  // Cleanup even when the runner is interrupted: the tmux server and the sims are ours alone.
  const cleanupOnExit = (): void => {
    tmux.kill();
    picker?.kill('SIGKILL');
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
    [loaded, light, idle] = hostPorts as [string, string, string];
    // The light sim's trickle goes through a real kinfer-picker, so its detail has recent requests to show.
    picker = spawn(process.execPath, ['bin/kinfer-picker.js', '--mode', 'proxy', '--host', '127.0.0.1', '--port', String(PICKER_PORT),
      '--health-port', String(PICKER_HEALTH_PORT), '--endpoint', sims[1]!.url, '--log-level', 'warn'], { cwd: ROOT, stdio: 'ignore' });
    for (const deadline = Date.now() + 15_000; ; await sleep(250)) {
      const ready = await fetch(`http://127.0.0.1:${PICKER_HEALTH_PORT}/health`).then((r) => r.ok, () => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error('kinfer-picker did not become ready in 15 s');
    }
    void keepBusy(sims[0]!.url, MODEL, 24, 1600, 1500, load.signal);
    void keepBusy(`http://127.0.0.1:${PICKER_PORT}`, MODEL, 1, 200, 16, load.signal);
    tmux.run(['new-session', '-d', '-s', SESSION, '-x', '200', '-y', '40', '-c', ROOT, 'env', 'PS1=$ ', 'bash', '--norc', '--noprofile']);
  });

  after(async () => {
    load.abort();
    tmux.kill();
    picker?.kill('SIGTERM');
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
    assert.match(screen, /q quit {2}s\/S sort {2}r reverse {2}\/ filter {2}Enter detail {2}\? help {2}rows 1-3 of 3/);

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
    // q closes the help (as it leaves a detail); q again quits.
    tmux.run(['send-keys', '-t', NARROW, 'q']);
    assert.match(await until(() => tmux.capture(NARROW), (s) => /^REPLICA /m.test(s), 5000), /^REPLICA /m);
    tmux.run(['send-keys', '-t', NARROW, 'q']);
    assert.match(await until(() => tmux.capture(NARROW), (s) => /top exited \d+/.test(s), 5000), /top exited 0/);

    tmux.run(['send-keys', '-t', NARROW, `clear; NO_COLOR=1 node bin/kubectl-inference top ${endpoints} --interval 1s; echo "top exited $?"`, 'Enter']);
    // The last run's frame stays until `clear` runs: wait for the new one (no "top exited" line under it).
    await until(() => tmux.capture(NARROW), (s) => !/top exited/.test(s) && kvPercent(s, idle) !== undefined, 30_000);
    assert.doesNotMatch(tmux.captureEscapes(NARROW), SGR, 'NO_COLOR: no colour or attribute escapes');
    tmux.run(['send-keys', '-t', NARROW, 'q']);
    await until(() => tmux.capture(NARROW), (s) => /top exited \d+/.test(s), 5000);
  });

  it('at 80 columns: select the light sim, Enter shows its histograms, KV sparkline and the picker\'s recent requests; Esc back', async () => {
    const DETAIL = 'detail';
    tmux.run(['new-session', '-d', '-s', DETAIL, '-x', '80', '-y', '30', '-c', ROOT, 'env', 'PS1=$ ', 'bash', '--norc', '--noprofile']);
    const endpoints = sims.map((s) => `--endpoint ${s.url}`).join(' ');
    tmux.run(['send-keys', '-t', DETAIL, `clear; node bin/kubectl-inference top ${endpoints} --picker http://127.0.0.1:${PICKER_HEALTH_PORT} --interval 1s; echo "top exited $?"`, 'Enter']);
    await until(() => tmux.capture(DETAIL), (s) => hostPorts.every((hp) => kvPercent(s, hp) !== undefined), 30_000);
    // Rows sort by name (host:port): step the selection down to the light sim's row, then open it.
    const index = [...hostPorts].sort((a, b) => a.localeCompare(b)).indexOf(light);
    tmux.run(['send-keys', '-t', DETAIL, 'j'.repeat(index)]);
    await sleep(300);
    tmux.run(['send-keys', '-t', DETAIL, 'Enter']);
    const detail = await until(() => tmux.capture(DETAIL), (s) => /^AGE +STATUS +PROMPT +OUTPUT +TTFT +TOTAL$/m.test(s) && /^TTFT, last \d+s: [1-9]\d* requests/m.test(s) && / 200 /.test(s), 30_000);
    const lines = detail.split("\n");
    assert.ok(lines.some((l) => l.startsWith(`${light}  ${MODEL}  ok`)), `the detail is the light sim's:\n${detail}`);
    assert.match(detail, /^KV cache, (last [\d.]+s|since top started) \(one mark every 1s; ▁ empty, █ full\)$/m);
    assert.ok(lines.some((l) => /^[▁▂▃▄▅▆▇█ ]{2,} +\d+%$/.test(l)), `a sparkline of at least two refreshes:\n${detail}`);
    // Histogram rows: a bound, a bar, a count (TTFT on the left, inter-token latency on the right).
    assert.ok(lines.some((l) => /^ *[≤>][\d.]+m?s █+ +\d+ /.test(l)), `TTFT buckets with bars:\n${detail}`);
    assert.match(detail, /Inter-token latency: [1-9]\d* gaps/);
    assert.match(detail, /^Recent requests \(picker http:\/\/127\.0\.0\.1:31251\/\), newest first$/m);
    // kinfer-sim answers usage: the prompt count is the server's (no ~), 16 tokens out, unstreamed (no TTFT).
    assert.ok(lines.some((l) => /^ *\d+s +200 +\d+ +16 +- +\d+ms$/.test(l)), `a request line:\n${detail}`);
    assert.ok(lines.every((l) => l.length <= 80));
    assert.match(lines.filter((l) => l.trim() !== '').at(-1)!, /^Esc back/);

    tmux.run(['send-keys', '-t', DETAIL, 'Escape']);
    const back = await until(() => tmux.capture(DETAIL), (s) => /^REPLICA /m.test(s), 5000);
    assert.ok(hostPorts.every((hp) => kvPercent(back, hp) !== undefined), back);
    tmux.run(['send-keys', '-t', DETAIL, 'q']);
    assert.match(await until(() => tmux.capture(DETAIL), (s) => /top exited \d+/.test(s), 5000), /top exited 0/);
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

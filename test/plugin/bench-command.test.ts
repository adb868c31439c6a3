// The real `kubectl inference bench` binary against a real kinfer-sim process, with every fact on the command line
// (no cluster): the workloads reach the server as asked, -o json is the stored profile, Ctrl-C keeps the stages
// already measured, and bad input is one line with the right exit code. The cluster path (Gateway lookup, facts
// from the pods) is test/e2e/bench.e2e.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startSimProcess, stopSims, type SimProcess } from '../e2e/top/sims.js';
import { runProcess, type Run } from '../run.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

describe('kubectl inference bench against a kinfer-sim process', { timeout: 120_000 }, () => {
  let sim: SimProcess;
  const dir = mkdtempSync(join(tmpdir(), 'kinfer-bench-cmd-'));
  const store = join(dir, 'profiles.db');

  /** Runs the CLI; `interruptWhen` sends SIGINT once stderr matches it. */
  const bench = (args: readonly string[], interruptWhen?: RegExp): Promise<Run> => {
    // Every fact on the command line, unless the case gives its own.
    const defaults: [string, string][] = [['--endpoint', sim.url], ['--model', MODEL], ['--accelerator', 'nvidia-h100-80gb'], ['--tp', '1'], ['--replicas', '1'], ['--profiles', store]];
    const facts = defaults.filter(([flag]) => !args.includes(flag)).flat();
    let interrupted = false;
    return runProcess(process.execPath, [join(ROOT, 'bin', 'kubectl-inference'), 'bench', 'sim', ...facts, ...args], {
      onStderr: (stderr, child) => {
        if (interruptWhen && !interrupted && interruptWhen.test(stderr)) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    });
  };

  before(async () => {
    sim = await startSimProcess(ROOT, ['--model', MODEL, '--accelerator', 'nvidia-h100-80gb', '--profile-model', MODEL]);
  });
  after(async () => {
    await stopSims([sim]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('-o json prints the profile it stored: per stage a point, the workload from the server usage counts', async () => {
    const run = await bench(['--concurrency', '1,4', '--stage-duration', '1500ms', '--input-tokens', '200', '--output-tokens', '16', '-o', 'json']);
    assert.equal(run.code, 0, run.stderr);
    const profile = JSON.parse(run.stdout) as { key: Record<string, unknown>; source: string; points: { concurrency: number; outputTokensPerSecond: number; ttftP50Ms: number; ntpotP50Ms: number }[] };
    assert.deepEqual(profile.key, { model: MODEL, server: 'vllm', accelerator: 'nvidia-h100-80gb', tp: 1, inputTokens: 200, outputTokens: 16 });
    assert.equal(profile.source, 'measured');
    assert.deepEqual(profile.points.map((p) => p.concurrency), [1, 4]);
    assert.ok(profile.points[1]!.outputTokensPerSecond > profile.points[0]!.outputTokensPerSecond * 2, JSON.stringify(profile.points));
    for (const p of profile.points) assert.ok(p.ttftP50Ms > 0 && p.ntpotP50Ms > 0);
    assert.match(run.stderr, /^\[1\/2\] concurrency 1 \.\.\.$/m, 'no terminal: a line per stage, no bar');
    assert.match(run.stderr, /^saved: meta-llama\/Llama-3\.1-8B-Instruct on 1 × nvidia-h100-80gb \(vllm\), 200 in \/ 16 out tokens → .*profiles\.db$/m);
  });

  it('warns during the run when a stage finishes fewer requests than recommend trusts (--max-requests 5)', async () => {
    const run = await bench(['--concurrency', '1', '--max-requests', '5', '--stage-duration', '5s', '--input-tokens', '200', '--output-tokens', '16', '--no-save']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^warning: stage concurrency 1 finished 5 requests, fewer than 20: its point is noise and recommend will not calibrate with this profile/m);
    const warning = run.stderr.indexOf('warning: stage');
    assert.ok(warning >= 0 && warning < run.stderr.indexOf('[1/1]') + 200 && !run.stdout.includes('warning'), 'on stderr, right after its stage');
  });

  it('--rates runs open-loop stages; shared-prefix and a prompts file reach the server', async () => {
    const rates = await bench(['--rates', '5,20', '--stage-duration', '1s', '--input-tokens', '100', '--output-tokens', '8', '--no-save', '-o', 'json']);
    assert.equal(rates.code, 0, rates.stderr);
    const points = (JSON.parse(rates.stdout) as { points: { requestRate: number }[] }).points;
    assert.equal(points.length, 2);
    assert.ok(points[1]!.requestRate > points[0]!.requestRate * 2, JSON.stringify(points));

    const shared = await bench(['--workload', 'shared-prefix', '--prefixes', '2', '--prefix-tokens', '150', '--input-tokens', '200', '--output-tokens', '8', '--concurrency', '2', '--stage-duration', '1s', '--no-save', '-o', 'json']);
    assert.equal(shared.code, 0, shared.stderr);
    const sharedKey = (JSON.parse(shared.stdout) as { key: { inputTokens: number } }).key;
    assert.ok(sharedKey.inputTokens >= 195 && sharedKey.inputTokens <= 215, `${sharedKey.inputTokens} prompt tokens`);

    const prompts = join(dir, 'prompts.jsonl');
    writeFileSync(prompts, `${JSON.stringify({ prompt: 'abcd'.repeat(40), max_tokens: 5 })}\n${JSON.stringify({ messages: [{ role: 'user', content: 'efgh'.repeat(40) }], max_tokens: 5 })}\n`);
    const file = await bench(['--prompts', prompts, '--concurrency', '2', '--stage-duration', '1s', '--no-save', '-o', 'json']);
    assert.equal(file.code, 0, file.stderr);
    assert.equal((JSON.parse(file.stdout) as { key: { outputTokens: number } }).key.outputTokens, 5);
  });

  it('Ctrl-C in the third stage stores the two before it and says so', async () => {
    const run = await bench(['--concurrency', '1,2,8', '--stage-duration', '1500ms', '--input-tokens', '100', '--output-tokens', '8'], /^\[3\/3\] concurrency 8 \.\.\.$/m);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^\[3\/3\] concurrency 8: interrupted$/m);
    assert.equal(run.stderr.trim().split('\n').at(-1), 'error: interrupted during stage concurrency 8; stored the 2 stages before it');
    assert.match(run.stdout, /^CONCURRENCY/m);
    const { stdout: out } = await runProcess(process.execPath, [join(ROOT, 'bin', 'kubectl-inference'), 'profiles', 'list', '--profiles', store, '-o', 'json']);
    const stored = (JSON.parse(out) as { profiles: { key: { inputTokens: number }; points: unknown[] }[] }).profiles.find((p) => p.key.inputTokens === 100);
    assert.equal(stored?.points.length, 2);
  });

  const bad: ReadonlyArray<[string, string[], number, RegExp]> = [
    ['rates and concurrency together', ['--rates', '1', '--concurrency', '1'], 2, /^error: .*--concurrency.*cannot also be provided when using --rates.* \(see --help\)$/],
    ['a rate that is not a number', ['--rates', '1,x'], 2, /^error: --rates 1,x: want positive numbers, comma-separated \(see --help\)$/],
    ['a fractional concurrency', ['--concurrency', '1.5'], 2, /^error: --concurrency 1\.5: want positive whole numbers, comma-separated \(see --help\)$/],
    ['a bad duration', ['--stage-duration', 'soon'], 2, /^error: --timeout soon|^error: .*soon/],
    ['a prefix longer than the prompt', ['--workload', 'shared-prefix', '--prefix-tokens', '500', '--input-tokens', '400'], 2, /^error: --prefix-tokens 500 must be less than --input-tokens 400 \(see --help\)$/],
    ['a missing prompts file', ['--prompts', '/nonexistent/p.jsonl'], 2, /^error: --prompts \/nonexistent\/p\.jsonl: ENOENT \(see --help\)$/],
    ['an unknown accelerator', ['--accelerator', 'nvidia-h1000'], 2, /^error: --accelerator nvidia-h1000: not a known accelerator type \(see --help\)$/],
    ['an endpoint that is not a URL', ['--endpoint', 'localhost:8000'], 2, /^error: --endpoint localhost:8000: want an http:\/\/ or https:\/\/ URL \(see --help\)$/],
  ];
  for (const [name, args, code, message] of bad) {
    it(`refuses ${name} in one line (exit ${code})`, async () => {
      const run = await bench(args);
      assert.equal(run.code, code, run.stderr);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr.trim(), message);
    });
  }

  it('a server that never answers a completion: each request times out, the stage ends, exit 1, nothing stored', async () => {
    // Lists its models (the reachability check), then never answers a completion: an overloaded server.
    const silent = createServer((req, res) => {
      if (req.method === 'GET') res.end('{"data":[]}');
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as AddressInfo).port;
      const run = await bench(['--endpoint', `http://127.0.0.1:${port}`, '--concurrency', '2', '--stage-duration', '1s', '--request-timeout', '1s', '--no-save']);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^\[1\/1\] concurrency 2: nothing finished \(\d+ failed, 0 aborted at the end of the drain\)$/m);
      assert.match(run.stderr.trim().split('\n').at(-1)!, /^error: every request of stage concurrency 2 failed \(first: no answer within 1000 ms\); .*; nothing to store$/);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('a server that answers every request with an error: exit 1, nothing stored, the first error named', async () => {
    const run = await bench(['--concurrency', '1', '--stage-duration', '1s', '--model', 'not-the-served-model', '--no-save']);
    assert.equal(run.code, 1);
    assert.match(run.stderr.trim().split('\n').at(-1)!, /^error: every request of stage concurrency 1 failed \(first: HTTP 404\); is http:\/\/127\.0\.0\.1:\d+ serving not-the-served-model\?; nothing to store$/);
  });
});

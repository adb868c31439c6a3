// `make demo` without a terminal, end to end: the demo's own entry (what `make demo` runs after building)
// brings everything up, then this test checks where the models landed, that requests flowed through the
// pickers, and that `top --once -o json` sees KV-cache use on every replica; `down` stops it all.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from './harness/cluster.js';

const DEMO = join(ROOT, 'dist', 'test', 'demo', 'demo.js');
const KUBECONFIG = join(ROOT, '.kinfer', 'demo', 'kubeconfig');
const KUBECTL = join(ROOT, '.kinfer', 'bin', 'kubectl');

function run(command: string, args: readonly string[], timeoutMs = 600_000): { code: number | null; out: string } {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG } });
  return { code: result.status, out: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

interface TopJson {
  replicas: { name: string; pool?: string; accelerator?: string; reachable: boolean; kvCacheUsage?: number }[];
}

describe('make demo (not a terminal)', { timeout: 600_000 }, () => {
  let demo = { code: null as number | null, out: '' };

  before(() => {
    run(process.execPath, [DEMO, 'down'], 120_000);
    demo = run(process.execPath, [DEMO, 'up']);
  }, { timeout: 540_000 });

  after(() => {
    const stopped = run(process.execPath, [DEMO, 'down'], 120_000);
    assert.equal(stopped.code, 0, stopped.out);
    const left = spawnSync('pgrep', ['-f', 'kinfer-sim.js --host 127\\.0\\.|dist/test/demo/(kubelet|load)-main|kinfer-picker.js --mode proxy --host 127.0.0.1 --port 2741'], { encoding: 'utf8' });
    assert.equal(left.stdout.trim(), '', 'demo-down leaves no process behind');
  });

  test('runs every step, prints top three times, and tells how to look around and stop', () => {
    assert.equal(demo.code, 0, demo.out);
    for (let i = 1; i <= 7; i++) assert.match(demo.out, new RegExp(`^\\[${i}/7\\] `, 'm'));
    assert.equal((demo.out.match(/^ {6}REPLICA\s+NODE\s+ACCELERATOR\s+KV CACHE/gm) ?? []).length, 3);
    assert.match(demo.out, /Stop everything: make demo-down/);
  });

  test('the large model is one LeaderWorkerSet group over the two H100 nodes, the small one on L4 and TPU v6e', () => {
    const pods = run(KUBECTL, ['get', 'pods', '-n', 'demo', '-o', 'jsonpath={range .items[*]}{.metadata.labels.kinfer\\.dev/deployment} {.spec.nodeName} {.status.phase}{"\\n"}{end}']);
    const rows = pods.out.trim().split('\n').map((l) => l.split(' '));
    const llama = rows.filter((r) => r[0] === 'llama-405b');
    const gemma = rows.filter((r) => r[0] === 'gemma');
    assert.deepEqual(llama.map((r) => r[1]).sort(), ['h100-0', 'h100-1'], pods.out);
    assert.deepEqual(gemma.map((r) => r[1]!.replace(/-\d$/, '')).sort(), ['l4', 'l4', 'v6e']);
    for (const r of rows) assert.equal(r[2], 'Running');
  });

  test('requests flow through the pickers to every replica', async () => {
    await sleep(3000);
    for (const port of [27420, 27421]) {
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const routed = [...metrics.matchAll(/^kinfer_picker_decisions_total\{endpoint="(127\.[\d.]+:8000)"\} (\d+)/gm)];
      assert.ok(routed.length >= 1 && routed.every((m) => Number(m[2]) > 0), `picker on ${port}:\n${metrics}`);
    }
  });

  // Every replica is read (a KV figure, maybe 0), and each pool shows KV in use. Not every replica need be busy: at the
  // demo's light load the picker may send a pool's whole stream to its fastest replica (a TPU v6e beside two L4s,
  // once it has measured their prefill speeds), and an idle replica's KV use is 0.
  test('top --once -o json shows KV-cache use on every replica', async () => {
    let last = '';
    for (let attempt = 0; attempt < 15; attempt++) {
      const top = run(process.execPath, [join(ROOT, 'bin', 'kubectl-inference'), 'top', '-n', 'demo', '--direct', '--once', '-o', 'json', '--interval', '1s', '--kubeconfig', KUBECONFIG], 60_000);
      last = top.out;
      const parsed = JSON.parse(top.out) as TopJson;
      const read = parsed.replicas.length === 4 && parsed.replicas.every((r) => r.reachable && typeof r.kvCacheUsage === 'number');
      const pools = new Set(parsed.replicas.map((r) => r.pool));
      const busy = [...pools].every((pool) => parsed.replicas.some((r) => r.pool === pool && (r.kvCacheUsage ?? 0) > 0));
      if (read && pools.size === 2 && busy) return;
      await sleep(1000);
    }
    assert.fail(`a replica was not read, or a pool showed no KV use, in 15 snapshots; the last:\n${last}`);
  });
});

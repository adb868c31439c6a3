// How close `recommend`'s estimated curves come to what `kubectl inference bench` measures. Measured here against
// kinfer-sim processes (one replica each), with bench's own load client and closed-loop stages, and compared
// point by point (at the same concurrency) with src/profiles/roofline.ts's estimate for the same model,
// accelerator, TP and workload.
//
// What this checks and what it does not: kinfer-sim takes its step costs from the same roofline, so agreement
// here says the analytical curve (Little's law, prefill interference, M/D/1 queueing of prefills, the KV-bound
// batch) matches a discrete-event engine that batches continuously, chunks prefills and schedules per step. It
// says nothing of the efficiency constants against real hardware: that is what calibration from measured
// profiles of real servers is for. Bounded: fixed stages of fixed duration; every process is stopped at the end.
// Prints a table; writes bench/results/recommend-accuracy.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LoadClient, runStage, timedRequest } from '../plugin/load/load.js';
import { acceleratorByName } from '../src/accelerators/catalog.js';
import { modelById } from '../src/models/catalog.js';
import { DEFAULT_MEMORY_UTILIZATION } from '../src/models/memory.js';
import { pointFromRequests } from '../src/profiles/measure.js';
import { lerpPoint, type PerfPoint } from '../src/profiles/profile.js';
import { estimateProfile } from '../src/profiles/roofline.js';
import { syntheticWorkload } from '../src/profiles/workload.js';
import { mulberry32 } from '../src/random.js';
import { waitUp } from './lib/http.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const PORT = 28900;
const STAGE_SCALE = Number(process.env.ACCURACY_STAGE_SCALE ?? 1);

interface Case {
  readonly model: string;
  readonly accelerator: string;
  readonly tp: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly concurrency: readonly number[];
  readonly stageSeconds: number;
}

const CASES: readonly Case[] = [
  { model: 'meta-llama/Llama-3.1-8B-Instruct', accelerator: 'nvidia-h100-80gb', tp: 1, inputTokens: 1000, outputTokens: 200, concurrency: [1, 4, 16, 32, 64], stageSeconds: 12 },
  { model: 'meta-llama/Llama-3.1-8B-Instruct', accelerator: 'nvidia-l4', tp: 1, inputTokens: 500, outputTokens: 100, concurrency: [1, 4, 8, 16], stageSeconds: 24 },
  { model: 'google/gemma-2-9b-it', accelerator: 'tpu-v6e-slice', tp: 4, inputTokens: 2000, outputTokens: 150, concurrency: [1, 8, 32], stageSeconds: 12 },
];

/** The estimated curve at a concurrency, interpolated between its points. */
function atConcurrency(points: readonly PerfPoint[], c: number): PerfPoint {
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1]!, points[i]!];
    if (c <= b.concurrency!) return lerpPoint(a, b, Math.max(0, (c - a.concurrency!) / (b.concurrency! - a.concurrency!)));
  }
  return points.at(-1)!;
}

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

interface Row { readonly case: string; readonly concurrency: number; readonly measured: PerfPoint; readonly estimated: PerfPoint }

async function measure(c: Case, port: number): Promise<Row[]> {
  const sim = spawn(process.execPath, [join(ROOT, 'bin', 'kinfer-sim.js'), '--host', '127.0.0.1', '--port', String(port), '--model', c.model, '--accelerator', c.accelerator,
    '--profile-model', c.model, '--tensor-parallel-size', String(c.tp), '--log-level', 'error'], { stdio: 'ignore' });
  children.push(sim);
  await waitUp(`http://127.0.0.1:${port}/health`);
  const model = modelById(c.model)!;
  const estimate = estimateProfile({
    model, accelerator: acceleratorByName(c.accelerator)!, tp: c.tp, dtype: model.nativeDtype, kvCacheDtype: 'bf16',
    memoryUtilization: DEFAULT_MEMORY_UTILIZATION, workload: { inputTokens: c.inputTokens, outputTokens: c.outputTokens },
  });
  if (!estimate.ok) throw new Error(estimate.error);
  const client = new LoadClient({ url: new URL(`http://127.0.0.1:${port}`) });
  const random = mulberry32(11);
  const next = syntheticWorkload(c.model, c.inputTokens, c.outputTokens, random);
  const rows: Row[] = [];
  let lastLatency = 0;
  for (const concurrency of c.concurrency) {
    const result = await runStage(client, {
      concurrency, durationMs: c.stageSeconds * 1000 * STAGE_SCALE, maxRequests: 5000, drainMs: 60_000, requestTimeoutMs: 120_000,
      // As kubectl inference bench does: workers spread over the last stage's latency, at most a quarter of the stage.
      rampMs: Math.min(lastLatency, (c.stageSeconds * 1000 * STAGE_SCALE) / 4),
    }, next, random);
    const timed = result.samples.filter((s) => s.ok).map(timedRequest);
    const point = pointFromRequests(timed, result.seconds, 1, concurrency);
    if (!point) throw new Error(`${c.model} on ${c.accelerator}: nothing finished at concurrency ${concurrency}`);
    lastLatency = timed.reduce((s, t) => s + t.latencyMs, 0) / timed.length;
    rows.push({ case: `${c.model.split('/')[1]} on ${c.tp} × ${c.accelerator}, ${c.inputTokens}/${c.outputTokens}`, concurrency, measured: point, estimated: atConcurrency(estimate.value.points, concurrency) });
    process.stderr.write(`${rows.at(-1)!.case} c=${concurrency}: ${timed.length} requests\n`);
  }
  client.close();
  sim.kill('SIGTERM');
  return rows;
}

function ratio(estimated: number, measured: number): string {
  return (estimated / measured).toFixed(2);
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const [i, c] of CASES.entries()) rows.push(...await measure(c, PORT + i));
  process.stdout.write('## Estimated vs measured profiles (kinfer-sim, bench load client)\n\n');
  process.stdout.write('| model, accelerator, in/out tokens | concurrency | measured tok/s | estimated tok/s | ratio | TTFT p50 meas / est (ms) | NTPOT p50 meas / est (ms) | ratio NTPOT |\n|---|---:|---:|---:|---:|---:|---:|---:|\n');
  for (const r of rows) {
    process.stdout.write(`| ${r.case} | ${r.concurrency} | ${r.measured.outputTokensPerSecond.toFixed(0)} | ${r.estimated.outputTokensPerSecond.toFixed(0)} | ${ratio(r.estimated.outputTokensPerSecond, r.measured.outputTokensPerSecond)} | ${r.measured.ttftP50Ms.toFixed(0)} / ${r.estimated.ttftP50Ms.toFixed(0)} | ${r.measured.ntpotP50Ms.toFixed(1)} / ${r.estimated.ntpotP50Ms.toFixed(1)} | ${ratio(r.estimated.ntpotP50Ms, r.measured.ntpotP50Ms)} |\n`);
  }
  const logs = rows.map((r) => Math.abs(Math.log(r.estimated.outputTokensPerSecond / r.measured.outputTokensPerSecond)));
  const ntpot = rows.map((r) => Math.abs(Math.log(r.estimated.ntpotP50Ms / r.measured.ntpotP50Ms)));
  const geo = (xs: number[]) => Math.exp(xs.reduce((a, b) => a + b, 0) / xs.length);
  process.stdout.write(`\nMean absolute error (geometric): throughput ×${geo(logs).toFixed(3)}, NTPOT p50 ×${geo(ntpot).toFixed(3)}; worst throughput ×${Math.exp(Math.max(...logs)).toFixed(2)}.\n`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'recommend-accuracy.json'), `${JSON.stringify(rows, null, 2)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`recommend-accuracy bench failed: ${error.message}\n`);
  process.exit(1);
});

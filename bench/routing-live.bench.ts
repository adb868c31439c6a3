// Routing through the real processes, in real time: four kinfer-sim servers (two with the speed of an H100, two
// of an L4, serving Llama 3.1 8B), and the same request stream sent (a) round-robin straight to the servers, as a
// plain load balancer would, and (b) through a kinfer-picker process in proxy mode with each profile: random
// (no information), the Inference Extension's reference weights, and kinfer's. Time to first token is measured by
// the client on streamed responses. Bounded: a fixed number of requests per run, a deadline per run; every process
// is stopped at the end. Prints a table; writes bench/results/routing-live.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CONFIG_YAML, KINFER_CONFIG_YAML } from '../src/routing/config.js';
import { LoadClient, type Sample } from '../plugin/load/load.js';
import { waitUp } from './lib/http.js';
import { mulberry32 } from './lib/prng.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const BASE_PORT = 28700;
const SIMS = [
  { port: BASE_PORT + 1, accelerator: 'nvidia-h100-80gb' },
  { port: BASE_PORT + 2, accelerator: 'nvidia-h100-80gb' },
  { port: BASE_PORT + 3, accelerator: 'nvidia-l4' },
  { port: BASE_PORT + 4, accelerator: 'nvidia-l4' },
];
const REQUESTS = Number(process.env.LIVE_REQUESTS ?? 400);
const RATE = Number(process.env.LIVE_RATE ?? 8);
const RUN_DEADLINE_MS = 150_000;
const RANDOM_YAML = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: random-picker
schedulingProfiles:
- name: random
  plugins:
  - pluginRef: random-picker
`;

const children: ChildProcess[] = [];
function start(args: string[]): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
  children.push(child);
  return child;
}
function stopAll(): void {
  for (const c of children) c.kill('SIGKILL');
}
process.on('exit', stopAll);

/** The same seeded stream for every policy: shared system prompts, long-tailed prompts and outputs. */
function workload(): { body: string; gapMs: number }[] {
  const random = mulberry32(7);
  const systems = Array.from({ length: 8 }, (_, i) => `System ${i}: you are assistant number ${i}; answer in detail. `.repeat(30));
  const longTail = (median: number, max: number) => Math.min(max, Math.max(1, Math.round(median * Math.exp((random() - 0.5) * 2.6))));
  return Array.from({ length: REQUESTS }, () => ({
    body: JSON.stringify({ model: MODEL, stream: true, max_tokens: longTail(150, 900), prompt: `${systems[Math.floor(random() * systems.length)]}Question: ${'word '.repeat(longTail(400, 6000))}` }),
    gapMs: (-Math.log(1 - random()) / RATE) * 1000,
  }));
}

async function runPolicy(name: string, portFor: (i: number) => number): Promise<Record<string, number | string>> {
  // kubectl inference bench's load client: one per port, streamed completions timed to the first token.
  const clients = new Map<number, LoadClient>();
  const clientFor = (port: number) => clients.get(port) ?? clients.set(port, new LoadClient({ url: new URL(`http://127.0.0.1:${port}`) }, 512)).get(port)!;
  const started = performance.now();
  const pending: Promise<Sample>[] = [];
  const requests = workload();
  for (let i = 0; i < requests.length && performance.now() - started < RUN_DEADLINE_MS; i++) {
    pending.push(clientFor(portFor(i)).send({ path: '/v1/completions', body: requests[i]!.body }, 120_000));
    await sleep(requests[i]!.gapMs);
  }
  const samples = await Promise.all(pending);
  for (const client of clients.values()) client.close();
  const ok = samples.filter((s) => s.ok);
  const ttft = ok.map((s) => s.ttftMs).sort((a, b) => a - b);
  const q = (p: number) => ttft[Math.min(ttft.length - 1, Math.floor(p * ttft.length))] ?? NaN;
  const seconds = (Math.max(...samples.map((s) => s.endMs)) - started) / 1000;
  return { policy: name, requests: samples.length, failed: samples.length - ok.length, ttftP50Ms: q(0.5), ttftP99Ms: q(0.99), outputTokensPerSecond: ok.reduce((a, s) => a + s.chunks, 0) / seconds };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kinfer-live-'));
  for (const sim of SIMS) {
    start([join(ROOT, 'bin', 'kinfer-sim.js'), '--host', '127.0.0.1', '--port', String(sim.port), '--model', MODEL, '--accelerator', sim.accelerator,
      '--profile-model', MODEL, '--kv-cache-tokens', '60000', '--max-num-seqs', '32', '--output-length', 'fixed', '--log-level', 'error']);
  }
  for (const sim of SIMS) await waitUp(`http://127.0.0.1:${sim.port}/health`);
  const results: Record<string, number | string>[] = [];
  results.push(await runPolicy('round-robin (no picker)', (i) => SIMS[i % SIMS.length]!.port));
  const profiles = [['picker: random', RANDOM_YAML], ['picker: reference profile', DEFAULT_CONFIG_YAML], ['picker: kinfer profile', KINFER_CONFIG_YAML]] as const;
  for (const [index, [name, yaml]] of profiles.entries()) {
    const config = join(dir, `picker-${index}.yaml`);
    writeFileSync(config, yaml);
    const port = BASE_PORT + 10 + index;
    const picker = start([join(ROOT, 'bin', 'kinfer-picker.js'), '--mode', 'proxy', '--host', '127.0.0.1', '--port', String(port), '--health-port', String(port + 10),
      '--config', config, '--log-level', 'error', ...SIMS.flatMap((s) => ['--endpoint', `http://127.0.0.1:${s.port}`])]);
    await waitUp(`http://127.0.0.1:${port}/health`);
    await sleep(3000); // let every running request of the previous run finish and the scrapes settle
    results.push(await runPolicy(name, () => port));
    picker.kill('SIGTERM');
  }
  stopAll();
  const rr = results[0]!;
  process.stdout.write(`## Routing through the real picker process (proxy mode), real time\n\n${SIMS.length} kinfer-sim servers (2 × H100 speed, 2 × L4 speed, Llama 3.1 8B, 60k KV tokens each), ${REQUESTS} streamed requests at ${RATE} req/s (Poisson), the same seeded stream for every policy.\n\n`);
  process.stdout.write('| policy | requests | failed | p50 TTFT (ms) | p99 TTFT (ms) | output tokens/s | p99 vs round-robin |\n|---|---:|---:|---:|---:|---:|---:|\n');
  for (const r of results) {
    const change = r === rr ? '' : `${Math.round(((Number(r.ttftP99Ms) - Number(rr.ttftP99Ms)) / Number(rr.ttftP99Ms)) * 100)}%`;
    process.stdout.write(`| ${r.policy} | ${r.requests} | ${r.failed} | ${Number(r.ttftP50Ms).toFixed(0)} | ${Number(r.ttftP99Ms).toFixed(0)} | ${Number(r.outputTokensPerSecond).toFixed(0)} | ${change} |\n`);
  }
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'routing-live.json'), `${JSON.stringify({ rate: RATE, requests: REQUESTS, results }, null, 2)}\n`);
}

main().catch((error: Error) => {
  stopAll();
  process.stderr.write(`routing-live bench failed: ${error.message}\n`);
  process.exit(1);
});

// `kubectl inference top` at scale (DESIGN.md target: one refresh of 500 replicas in under 1 s of wall time,
// bounded concurrency). 500 replicas are 500 HTTP listeners on distinct loopback ports, served from a child
// process (so serving does not steal the scraper's event loop); each serves a vLLM page recorded from kinfer-sim
// after real traffic, padded with the other histograms a vLLM v0.11 page carries, with its KV gauge and counters
// moving per scrape. A refresh is what `top` does every interval: scrape every replica (bounded concurrency,
// per-replica timeout), parse every page, build rows and pool summaries. Figures, never pass/fail.
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Refresher } from '../plugin/top/refresher.js';
import { directFetcher } from '../plugin/top/scrape.js';
import { buildSnapshot } from '../plugin/top/state.js';
import { endpointTargets } from '../plugin/top/targets.js';
import { replicaMetrics } from '../src/servers/metrics.js';
import { parseSimArgs } from '../sim/config.js';
import { startSimServer } from '../sim/server.js';

const REPLICAS = 500;
const WARM_REFRESHES = 5;
const CONCURRENCIES = [16, 64];
const TIMEOUT_MS = 1500;
// Histograms a vLLM v0.11 page has beyond the ones kinfer-sim serves (vllm/v1/metrics/loggers.py); copied from
// the e2e-latency block so the page is the size of a real one.
const EXTRA_HISTOGRAMS = [
  'vllm:request_queue_time_seconds', 'vllm:request_inference_time_seconds', 'vllm:request_prefill_time_seconds',
  'vllm:request_decode_time_seconds', 'vllm:request_time_per_output_token_seconds', 'vllm:iteration_tokens_total',
  'vllm:request_max_num_generation_tokens', 'vllm:request_params_n', 'vllm:request_params_max_tokens',
];

/** A page from a real kinfer-sim after some traffic, with placeholders for the figures that move. */
async function recordPage(): Promise<string> {
  const parsed = parseSimArgs(['--model', 'meta-llama/Llama-3.1-8B-Instruct', '--speedup', '50', '--log-level', 'error']);
  if (!parsed.ok || parsed.value.kind !== 'serve') throw new Error('bad sim flags');
  const sim = await startSimServer(parsed.value.config, '127.0.0.1', 0);
  try {
    await Promise.all(Array.from({ length: 16 }, (_, i) => fetch(`${sim.url}/v1/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'meta-llama/Llama-3.1-8B-Instruct', prompt: `request ${i} `.repeat(50), max_tokens: 64 }),
    }).then((r) => r.text())));
    const page = await (await fetch(`${sim.url}/metrics`)).text();
    const e2e = page.split('\n').filter((l) => l.includes('vllm:e2e_request_latency_seconds')).join('\n');
    const extra = EXTRA_HISTOGRAMS.map((name) => e2e.replaceAll('vllm:e2e_request_latency_seconds', name)).join('\n');
    return `${page.trimEnd()}\n${extra}\n`
      .replace(/^(vllm:kv_cache_usage_perc\{[^}]*\}) \S+$/m, '$1 @KV@')
      .replace(/^(vllm:generation_tokens_total\{[^}]*\}) \S+$/m, '$1 @GEN@');
  } finally {
    await sim.close();
  }
}

/** Child process: REPLICAS listeners, each with its own KV level and a token counter that grows per scrape. */
async function serve(): Promise<void> {
  const template = await recordPage();
  const ports: number[] = [];
  for (let i = 0; i < REPLICAS; i++) {
    let generated = 1000 * i;
    const kv = ((i * 37) % 100) / 100;
    const server = createServer((_, res) => {
      generated += 500 + (i % 7) * 100;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(template.replace('@KV@', String(kv)).replace('@GEN@', String(generated)));
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports.push((server.address() as AddressInfo).port);
  }
  // Real replicas are warm servers: serve every page once before the clock starts, so the first refresh
  // measures the scraper's cold start (JIT, 500 new connections), not this process's.
  for (const port of ports) await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  process.send!({ ports, pageBytes: Buffer.byteLength(template) });
  process.on('disconnect', () => process.exit(0));
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number): number => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { ports, pageBytes } = await new Promise<{ ports: number[]; pageBytes: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('servers did not start in 60 s')), 60_000);
      child.once('message', (m) => {
        clearTimeout(timer);
        resolve(m as { ports: number[]; pageBytes: number });
      });
      child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
    });
    const targets = endpointTargets(ports.map((p) => `http://127.0.0.1:${p}`));
    console.log(`## kubectl inference top: one refresh of ${REPLICAS} replicas\n`);
    console.log(`${REPLICAS} loopback listeners (one port each, served by a child process), vLLM pages of ${(pageBytes / 1024).toFixed(1)} KiB, per-replica timeout ${TIMEOUT_MS} ms.\n`);
    console.log('| concurrency | first refresh (new connections) ms | warm refresh p50 ms | warm max ms | unreachable |');
    console.log('|---|---|---|---|---|');
    const runs = [];
    for (const concurrency of CONCURRENCIES) {
      const refresher = new Refresher({ discover: async () => targets, fetch: directFetcher, concurrency, timeoutMs: TIMEOUT_MS, intervalMs: 2000 });
      const timed = async () => {
        const started = performance.now();
        const snapshot = await refresher.refresh();
        return { ms: performance.now() - started, unreachable: snapshot.rows.filter((r) => !r.reachable).length, rated: snapshot.rows.filter((r) => r.generationTokensPerSecond !== undefined).length };
      };
      const first = await timed();
      const warm = [];
      for (let i = 0; i < WARM_REFRESHES; i++) warm.push(await timed());
      const run = {
        concurrency, firstMs: round(first.ms), warmMs: warm.map((w) => round(w.ms)), warmP50Ms: round(median(warm.map((w) => w.ms))),
        warmMaxMs: round(Math.max(...warm.map((w) => w.ms))), unreachable: Math.max(first.unreachable, ...warm.map((w) => w.unreachable)),
        rowsWithRates: warm.at(-1)!.rated,
      };
      runs.push(run);
      console.log(`| ${concurrency} | ${run.firstMs} | ${run.warmP50Ms} | ${run.warmMaxMs} | ${run.unreachable} |`);
    }

    // The CPU share of a refresh: parse 500 pages and build the snapshot, no network.
    const pages = await Promise.all(targets.slice(0, 1).map(async (t) => directFetcher(t.metricsUrl, AbortSignal.timeout(TIMEOUT_MS))));
    const started = performance.now();
    const scrapes = targets.map((target) => ({ target, atMs: Date.now(), metrics: replicaMetrics(pages[0]!) }));
    buildSnapshot(scrapes, new Map(scrapes.map((s) => [s.target.id, [s]])), Date.now());
    const cpuMs = round(performance.now() - started);
    console.log(`\nParse + rows for ${REPLICAS} pages alone (no network): ${cpuMs} ms.`);

    const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}top.json`, `${JSON.stringify({
      generatedBy: 'bench/top.bench.ts', replicas: REPLICAS, pageBytes, timeoutMs: TIMEOUT_MS, runs, parseAndStateMs: cpuMs,
      node: process.version, target: 'one refresh of 500 replicas under 1 s of wall time (DESIGN.md)',
    }, null, 2)}\n`);
  } finally {
    child.kill();
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();

// kinfer-picker beside the upstream endpoint picker, in real time, through the same real Envoy, on the same replicas
// and the same seeded trace (DESIGN.md "routing against the upstream EPP").
//
// The stand (test/e2e/epp/stand.ts): a local control plane with the real InferencePool v1 CRD and one pool of six
// pods on loopback IPs: two kinfer-sim with an H100's speed, two with an L4's (Llama 3.1 8B roofline), and two
// llm-d-inference-sim v0.10.2 with that project's own "8B on H100, balanced" latency profile
// (manifests/latency-profiles/8b-h100-balanced-per-token.yaml in its module) and its KV cache on (--enable-kvcache,
// the same 32,768 tokens as the kinfer-sim replicas), so every replica reports real KV use. Every replica runs 4
// sequences at most, so queues form and free slots matter, at request rates this 2-core machine can drive. Policies:
//   (a) round-robin: Envoy's ROUND_ROBIN over the pod addresses, no picker;
//   (b) the Gateway API Inference Extension EPP v1.5.0 (its default configuration: queue 2, kv-cache 2, prefix 3);
//   (c) kinfer-picker, its default profile;  (d) kinfer-picker, the reference profile (first seed only: it checks
//       the stand against (b), and the time goes to a second seed of the others).
// Every (seed, rate, policy) run is independent: a fresh picker or EPP and a fresh Envoy, and system prompts salted
// with the run's number so no run finds prefixes an earlier run left in a picker's index or a server's cache (the
// same lengths, arrivals and prompt sharing otherwise). Rates go up the ladder with the policies interleaved, so
// the machine's other load falls on all of them alike. Open loop (Poisson), streamed; TTFT is measured by the
// client. Bounded: EPP_BENCH_REQUESTS per run (default 90), a deadline per run, every process stopped at the end.
//   test/netns.sh node dist/bench/routing-epp.bench.js     (or make bench-epp). Prints markdown; writes bench/results/routing-epp.json.
// About 95 minutes with the defaults (50 runs); EPP_BENCH_POLICIES=1,2 (the EPP and kinfer's profile; 0 round-robin,
// 3 the reference profile), EPP_BENCH_SEEDS and EPP_BENCH_RATES cut it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CONFIG_YAML } from '../src/routing/config.js';
import { LoadClient, type Sample } from '../plugin/load/load.js';
import { ROOT } from '../test/e2e/harness/cluster.js';
import { accessLog } from '../test/e2e/envoy/envoy.js';
import { RoutingStand, standMissing, type ReplicaSpec } from '../test/e2e/epp/stand.js';
import { mulberry32 } from './lib/prng.js';
import { percentile } from './lib/stats.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const REQUESTS = Number(process.env.EPP_BENCH_REQUESTS ?? 90);
// The recorded ladder (docs/benchmarks.md): 0.75 req/s is where either picker may hold the 2 s SLO, 6 is past capacity.
const RATES = (process.env.EPP_BENCH_RATES ?? '0.75,1.5,3,4.5,6').split(',').map(Number);
const SEEDS = (process.env.EPP_BENCH_SEEDS ?? '7,8,9').split(',').map(Number);
/** Interactive chat: first token within 2 s for 99% of requests (the virtual-time routing bench's SLO). */
const SLO_TTFT_P99_MS = 2000;
const RUN_DEADLINE_MS = 150_000;
const MAX_NUM_SEQS = '4';
/** KV of every replica, in tokens (kinfer-sim --kv-cache-tokens; llm-d-inference-sim --kv-cache-size in 16-token blocks). */
const KV_CACHE_TOKENS = 32768;
const KV_BLOCK_TOKENS = 16;

const KSIM = (accelerator: string): string[] => ['--accelerator', accelerator, '--profile-model', MODEL, '--kv-cache-tokens', String(KV_CACHE_TOKENS), '--max-num-seqs', MAX_NUM_SEQS, '--max-model-len', '8192', '--output-length', 'fixed'];
/**
 * llm-d-inference-sim's flags (pkg/common/parser.go): its latency profile, the batch cap, and its KV cache on. Without
 * --enable-kvcache v0.10.2 never moves vllm:kv_cache_usage_perc (only the KV-cache helper feeds it:
 * pkg/llm-d-inference-sim/context.go), so a picker reading KV sees it idle forever. It needs POD_IP (the stand sets it).
 * --max-model-len as kinfer-sim's: v0.10.2 defaults to 1024 (pkg/common/config.go) and answers a longer prompt +
 * max_tokens with an error event in a 200 stream, at once (seen 2026-12-07: 27 of this workload's 90 requests).
 */
const LLMD = (profile: string): string[] => [
  '--config', profile, '--max-num-seqs', MAX_NUM_SEQS, '--max-model-len', '8192',
  '--enable-kvcache', '--kv-cache-size', String(KV_CACHE_TOKENS / KV_BLOCK_TOKENS), '--block-size', String(KV_BLOCK_TOKENS),
];
function llmdProfile(): string {
  const r = spawnSync('bash', [join(ROOT, 'test', 'upstream', 'upstream.sh'), 'dir', 'github.com/llm-d/llm-d-inference-sim'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`upstream.sh dir failed: ${r.stderr}`);
  return join(r.stdout.trim(), 'manifests', 'latency-profiles', '8b-h100-balanced-per-token.yaml');
}

interface Figures {
  readonly policy: string;
  readonly seed: number;
  readonly rate: number;
  readonly requests: number;
  readonly failed: number;
  readonly ttftP50Ms: number;
  readonly ttftP99Ms: number;
  readonly outputTokensPerSecond: number;
  /** Requests per replica (spec order), to see herding. */
  readonly perReplica: readonly number[];
  /** The machine's 1-minute load average at the run's start (it is shared). */
  readonly loadAverage: number;
  /** kinfer-picker's runs: the prefill speed (tokens/s) it measured per replica by the run's end, spec order. */
  readonly prefillTokensPerSecond?: readonly (number | null)[];
  /** kinfer-picker's runs: the decode speed per sequence (tokens/s) it read per replica by the run's end, spec order. */
  readonly decodeTokensPerSecond?: readonly (number | null)[];
  /** The run's slowest requests by TTFT: what sets its p99, and where each went (replica index, spec order; -1 unknown). */
  readonly slowest: readonly { readonly ttftMs: number; readonly questionWords: number; readonly maxTokens: number; readonly replica: number }[];
}

/**
 * The seeded stream: 8 shared system prompts, long-tailed questions and outputs. The same for every policy and rate
 * of a seed but for `salt`, a fixed-width run number at the head of every system prompt, so prefixes cached by
 * another run never match.
 */
function workload(seed: number, salt: number): { body: string; gapAtUnitRate: number; questionWords: number; maxTokens: number }[] {
  const random = mulberry32(seed);
  const tag = `[run ${String(salt).padStart(4, '0')}] `;
  const systems = Array.from({ length: 8 }, (_, i) => tag + `System ${i}: you are assistant number ${i}; answer in detail. `.repeat(25));
  const longTail = (median: number, max: number) => Math.min(max, Math.max(1, Math.round(median * Math.exp((random() - 0.5) * 2.6))));
  return Array.from({ length: REQUESTS }, () => {
    // Drawn in this order (output, system prompt, question, gap) so every seed's stream is what it always was.
    const maxTokens = longTail(120, 500);
    const system = systems[Math.floor(random() * systems.length)];
    const questionWords = longTail(300, 3000);
    const body = JSON.stringify({ model: MODEL, stream: true, ignore_eos: true, max_tokens: maxTokens, prompt: `${system}Question: ${'word '.repeat(questionWords)}` });
    return { body, gapAtUnitRate: -Math.log(1 - random()), questionWords, maxTokens };
  });
}

async function runRate(policy: string, seed: number, salt: number, gateway: string, rate: number, addresses: readonly string[], envoyLog: () => string): Promise<Figures> {
  const client = new LoadClient({ url: new URL(gateway) }, 1024);
  const loadAverage = loadavg()[0] ?? 0;
  const started = performance.now();
  const pending: Promise<Sample>[] = [];
  const logStart = envoyLog().length;
  const requests = workload(seed, salt);
  for (const [i, request] of requests.entries()) {
    if (performance.now() - started > RUN_DEADLINE_MS) break;
    pending.push(client.send({ path: '/v1/completions', body: request.body, headers: { 'x-test-id': String(i) } }, 120_000));
    await sleep((request.gapAtUnitRate / rate) * 1000);
  }
  const samples = await Promise.all(pending);
  client.close();
  const ok = samples.filter((s) => s.ok);
  const ttft = ok.map((s) => s.ttftMs);
  const seconds = (Math.max(...samples.map((s) => s.endMs)) - started) / 1000;
  // Where Envoy sent each request (its access log's upstream host, by the request's x-test-id).
  const log = accessLog(envoyLog().slice(logStart));
  const upstreams = log.map((line) => line.upstream);
  const replicaOf = new Map(log.map((line) => [line.id, addresses.indexOf(line.upstream)]));
  const slowest = samples.flatMap((s, i) => (s.ok ? [{ ttftMs: Math.round(s.ttftMs), questionWords: requests[i]?.questionWords ?? 0, maxTokens: requests[i]?.maxTokens ?? 0, replica: replicaOf.get(String(i)) ?? -1 }] : []))
    .sort((a, b) => b.ttftMs - a.ttftMs).slice(0, 3);
  return {
    policy, seed, rate, requests: samples.length, failed: samples.length - ok.length,
    ttftP50Ms: percentile(ttft, 50), ttftP99Ms: ok.length === samples.length ? percentile(ttft, 99) : Number.POSITIVE_INFINITY,
    outputTokensPerSecond: ok.reduce((a, s) => a + s.chunks, 0) / seconds,
    perReplica: addresses.map((a) => upstreams.filter((u) => u === a).length),
    loadAverage,
    slowest,
  };
}

interface Running {
  readonly gateway: string;
  /** Envoy's output so far (its access log names each request's upstream). */
  readonly log: () => string;
  /** kinfer-picker's: the prefill and decode speeds it read per replica. */
  readonly speeds?: () => Promise<Pick<Figures, 'prefillTokensPerSecond' | 'decodeTokensPerSecond'>>;
  readonly stop: () => Promise<void>;
}

/** The prefill and decode speeds kinfer-picker read per replica (its /debug/endpoints), null where it has none. */
async function pickerSpeeds(healthUrl: string, addresses: readonly string[]): Promise<Pick<Figures, 'prefillTokensPerSecond' | 'decodeTokensPerSecond'>> {
  type Speeds = { prefillTokensPerSecond?: number; decodeTokensPerSecond?: number };
  const body = await fetch(`${healthUrl}/debug/endpoints`, { signal: AbortSignal.timeout(2000) }).then((r) => r.json() as Promise<{ endpoints: { address: string; metrics: Speeds | null }[] }>).catch(() => undefined);
  const read = (field: keyof Speeds): (number | null)[] => addresses.map((a) => {
    const speed = body?.endpoints.find((e) => e.address === a)?.metrics?.[field];
    return speed === undefined ? null : Math.round(speed);
  });
  return { prefillTokensPerSecond: read('prefillTokensPerSecond'), decodeTokensPerSecond: read('decodeTokensPerSecond') };
}

/** Index of the reference-profile policy, run on the first seed only. */
const REFERENCE_POLICY = 3;

async function main(): Promise<void> {
  const missing = standMissing();
  if (missing) throw new Error(missing);
  const profile = llmdProfile();
  const replicas: ReplicaSpec[] = [
    { name: 'ksim-h100-0', server: 'kinfer-sim', args: KSIM('nvidia-h100-80gb') },
    { name: 'ksim-h100-1', server: 'kinfer-sim', args: KSIM('nvidia-h100-80gb') },
    { name: 'ksim-l4-0', server: 'kinfer-sim', args: KSIM('nvidia-l4') },
    { name: 'ksim-l4-1', server: 'kinfer-sim', args: KSIM('nvidia-l4') },
    { name: 'llmd-0', server: 'llm-d-inference-sim', args: [...LLMD(profile), '--seed', '1'] },
    { name: 'llmd-1', server: 'llm-d-inference-sim', args: [...LLMD(profile), '--seed', '2'] },
  ];
  const stand = new RoutingStand({ suite: 'bench-epp', basePort: 31250, model: MODEL, replicas });
  const onSignal = (): void => void stand.stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results: Figures[] = [];
  const skipped: string[] = [];
  try {
    await stand.start();
    const addresses = stand.replicas.map((r) => r.address);
    const policies: { name: string; start: () => Promise<Running> }[] = [
      { name: 'round-robin (Envoy, no picker)', start: async () => {
        const envoy = await stand.startEnvoy('round-robin');
        return { gateway: envoy.url, log: () => envoy.child.output, stop: () => envoy.child.stop() };
      } },
      { name: 'upstream EPP v1.5.0 (default config)', start: async () => {
        const epp = await stand.startEpp();
        const envoy = await stand.startEnvoy(epp.port, 'full-duplex');
        return { gateway: envoy.url, log: () => envoy.child.output, stop: async () => { await envoy.child.stop(); await epp.child.stop(); } };
      } },
      { name: 'kinfer-picker (kinfer profile)', start: async () => {
        const picker = await stand.startKinferPicker();
        const envoy = await stand.startEnvoy(picker.port, 'buffered');
        return { gateway: envoy.url, log: () => envoy.child.output, speeds: () => pickerSpeeds(picker.healthUrl, addresses), stop: async () => { await envoy.child.stop(); await picker.child.stop(); } };
      } },
      { name: 'kinfer-picker (reference profile)', start: async () => {
        const picker = await stand.startKinferPicker(DEFAULT_CONFIG_YAML);
        const envoy = await stand.startEnvoy(picker.port, 'buffered');
        return { gateway: envoy.url, log: () => envoy.child.output, speeds: () => pickerSpeeds(picker.healthUrl, addresses), stop: async () => { await envoy.child.stop(); await picker.child.stop(); } };
      } },
    ];
    const only = process.env.EPP_BENCH_POLICIES?.split(',');
    let salt = 0;
    for (const [seedIndex, seed] of SEEDS.entries()) {
      for (const rate of RATES) {
        for (const [index, policy] of policies.entries()) {
          if (only && !only.includes(String(index))) continue;
          if (index === REFERENCE_POLICY && seedIndex > 0) continue;
          salt++;
          await sleep(3000); // the previous run's requests are done; let every queue and scrape settle
          // A run that cannot start (a picker that never scraped every pod on this shared machine) is reported and
          // skipped, so the runs already measured still make the tables.
          const running = await policy.start().catch((error: Error) => {
            skipped.push(`${policy.name}, seed ${seed}, ${rate} req/s: ${error.message}`);
            process.stderr.write(`skipped: ${skipped.at(-1)}\n`);
            return undefined;
          });
          if (running === undefined) continue;
          try {
            const run = await runRate(policy.name, seed, salt, running.gateway, rate, addresses, running.log);
            const figures = running.speeds ? { ...run, ...(await running.speeds()) } : run;
            results.push(figures);
            process.stderr.write(`${JSON.stringify(figures)}\n`);
          } finally {
            await running.stop();
          }
        }
      }
    }
  } finally {
    await stand.stop();
  }
  report(results);
  for (const line of skipped) process.stdout.write(`\nSkipped: ${line}\n`);
}

function report(results: readonly Figures[]): void {
  const say = (line = ''): boolean => process.stdout.write(`${line}\n`);
  const policies = [...new Set(results.map((r) => r.policy))];
  const seeds = [...new Set(results.map((r) => r.seed))];
  const fmt = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '∞ (failures)');
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '-');
  say('## Routing beside the upstream EPP, through real Envoy, real time\n');
  say(`6 replicas of ${MODEL} in one InferencePool (2 kinfer-sim at H100 speed, 2 at L4 speed, 2 llm-d-inference-sim v0.10.2 with its 8B/H100 profile and KV cache on), ${MAX_NUM_SEQS} sequences and ${KV_CACHE_TOKENS} KV tokens each; ${REQUESTS} streamed requests per run (8 shared system prompts, long-tailed prompts and outputs), Poisson arrivals, seeds ${seeds.join(', ')}; every run with a fresh picker and Envoy. SLO: p99 TTFT ≤ ${SLO_TTFT_P99_MS} ms.\n`);
  say('| policy | seed | req/s | p50 TTFT (ms) | p99 TTFT (ms) | output tokens/s | failed | requests per replica (h100, h100, l4, l4, llm-d, llm-d) | load avg |');
  say('|---|---:|---:|---:|---:|---:|---:|---|---:|');
  for (const p of policies) {
    for (const r of results.filter((x) => x.policy === p)) say(`| ${r.policy} | ${r.seed} | ${r.rate} | ${fmt(r.ttftP50Ms)} | ${fmt(r.ttftP99Ms)} | ${fmt(r.outputTokensPerSecond)} | ${r.failed} | ${r.perReplica.join(', ')} | ${r.loadAverage.toFixed(1)} |`);
  }
  const measured = results.filter((r) => r.prefillTokensPerSecond !== undefined);
  if (measured.length > 0) {
    say('\nSpeeds kinfer-picker read per replica at the end of each run: prefill (prompt tokens / s) / decode (tokens / s per sequence); - = none yet:\n');
    say('| policy | seed | req/s | h100 | h100 | l4 | l4 | llm-d | llm-d |');
    say('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    const cell = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : fmt(x));
    for (const r of measured) say(`| ${r.policy} | ${r.seed} | ${r.rate} | ${(r.prefillTokensPerSecond ?? []).map((x, i) => `${cell(x)} / ${cell(r.decodeTokensPerSecond?.[i])}`).join(' | ')} |`);
  }
  const names = ['h100', 'h100', 'l4', 'l4', 'llm-d', 'llm-d'];
  say('\nThe three slowest requests of each run (what sets its p99): TTFT ms, question words, replica:\n');
  say('| policy | seed | req/s | slowest | second | third |');
  say('|---|---:|---:|---|---|---|');
  for (const r of results) say(`| ${r.policy} | ${r.seed} | ${r.rate} | ${r.slowest.map((x) => `${fmt(x.ttftMs)} (${x.questionWords}, ${names[x.replica] ?? '?'})`).join(' | ')} |`);
  say('\n| policy | seed | highest rate within the SLO | output tokens/s there |');
  say('|---|---:|---:|---:|');
  for (const p of policies) {
    for (const seed of seeds) {
      const runs = results.filter((r) => r.policy === p && r.seed === seed);
      if (runs.length === 0) continue;
      const held = runs.filter((r) => r.ttftP99Ms <= SLO_TTFT_P99_MS).sort((a, b) => b.rate - a.rate)[0];
      say(`| ${p} | ${seed} | ${held ? held.rate : `< ${RATES[0]}`} | ${held ? fmt(held.outputTokensPerSecond) : '-'} |`);
    }
  }
  const [roundRobin, epp, kinfer] = policies;
  if (roundRobin !== undefined && epp !== undefined && kinfer !== undefined) {
    say(`\n| seed | req/s | p99 TTFT ${kinfer} / EPP | tokens/s / EPP | p99 TTFT / round-robin | tokens/s / round-robin |`);
    say('|---:|---:|---:|---:|---:|---:|');
    for (const seed of seeds) {
      for (const rate of RATES) {
        const at = (policy: string) => results.find((r) => r.policy === policy && r.seed === seed && r.rate === rate);
        const [k, e, rr] = [at(kinfer), at(epp), at(roundRobin)];
        if (!k || !e || !rr) continue;
        say(`| ${seed} | ${rate} | ${ratio(k.ttftP99Ms, e.ttftP99Ms)} | ${ratio(k.outputTokensPerSecond, e.outputTokensPerSecond)} | ${ratio(k.ttftP99Ms, rr.ttftP99Ms)} | ${ratio(k.outputTokensPerSecond, rr.outputTokensPerSecond)} |`);
      }
    }
  }
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'routing-epp.json'), `${JSON.stringify({ model: MODEL, requests: REQUESTS, rates: RATES, seeds, sloTtftP99Ms: SLO_TTFT_P99_MS, results }, null, 2)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`routing-epp bench failed: ${error.message}\n`);
  process.exit(1);
});

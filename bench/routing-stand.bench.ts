import { mkdirSync, writeFileSync } from 'node:fs';
import { deriveProfile, type Profile } from '../sim/engine/speed.js';
import { DEFAULT_CONFIG_YAML, KINFER_CONFIG_YAML } from '../src/routing/config.js';
import { DEFAULT_PREFIX_BLOCK_SIZE } from '../src/routing/prefix.js';
import { mulberry32 } from './lib/prng.js';
import { figuresOf, type RunFigures } from './lib/routing-report.js';
import { PickerRouter, RoundRobin, runScenario, type Replica, type Router, type RunOptions } from './lib/routing-sim.js';
import { prefillFit, trimToWindow, type PrefillFit, type PrefillPoint } from '../src/servers/rate.js';
import { makeStandTrace } from './lib/routing-workload.js';

// The EPP stand (bench/routing-epp.bench.ts) in virtual time: the same six replicas, the same 4 sequence slots and
// 32,768 KV tokens each, the same workload and seeds, without Envoy, processes or a shared machine's noise, so a
// scoring change is measured on many more requests and seeds in a minute before it goes to the real stand. Past
// capacity is where kinfer's profile lost to the EPP on seed 7 there (docs/benchmarks.md). Prints markdown; writes bench/results/routing-stand.json.
//   node dist/bench/routing-stand.bench.js     (STAND_REQUESTS, STAND_RATES, STAND_SEEDS override; STAND_POLICIES=a;b picks; STAND_VARIANTS=1 adds the options tried)

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const REQUESTS = Number(process.env.STAND_REQUESTS ?? 400);
const RATES = (process.env.STAND_RATES ?? '3,4.5,6,8').split(',').map(Number);
const SEEDS = (process.env.STAND_SEEDS ?? '7,8,9').split(',').map(Number);
const SLO_TTFT_P99_MS = 2000;
const SCRAPE_INTERVAL_MS = 100;
/** The stand's engines: --max-num-seqs 4, --kv-cache-tokens 32768 (2,048 blocks of 16), --max-model-len 8192. */
const ENGINE = { blockSize: 16, maxNumSeqs: 4, maxNumBatchedTokens: 8192, maxModelLen: 8192, enablePrefixCaching: true };
const KV_BLOCKS = 32768 / 16;

function profile(accelerator: string): Profile {
  const p = deriveProfile({ accelerator, model: MODEL });
  if (!p.ok) throw new Error(p.error);
  return { ...p.value, numGpuBlocks: KV_BLOCKS };
}

/**
 * Two kinfer-sim H100s, two L4s, and two stand-ins for llm-d-inference-sim: its 8B/H100 latency profile prefills at
 * 250 µs per token (4,000 tokens/s, manifests/latency-profiles/8b-h100-balanced-per-token.yaml in its module) and
 * decodes at about an H100's pace; kinfer-sim's engine with those speeds is the closest virtual-time replica.
 */
function stand(): Replica[] {
  const h100 = profile('nvidia-h100-80gb');
  const l4 = profile('nvidia-l4');
  const llmd: Profile = { ...h100, speed: { ...h100.speed, prefillTokensPerSecond: 4000 } };
  return [h100, h100, l4, l4, llmd, llmd].map((p, i) => ({ address: `10.0.0.${i + 1}:8000`, profile: p }));
}

/**
 * The prefill speed as kinfer-picker read it before prefillFit (commit 8022e2e, src/servers/rate.ts
 * prefillTokensPerSecond over a 30 s window): prompt tokens × (1 − the window's hit share) ÷ prefill seconds. Kept
 * here only as the baseline the stand's erratic figures (29 to 170,879 tokens/s) came from.
 */
function ratioOfSums(history: readonly PrefillPoint[]): PrefillFit | undefined {
  const window = trimToWindow(history, 30_000);
  const a = window[0];
  const b = window.at(-1);
  if (a === undefined || b === undefined || a === b) return undefined;
  const d = (f: (p: PrefillPoint) => number | undefined): number => (f(b) ?? 0) - (f(a) ?? 0);
  const seconds = d((p) => p.prefillSecondsTotal);
  const queries = d((p) => p.prefixCacheQueriesTotal);
  const computed = d((p) => p.requestPromptTokensTotal) * (queries > 0 ? 1 - d((p) => p.prefixCacheHitsTotal) / queries : 1);
  return seconds > 0 && computed > 0 ? { tokensPerSecond: computed / seconds, fixedSeconds: 0 } : undefined;
}

/** kinfer's profile before slots were learned (learnSlots, yieldWhenSlotsTaken off): the options below start from it. */
const WITHOUT_SLOTS = KINFER_CONFIG_YAML.replace('    learnSlots: true\n', '').replace('    yieldWhenSlotsTaken: true\n', '');

/**
 * WITHOUT_SLOTS with other weights (predicted latency, free KV, prefix, in the profile's order), a queue-scorer
 * beside them, or another scaleMs: the other options tried for a queue term that keeps its weight past capacity.
 */
function variant(weights: readonly [number, number, number], options: { queueScorer?: number; scaleMs?: number } = {}): string {
  const [pl, kv, prefix] = weights;
  const queue = options.queueScorer === undefined ? '' : `\n  - pluginRef: queue-scorer\n    weight: ${options.queueScorer}`;
  return WITHOUT_SLOTS
    .replace('    scaleMs: 4000\n', `    scaleMs: ${options.scaleMs ?? 4000}\n`)
    .replace('- type: max-score-picker\n', `${queue === '' ? '' : '- type: queue-scorer\n'}- type: max-score-picker\n`)
    .replace(/pluginRef: predicted-latency-scorer\n {4}weight: \d+/, `pluginRef: predicted-latency-scorer\n    weight: ${pl}`)
    .replace(/pluginRef: kv-cache-utilization-scorer\n {4}weight: \d+/, `pluginRef: kv-cache-utilization-scorer\n    weight: ${kv}`)
    .replace(/pluginRef: prefix-cache-scorer\n {4}weight: \d+/, `pluginRef: prefix-cache-scorer\n    weight: ${prefix}${queue}`);
}

type Candidate = { yaml: string; measure?: RunOptions['measurePrefill'] };
/** The options tried (STAND_VARIANTS=1 runs them too), all with the prefill fit. */
const VARIANTS: Record<string, Candidate> = {
  'no slots; latency 4, kv 2, prefix 2': { yaml: variant([4, 2, 2]), measure: prefillFit },
  'no slots; latency 3, kv 3, prefix 3': { yaml: variant([3, 3, 3]), measure: prefillFit },
  'no slots; latency 6 over 12 s, kv 3, prefix 3': { yaml: variant([6, 3, 3], { scaleMs: 12_000 }), measure: prefillFit },
  'no slots; + queue-scorer 2': { yaml: variant([2, 3, 3], { queueScorer: 2 }), measure: prefillFit },
};

/** The policies: the profile each runs and how it learns prefill speeds (absent: told the truth). */
export const CANDIDATES: Record<string, Candidate> = {
  reference: { yaml: DEFAULT_CONFIG_YAML },
  'kinfer before: no slots, prefill as the old sums': { yaml: WITHOUT_SLOTS, measure: ratioOfSums },
  'kinfer, no slots': { yaml: WITHOUT_SLOTS, measure: prefillFit },
  'kinfer, prefill told': { yaml: KINFER_CONFIG_YAML },
  kinfer: { yaml: KINFER_CONFIG_YAML, measure: prefillFit },
  ...(process.env.STAND_VARIANTS === undefined ? {} : VARIANTS),
};

function router(policy: string, seed: number): Router {
  if (policy === 'round-robin') return new RoundRobin();
  const candidate = CANDIDATES[policy];
  if (candidate === undefined) throw new Error(`unknown policy ${policy}`);
  return new PickerRouter(policy, candidate.yaml, mulberry32(seed));
}

const POLICIES = process.env.STAND_POLICIES?.split(';') ?? ['round-robin', ...Object.keys(CANDIDATES)];
const replicas = stand();
const results: (RunFigures & { seed: number })[] = [];
const started = Date.now();
for (const seed of SEEDS) {
  const trace = makeStandTrace({ requests: REQUESTS, seed, model: MODEL, prefixBlockSize: DEFAULT_PREFIX_BLOCK_SIZE });
  const promptTokens = trace.reduce((a, r) => a + r.promptTokens, 0);
  for (const rate of RATES) {
    for (const policy of POLICIES) {
      const measurePrefill = CANDIDATES[policy]?.measure;
      const outcomes = runScenario({ replicas, engine: ENGINE, trace, model: MODEL, rate, router: router(policy, 11), scrapeIntervalMs: SCRAPE_INTERVAL_MS, ...(measurePrefill ? { measurePrefill } : {}) });
      results.push({ ...figuresOf(policy, rate, outcomes, promptTokens, replicas.length), seed });
    }
  }
}

const f0 = (x: number): string => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: 0 }) : '–');
const lines: string[] = [];
const say = (s = ''): void => void lines.push(s);
say('## The EPP stand in virtual time');
say();
say(`6 replicas of ${MODEL} (2 H100, 2 L4, 2 llm-d stand-ins at 4,000 prefill tokens/s), ${ENGINE.maxNumSeqs} sequences and 32,768 KV tokens each; ${REQUESTS} requests per run (bench/routing-epp.bench.ts's workload), seeds ${SEEDS.join(', ')}; metrics every ${SCRAPE_INTERVAL_MS} ms. SLO: p99 TTFT ≤ ${SLO_TTFT_P99_MS} ms.`);
say();
say('| seed | req/s | policy | p50 TTFT (ms) | p99 TTFT (ms) | output tokens/s | requests per replica (h100, h100, l4, l4, llm-d, llm-d) |');
say('|---:|---:|---|---:|---:|---:|---|');
for (const r of results) say(`| ${r.seed} | ${r.rate} | ${r.policy} | ${f0(r.ttftP50Ms)} | ${f0(r.ttftP99Ms)} | ${f0(r.outputTokensPerSecond)} | ${r.perReplica.join(', ')} |`);
say();
say('Geometric mean over the seeds, per rate (p99 TTFT ms / output tokens/s):');
say();
say(`| req/s | ${POLICIES.join(' | ')} |`);
say(`|---:|${POLICIES.map(() => '---:').join('|')}|`);
const geo = (xs: number[]): number => Math.exp(xs.reduce((a, x) => a + Math.log(Math.max(1, x)), 0) / xs.length);
for (const rate of RATES) {
  const cells = POLICIES.map((p) => {
    const rs = results.filter((r) => r.rate === rate && r.policy === p);
    return `${f0(geo(rs.map((r) => r.ttftP99Ms)))} / ${f0(geo(rs.map((r) => r.outputTokensPerSecond)))}`;
  });
  say(`| ${rate} | ${cells.join(' | ')} |`);
}
say();
say(`Simulated in ${((Date.now() - started) / 1000).toFixed(0)} s of wall time. Command: \`npx tsc -p tsconfig.json && node dist/bench/routing-stand.bench.js\``);
console.log(lines.join('\n'));

mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/routing-stand.json', `${JSON.stringify({ model: MODEL, requests: REQUESTS, seeds: SEEDS, rates: RATES, sloTtftP99Ms: SLO_TTFT_P99_MS, results }, null, 2)}\n`);

// Extender benchmark (DESIGN.md "Performance targets"): p50/p99 of filter+prioritize through HTTP at 100,
// 1,000 and 5,000 nodes with 20 pods per node in the cache, in both nodeCacheCapable modes; the server's RSS
// at each size; the placement core alone; and a step-by-step breakdown of one 5,000-node request. It prints
// figures and writes bench/results/extender.json; it never passes or fails on time.
//
// Beside latency, each timed loop reports the server's V8 heap allocation per pair and its share of wall
// time spent in GC pauses (bench/lib/gc-probe.ts), so what is left after the decision is explained.
//
// After each pair the server binds a copy of the pod to its best-scored node and lets an older one go
// (bench/lib/churn.ts), so decisions the extender keeps across calls are measured in a cluster that moves.
//
// Run: npx tsc -p tsconfig.json && node dist/bench/extender.bench.js
// Env: BENCH_SIZES=100,1000 and BENCH_MODES=cache to run less; BENCH_CPU_PROF=<dir> to profile the server;
// BENCH_BASELINE=<dist dir of another build> (e.g. a checkout of main, built; copy this build's dist/bench/lib
// into it so both servers run the same harness and churn) to run that build's server
// beside this one at each size, pairs alternating between the two: the before/after rows;
// BENCH_NODE_FLAGS="--max-semi-space-size=64" to try V8 flags on this build's server (with BENCH_BASELINE set
// to this same dist, the flags' effect side by side).
//
// In nodeCacheCapable mode the null extender (bench/lib/null-extender.ts: passes every node, scores 0, keeps
// nothing), in its two variants, runs beside kinfer's server with the same requests, pairs alternating: the
// floor of an HTTP extender on this runtime, and what kinfer adds above it. BENCH_NULL=0 leaves it out.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { makeNode, nodeSpecs, requestPods } from './lib/cluster.js';
import { filterBody, prioritizeBody, type Breakdown, type CoreTiming, type Mode } from './lib/core.js';
import { Client } from './lib/http.js';
import type { FromServer, GcFigures, ToServer } from './lib/protocol.js';
import { ms, round1, round3, summarize, type Memory, type Summary } from './lib/stats.js';

const PODS_PER_NODE = 20;

interface Budget {
  /** Timed pairs, at most. */
  readonly pairs: number;
  /** Wall-time bound of the timed loop. */
  readonly maxMs: number;
  /** Warmup rounds over every pod kind. */
  readonly warmupRounds: number;
}

const PLAN: readonly { size: number; budget: Record<Mode, Budget>; corePairs: Record<Mode, number> }[] = [
  { size: 100, budget: { 'cache': { pairs: 600, maxMs: 5_000, warmupRounds: 5 }, 'no-cache': { pairs: 600, maxMs: 5_000, warmupRounds: 5 } }, corePairs: { 'cache': 600, 'no-cache': 600 } },
  { size: 1000, budget: { 'cache': { pairs: 600, maxMs: 10_000, warmupRounds: 3 }, 'no-cache': { pairs: 150, maxMs: 8_000, warmupRounds: 2 } }, corePairs: { 'cache': 600, 'no-cache': 150 } },
  { size: 5000, budget: { 'cache': { pairs: 300, maxMs: 15_000, warmupRounds: 3 }, 'no-cache': { pairs: 30, maxMs: 20_000, warmupRounds: 1 } }, corePairs: { 'cache': 300, 'no-cache': 30 } },
];
const MODES: readonly Mode[] = (['cache', 'no-cache'] as const).filter((m) => process.env.BENCH_MODES?.split(',').includes(m) ?? true);
const BREAKDOWN_SIZE = 5000;

interface KindFigures {
  readonly kind: string;
  readonly passed: number;
  readonly filterAnswerBytes: number;
  readonly filterBodyBytes: number;
  readonly pair: Summary;
}

interface HttpRun {
  /** 'this build', 'baseline' (BENCH_BASELINE), or a null extender variant (the floor). */
  readonly build: Build;
  readonly size: number;
  readonly mode: Mode;
  readonly pair: Summary;
  readonly filter: Summary;
  readonly prioritize: Summary;
  /** Server-side time of the same pairs (headers in → last byte out), filter + prioritize. */
  readonly serverPair: Summary;
  /** ExtenderService.filter + prioritize within those same requests. */
  readonly servicePair: Summary;
  readonly kinds: readonly KindFigures[];
  /** Server GC during the timed pairs. */
  readonly gc: GcFigures;
  readonly memoryAfter: Memory;
}

type Build = 'this build' | 'baseline' | 'null (parse)' | 'null (raw)';
const NULL_BUILDS: readonly Build[] = process.env.BENCH_NULL === '0' ? [] : ['null (parse)', 'null (raw)'];
const isNull = (build: Build): boolean => build.startsWith('null');
const BASELINE_DIST = process.env.BENCH_BASELINE;

interface SizeResult {
  readonly size: number;
  readonly nodes: number;
  readonly podsFed: number;
  readonly slimPods: number;
  readonly fillMs: number;
  readonly memoryFilled: Memory;
  readonly http: HttpRun[];
  readonly core: readonly CoreTiming[];
  readonly breakdowns: readonly Breakdown[];
}

class Server {
  private readonly queue: FromServer[] = [];
  private waiter: ((m: FromServer) => void) | undefined;
  private failWaiter: ((error: Error) => void) | undefined;
  private exited: string | undefined;

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: FromServer) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(m);
      } else this.queue.push(m);
    });
    child.on('exit', (code, signal) => {
      this.exited = `server process exited (code ${code}, signal ${signal})`;
      this.failWaiter?.(new Error(this.exited));
    });
  }

  static start(size: number, build: Build): Server {
    const script = build === 'baseline' ? `${BASELINE_DIST}/bench/lib/extender-server.js`
      : fileURLToPath(new URL(isNull(build) ? './lib/null-extender-server.js' : './lib/extender-server.js', import.meta.url));
    const args = isNull(build) ? [build === 'null (raw)' ? 'raw' : 'parse'] : [String(size), String(PODS_PER_NODE)];
    const probe = ['--import', new URL('./lib/gc-probe.js', import.meta.url).href];
    // V8 flags for this build's server only, so a baseline of the same build measures what they change.
    const nodeFlags = build === 'this build' ? process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [] : [];
    // BENCH_CPU_PROF=<dir>: gc-probe.ts writes a V8 CPU profile of each timed loop there (open in Chrome DevTools),
    // named <size>-<build>-<n> (n counts the modes in order).
    const env = { ...process.env, BENCH_CPU_PROF_NAME: `${size}-${build === 'this build' ? 'this' : build.replace(/[^a-z]+/g, '-')}` };
    return new Server(fork(script, args, { env, execArgv: ['--expose-gc', ...probe, ...nodeFlags], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  send(message: ToServer): void {
    this.child.send(message);
  }

  next<T extends FromServer['type']>(type: T, timeoutMs: number): Promise<Extract<FromServer, { type: T }>> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(check(queued));
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${type}' from the server in ${timeoutMs} ms${this.exited ? `: ${this.exited}` : ''}`)), timeoutMs);
      this.failWaiter = (error) => {
        clearTimeout(timer);
        reject(error);
      };
      this.waiter = (m) => {
        clearTimeout(timer);
        try {
          resolve(check(m));
        } catch (error) {
          reject(error as Error);
        }
      };
    });
    function check(m: FromServer): Extract<FromServer, { type: T }> {
      if (m.type !== type) throw new Error(`expected '${type}' from the server, got '${m.type}'`);
      return m as Extract<FromServer, { type: T }>;
    }
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.send({ type: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  }
}

interface Target {
  readonly build: Build;
  readonly server: Server;
  readonly client: Client;
}

/**
 * One mode's load: warmup (which also records each pod's filter answer), then timed filter → prioritize pairs.
 * With two targets (a baseline build beside this one), pairs alternate between them, so both see the same
 * machine load: on a shared machine only figures measured side by side compare.
 */
async function load(targets: readonly Target[], size: number, mode: Mode, budget: Budget): Promise<Omit<HttpRun, 'memoryAfter'>[]> {
  const specs = nodeSpecs(size);
  const names = specs.map((s) => s.name);
  const itemsJson = mode === 'no-cache' ? JSON.stringify(specs.map(makeNode)) : undefined;
  const kinds = requestPods().map(({ kind, pod }) => ({ kind, pod, filter: Buffer.from(filterBody(pod, mode, names, itemsJson)), prioritize: Buffer.alloc(0), passed: 0, answerBytes: 0 }));

  // The first round learns each pod's filter answer from a kinfer build (a null extender passes every node):
  // the prioritize body carries the nodes that passed, as kube-scheduler's does, the same for every target.
  const first = (targets.find((t) => !isNull(t.build)) ?? targets[0]!).client;
  for (const k of kinds) {
    const answer = await first.post('/filter', k.filter);
    if (answer.status !== 200) throw new Error(`filter ${k.kind} at ${size} nodes (${mode}): HTTP ${answer.status} ${answer.body.toString().slice(0, 300)}`);
    const parsed = JSON.parse(answer.body.toString()) as { Nodes: { items: unknown[] } | null; NodeNames: string[] | null; Error: string };
    if (parsed.Error) throw new Error(`filter ${k.kind}: ${parsed.Error}`);
    k.passed = parsed.NodeNames?.length ?? parsed.Nodes?.items.length ?? 0;
    k.answerBytes = answer.body.length;
    k.prioritize = Buffer.from(prioritizeBody(k.pod, parsed));
  }
  for (const { client, build } of targets) {
    for (const k of kinds) {
      const prio = await client.post('/prioritize', k.prioritize);
      if (prio.status !== 200) throw new Error(`prioritize ${k.kind} at ${size} nodes (${mode}, ${build}): HTTP ${prio.status} ${prio.body.toString().slice(0, 300)}`);
    }
  }
  const warmDeadline = performance.now() + budget.maxMs / 3;
  for (let round = 1; round < budget.warmupRounds && performance.now() < warmDeadline; round += 1) {
    for (const { client } of targets) {
      for (const k of kinds) {
        await client.post('/filter', k.filter);
        await client.post('/prioritize', k.prioritize);
      }
    }
  }

  const runs = targets.map(() => ({ pair: [] as number[], filter: [] as number[], prioritize: [] as number[], perKind: kinds.map(() => [] as number[]) }));
  for (const { server } of targets) {
    server.send({ type: 'server-times' });
    await server.next('server-times', 30_000);
    server.send({ type: 'gc-start' });
  }
  const deadline = performance.now() + budget.maxMs * targets.length;
  for (let i = 0; i < budget.pairs && performance.now() < deadline; i += 1) {
    const k = i % kinds.length;
    const { filter: fBody, prioritize: pBody, kind } = kinds[k]!;
    // Alternate which build goes first, so neither always follows the other's GC.
    for (let j = 0; j < targets.length; j++) {
      const t = (i + j) % targets.length;
      const { client, build } = targets[t]!;
      const run = runs[t]!;
      const t0 = performance.now();
      const f = await client.post('/filter', fBody);
      const t1 = performance.now();
      const p = await client.post('/prioritize', pBody);
      const t2 = performance.now();
      if (f.status !== 200 || p.status !== 200) throw new Error(`${kind} at ${size} nodes (${mode}, ${build}): HTTP ${f.status}/${p.status}`);
      run.filter.push(t1 - t0);
      run.prioritize.push(t2 - t1);
      run.pair.push(t2 - t0);
      run.perKind[k]!.push(t2 - t0);
    }
  }
  const out: Omit<HttpRun, 'memoryAfter'>[] = [];
  for (let t = 0; t < targets.length; t++) {
    const { server, build } = targets[t]!;
    const run = runs[t]!;
    server.send({ type: 'gc-stop' });
    const gc = (await server.next('gc', 30_000)).figures;
    server.send({ type: 'server-times' });
    const times = await server.next('server-times', 30_000);
    const serverPair = times.filter.map((f, i) => f + (times.prioritize[i] ?? Number.NaN));
    const servicePair = times.serviceFilter.map((f, i) => f + (times.servicePrioritize[i] ?? Number.NaN));
    out.push({
      build, size, mode, gc, pair: summarize(run.pair), filter: summarize(run.filter), prioritize: summarize(run.prioritize), serverPair: summarize(serverPair), servicePair: summarize(servicePair),
      kinds: kinds.map((k, i) => ({ kind: k.kind, passed: k.passed, filterBodyBytes: k.filter.length, filterAnswerBytes: k.answerBytes, pair: summarize(run.perKind[i]!) })),
    });
  }
  return out;
}

async function runSize(plan: (typeof PLAN)[number]): Promise<SizeResult> {
  const servers: { build: Build; server: Server }[] = [];
  try {
    if (BASELINE_DIST !== undefined) servers.push({ build: 'baseline', server: Server.start(plan.size, 'baseline') });
    const server = Server.start(plan.size, 'this build');
    servers.push({ build: 'this build', server });
    if (MODES.includes('cache')) for (const build of NULL_BUILDS) servers.push({ build, server: Server.start(plan.size, build) });
    const readies = await Promise.all(servers.map((s) => s.server.next('ready', 240_000)));
    const targets: Target[] = servers.map((s, i) => ({ ...s, client: new Client(readies[i]!.port) }));
    const http: HttpRun[] = [];
    try {
      for (const mode of MODES) {
        // The null extenders run in nodeCacheCapable mode only (the mode of the targets and the e2e).
        const modeTargets = targets.filter((t) => mode === 'cache' || !isNull(t.build));
        const runs = await load(modeTargets, plan.size, mode, plan.budget[mode]);
        for (let t = 0; t < modeTargets.length; t++) {
          modeTargets[t]!.server.send({ type: 'memory' });
          http.push({ ...runs[t]!, memoryAfter: (await modeTargets[t]!.server.next('memory', 30_000)).memory });
        }
      }
    } finally {
      for (const t of targets) t.client.close();
    }
    const ready = readies[servers.findIndex((s) => s.build === 'this build')]!;
    server.send({ type: 'core', modes: MODES, pairs: plan.corePairs, maxMs: 8_000, breakdownRuns: plan.size === BREAKDOWN_SIZE ? 7 : 0 });
    const core = await server.next('core', 180_000);
    return { size: plan.size, nodes: ready.nodes, podsFed: ready.podsFed, slimPods: ready.slimPods, fillMs: ready.fillMs, memoryFilled: ready.memory, http, core: core.timings, breakdowns: core.breakdowns };
  } finally {
    await Promise.all(servers.map((s) => s.server.stop()));
  }
}

/** GC pause time as a share of the time the server spent on the timed requests. */
const gcShare = (h: HttpRun): string => `${((100 * h.gc.pauseMs) / Math.max(1e-9, h.serverPair.mean * h.serverPair.n)).toFixed(1)}%`;
const kb = (bytes: number): string => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} kB`);
const modeLabel = (mode: Mode): string => (mode === 'cache' ? 'nodeCacheCapable (NodeNames)' : 'not cache-capable (Nodes)');

const loadAverage = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const LOAD_AT_START = loadAverage();

function report(results: readonly SizeResult[], wallMs: number): string {
  const lines: string[] = [];
  lines.push(`## kinfer extender: filter + prioritize (${os.cpus().length} CPUs, ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version})`, '');
  lines.push(`Load average at start ${LOAD_AT_START}, at end ${loadAverage()} (other work on the machine widens p99).`, '');
  lines.push('Client-side wall time of one filter request followed by one prioritize request (with the nodes that passed), sequential, keep-alive, loopback; pods rotate over 6 kinds. Server-side: inside the server process, headers in → last byte out; of which ExtenderService: the decision proper, timed in place. In-process: Placer.filter + Placer.prioritize alone (plus the NodeOverlay each request builds in no-cache mode) on freshly parsed node-name strings, as from the wire; "names pre-hashed": the same call again on the same strings; service: ExtenderService on already-validated args.', '');
  lines.push('Server GC (bench/lib/gc-probe.ts, v8.GCProfiler, during the timed pairs only): V8 heap bytes allocated per pair, GCs per pair, and GC pause time per pair with its share of the server-side time (headers in → last byte out, summed over the pairs). With BENCH_BASELINE the two builds run side by side, pairs alternating.', '');
  lines.push('| nodes | pods in cache (fed / kept) | mode | build | pairs | HTTP p50 ms | HTTP p99 ms | HTTP max ms | server-side p50 / p99 ms | of which ExtenderService p50 / p99 | filter p50 | prioritize p50 | server CPU per pair ms | heap alloc per pair | GCs per pair | GC pause per pair ms (share of server-side time) | in-process core p50 / p99 ms | core, names pre-hashed p50 | service p50 / p99 ms | server RSS MB after load (GC) | heap MB |');
  lines.push('|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    for (const h of r.http) {
      const c = h.build === 'this build' ? r.core.find((t) => t.mode === h.mode) : undefined;
      const gcs = Object.values(h.gc.counts).reduce((a, b) => a + b, 0);
      lines.push(`| ${r.size.toLocaleString('en-US')} | ${r.podsFed.toLocaleString('en-US')} / ${r.slimPods.toLocaleString('en-US')} | ${modeLabel(h.mode)} | ${h.build} | ${h.pair.n} | ${ms(h.pair.p50)} | ${ms(h.pair.p99)} | ${ms(h.pair.max)} | ${ms(h.serverPair.p50)} / ${ms(h.serverPair.p99)} | ${ms(h.servicePair.p50)} / ${ms(h.servicePair.p99)} | ${ms(h.filter.p50)} | ${ms(h.prioritize.p50)} | ${ms(h.gc.cpuMs / Math.max(1, h.pair.n))} | ${kb(h.gc.allocatedBytes / Math.max(1, h.pair.n))} | ${(gcs / Math.max(1, h.pair.n)).toFixed(2)} | ${ms(h.gc.pauseMs / Math.max(1, h.pair.n))} (${gcShare(h)}) | ${c ? `${ms(c.core.p50)} / ${ms(c.core.p99)}` : '–'} | ${c ? ms(c.coreReusedNames.p50) : '–'} | ${c ? `${ms(c.service.p50)} / ${ms(c.service.p99)}` : '–'} | ${h.memoryAfter.rssMB} | ${h.memoryAfter.heapUsedMB} |`);
    }
  }
  lines.push('', ...floor(results));
  lines.push('', '### Server memory (separate process per size, after full GC)', '');
  lines.push('| nodes | fill time ms | RSS filled MB | heap filled MB | peak RSS during fill MB | RSS after cache-mode load MB | peak RSS through cache-mode load MB | RSS after no-cache load MB | peak RSS through no-cache load MB |');
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const cache = r.http.find((h) => h.mode === 'cache' && h.build === 'this build');
    const noCache = r.http.find((h) => h.mode === 'no-cache' && h.build === 'this build');
    lines.push(`| ${r.size.toLocaleString('en-US')} | ${r.fillMs} | ${r.memoryFilled.rssMB} | ${r.memoryFilled.heapUsedMB} | ${r.memoryFilled.maxRssMB} | ${cache?.memoryAfter.rssMB ?? '–'} | ${cache?.memoryAfter.maxRssMB ?? '–'} | ${noCache?.memoryAfter.rssMB ?? '–'} | ${noCache?.memoryAfter.maxRssMB ?? '–'} |`);
  }
  const big = results.find((r) => r.size === BREAKDOWN_SIZE) ?? results[results.length - 1];
  if (big) {
    lines.push('', `### Per pod kind at ${big.size.toLocaleString('en-US')} nodes (HTTP pair p50 / p99 ms)`, '');
    lines.push('| pod | mode | nodes passing filter | filter body | filter answer | pair p50 | pair p99 |');
    lines.push('|---|---|---:|---:|---:|---:|---:|');
    for (const h of big.http.filter((x) => x.build === 'this build')) {
      for (const k of h.kinds) lines.push(`| ${k.kind} | ${h.mode} | ${k.passed} | ${kb(k.filterBodyBytes)} | ${kb(k.filterAnswerBytes)} | ${ms(k.pair.p50)} | ${ms(k.pair.p99)} |`);
    }
  }
  if (big && big.breakdowns.length > 0) {
    lines.push('', `### Breakdown of one request at ${big.size.toLocaleString('en-US')} nodes, in-process (median ms of 7 runs)`, '');
    const steps = [...new Set(big.breakdowns.flatMap((b) => Object.keys(b.steps)))];
    lines.push(`| step | ${big.breakdowns.map((b) => `${b.pod} (${b.mode})`).join(' | ')} |`);
    lines.push(`|---|${big.breakdowns.map(() => '---:').join('|')}|`);
    for (const step of steps) lines.push(`| ${step} | ${big.breakdowns.map((b) => (b.steps[step] === undefined ? '–' : ms(b.steps[step]))).join(' | ')} |`);
  }
  lines.push('', '### What dominates', '', dominance(results), '');
  lines.push(`Whole run: ${(wallMs / 1000).toFixed(0)} s.`);
  return lines.join('\n');
}

/** kinfer beside the null extender (same requests, pairs alternating): the floor, and what kinfer adds above it. */
function floor(results: readonly SizeResult[]): string[] {
  const rows: string[] = [];
  for (const r of results) {
    const kinfer = r.http.find((h) => h.build === 'this build' && h.mode === 'cache');
    if (!kinfer) continue;
    const cpu = (h: HttpRun): number => h.gc.cpuMs / Math.max(1, h.pair.n);
    for (const h of r.http.filter((x) => isNull(x.build))) {
      rows.push(`| ${r.size.toLocaleString('en-US')} | ${h.build} | ${ms(h.pair.p50)} / ${ms(h.pair.p99)} | ${ms(h.serverPair.p50)} / ${ms(h.serverPair.p99)} | ${ms(cpu(h))} | ${kb(h.gc.allocatedBytes / Math.max(1, h.pair.n))} `
        + `| ${ms(kinfer.pair.p50 - h.pair.p50)} / ${ms(kinfer.pair.p99 - h.pair.p99)} | ${ms(kinfer.serverPair.p50 - h.serverPair.p50)} | ${ms(cpu(kinfer) - cpu(h))} | ${(kinfer.pair.p50 / h.pair.p50).toFixed(2)} |`);
    }
  }
  if (rows.length === 0) return [];
  return [
    '### The floor: a null extender beside kinfer (nodeCacheCapable, same requests, pairs alternating)', '',
    'bench/lib/null-extender.ts passes every node and scores 0 (parse: JSON.parse + JSON.stringify; raw: no JSON parse). "kinfer adds" = this build minus the null extender, same run.', '',
    '| names | null extender | HTTP p50 / p99 ms | server-side p50 / p99 ms | server CPU per pair ms | heap alloc per pair | kinfer adds: HTTP p50 / p99 ms | server-side p50 ms | CPU per pair ms | kinfer ÷ null HTTP p50 |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ];
}

/** A paragraph, from the figures, saying where the time of a 5,000-node pair goes. */
function dominance(results: readonly SizeResult[]): string {
  const big = results.find((r) => r.size === BREAKDOWN_SIZE);
  if (!big) return 'Run the 5,000-node size for the breakdown.';
  const parts: string[] = [];
  for (const mode of MODES) {
    const h = big.http.find((x) => x.mode === mode && x.build === 'this build');
    const c = big.core.find((x) => x.mode === mode);
    const bs = big.breakdowns.filter((b) => b.mode === mode);
    if (!h || !c || bs.length === 0) continue;
    const sum = (pick: (step: string) => boolean): number => bs.reduce((acc, b) => acc + Object.entries(b.steps).filter(([s]) => pick(s)).reduce((a, [, v]) => a + v, 0), 0) / bs.length;
    const json = sum((s) => s.includes('JSON.'));
    const zod = sum((s) => s.includes('zod'));
    const overlay = sum((s) => s.includes('NodeOverlay'));
    const placer = sum((s) => s.includes('Placer.'));
    const service = sum((s) => s.includes('ExtenderService'));
    const shaping = Math.max(0, service - placer - overlay - sum((s) => s.includes('annotations')));
    const inProcess = json + zod + service;
    const server = h.serverPair.mean;
    const httpMean = h.pair.mean;
    const share = (x: number): string => `${Math.round((100 * x) / httpMean)}%`;
    const cpuPerPair = h.gc.cpuMs / Math.max(1, h.pair.n);
    parts.push(`${modeLabel(mode)} at ${big.size.toLocaleString('en-US')} nodes: a pair averages ${ms(httpMean)} ms at the client (p50 ${ms(h.pair.p50)}, p99 ${ms(h.pair.p99)}), `
      + `of which ${ms(server)} ms (${share(server)}) is inside the server process, where it used ${ms(cpuPerPair)} ms of CPU per pair (the rest of its wall time is waiting for a core)`
      + ` (headers in → last byte out; p50 ${ms(h.serverPair.p50)}, p99 ${ms(h.serverPair.p99)}) and ${ms(Math.max(0, httpMean - server))} ms loopback + client. `
      + `Replaying the same requests step by step in-process (averaged over the 6 pod kinds): JSON.parse of the bodies + JSON.stringify of the answers ${ms(json)} ms (${share(json)}), zod validation ${ms(zod)} ms (${share(zod)}), `
      + `${mode === 'no-cache' ? `re-discovering every node's accelerators (NodeOverlay) ${ms(overlay)} ms (${share(overlay)}), ` : ''}`
      + `the placement decision (Placer.filter + prioritize) ${ms(placer)} ms (${share(placer)}), building the answer (a reason string and a FailedNodes entry per rejected node, metrics) ~${ms(shaping)} ms (${share(shaping)}); `
      + `together ${ms(inProcess)} ms. The remaining ~${ms(Math.max(0, server - inProcess))} ms server-side is the residual: the socket (reading the body, writing the answer), `
      + `GC — ${kb(h.gc.allocatedBytes / Math.max(1, h.pair.n))} of V8 heap allocated per pair, ${ms(h.gc.pauseMs / Math.max(1, h.pair.n))} ms of GC pause per pair on average (${gcShare(h)} of the server-side time) — and, on a busy machine, waiting for a CPU.`);
  }
  return parts.join('\n\n');
}

function toJson(results: readonly SizeResult[], wallMs: number): unknown {
  const s = (x: Summary) => ({ n: x.n, p50: round3(x.p50), p99: round3(x.p99), max: round3(x.max), mean: round3(x.mean) });
  return {
    benchmark: 'extender',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model.trim(), node: process.version, platform: `${os.platform()} ${os.release()}` },
    podsPerNode: PODS_PER_NODE,
    wallSeconds: round1(wallMs / 1000),
    loadAverage: { start: LOAD_AT_START, end: loadAverage() },
    targets: { p99PairMsAt5000Cache: 5, rssMB: 400 },
    sizes: results.map((r) => ({
      nodes: r.size, podsFed: r.podsFed, slimPods: r.slimPods, fillMs: r.fillMs, memoryFilled: r.memoryFilled,
      http: r.http.map((h) => ({
        build: h.build, mode: h.mode, gc: h.gc, pairMs: s(h.pair), serverPairMs: s(h.serverPair), servicePairMs: s(h.servicePair), filterMs: s(h.filter), prioritizeMs: s(h.prioritize), memoryAfter: h.memoryAfter,
        kinds: h.kinds.map((k) => ({ ...k, pair: s(k.pair) })),
      })),
      inProcess: r.core.map((c) => ({ mode: c.mode, coreMs: s(c.core), coreReusedNamesMs: s(c.coreReusedNames), serviceMs: s(c.service) })),
      breakdowns: r.breakdowns,
    })),
    dominance: dominance(results),
  };
}

async function main(): Promise<void> {
  const only = process.env.BENCH_SIZES?.split(',').map(Number);
  const plan = only ? PLAN.filter((p) => only.includes(p.size)) : PLAN;
  const t0 = performance.now();
  const results: SizeResult[] = [];
  for (const p of plan) {
    process.stderr.write(`extender bench: ${p.size} nodes × ${PODS_PER_NODE} pods …\n`);
    results.push(await runSize(p));
  }
  const wallMs = performance.now() - t0;
  const text = report(results, wallMs);
  console.log(text);
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}extender.json`, `${JSON.stringify(toJson(results, wallMs), null, 2)}\n`);
  process.stderr.write(`wrote ${dir}extender.json\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

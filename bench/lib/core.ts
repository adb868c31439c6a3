// In-process timings of the extender's work without HTTP: the placement core alone (Placer.filter +
// Placer.prioritize on the informer-fed state) and a step-by-step breakdown of one request as express would
// handle it (JSON.parse of the body, zod validation, ExtenderService, JSON.stringify of the answer).
import { performance } from 'node:perf_hooks';
import type { ExtenderService } from '../../extender/service.js';
import { extenderArgsSchema, type ExtenderArgs } from '../../extender/wire.js';
import type { ModelRegistry } from '../../src/models/user.js';
import { NodeOverlay } from '../../src/placement/overlay.js';
import { parsePlacementRequest } from '../../src/placement/request.js';
import type { Placer } from '../../src/placement/scheduler.js';
import type { ClusterState } from '../../src/placement/state.js';
import { round3, summarize, type Summary } from './stats.js';
import type { Churn } from './churn.js';
import type { Json } from './cluster.js';

export type Mode = 'cache' | 'no-cache';

export interface CoreDeps {
  readonly state: ClusterState;
  /** Binds each prioritized pod to its best node, as the scheduler would (see churn.ts). */
  readonly churn: Churn;
  readonly placer: Placer;
  readonly service: ExtenderService;
  readonly models: ModelRegistry;
}

/** The extender's request bodies, as kube-scheduler would send them; `itemsJson` is the JSON of every Node. */
export function filterBody(pod: Json, mode: Mode, names: readonly string[], itemsJson?: string): string {
  const podJson = JSON.stringify(pod);
  return mode === 'cache'
    ? `{"Pod":${podJson},"Nodes":null,"NodeNames":${JSON.stringify(names)}}`
    : `{"Pod":${podJson},"Nodes":{"items":${itemsJson ?? '[]'}},"NodeNames":null}`;
}

/** The prioritize body kube-scheduler sends after filtering: the same pod and the nodes that passed. */
export function prioritizeBody(pod: Json, filterResponse: { Nodes: { items: unknown[] } | null; NodeNames: string[] | null }): string {
  const podJson = JSON.stringify(pod);
  return filterResponse.NodeNames != null
    ? `{"Pod":${podJson},"Nodes":null,"NodeNames":${JSON.stringify(filterResponse.NodeNames)}}`
    : `{"Pod":${podJson},"Nodes":{"items":${JSON.stringify(filterResponse.Nodes?.items ?? [])}},"NodeNames":null}`;
}

function parseArgs(body: string): ExtenderArgs {
  const parsed = extenderArgsSchema.safeParse(JSON.parse(body));
  if (!parsed.success) throw new Error(`benchmark body does not validate: ${parsed.error.message}`);
  return parsed.data;
}

export interface CoreTiming {
  readonly mode: Mode;
  /** Placer.filter + Placer.prioritize (with the NodeOverlay of each request in no-cache mode), per pair. */
  readonly core: Summary;
  /** ExtenderService.filter + prioritize on already-validated args: adds annotation parsing and answer shaping. */
  readonly service: Summary;
  /** The core again on name strings it has already looked up (hashes cached): what a non-wire caller sees. */
  readonly coreReusedNames: Summary;
}

/**
 * Times `pairs` decisions round-robin over the pods, after a warmup, bounded by `maxMs` of wall time.
 * `items` are the full Node objects for no-cache mode.
 */
export function timeCore(deps: CoreDeps, pods: readonly Json[], mode: Mode, names: readonly string[], items: readonly Json[] | undefined, pairs: number, maxMs: number): CoreTiming {
  // Validated once and shared: in no-cache mode every pod's args point at the same 5,000 node objects, as
  // they would if each had come off the wire, without holding one copy per pod.
  const sharedItems = items ? parseArgs(filterBody(pods[0] ?? {}, 'no-cache', names, JSON.stringify(items))).Nodes?.items ?? [] : undefined;
  const prepared = pods.map((pod) => {
    const podArgs = parseArgs(filterBody(pod, 'cache', []));
    const filterArgs: ExtenderArgs = sharedItems ? { Pod: podArgs.Pod, Nodes: { items: sharedItems }, NodeNames: null } : { Pod: podArgs.Pod, Nodes: null, NodeNames: [...names] };
    const filtered = deps.service.filter(filterArgs).toWire();
    const prioArgs: ExtenderArgs = filtered.Nodes ? { Pod: podArgs.Pod, Nodes: { items: filtered.Nodes.items }, NodeNames: null } : { Pod: podArgs.Pod, Nodes: null, NodeNames: filtered.NodeNames ?? [] };
    const request = parsePlacementRequest(podArgs.Pod, deps.models);
    return { filterArgs, prioArgs, request: request.ok ? request.value : undefined, filterNames: names, prioNames: filtered.NodeNames ?? filtered.Nodes?.items.map((n) => n.metadata.name) ?? [] };
  });
  // Names as they come off the wire: fresh strings every request (JSON.parse), whose hashes V8 has not
  // computed yet. Reusing one array would flatter every Map lookup keyed by node name.
  const wire = prepared.map((p) => ({ filter: JSON.stringify(p.filterNames), prioritize: JSON.stringify(p.prioNames) }));
  const fresh = (i: number): { filter: string[]; prioritize: string[] } => {
    const w = wire[i % wire.length]!;
    return { filter: JSON.parse(w.filter) as string[], prioritize: JSON.parse(w.prioritize) as string[] };
  };
  const runCore = (i: number, names: { filter: readonly string[]; prioritize: readonly string[] }): void => {
    const p = prepared[i % prepared.length]!;
    if (p.request === undefined) return; // a pod kinfer does not constrain: no placement work
    const filterView = mode === 'cache' ? deps.state : new NodeOverlay(deps.state, p.filterArgs.Nodes?.items ?? []);
    deps.placer.filter(p.request, filterView, names.filter);
    const prioView = mode === 'cache' ? deps.state : new NodeOverlay(deps.state, p.prioArgs.Nodes?.items ?? []);
    deps.churn.bind(p.prioArgs.Pod, deps.placer.prioritize(p.request, prioView, names.prioritize));
  };
  const runService = (i: number, names: { filter: string[]; prioritize: string[] }): void => {
    const p = prepared[i % prepared.length]!;
    deps.service.filter(mode === 'cache' ? { ...p.filterArgs, NodeNames: names.filter } : p.filterArgs);
    const scores = deps.service.prioritize(mode === 'cache' ? { ...p.prioArgs, NodeNames: names.prioritize } : p.prioArgs);
    if (!('notReady' in scores)) deps.churn.bind(p.prioArgs.Pod, scores.scores);
  };
  // Interleaved, so all three see the same JIT and GC conditions.
  for (let i = 0; i < Math.min(pairs, 3 * prepared.length); i += 1) {
    runCore(i, fresh(i));
    runService(i, fresh(i));
  }
  const core: number[] = [];
  const service: number[] = [];
  const reused: number[] = [];
  const deadline = performance.now() + maxMs;
  for (let i = 0; i < pairs && performance.now() < deadline; i += 1) {
    const a = fresh(i);
    const b = fresh(i);
    const t0 = performance.now();
    runCore(i, a);
    const t1 = performance.now();
    runService(i, b);
    const t2 = performance.now();
    runCore(i, a); // the same strings again: their hashes are cached now
    const t3 = performance.now();
    core.push(t1 - t0);
    service.push(t2 - t1);
    reused.push(t3 - t2);
  }
  return { mode, core: summarize(core), service: summarize(service), coreReusedNames: summarize(reused) };
}

/** Milliseconds of each step of one filter and one prioritize request, medians over `runs`. */
export interface Breakdown {
  readonly mode: Mode;
  readonly pod: string;
  readonly filterBodyBytes: number;
  readonly filterAnswerBytes: number;
  readonly prioritizeBodyBytes: number;
  readonly prioritizeAnswerBytes: number;
  readonly passed: number;
  readonly steps: Record<string, number>;
}

export function breakdown(deps: CoreDeps, kind: string, pod: Json, mode: Mode, names: readonly string[], items: readonly Json[] | undefined, runs: number): Breakdown {
  const itemsJson = items ? JSON.stringify(items) : undefined;
  const fBody = filterBody(pod, mode, names, itemsJson);
  const samples = new Map<string, number[]>();
  const time = <T>(step: string, fn: () => T): T => {
    const t0 = performance.now();
    const out = fn();
    const list = samples.get(step) ?? [];
    list.push(performance.now() - t0);
    samples.set(step, list);
    return out;
  };
  let sizes = { fAnswer: 0, pBody: 0, pAnswer: 0, passed: 0 };
  for (let run = 0; run < runs; run += 1) {
    // filter: ExtenderService on one fresh parse, the isolated steps on another (so neither meets
    // name strings whose hashes the other has already computed)
    const fRaw = time('filter: JSON.parse body', () => JSON.parse(fBody) as unknown);
    const fArgs = time('filter: zod validate', () => extenderArgsSchema.safeParse(fRaw));
    if (!fArgs.success) throw new Error('filter body does not validate');
    const fResult = time('filter: ExtenderService.filter (all of it)', () => deps.service.filter(fArgs.data));
    const fAnswer = time('filter: encode answer', () => fResult.encode());
    const fSteps = extenderArgsSchema.parse(JSON.parse(fBody));
    const fNames = fSteps.NodeNames ?? names;
    const request = time('filter: annotations → request', () => parsePlacementRequest(fSteps.Pod, deps.models));
    if (request.ok && request.value !== undefined) {
      const view = mode === 'cache' ? deps.state : time('filter: NodeOverlay (discover every node)', () => new NodeOverlay(deps.state, fSteps.Nodes?.items ?? []));
      time('filter: Placer.filter', () => deps.placer.filter(request.value!, view, fNames));
    }
    // prioritize, with the nodes that passed
    const pBody = prioritizeBody(pod, fResult.toWire());
    const pRaw = time('prioritize: JSON.parse body', () => JSON.parse(pBody) as unknown);
    const pArgs = time('prioritize: zod validate', () => extenderArgsSchema.safeParse(pRaw));
    if (!pArgs.success) throw new Error('prioritize body does not validate');
    const pResult = time('prioritize: ExtenderService.prioritize (all of it)', () => deps.service.prioritize(pArgs.data));
    if ('notReady' in pResult) throw new Error(`prioritize: ${pResult.notReady}`);
    deps.churn.bind(pArgs.data.Pod, pResult.scores);
    const pAnswer = time('prioritize: encode answer', () => pResult.encode());
    const pSteps = extenderArgsSchema.parse(JSON.parse(pBody));
    const pNames = pSteps.NodeNames ?? pSteps.Nodes?.items?.map((n) => n.metadata.name) ?? [];
    if (request.ok && request.value !== undefined) {
      const view = mode === 'cache' ? deps.state : time('prioritize: NodeOverlay (discover every node)', () => new NodeOverlay(deps.state, pSteps.Nodes?.items ?? []));
      time('prioritize: Placer.prioritize', () => deps.placer.prioritize(request.value!, view, pNames));
    }
    sizes = { fAnswer: Buffer.byteLength(fAnswer), pBody: Buffer.byteLength(pBody), pAnswer: Buffer.byteLength(pAnswer), passed: pNames.length };
  }
  const steps: Record<string, number> = {};
  for (const [step, list] of samples) {
    const sorted = [...list].sort((a, b) => a - b);
    steps[step] = round3(sorted[Math.floor(sorted.length / 2)]!);
  }
  return {
    mode, pod: kind, filterBodyBytes: Buffer.byteLength(fBody), filterAnswerBytes: sizes.fAnswer,
    prioritizeBodyBytes: sizes.pBody, prioritizeAnswerBytes: sizes.pAnswer, passed: sizes.passed, steps,
  };
}

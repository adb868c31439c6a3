import { Cycle, clamp01, type FilterPlugin, type ScorePlugin, type Verdict } from './framework.js';
import { newFilters, newScorer, DEFAULT_WEIGHTS, SCORER_NAMES, type ScorerName } from './registry.js';
import type { PlacementRequest } from './request.js';
import type { ClusterView, NodeEntry } from './state.js';

/** kube-scheduler's extender API scores nodes 0..10 (k8s.io/kube-scheduler/extender/v1 MaxExtenderPriority). */
export const MAX_EXTENDER_SCORE = 10;

/** Why one node was rejected, and by which filter (the filter name labels the extender's metrics). */
export interface Rejection {
  readonly filter: string;
  readonly kind: 'unschedulable' | 'unresolvable';
  readonly reason: string;
}

export interface FilterOutcome {
  readonly passed: string[];
  /** Retryable rejections: the node fits when empty but lacks free devices now. */
  readonly failed: Map<string, Rejection>;
  /** The node can never host this pod. */
  readonly unresolvable: Map<string, Rejection>;
}

export interface FilterSink {
  pass(node: string): void;
  reject(node: string, rejection: Rejection): void;
}

/** Rejection of a node the cluster view does not know: retryable, the cache may not have seen it yet. */
export const UNKNOWN_NODE = 'unknown-node';

export interface NodeScore {
  readonly host: string;
  /** 0..MAX_EXTENDER_SCORE. */
  readonly score: number;
}

interface WeightedScorer {
  readonly plugin: ScorePlugin;
  readonly weight: number;
}

/**
 * The placement core: filter and score nodes for one request. Pure over (request, cluster view): the
 * extender service and the placement benchmark call the same functions. Shape-scoped plugins run once per
 * node shape per request (see NodeEntry.shapeKey); node-scoped ones once per node, and when the view keeps a
 * DecisionMemo (ClusterState does) their outcome is kept per request shape until that node changes, so a
 * stream of identical replicas costs one lookup per unchanged node; cluster-scoped ones run on every call.
 */
export class Placer {
  private readonly shapeFilters: readonly FilterPlugin[];
  private readonly nodeFilters: readonly FilterPlugin[];
  private readonly clusterFilters: readonly FilterPlugin[];
  private readonly scorers: readonly WeightedScorer[];
  /** This placer's configuration, as the memo's key: placers with other weights keep other scores. */
  readonly memoKey: string;

  constructor(weights: Partial<Record<ScorerName, number>> = {}) {
    const filters = newFilters();
    this.shapeFilters = filters.filter((f) => f.scope === 'shape');
    this.nodeFilters = filters.filter((f) => f.scope === 'node');
    this.clusterFilters = filters.filter((f) => f.scope === 'cluster');
    this.scorers = SCORER_NAMES
      .map((name) => ({ plugin: newScorer(name), weight: weights[name] ?? DEFAULT_WEIGHTS[name] }))
      .filter((s) => s.weight > 0);
    this.memoKey = this.scorers.map((s) => `${s.plugin.name}=${s.weight}`).join(',');
  }

  filter(request: PlacementRequest, cluster: ClusterView, nodeNames: Iterable<string>): FilterOutcome {
    const outcome: FilterOutcome = { passed: [], failed: new Map(), unresolvable: new Map() };
    this.filterInto(request, cluster, nodeNames, {
      pass: (name) => outcome.passed.push(name),
      reject: (name, rejection) => (rejection.kind === 'unschedulable' ? outcome.failed : outcome.unresolvable).set(name, rejection),
    });
    return outcome;
  }

  /**
   * The filter loop, feeding a sink: the extender writes its wire answer straight from here. Every node of
   * one shape rejected by a shape filter gets the same Rejection object, and so does a node whose decision
   * comes from the memo.
   */
  filterInto(request: PlacementRequest, cluster: ClusterView, nodeNames: Iterable<string>, sink: FilterSink): void {
    const cycle = new Cycle(request, cluster);
    const clusterFilters = this.clusterFilters.filter((f) => f.appliesTo?.(cycle) ?? true);
    const byShape = new Map<string, Rejection | null>();
    const memo = cluster.memo;
    const slot = memo?.shape(request, this.memoKey) ?? 0;
    for (const name of nodeNames) {
      const kept = memo?.kept(name, slot);
      let rejection = kept?.rejection;
      let node = kept?.node;
      if (rejection === undefined) {
        node = cluster.node(name);
        if (!node) {
          sink.reject(name, { filter: UNKNOWN_NODE, kind: 'unschedulable', reason: `node ${name} is not in kinfer-extender's cache (yet)` });
          continue;
        }
        let shaped = byShape.get(node.shapeKey);
        if (shaped === undefined) {
          shaped = firstRejection(this.shapeFilters, cycle, node) ?? null;
          byShape.set(node.shapeKey, shaped);
        }
        rejection = shaped ?? firstRejection(this.nodeFilters, cycle, node) ?? null;
        if (memo) memo.decision(node, slot).rejection = rejection;
      }
      if (rejection === null && clusterFilters.length > 0) rejection = firstRejection(clusterFilters, cycle, node!) ?? null;
      if (rejection === null) sink.pass(name);
      else sink.reject(name, rejection);
    }
  }

  /** The scorers with something to say about this request, with their weights. */
  activeScorers(cycle: Cycle): WeightedScorer[] {
    return this.scorers.filter((s) => s.plugin.appliesTo?.(cycle) ?? true);
  }

  /** Weighted mean of the active scorers, in [0,1] (the same `weightedSum` as `prioritize`). */
  score01(cycle: Cycle, node: NodeEntry, active = this.activeScorers(cycle)): number {
    const totalWeight = weightOf(active);
    return totalWeight === 0 ? 0 : weightedSum(active, cycle, node) / totalWeight;
  }

  /**
   * Scores on the extender wire range 0..10, normalized over the candidates (min–max, as kube-scheduler's
   * NormalizeScore does) before rounding: the best node gets 10 and the worst 0, so rounding to eleven
   * levels never merges nodes the weighted score tells apart by more than a tenth of the spread. Equal
   * scores everywhere give every node 10. Unknown nodes score 0.
   */
  prioritize(request: PlacementRequest, cluster: ClusterView, nodeNames: Iterable<string>): NodeScore[] {
    const cycle = new Cycle(request, cluster);
    const active = this.activeScorers(cycle);
    const shapeScorers = active.filter((s) => s.plugin.scope === 'shape');
    const nodeScorers = active.filter((s) => s.plugin.scope === 'node');
    const clusterScorers = active.filter((s) => s.plugin.scope === 'cluster');
    const totalWeight = weightOf(active);
    const memo = cluster.memo;
    const slot = memo?.shape(request, this.memoKey) ?? 0;
    const byShape = new Map<string, number>();
    const hosts: string[] = [];
    const raw: (number | undefined)[] = [];
    let min = Infinity;
    let max = -Infinity;
    for (const host of nodeNames) {
      hosts.push(host);
      const kept = memo?.kept(host, slot);
      let node = kept?.node;
      let shapeSum = kept?.shapeScore;
      let nodeSum = kept?.nodeScore;
      if (shapeSum === undefined || nodeSum === undefined) {
        node = cluster.node(host);
        if (!node) {
          raw.push(undefined);
          continue;
        }
        shapeSum = byShape.get(node.shapeKey);
        if (shapeSum === undefined) {
          shapeSum = weightedSum(shapeScorers, cycle, node);
          byShape.set(node.shapeKey, shapeSum);
        }
        nodeSum = weightedSum(nodeScorers, cycle, node);
        if (memo) {
          const decision = memo.decision(node, slot);
          decision.shapeScore = shapeSum;
          decision.nodeScore = nodeSum;
        }
      }
      // Node-scoped scorers come before cluster-scoped ones in SCORER_NAMES: the sum adds up as one list would.
      const sum = clusterScorers.length > 0 ? weightedSum(clusterScorers, cycle, node!, nodeSum) : nodeSum;
      const score = totalWeight === 0 ? 0 : (shapeSum + sum) / totalWeight;
      if (score < min) min = score;
      if (score > max) max = score;
      raw.push(score);
    }
    const spread = max - min;
    const scores: NodeScore[] = new Array<NodeScore>(hosts.length);
    for (let i = 0; i < hosts.length; i++) {
      const score = raw[i];
      scores[i] = { host: hosts[i]!, score: score === undefined ? 0 : toExtenderScore(spread > 1e-9 ? (score - min) / spread : 1) };
    }
    return scores;
  }

  newCycle(request: PlacementRequest, cluster: ClusterView): Cycle {
    return new Cycle(request, cluster);
  }
}

function firstRejection(filters: readonly FilterPlugin[], cycle: Cycle, node: NodeEntry): Rejection | undefined {
  for (const filter of filters) {
    const verdict: Verdict = filter.filter(cycle, node);
    if (verdict.code !== 'fit') return { filter: filter.name, kind: verdict.code, reason: verdict.reason };
  }
  return undefined;
}

function weightOf(scorers: readonly WeightedScorer[]): number {
  return scorers.reduce((sum, s) => sum + s.weight, 0);
}

/**
 * The one place placement clamps and weights scores: `from` + Σ weight × clamp01(score); callers divide by
 * `weightOf`. `from` lets prioritize add the cluster-scoped scorers to a kept node-scoped sum in list order.
 */
function weightedSum(scorers: readonly WeightedScorer[], cycle: Cycle, node: NodeEntry, from = 0): number {
  let sum = from;
  for (const { plugin, weight } of scorers) sum += weight * clamp01(plugin.score(cycle, node));
  return sum;
}

export function toExtenderScore(score01: number): number {
  return Math.round(clamp01(score01) * MAX_EXTENDER_SCORE);
}

/** Score for pods kinfer does not constrain: the same on every node, so it never changes the ranking. */
export const NEUTRAL_EXTENDER_SCORE = MAX_EXTENDER_SCORE / 2;

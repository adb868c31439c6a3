import { Cycle, clamp01, type FilterPlugin, type ScorePlugin, type Verdict } from './framework.js';
import { newFilters, newScorer, DEFAULT_WEIGHTS, SCORER_NAMES, type ScorerName } from './registry.js';
import type { PlacementRequest } from './request.js';
import type { ClusterView, NodeEntry } from './state.js';

/** kube-scheduler's extender API scores nodes 0..10 (k8s.io/kube-scheduler/extender/v1 MaxExtenderPriority). */
export const MAX_EXTENDER_SCORE = 10;

/** Why one node was rejected, and by which filter (the filter name labels the extender's metrics). */
export interface Rejection {
  readonly filter: string;
  readonly reason: string;
}

export interface FilterOutcome {
  readonly passed: string[];
  /** Retryable rejections: the node fits when empty but lacks free devices now. */
  readonly failed: Map<string, Rejection>;
  /** The node can never host this pod. */
  readonly unresolvable: Map<string, Rejection>;
}

/** Rejection of a node the cluster view does not know: retryable, the cache may not have seen it yet. */
export const UNKNOWN_NODE = 'unknown-node';

export interface NodeScore {
  readonly host: string;
  /** 0..MAX_EXTENDER_SCORE. */
  readonly score: number;
}

/**
 * The placement core: filter and score nodes for one request. Pure over (request, cluster view): the
 * extender service and the placement benchmark call the same functions.
 */
export class Placer {
  private readonly filters: readonly FilterPlugin[];
  private readonly scorers: readonly { plugin: ScorePlugin; weight: number }[];

  constructor(weights: Partial<Record<ScorerName, number>> = {}) {
    this.filters = newFilters();
    this.scorers = SCORER_NAMES
      .map((name) => ({ plugin: newScorer(name), weight: weights[name] ?? DEFAULT_WEIGHTS[name] }))
      .filter((s) => s.weight > 0);
  }

  /** Nodes named but unknown to the cluster view are retryable failures: the cache may not have seen them yet. */
  filter(request: PlacementRequest, cluster: ClusterView, nodeNames: Iterable<string>): FilterOutcome {
    const cycle = new Cycle(request, cluster);
    const outcome: FilterOutcome = { passed: [], failed: new Map(), unresolvable: new Map() };
    for (const name of nodeNames) {
      const node = cluster.node(name);
      if (!node) {
        outcome.failed.set(name, { filter: UNKNOWN_NODE, reason: `node ${name} is not in kinfer-extender's cache (yet)` });
        continue;
      }
      const rejection = this.firstRejection(cycle, node);
      if (rejection === undefined) outcome.passed.push(name);
      else if (rejection.verdict.code === 'unschedulable') outcome.failed.set(name, { filter: rejection.filter, reason: rejection.verdict.reason });
      else if (rejection.verdict.code === 'unresolvable') outcome.unresolvable.set(name, { filter: rejection.filter, reason: rejection.verdict.reason });
    }
    return outcome;
  }

  /** The scorers with something to say about this request, with their weights. */
  activeScorers(cycle: Cycle): { plugin: ScorePlugin; weight: number }[] {
    return this.scorers.filter((s) => s.plugin.appliesTo?.(cycle) ?? true);
  }

  /** Weighted mean of the active scorers, in [0,1]; the one place that clamps and weights. */
  score01(cycle: Cycle, node: NodeEntry, active = this.activeScorers(cycle)): number {
    let sum = 0;
    let total = 0;
    for (const { plugin, weight } of active) {
      sum += weight * clamp01(plugin.score(cycle, node));
      total += weight;
    }
    return total === 0 ? 0 : sum / total;
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
    const raw: { host: string; score: number | undefined }[] = [];
    let min = Infinity;
    let max = -Infinity;
    for (const host of nodeNames) {
      const node = cluster.node(host);
      const score = node ? this.score01(cycle, node, active) : undefined;
      if (score !== undefined) {
        min = Math.min(min, score);
        max = Math.max(max, score);
      }
      raw.push({ host, score });
    }
    const spread = max - min;
    return raw.map(({ host, score }) => ({
      host,
      score: score === undefined ? 0 : toExtenderScore(spread > 1e-9 ? (score - min) / spread : 1),
    }));
  }

  /** For one node: the first failing filter and its verdict, or undefined when every filter passes. */
  firstRejection(cycle: Cycle, node: NodeEntry): { filter: string; verdict: Verdict } | undefined {
    for (const filter of this.filters) {
      const verdict = filter.filter(cycle, node);
      if (verdict.code !== 'fit') return { filter: filter.name, verdict };
    }
    return undefined;
  }

  newCycle(request: PlacementRequest, cluster: ClusterView): Cycle {
    return new Cycle(request, cluster);
  }
}

export function toExtenderScore(score01: number): number {
  return Math.round(clamp01(score01) * MAX_EXTENDER_SCORE);
}

/** Score for pods kinfer does not constrain: the same on every node, so it never changes the ranking. */
export const NEUTRAL_EXTENDER_SCORE = MAX_EXTENDER_SCORE / 2;

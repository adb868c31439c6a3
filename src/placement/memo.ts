import type { PlacementRequest } from './request.js';
import type { Rejection } from './scheduler.js';
import type { NodeEntry } from './state.js';

/**
 * What the placer decided about one node for one request shape, from the plugins that read only the request,
 * the node's accelerators and the node's own device use (`shape` and `node` scope): the first rejection among
 * them (null: they all pass) and the weighted sum of their scores. `cluster`-scoped plugins (groups, zone
 * spread) read other nodes and run on every call.
 */
export interface NodeDecision {
  /** The node as it was when decided (the memo forgets the node when its entry changes). */
  readonly node: NodeEntry;
  rejection?: Rejection | null;
  /** Weighted sums of the shape- and the node-scoped scorers, kept apart so the total adds up in the same order as uncached. */
  shapeScore?: number;
  nodeScore?: number;
}

/** Distinct request shapes remembered at once; past it the memo starts over (a shape costs one slot per node). */
const MAX_SHAPES = 64;

/**
 * Per-node decisions by request shape, kept across scheduling cycles: replicas of one model are identical pods,
 * so a stream of them costs one lookup per node instead of a decision per node. Owned by ClusterState, which
 * forgets a node's decisions whenever anything the `shape`/`node` plugins read of it changes (the Node itself,
 * or a pod bound to it or leaving it) and everything on a relist. A bind changes one node: the next pod of the
 * same shape recomputes that node only.
 */
export class DecisionMemo {
  private readonly shapes = new Map<string, number>();
  private readonly byNode = new Map<string, (NodeDecision | undefined)[]>();
  private shapeOfRequest = new WeakMap<PlacementRequest, Map<string, number>>();

  /**
   * The slot of a request's shape for one placer configuration (`placerKey`: placers with other weights
   * score differently): equal for requests that differ only in their pod's name and uid.
   */
  shape(request: PlacementRequest, placerKey: string): number {
    const known = this.shapeOfRequest.get(request)?.get(placerKey);
    if (known !== undefined) return known;
    const key = `${placerKey}\n${shapeKey(request)}`;
    let slot = this.shapes.get(key);
    if (slot === undefined) {
      if (this.shapes.size >= MAX_SHAPES) this.clear();
      slot = this.shapes.size;
      this.shapes.set(key, slot);
    }
    let byPlacer = this.shapeOfRequest.get(request);
    if (byPlacer === undefined) {
      byPlacer = new Map();
      this.shapeOfRequest.set(request, byPlacer);
    }
    byPlacer.set(placerKey, slot);
    return slot;
  }

  /** What is kept for the node and shape slot, if anything. */
  kept(node: string, slot: number): NodeDecision | undefined {
    return this.byNode.get(node)?.[slot];
  }

  /** The node's decision record for a shape slot, created empty when absent. Only for nodes the cluster knows. */
  decision(node: NodeEntry, slot: number): NodeDecision {
    let slots = this.byNode.get(node.name);
    if (slots === undefined) {
      slots = [];
      this.byNode.set(node.name, slots);
    }
    let decision = slots[slot];
    if (decision === undefined) {
      decision = { node };
      slots[slot] = decision;
    }
    return decision;
  }

  /** The node changed: its decisions for every shape are gone. */
  forget(node: string): void {
    this.byNode.delete(node);
  }

  clear(): void {
    this.shapes.clear();
    this.byNode.clear();
    // Slots are renumbered: requests seen before must look their shape up again.
    this.shapeOfRequest = new WeakMap();
  }

  /** Nodes with remembered decisions (for tests and metrics). */
  get nodeCount(): number {
    return this.byNode.size;
  }
}

/**
 * Every field of the request except the pod's identity (name, uid) and its deprecation notes: two pods with
 * equal keys get equal verdicts and scores from every `shape` and `node` plugin. `model` is represented by
 * `modelId` and the `hbm` figure derived from it. parsePlacementRequest builds every request along the same
 * path, so equal requests give equal strings; a key that differed in field order only would cost a second
 * slot, never a wrong answer.
 */
export function shapeKey(request: PlacementRequest): string {
  const { name: _name, uid: _uid, deprecations: _deprecations, model: _model, ...shape } = request;
  return JSON.stringify(shape);
}

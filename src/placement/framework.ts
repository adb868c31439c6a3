import type { DevicePool } from '../accelerators/discovery.js';
import type { PlacementRequest } from './request.js';
import type { ClusterView, NodeEntry } from './state.js';

/**
 * The outcome of one filter on one node, as kube-scheduler's framework has it: an expected rejection is a
 * status with a reason, never an exception. `unresolvable`: the node can never host this pod (wrong type,
 * too little HBM even when empty); `unschedulable`: it could once something else leaves.
 */
export type Verdict =
  | { readonly code: 'fit' }
  | { readonly code: 'unschedulable'; readonly reason: string }
  | { readonly code: 'unresolvable'; readonly reason: string };

export const FIT: Verdict = { code: 'fit' };
export const unschedulable = (reason: string): Verdict => ({ code: 'unschedulable', reason });
export const unresolvable = (reason: string): Verdict => ({ code: 'unresolvable', reason });

/**
 * One scheduling decision's state: the request, the cluster, and a memo for work a plugin does once per
 * request rather than once per node (a group's domain capacity, a model's replicas per zone).
 */
export class Cycle {
  private readonly memos = new Map<string, unknown>();

  constructor(
    readonly request: PlacementRequest,
    readonly cluster: ClusterView,
  ) {}

  memo<T>(key: string, compute: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = compute();
    this.memos.set(key, value);
    return value;
  }

  /** The node's pool of the resource this pod requests, if it has one. */
  pool(node: NodeEntry): DevicePool | undefined {
    return node.accelerators?.pools.find((p) => p.resourceName === this.request.devices.resourceName);
  }

  freeDevices(node: NodeEntry, pool: DevicePool): number {
    return Math.max(0, pool.devices - this.cluster.usedDevices(node.name, pool.resourceName));
  }
}

/**
 * `shape`: the verdict depends only on the request and the node's accelerators (NodeEntry.shapeKey), so the
 * placer computes it once per shape; `node`: it also reads this node's own state (its devices in use) and
 * nothing of other nodes, so the placer may keep it across calls until this node changes (DecisionMemo);
 * `cluster`: it reads other nodes or pods anywhere (group members, a model's replicas), so it runs every call.
 */
export type PluginScope = 'shape' | 'node' | 'cluster';

export interface FilterPlugin {
  readonly name: string;
  readonly scope: PluginScope;
  /** False when the filter passes every node for this request (e.g. a group filter and a pod of no group). */
  appliesTo?(cycle: Cycle): boolean;
  filter(cycle: Cycle, node: NodeEntry): Verdict;
}

/** A scorer returns a value in [0,1], higher is better; the run loop clamps and weights (STYLE.md). */
export interface ScorePlugin {
  readonly name: string;
  readonly scope: PluginScope;
  /**
   * False when the scorer has nothing to say about this request (no preference list, no group, no memory
   * need): its weight then leaves the total instead of adding the same constant to every node.
   */
  appliesTo?(cycle: Cycle): boolean;
  score(cycle: Cycle, node: NodeEntry): number;
}

export { clamp01 } from '../score.js';

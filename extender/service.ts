import type { ModelRegistry } from '../src/models/user.js';
import { NodeEntryCache, NodeOverlay } from '../src/placement/overlay.js';
import { describeAnnotationErrors, parsePlacementRequest, type PlacementRequest } from '../src/placement/request.js';
import { NEUTRAL_EXTENDER_SCORE, type Placer, type Rejection } from '../src/placement/scheduler.js';
import type { ClusterView } from '../src/placement/state.js';
import type { ExtenderMetrics } from './metrics.js';
import type { ExtenderArgs, ExtenderFilterResult, FailedNodesMap, HostPriorityList, WireNode } from './wire.js';

export interface Readiness {
  /** Undefined when ready; otherwise why not, for `Error` and `/readyz`. */
  notReadyReason(): string | undefined;
}

/** The extender's decisions over the wire types: parse the pod, run the placement core, shape the answer. */
export class ExtenderService {
  private readonly nodeCache = new NodeEntryCache();

  constructor(
    private readonly cluster: ClusterView,
    private readonly placer: Placer,
    private readonly models: ModelRegistry,
    private readonly readiness: Readiness,
    private readonly metrics: ExtenderMetrics,
  ) {}

  filter(args: ExtenderArgs): ExtenderFilterResult {
    const cacheMode = args.NodeNames != null;
    const wireNodes = args.Nodes?.items ?? [];
    const names = cacheMode ? args.NodeNames! : wireNodes.map((n) => n.metadata.name);
    const result = (passed: readonly string[], failed: FailedNodesMap = {}, unresolvable: FailedNodesMap = {}, error = ''): ExtenderFilterResult => ({
      Nodes: cacheMode ? null : { items: selectNodes(wireNodes, passed) },
      NodeNames: cacheMode ? [...passed] : null,
      FailedNodes: failed,
      FailedAndUnresolvableNodes: unresolvable,
      Error: error,
    });

    const parsed = parsePlacementRequest(args.Pod, this.models);
    if (!parsed.ok) {
      const reason = `invalid kinfer annotations: ${describeAnnotationErrors(parsed.error)}`;
      this.metrics.rejectedNodes.inc({ filter: 'annotations', kind: 'unresolvable' }, names.length);
      return result([], {}, Object.fromEntries(names.map((n) => [n, reason])));
    }
    const request = parsed.value;
    if (request === undefined) return result(names);
    const notReady = this.readiness.notReadyReason();
    if (notReady !== undefined) return result([], {}, {}, `kinfer-extender is not ready: ${notReady}; the scheduler will retry`);

    const view = cacheMode ? this.cluster : new NodeOverlay(this.cluster, wireNodes, this.nodeCache);
    const passed: string[] = [];
    const failed: FailedNodesMap = {};
    const unresolvable: FailedNodesMap = {};
    // Rejections are shared by every node of a shape: count per Rejection object, then per filter.
    const counts = new Map<Rejection, number>();
    this.placer.filterInto(request, view, names, {
      pass: (name) => passed.push(name),
      reject: (name, rejection) => {
        (rejection.kind === 'unschedulable' ? failed : unresolvable)[name] = rejection.reason;
        counts.set(rejection, (counts.get(rejection) ?? 0) + 1);
      },
    });
    for (const [{ filter, kind }, n] of counts) this.metrics.rejectedNodes.inc({ filter, kind }, n);
    return result(passed, failed, unresolvable);
  }

  /** Scores 0..10. A pod kinfer does not constrain, or an invalid one, gets the same score on every node. */
  prioritize(args: ExtenderArgs): HostPriorityList | { notReady: string } {
    const cacheMode = args.NodeNames != null;
    const wireNodes = args.Nodes?.items ?? [];
    const names = cacheMode ? args.NodeNames! : wireNodes.map((n) => n.metadata.name);
    const parsed = parsePlacementRequest(args.Pod, this.models);
    const request: PlacementRequest | undefined = parsed.ok ? parsed.value : undefined;
    if (request === undefined) return names.map((Host) => ({ Host, Score: NEUTRAL_EXTENDER_SCORE }));
    const notReady = this.readiness.notReadyReason();
    if (notReady !== undefined) return { notReady };
    const view = cacheMode ? this.cluster : new NodeOverlay(this.cluster, wireNodes, this.nodeCache);
    return this.placer.prioritize(request, view, names).map(({ host, score }) => ({ Host: host, Score: score }));
  }
}

function selectNodes(nodes: readonly WireNode[], passed: readonly string[]): WireNode[] {
  const keep = new Set(passed);
  return nodes.filter((n) => keep.has(n.metadata.name));
}

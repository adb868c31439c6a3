import type { ModelRegistry } from '../src/models/user.js';
import { NodeEntryCache, NodeOverlay } from '../src/placement/overlay.js';
import { describeAnnotationErrors, parsePlacementRequest, type PlacementRequest } from '../src/placement/request.js';
import { NEUTRAL_EXTENDER_SCORE, type Placer, type Rejection } from '../src/placement/scheduler.js';
import type { ClusterView } from '../src/placement/state.js';
import type { ExtenderMetrics } from './metrics.js';
import { FilterAnswer } from './answer.js';
import type { ExtenderArgs, HostPriorityList } from './wire.js';

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

  filter(args: ExtenderArgs): FilterAnswer {
    const cacheMode = args.NodeNames != null;
    const wireNodes = args.Nodes?.items ?? [];
    const names = cacheMode ? args.NodeNames! : wireNodes.map((n) => n.metadata.name);
    const answer = new FilterAnswer(cacheMode, wireNodes);

    const parsed = parsePlacementRequest(args.Pod, this.models);
    if (!parsed.ok) {
      const reason = `invalid kinfer annotations: ${describeAnnotationErrors(parsed.error)}`;
      this.metrics.rejectedNodes.inc({ filter: 'annotations', kind: 'unresolvable' }, names.length);
      for (const name of names) answer.unresolvable.push([name, reason]);
      return answer;
    }
    const request = parsed.value;
    if (request === undefined) {
      answer.passed.push(...names);
      return answer;
    }
    const notReady = this.readiness.notReadyReason();
    if (notReady !== undefined) {
      answer.error = `kinfer-extender is not ready: ${notReady}; the scheduler will retry`;
      return answer;
    }

    const view = cacheMode ? this.cluster : new NodeOverlay(this.cluster, wireNodes, this.nodeCache);
    // Rejections are shared by every node of a shape: count per Rejection object, then per filter.
    const counts = new Map<Rejection, number>();
    this.placer.filterInto(request, view, names, {
      pass: (name) => answer.passed.push(name),
      reject: (name, rejection) => {
        (rejection.kind === 'unschedulable' ? answer.failed : answer.unresolvable).push([name, rejection.reason]);
        counts.set(rejection, (counts.get(rejection) ?? 0) + 1);
      },
    });
    for (const [{ filter, kind }, n] of counts) this.metrics.rejectedNodes.inc({ filter, kind }, n);
    return answer;
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

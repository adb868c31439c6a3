import type { ModelRegistry } from '../src/models/user.js';
import { NodeEntryCache, NodeOverlay } from '../src/placement/overlay.js';
import { describeAnnotationErrors, parsePlacementRequest, type PlacementRequest } from '../src/placement/request.js';
import { NEUTRAL_EXTENDER_SCORE, type Placer, type Rejection } from '../src/placement/scheduler.js';
import type { ClusterView } from '../src/placement/state.js';
import type { ExtenderMetrics } from './metrics.js';
import { FilterAnswer, PrioritizeAnswer, QuotedNames } from './answer.js';
import type { ExtenderArgs, WirePod } from './wire.js';

export interface Readiness {
  /** Undefined when ready; otherwise why not, for `Error` and `/readyz`. */
  notReadyReason(): string | undefined;
}

/** The extender's decisions over the wire types: parse the pod, run the placement core, shape the answer. */
export class ExtenderService {
  private readonly nodeCache = new NodeEntryCache();
  private readonly quotedNames = new QuotedNames();
  /**
   * The last pod's parsed request, keyed by uid and resourceVersion: kube-scheduler sends prioritize right
   * after filter for the same pod, and a pod's annotations cannot change without a new resourceVersion.
   */
  private lastRequest: { key: string; parsed: ReturnType<typeof parsePlacementRequest> } | undefined;

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
    const answer = new FilterAnswer(cacheMode, wireNodes, this.quotedNames);

    const parsed = this.placementRequest(args.Pod);
    if (!parsed.ok) {
      const reason = `invalid kinfer annotations: ${describeAnnotationErrors(parsed.error)}`;
      this.metrics.rejectedNodes.inc({ filter: 'annotations', kind: 'unresolvable' }, names.length);
      for (const name of names) answer.failUnresolvable(name, reason);
      return answer;
    }
    const request = parsed.value;
    if (request === undefined) {
      for (const name of names) answer.pass(name);
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
      pass: (name) => answer.pass(name),
      reject: (name, rejection) => {
        if (rejection.kind === 'unschedulable') answer.fail(name, rejection.reason);
        else answer.failUnresolvable(name, rejection.reason);
        counts.set(rejection, (counts.get(rejection) ?? 0) + 1);
      },
    });
    for (const [{ filter, kind }, n] of counts) this.metrics.rejectedNodes.inc({ filter, kind }, n);
    return answer;
  }

  /** Scores 0..10. A pod kinfer does not constrain, or an invalid one, gets the same score on every node. */
  prioritize(args: ExtenderArgs): PrioritizeAnswer | { notReady: string } {
    const cacheMode = args.NodeNames != null;
    const wireNodes = args.Nodes?.items ?? [];
    const names = cacheMode ? args.NodeNames! : wireNodes.map((n) => n.metadata.name);
    const parsed = this.placementRequest(args.Pod);
    const request: PlacementRequest | undefined = parsed.ok ? parsed.value : undefined;
    if (request === undefined) return new PrioritizeAnswer(names.map((host) => ({ host, score: NEUTRAL_EXTENDER_SCORE })));
    const notReady = this.readiness.notReadyReason();
    if (notReady !== undefined) return { notReady };
    const view = cacheMode ? this.cluster : new NodeOverlay(this.cluster, wireNodes, this.nodeCache);
    return new PrioritizeAnswer(this.placer.prioritize(request, view, names));
  }

  private placementRequest(pod: WirePod): ReturnType<typeof parsePlacementRequest> {
    const { uid, resourceVersion } = pod.metadata;
    const key = uid !== undefined && typeof resourceVersion === 'string' ? `${uid}/${resourceVersion}` : undefined;
    if (key !== undefined && this.lastRequest?.key === key) return this.lastRequest.parsed;
    const parsed = parsePlacementRequest(pod, this.models);
    if (key !== undefined) this.lastRequest = { key, parsed };
    return parsed;
  }
}

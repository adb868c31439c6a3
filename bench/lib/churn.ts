// What kube-scheduler does after each scheduling cycle, replayed into the benchmark's cluster state through the
// informers' path (ClusterState.upsertPod / deletePod): the pod binds to the node it scored best, and the pod
// bound `keep` binds earlier leaves, so the cluster stays as full as it started. Each cycle thus changes two
// nodes, as a steady stream of replicas does, and no per-node decision the extender keeps across calls
// (src/placement/memo.ts) can look better than it would in a cluster that moves.
import type { NodeScore } from '../../src/placement/scheduler.js';
import type { ClusterState } from '../../src/placement/state.js';

interface PodLike {
  readonly metadata: { readonly name?: string; readonly annotations?: Record<string, string> | undefined };
  readonly spec?: object | undefined;
}

export class Churn {
  private readonly bound: string[] = [];
  private serial = 0;
  binds = 0;

  constructor(private readonly state: ClusterState, private readonly keep = 200) {}

  /**
   * Binds a copy of `pod` to its best-scored node. Members of a multi-host group are left out: binding more
   * members than the group has would pin the group's later calls to one domain, a cluster no scheduler makes.
   */
  bind(pod: PodLike, scores: readonly NodeScore[]): void {
    if (pod.metadata.annotations?.['kinfer.dev/group'] !== undefined || scores.length === 0) return;
    let best = scores[0]!;
    for (const s of scores) if (s.score > best.score) best = s;
    const uid = `churn-${++this.serial}`;
    this.state.upsertPod({
      ...pod,
      metadata: { ...pod.metadata, uid, name: `${pod.metadata.name ?? 'pod'}-${this.serial}` },
      spec: { ...pod.spec, nodeName: best.host },
      status: { phase: 'Running' },
    });
    this.binds += 1;
    this.bound.push(uid);
    if (this.bound.length > this.keep) this.state.deletePod(this.bound.shift()!);
  }
}

import type { Cycle, ScorePlugin } from '../framework.js';
import type { NodeEntry } from '../state.js';

export const NAME = 'zone-spread';

/**
 * Replicas of one model (`kinfer.dev/model`, same namespace) spread across zones, so a zone outage takes
 * out as few as possible: 1 − (replicas in this node's zone ÷ replicas in the fullest zone). Members of a
 * multi-host group are one replica and stay together, so group pods score a neutral 1.
 */
export class ZoneSpreadScorer implements ScorePlugin {
  readonly name = NAME;
  readonly scope = 'cluster' as const;

  appliesTo(cycle: Cycle): boolean {
    return cycle.request.modelId !== undefined && cycle.request.group === undefined;
  }

  score(cycle: Cycle, node: NodeEntry): number {
    const { modelId, group, namespace, uid } = cycle.request;
    if (modelId === undefined || group) return 1;
    const perZone = cycle.memo(NAME, () => {
      const counts = new Map<string, number>();
      let max = 0;
      for (const replica of cycle.cluster.modelReplicas(namespace, modelId)) {
        if (replica.uid === uid) continue;
        const zone = cycle.cluster.node(replica.nodeName)?.accelerators?.topology.zone ?? '';
        const count = (counts.get(zone) ?? 0) + 1;
        counts.set(zone, count);
        if (count > max) max = count;
      }
      return { counts, max };
    });
    if (perZone.max === 0) return 1;
    return 1 - (perZone.counts.get(node.accelerators?.topology.zone ?? '') ?? 0) / perZone.max;
  }
}

export function create(): ZoneSpreadScorer {
  return new ZoneSpreadScorer();
}

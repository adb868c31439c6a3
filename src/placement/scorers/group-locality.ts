import { domainKey, groupDomain } from '../group.js';
import type { Cycle, ScorePlugin } from '../framework.js';
import type { NodeEntry } from '../state.js';

export const NAME = 'group-locality';

/**
 * Members of one multi-host group close together: 1 on a node in the domain of members already placed, 0
 * elsewhere. Before the first member lands (or for a pod with no group) every node scores a neutral 1;
 * the group-domain filter has already kept only domains that can hold the whole group.
 */
export class GroupLocalityScorer implements ScorePlugin {
  readonly name = NAME;
  readonly scope = 'cluster' as const;

  appliesTo(cycle: Cycle): boolean {
    return cycle.request.group !== undefined;
  }

  score(cycle: Cycle, node: NodeEntry): number {
    const group = cycle.request.group;
    if (!group) return 1;
    const domains = cycle.memo(NAME, () => {
      const keys = new Set<string>();
      for (const member of cycle.cluster.groupMembers(cycle.request.namespace, group.name)) {
        const memberNode = cycle.cluster.node(member.nodeName);
        if (memberNode && member.uid !== cycle.request.uid) keys.add(domainKey(groupDomain(memberNode)));
      }
      return keys;
    });
    if (domains.size === 0) return 1;
    return domains.has(domainKey(groupDomain(node))) ? 1 : 0;
  }
}

export function create(): GroupLocalityScorer {
  return new GroupLocalityScorer();
}

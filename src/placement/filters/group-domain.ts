import { describeDomain, domainKey, groupDomain } from '../group.js';
import { FIT, unresolvable, unschedulable, type Cycle, type FilterPlugin, type Verdict } from '../framework.js';
import type { NodeEntry } from '../state.js';

export const NAME = 'group-domain';

interface GroupPlan {
  /** The domain members already placed pin the group to, if any. */
  readonly pinned?: string;
  readonly pinnedLabel?: string;
  readonly placed: number;
  /** Members each domain can still take now, counting nodes that pass the other filters. */
  readonly capacity: ReadonlyMap<string, number>;
  /** Members each domain could take were it empty: below the group size, the domain can never host it. */
  readonly capacityEmpty: ReadonlyMap<string, number>;
}

/**
 * A pod of a multi-host group (`kinfer.dev/group`, `kinfer.dev/group-size`) goes only where the group's whole
 * topology domain (see group.ts) can hold every member: those already placed there plus the ones still to come.
 */
export class GroupDomainFilter implements FilterPlugin {
  readonly name = NAME;
  readonly scope = 'node' as const;

  constructor(private readonly nodeFits: (cycle: Cycle, node: NodeEntry) => boolean) {}

  filter(cycle: Cycle, node: NodeEntry): Verdict {
    const group = cycle.request.group;
    if (!group) return FIT;
    const plan = cycle.memo(NAME, () => this.plan(cycle));
    const domain = groupDomain(node);
    const key = domainKey(domain);
    if (plan.pinned !== undefined && plan.pinned !== key) {
      return unschedulable(`group ${group.name} has ${plan.placed} member(s) in ${plan.pinnedLabel}; this node is in ${describeDomain(domain)}`);
    }
    const whenEmpty = plan.capacityEmpty.get(key) ?? 0;
    if (whenEmpty < group.size) {
      return unresolvable(`${describeDomain(domain)} holds at most ${whenEmpty} member(s) of group ${group.name}, which needs ${group.size}`);
    }
    const remaining = group.size - plan.placed;
    const capacity = plan.capacity.get(key) ?? 0;
    if (remaining > capacity) {
      return unschedulable(`${describeDomain(domain)} can take ${capacity} more member(s) of group ${group.name} now; ${remaining} still to place`);
    }
    return FIT;
  }

  private plan(cycle: Cycle): GroupPlan {
    const { request, cluster } = cycle;
    const group = request.group!;
    const members = cluster.groupMembers(request.namespace, group.name).filter((m) => m.uid !== request.uid);
    let pinned: string | undefined;
    let pinnedLabel: string | undefined;
    for (const member of members) {
      const node = cluster.node(member.nodeName);
      if (!node) continue;
      const domain = groupDomain(node);
      pinned = domainKey(domain);
      pinnedLabel = describeDomain(domain);
      break;
    }
    const capacity = new Map<string, number>();
    const capacityEmpty = new Map<string, number>();
    for (const node of cluster.nodes()) {
      const pool = cycle.pool(node);
      if (!pool || !this.nodeFits(cycle, node)) continue;
      const key = domainKey(groupDomain(node));
      capacity.set(key, (capacity.get(key) ?? 0) + Math.floor(cycle.freeDevices(node, pool) / request.devices.count));
      capacityEmpty.set(key, (capacityEmpty.get(key) ?? 0) + Math.floor(pool.devices / request.devices.count));
    }
    return { placed: members.length, capacity, capacityEmpty, ...(pinned !== undefined ? { pinned, pinnedLabel: pinnedLabel! } : {}) };
  }
}

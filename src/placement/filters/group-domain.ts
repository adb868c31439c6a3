import { describeDomain, domainKey, groupDomain, subGroupDomain, type GroupDomain } from '../group.js';
import { FIT, unresolvable, unschedulable, type Cycle, type FilterPlugin, type Verdict } from '../framework.js';
import type { NodeEntry } from '../state.js';

export const NAME = 'group-domain';

interface Pin {
  readonly key: string;
  readonly label: string;
}

interface GroupPlan {
  /** The domain members already placed pin the group to, if any. */
  readonly pinned?: Pin;
  /** The sub-block every placed member shares, if any. */
  readonly pinnedSub?: Pin;
  readonly placed: number;
  /** Members each domain (and sub-block) can still take now, counting nodes that pass the other filters. */
  readonly capacity: ReadonlyMap<string, number>;
  /** Members each domain could take were it empty: below the group size, the domain can never host it. */
  readonly capacityEmpty: ReadonlyMap<string, number>;
  /** Whether some sub-block can take every member still to place now. */
  readonly subFits: boolean;
}

/**
 * A pod of a multi-host group (`kinfer.dev/group`, `kinfer.dev/group-size`) goes only where the group's whole
 * topology domain (see group.ts) can hold every member: those already placed there plus the ones still to come.
 * Inside a block, the group keeps to one sub-block whenever a sub-block can hold the members still to place:
 * block first, then sub-block when the nodes are labelled so.
 */
export class GroupDomainFilter implements FilterPlugin {
  readonly name = NAME;
  readonly scope = 'cluster' as const;

  constructor(private readonly nodeFits: (cycle: Cycle, node: NodeEntry) => boolean) {}

  appliesTo(cycle: Cycle): boolean {
    return cycle.request.group !== undefined;
  }

  filter(cycle: Cycle, node: NodeEntry): Verdict {
    const group = cycle.request.group;
    if (!group) return FIT;
    const plan = cycle.memo(NAME, () => this.plan(cycle));
    const domain = groupDomain(node);
    const key = domainKey(domain);
    if (plan.pinned !== undefined && plan.pinned.key !== key) {
      return unschedulable(`group ${group.name} has ${plan.placed} member(s) in ${plan.pinned.label}; this node is in ${describeDomain(domain)}`);
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
    return this.subBlock(plan, node, group.name, remaining);
  }

  /** Keep to one sub-block: the members' own when it still has room, else any sub-block with room for all. */
  private subBlock(plan: GroupPlan, node: NodeEntry, group: string, remaining: number): Verdict {
    const sub = subGroupDomain(node);
    if (!plan.subFits) return FIT;
    const key = sub ? domainKey(sub) : undefined;
    if (plan.pinnedSub !== undefined && (plan.capacity.get(plan.pinnedSub.key) ?? 0) >= remaining) {
      if (key === plan.pinnedSub.key) return FIT;
      return unschedulable(`group ${group} keeps to ${plan.pinnedSub.label}, which has room for its ${remaining} member(s) still to place; this node is in ${sub ? describeDomain(sub) : 'no sub-block'}`);
    }
    if (key !== undefined && (plan.capacity.get(key) ?? 0) >= remaining) return FIT;
    return unschedulable(`${sub ? describeDomain(sub) : 'this node\'s sub-block'} cannot take the ${remaining} member(s) of group ${group} still to place; another sub-block of the same block can`);
  }

  private plan(cycle: Cycle): GroupPlan {
    const { request, cluster } = cycle;
    const group = request.group!;
    const members = cluster.groupMembers(request.namespace, group.name).filter((m) => m.uid !== request.uid);
    let pinned: Pin | undefined;
    const subs = new Set<string>();
    let pinnedSub: Pin | undefined;
    for (const member of members) {
      const node = cluster.node(member.nodeName);
      if (!node) continue;
      pinned ??= pin(groupDomain(node));
      const sub = subGroupDomain(node);
      subs.add(sub ? domainKey(sub) : '');
      if (sub) pinnedSub ??= pin(sub);
    }
    // Members already split over sub-blocks (placed before they were labelled, or by another scheduler) pin none.
    if (subs.size !== 1 || subs.has('')) pinnedSub = undefined;
    const capacity = new Map<string, number>();
    const capacityEmpty = new Map<string, number>();
    const add = (map: Map<string, number>, key: string, n: number) => map.set(key, (map.get(key) ?? 0) + n);
    for (const node of cluster.nodes()) {
      const pool = cycle.pool(node);
      if (!pool || !this.nodeFits(cycle, node)) continue;
      const domain = groupDomain(node);
      const free = Math.floor(cycle.freeDevices(node, pool) / request.devices.count);
      add(capacity, domainKey(domain), free);
      add(capacityEmpty, domainKey(domain), Math.floor(pool.devices / request.devices.count));
      const sub = subGroupDomain(node);
      if (sub && (pinned === undefined || pinned.key === domainKey(domain))) add(capacity, domainKey(sub), free);
    }
    const remaining = group.size - members.length;
    let subFits = false;
    for (const [key, n] of capacity) if (key.startsWith('subBlock=') && n >= remaining) subFits = true;
    return {
      placed: members.length, capacity, capacityEmpty, subFits,
      ...(pinned !== undefined ? { pinned } : {}), ...(pinnedSub !== undefined ? { pinnedSub } : {}),
    };
  }
}

function pin(domain: GroupDomain): Pin {
  return { key: domainKey(domain), label: describeDomain(domain) };
}

export function create(nodeFits: (cycle: Cycle, node: NodeEntry) => boolean): GroupDomainFilter {
  return new GroupDomainFilter(nodeFits);
}

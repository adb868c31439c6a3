import type { TopologyDomains } from '../accelerators/discovery.js';
import type { NodeEntry } from './state.js';

/** Where the pods of one multi-host replica (`kinfer.dev/group`) must stay together. */
export interface GroupDomain {
  /** The topology label the domain is read from, e.g. `nvidia.com/gpu.clique`; `cluster` when the node has none. */
  readonly level: keyof TopologyDomains | 'cluster';
  readonly value: string;
}

// The narrowest domain that still spans hosts and carries the fast interconnect a multi-host replica needs:
// a TPU slice is one GKE node pool (multi-host slices are provisioned as one pool, GKE TPU docs); for GPUs
// an NVLink clique (GB200 NVL72, GPU Feature Discovery), else the sub-block / block of the network fabric
// (GKE compact placement labels), else the zone. A node with none of these puts the group cluster-wide.
const TPU_LEVELS = ['nodePool', 'subBlock', 'block', 'zone'] as const;
const GPU_LEVELS = ['clique', 'subBlock', 'block', 'zone'] as const;

export function groupDomain(node: NodeEntry): GroupDomain {
  const accelerators = node.accelerators;
  const levels = accelerators?.tpuTopology !== undefined || accelerators?.pools.some((p) => p.resourceName === 'google.com/tpu')
    ? TPU_LEVELS
    : GPU_LEVELS;
  const topology = accelerators?.topology ?? {};
  for (const level of levels) {
    const value = topology[level];
    if (value !== undefined && value !== '') return { level, value };
  }
  return { level: 'cluster', value: '' };
}

export function domainKey(domain: GroupDomain): string {
  return `${domain.level}=${domain.value}`;
}

export function describeDomain(domain: GroupDomain): string {
  return domain.level === 'cluster' ? 'the cluster' : `${domain.level} ${domain.value}`;
}

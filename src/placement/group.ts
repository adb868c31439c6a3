import type { TopologyDomains } from '../accelerators/discovery.js';
import type { NodeEntry } from './state.js';
import { isTpu } from '../accelerators/resources.js';

/** Where the pods of one multi-host replica (`kinfer.dev/group`) must stay together. */
export interface GroupDomain {
  /** The topology label the domain is read from, e.g. `nvidia.com/gpu.clique`; `cluster` when the node has none. */
  readonly level: keyof TopologyDomains | 'cluster';
  readonly value: string;
}

// The domain a multi-host replica must stay in: a TPU slice is one GKE node pool (multi-host slices are
// provisioned as one pool, GKE TPU docs); for GPUs an NVLink clique (GB200 NVL72, GPU Feature Discovery), else
// the block of the network fabric, else the zone. A node with none of these puts the group cluster-wide.
//
// GPU groups then prefer one sub-block inside their block (subGroupDomain): GKE's own guidance for multi-host
// inference is to require one `gce-topology-block` and prefer one `gce-topology-subblock` (the llm-d GKE guide's
// pod affinity, weight 2 on block and 1 on sub-block; Kueue TAS levels block > subblock > host), because a
// sub-block is small and requiring it would leave groups unplaced that one block could hold.
const TPU_LEVELS = ['nodePool', 'subBlock', 'block', 'zone'] as const;
const GPU_LEVELS = ['clique', 'block', 'zone'] as const;

export function groupDomain(node: NodeEntry): GroupDomain {
  const accelerators = node.accelerators;
  const levels = accelerators?.tpuTopology !== undefined || accelerators?.pools.some(isTpu)
    ? TPU_LEVELS
    : GPU_LEVELS;
  const topology = accelerators?.topology ?? {};
  for (const level of levels) {
    const value = topology[level];
    if (value !== undefined && value !== '') return { level, value };
  }
  return { level: 'cluster', value: '' };
}

/**
 * The narrower domain a GPU group prefers inside its group domain: the sub-block, when the node is labelled with
 * one and its group domain is a block or zone (an NVLink clique is already the narrowest). Undefined otherwise.
 */
export function subGroupDomain(node: NodeEntry): GroupDomain | undefined {
  const domain = groupDomain(node);
  if (domain.level !== 'block' && domain.level !== 'zone' && domain.level !== 'cluster') return undefined;
  const subBlock = node.accelerators?.topology.subBlock;
  return subBlock !== undefined && subBlock !== '' ? { level: 'subBlock', value: `${domainKey(domain)}/${subBlock}` } : undefined;
}

export function domainKey(domain: GroupDomain): string {
  return `${domain.level}=${domain.value}`;
}

export function describeDomain(domain: GroupDomain): string {
  if (domain.level === 'cluster') return 'the cluster';
  // A sub-block's value carries its block for uniqueness; people read the sub-block's own name.
  return domain.level === 'subBlock' ? `subBlock ${domain.value.slice(domain.value.lastIndexOf('/') + 1)}` : `${domain.level} ${domain.value}`;
}

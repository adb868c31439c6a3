import { nodeLabels, type NodeLike } from './node.js';

/** The topology domains a node belongs to, by level; a level the node has no label for is absent. */
export interface TopologyDomains {
  readonly zone?: string;
  readonly block?: string;
  readonly subBlock?: string;
  readonly clique?: string;
  /** On GKE one multi-host TPU slice is one node pool. */
  readonly nodePool?: string;
  /** GCE's physical host of the VM (`cloud.google.com/gce-topology-host`). */
  readonly physicalHost?: string;
  readonly host?: string;
}

export type TopologyLevel = keyof TopologyDomains;

/** The node label that names each level (DESIGN.md "Canonical accelerator type names"). */
export const TOPOLOGY_LABELS: { readonly [K in TopologyLevel]-?: string } = {
  zone: 'topology.kubernetes.io/zone',
  block: 'cloud.google.com/gce-topology-block',
  subBlock: 'cloud.google.com/gce-topology-subblock',
  clique: 'nvidia.com/gpu.clique',
  nodePool: 'cloud.google.com/gke-nodepool',
  // GKE: https://cloud.google.com/kubernetes-engine/docs/how-to/compact-placement and Kueue TAS docs list
  // gce-topology-block, -subblock and -host as the levels of a reserved block's physical topology.
  physicalHost: 'cloud.google.com/gce-topology-host',
  host: 'kubernetes.io/hostname',
};

/** Levels, widest first. */
export const TOPOLOGY_LEVELS: readonly TopologyLevel[] = ['zone', 'block', 'subBlock', 'clique', 'nodePool', 'physicalHost', 'host'];

/** The node's domain at every level it is labelled for; the host falls back to the node's name. */
export function topologyDomains(node: NodeLike): TopologyDomains {
  const labels = nodeLabels(node);
  const domains: { -readonly [K in TopologyLevel]?: string } = {};
  for (const level of TOPOLOGY_LEVELS) {
    const value = labels[TOPOLOGY_LABELS[level]];
    if (value !== undefined && value !== '') domains[level] = value;
  }
  const name = node.metadata?.name;
  if (domains.host === undefined && name !== undefined && name !== '') domains.host = name;
  return domains;
}

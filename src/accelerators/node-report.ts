import { formatGiB } from '../units/quantity.js';
import { CLOUD_LABELS } from './cloud-labels.js';
import { ACCELERATOR_LABELS, discoverAccelerators, type DiscoverySource, type NodeLike } from './discovery.js';
import { nodeLabels } from './node.js';
import { MIG_RESOURCE_PREFIX } from './resources.js';

/** What kinfer sees on one node, and why: the rows of `kubectl inference list nodes`. */
export interface NodeReport {
  readonly name: string;
  /** Canonical type, `unknown:<value>`, or undefined for a node without accelerators. */
  readonly type?: string;
  /** The type has speed figures in the catalog (recommend can price it). */
  readonly speedData: boolean;
  readonly source?: DiscoverySource;
  readonly pools: readonly {
    readonly resourceName: string;
    readonly devices: number;
    readonly hbmBytesPerDevice: number;
    readonly sharing?: { readonly strategy: string; readonly sharesPerDevice: number; readonly deviceHbmBytes: number };
  }[];
  readonly tpuTopology?: string;
  readonly topology: Readonly<Record<string, string>>;
  /** The labels that named the type and sized it, and the sharing labels: `key=value`. */
  readonly why: readonly string[];
  readonly warnings: readonly string[];
}

/** The labels that name the type, per scheme, in the order discovery reads them. */
const NAMING_LABELS: Readonly<Record<DiscoverySource, readonly string[]>> = {
  kinfer: [ACCELERATOR_LABELS.kinferAccelerator],
  gke: [ACCELERATOR_LABELS.gkeAccelerator, ACCELERATOR_LABELS.gkeTpuAccelerator],
  gfd: [ACCELERATOR_LABELS.gfdProduct],
  amd: [ACCELERATOR_LABELS.amdProduct, ACCELERATOR_LABELS.amdBetaProduct],
  karpenter: [CLOUD_LABELS.karpenterGpuName],
  eks: [CLOUD_LABELS.eksGpuName],
  aws: [CLOUD_LABELS.awsAccelerator],
  aks: [CLOUD_LABELS.aksAccelerator],
  resource: [],
};

/** Labels that give one device's memory, whichever scheme named the type. */
const MEMORY_LABELS = [
  ACCELERATOR_LABELS.kinferHbmPerDevice, ACCELERATOR_LABELS.gfdMemory, ACCELERATOR_LABELS.amdVram, ACCELERATOR_LABELS.amdBetaVram,
  CLOUD_LABELS.karpenterGpuMemory, CLOUD_LABELS.eksGpuMemory,
];

export function nodeReport(node: NodeLike): NodeReport {
  const name = node.metadata?.name ?? '';
  const found = discoverAccelerators(node);
  if (!found) return { name, speedData: false, pools: [], topology: {}, why: [], warnings: [] };
  const labels = nodeLabels(node);
  const said = (key: string) => (labels[key] !== undefined ? [`${key}=${labels[key]}`] : []);
  const named = NAMING_LABELS[found.source].flatMap(said);
  const why = [
    ...(named.length > 0 ? named : found.pools.map((p) => `allocatable ${p.resourceName}=${p.devices}`)),
    ...MEMORY_LABELS.flatMap(said),
    ...found.pools.flatMap((p) => (p.sharing ? [p.sharing.labels] : [])),
  ];
  const { host: _host, ...topology } = found.topology;
  return {
    name,
    type: found.type,
    speedData: found.known,
    source: found.source,
    pools: found.pools.map((p) => ({
      resourceName: p.resourceName, devices: p.devices, hbmBytesPerDevice: p.hbmBytesPerDevice,
      ...(p.sharing ? { sharing: { strategy: p.sharing.strategy, sharesPerDevice: p.sharing.sharesPerDevice, deviceHbmBytes: p.sharing.deviceHbmBytes } } : {}),
    })),
    ...(found.tpuTopology !== undefined ? { tpuTopology: found.tpuTopology } : {}),
    topology,
    why,
    warnings: found.warnings ?? [],
  };
}

/** Accelerator types found in the cluster that the catalog has no speed data for, with their node counts. */
export function missingFromCatalog(reports: readonly NodeReport[]): { type: string; nodes: number; sized: boolean }[] {
  const byType = new Map<string, { nodes: number; sized: boolean }>();
  for (const r of reports) {
    if (r.type === undefined || r.speedData) continue;
    const entry = byType.get(r.type) ?? { nodes: 0, sized: true };
    entry.nodes += 1;
    entry.sized &&= r.pools.every((p) => p.hbmBytesPerDevice > 0);
    byType.set(r.type, entry);
  }
  return [...byType].map(([type, e]) => ({ type, ...e })).sort((a, b) => a.type.localeCompare(b.type));
}

/** One pool as a person reads it: `4 × 22.5 GiB`, `4 shares × 5.6 GiB (time-slicing, 4 per GPU of 22.5 GiB)`. */
export function describePool(pool: NodeReport['pools'][number]): string {
  const mem = pool.hbmBytesPerDevice > 0 ? formatGiB(pool.hbmBytesPerDevice) : 'memory unknown';
  if (pool.sharing) {
    return `${pool.devices} shares × ${mem} (${pool.sharing.strategy}, ${pool.sharing.sharesPerDevice} per GPU of ${formatGiB(pool.sharing.deviceHbmBytes)})`;
  }
  const kind = pool.resourceName.startsWith(MIG_RESOURCE_PREFIX) ? ` ${pool.resourceName.slice('nvidia.com/'.length)}` : '';
  return `${pool.devices}${kind} × ${mem}`;
}

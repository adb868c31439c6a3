import { acceleratorByName, type AcceleratorType } from '../accelerators/catalog.js';
import { ACCELERATOR_LABELS, discoverAccelerators, type GpuSharing, type NodeLike } from '../accelerators/discovery.js';
import { isTpu, MIG_RESOURCE_PREFIX } from '../accelerators/resources.js';

/** A label that pins pods to one accelerator type when kinfer-scheduler is not there to do it. */
export interface NodeSelectorTerm {
  readonly key: string;
  readonly values: readonly string[];
}

/** What the cluster has of one accelerator type: the facts `deploy` plans with. */
export interface AcceleratorInventory {
  readonly type: string;
  /** The catalog entry with speed figures; absent for a part kinfer can only size ("no speed data"). */
  readonly catalog?: AcceleratorType;
  /** Present when these devices are shares of GPUs (time-slicing, MPS): one share per replica, never TP. */
  readonly sharing?: Pick<GpuSharing, 'strategy' | 'sharesPerDevice'>;
  readonly resourceName: string;
  /** The smallest per-device memory among its nodes (a GFD label may report less than the catalog). */
  readonly hbmBytesPerDevice: number;
  readonly nodes: number;
  /** The most devices one node of this type offers: the largest single-host replica. */
  readonly devicesPerNode: number;
  readonly totalDevices: number;
  /** TPU slice shapes present, e.g. ['2x4']. */
  readonly tpuTopologies: readonly string[];
  readonly selector: NodeSelectorTerm;
}

/** Label that names the type for each discovery scheme; GFD and AMD list raw product names. */
function selectorLabel(node: NodeLike, source: string, isTpu: boolean): { key: string; value: string } | undefined {
  const labels = node.metadata?.labels ?? {};
  const pick = (key: string) => (labels[key] !== undefined ? { key, value: labels[key] } : undefined);
  switch (source) {
    case 'kinfer': return pick(ACCELERATOR_LABELS.kinferAccelerator);
    case 'gke': return pick(isTpu ? ACCELERATOR_LABELS.gkeTpuAccelerator : ACCELERATOR_LABELS.gkeAccelerator);
    case 'gfd': return pick(ACCELERATOR_LABELS.gfdProduct);
    case 'amd': return pick(ACCELERATOR_LABELS.amdProduct);
    default: return undefined;
  }
}

/**
 * Groups a cluster's nodes by accelerator type (whole devices or GPU shares; MIG slices are not deploy targets).
 * Types outside the speed catalog are kept when their memory is known: they are placeable on memory alone.
 * Shared GPUs of a type are their own entry, apart from the same type's whole GPUs.
 */
export function inventory(nodes: readonly NodeLike[]): AcceleratorInventory[] {
  const byType = new Map<string, {
    type: string; resourceName: string; hbm: number; nodes: number; perNode: number; total: number; topologies: Set<string>; key?: string; values: Set<string>;
    sharing?: Pick<GpuSharing, 'strategy' | 'sharesPerDevice'>;
  }>();
  for (const node of nodes) {
    const found = discoverAccelerators(node);
    if (!found) continue;
    const pool = found.pools.find((p) => !p.resourceName.startsWith(MIG_RESOURCE_PREFIX));
    if (!pool || pool.devices === 0 || pool.hbmBytesPerDevice <= 0) continue;
    const sharing = pool.sharing ? { strategy: pool.sharing.strategy, sharesPerDevice: pool.sharing.sharesPerDevice } : undefined;
    const key = sharing ? `${found.type}|${sharing.strategy}/${sharing.sharesPerDevice}` : found.type;
    let entry = byType.get(key);
    if (!entry) {
      entry = {
        type: found.type, resourceName: pool.resourceName, hbm: pool.hbmBytesPerDevice, nodes: 0, perNode: 0, total: 0, topologies: new Set(), values: new Set(),
        ...(sharing ? { sharing } : {}),
      };
      byType.set(key, entry);
    }
    entry.hbm = Math.min(entry.hbm, pool.hbmBytesPerDevice);
    entry.nodes += 1;
    entry.perNode = Math.max(entry.perNode, pool.devices);
    entry.total += pool.devices;
    if (found.tpuTopology) entry.topologies.add(found.tpuTopology);
    const label = selectorLabel(node, found.source, isTpu(pool));
    if (label) {
      entry.key ??= label.key;
      if (entry.key === label.key) entry.values.add(label.value);
    }
  }
  return [...byType.values()].map((e) => {
    const type = e.type;
    const catalog = acceleratorByName(type);
    return {
      type,
      ...(catalog ? { catalog } : {}),
      ...(e.sharing ? { sharing: e.sharing } : {}),
      resourceName: e.resourceName,
      hbmBytesPerDevice: e.hbm,
      nodes: e.nodes,
      devicesPerNode: e.perNode,
      totalDevices: e.total,
      tpuTopologies: [...e.topologies].sort(),
      selector: { key: e.key ?? ACCELERATOR_LABELS.kinferAccelerator, values: e.key ? [...e.values].sort() : [type] },
    };
  }).sort((a, b) => a.type.localeCompare(b.type) || (a.sharing ? 1 : 0) - (b.sharing ? 1 : 0));
}

/** An inventory entry from the catalog alone, for planning without a cluster (`--dry-run=client` with `--accelerator` and `--tp`). */
export function catalogInventory(type: AcceleratorType, devicesPerNode: number): AcceleratorInventory {
  const tpu = isTpu(type);
  return {
    type: type.name,
    catalog: type,
    resourceName: type.resourceName,
    hbmBytesPerDevice: type.hbmBytesPerDevice,
    nodes: 0,
    devicesPerNode,
    totalDevices: 0,
    tpuTopologies: [],
    selector: { key: tpu ? ACCELERATOR_LABELS.gkeTpuAccelerator : ACCELERATOR_LABELS.gkeAccelerator, values: [type.name] },
  };
}

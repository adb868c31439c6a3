import { acceleratorByName, type AcceleratorType } from '../accelerators/catalog.js';
import { ACCELERATOR_LABELS, discoverAccelerators, type GpuSharing, type NodeLike } from '../accelerators/discovery.js';
import { isTpu, MIG_RESOURCE_PREFIX } from '../accelerators/resources.js';
import { multiHostShapes, sliceShape, type TpuSliceShape } from '../accelerators/tpu-slices.js';

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
  /** The same shapes with their chips and hosts, smallest first: what a TPU replica is planned on (one whole slice). */
  readonly tpuSlices: readonly TpuSliceInventory[];
  readonly selector: NodeSelectorTerm;
}

/** A TPU slice shape the cluster's nodes report, and how many whole slices of it there are. */
export interface TpuSliceInventory extends TpuSliceShape {
  /** Node pools (`cloud.google.com/gke-nodepool`) of this shape with every host present; nodes with no pool label count together. */
  readonly slices: number;
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
    /** TPU topology → the most chips a host of it has, and its hosts per node pool. */
    slices: Map<string, { chipsPerHost: number; pools: Map<string, number> }>;
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
        type: found.type, resourceName: pool.resourceName, hbm: pool.hbmBytesPerDevice, nodes: 0, perNode: 0, total: 0, topologies: new Set(), values: new Set(), slices: new Map(),
        ...(sharing ? { sharing } : {}),
      };
      byType.set(key, entry);
    }
    entry.hbm = Math.min(entry.hbm, pool.hbmBytesPerDevice);
    entry.nodes += 1;
    entry.perNode = Math.max(entry.perNode, pool.devices);
    entry.total += pool.devices;
    if (found.tpuTopology) {
      entry.topologies.add(found.tpuTopology);
      const slice = entry.slices.get(found.tpuTopology) ?? { chipsPerHost: 0, pools: new Map<string, number>() };
      slice.chipsPerHost = Math.max(slice.chipsPerHost, pool.devices);
      const nodePool = found.topology.nodePool ?? '';
      slice.pools.set(nodePool, (slice.pools.get(nodePool) ?? 0) + 1);
      entry.slices.set(found.tpuTopology, slice);
    }
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
      tpuSlices: tpuSlices(e.slices),
      selector: { key: e.key ?? ACCELERATOR_LABELS.kinferAccelerator, values: e.key ? [...e.values].sort() : [type] },
    };
  }).sort((a, b) => a.type.localeCompare(b.type) || (a.sharing ? 1 : 0) - (b.sharing ? 1 : 0));
}

function tpuSlices(slices: ReadonlyMap<string, { chipsPerHost: number; pools: ReadonlyMap<string, number> }>): TpuSliceInventory[] {
  const shapes: TpuSliceInventory[] = [];
  for (const [topology, { chipsPerHost, pools }] of slices) {
    const shape = sliceShape(topology, chipsPerHost);
    if (!shape) continue;
    let whole = 0;
    for (const hosts of pools.values()) whole += Math.floor(hosts / shape.hosts);
    shapes.push({ ...shape, slices: whole });
  }
  return shapes.sort((a, b) => a.chips - b.chips || a.topology.localeCompare(b.topology));
}

/**
 * An inventory entry from the catalog alone, for planning without a cluster (`--dry-run=client` with `--accelerator`
 * and `--tp`). A TPU --tp above the chips one host takes is the multi-host slice of that many chips.
 */
export function catalogInventory(type: AcceleratorType, devicesPerNode: number): AcceleratorInventory {
  const tpu = isTpu(type);
  const slice = tpu && !(type.chipsPerHost ?? []).includes(devicesPerNode) ? multiHostShapes(type.name).find((s) => s.chips === devicesPerNode) : undefined;
  return {
    type: type.name,
    catalog: type,
    resourceName: type.resourceName,
    hbmBytesPerDevice: type.hbmBytesPerDevice,
    nodes: 0,
    devicesPerNode: slice?.chipsPerHost ?? devicesPerNode,
    totalDevices: 0,
    tpuTopologies: slice ? [slice.topology] : [],
    tpuSlices: slice ? [{ ...slice, slices: 0 }] : [],
    selector: { key: tpu ? ACCELERATOR_LABELS.gkeTpuAccelerator : ACCELERATOR_LABELS.gkeAccelerator, values: [type.name] },
  };
}

/** A TPU type's multi-host slice shapes from the catalog (GKE's), for recommending without a cluster; undefined for other types. */
export function catalogSliceInventory(type: AcceleratorType): AcceleratorInventory | undefined {
  const shapes = multiHostShapes(type.name);
  if (type.kind !== 'tpu' || shapes.length === 0) return undefined;
  return {
    ...catalogInventory(type, shapes[0]!.chipsPerHost),
    tpuTopologies: shapes.map((s) => s.topology),
    tpuSlices: shapes.map((s) => ({ ...s, slices: 0 })),
  };
}

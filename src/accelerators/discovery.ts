import type { Result } from '../result.js';
import { acceleratorByName, acceleratorByProduct, type AcceleratorType } from './catalog.js';
import { parseAmdVram, parseGfdMemory, parseKinferHbm } from './memory-labels.js';
import { isMigResource, migProfile, parseMigProfileName } from './mig.js';
import { deviceCount, hasResource, nodeLabels, resourceNames, type NodeLike } from './node.js';
import { topologyDomains, type TopologyDomains } from './topology.js';

export type { NodeLike } from './node.js';
export { TOPOLOGY_LABELS, TOPOLOGY_LEVELS, topologyDomains, type TopologyDomains, type TopologyLevel } from './topology.js';

/** Node labels discovery reads (DESIGN.md "Canonical accelerator type names"). */
export const ACCELERATOR_LABELS = {
  kinferAccelerator: 'kinfer.dev/accelerator',
  kinferHbmPerDevice: 'kinfer.dev/hbm-per-device',
  gkeAccelerator: 'cloud.google.com/gke-accelerator',
  gkeGpuPartitionSize: 'cloud.google.com/gke-gpu-partition-size',
  gkeTpuAccelerator: 'cloud.google.com/gke-tpu-accelerator',
  gkeTpuTopology: 'cloud.google.com/gke-tpu-topology',
  gfdProduct: 'nvidia.com/gpu.product',
  gfdMemory: 'nvidia.com/gpu.memory',
  amdProduct: 'amd.com/gpu.product-name',
  amdVram: 'amd.com/gpu.vram',
} as const;

/** Whole-device resources, in the order a label-less node is read. MIG resources are handled apart. */
const DEVICE_RESOURCES = ['nvidia.com/gpu', 'amd.com/gpu', 'google.com/tpu'] as const;

export type DiscoverySource = 'gke' | 'gfd' | 'amd' | 'kinfer' | 'resource';

/** Devices of one extended resource on a node, all with the same memory. */
export interface DevicePool {
  readonly resourceName: string;
  /** Allocatable devices (capacity when allocatable does not list the resource). */
  readonly devices: number;
  /** Memory of one device (or MIG slice) in bytes; 0 when nothing says. */
  readonly hbmBytesPerDevice: number;
}

export interface NodeAccelerators {
  /** Canonical type name, or `unknown:<label value>` (`unknown:<resource>` for a node without labels). */
  readonly type: string;
  readonly known: boolean;
  /** The label scheme that named the type; `resource` when only an extended resource says there is one. */
  readonly source: DiscoverySource;
  /** Usually one; with MIG (mixed strategy) one per `nvidia.com/mig-*` resource. */
  readonly pools: readonly DevicePool[];
  /** `cloud.google.com/gke-tpu-topology`, e.g. `2x4`. */
  readonly tpuTopology?: string;
  readonly topology: TopologyDomains;
  /** Labels that were present but unreadable and so ignored, one sentence each; absent when none. */
  readonly warnings?: readonly string[];
}

/** What one label scheme says about a node. */
interface Identity {
  readonly source: DiscoverySource;
  /** The value that named the type: a label value, or a resource name. */
  readonly raw: string;
  readonly type: AcceleratorType | undefined;
  /** The whole-device resource of this type; undefined when nothing tells (then only MIG pools remain). */
  readonly resourceName: string | undefined;
  /** The MIG profile every device is (GFD single strategy, GKE GPU partitions), e.g. `1g.5gb`. */
  readonly migSlice?: string;
}

type Labels = Readonly<Record<string, string>>;

// GFD's single MIG strategy appends the profile to the product: `NVIDIA-A100-SXM4-40GB-MIG-1g.5gb`.
const SINGLE_MIG_PRODUCT = /^(.*?)[-_ ]MIG[-_ ](.+)$/i;

/**
 * The accelerators a node offers, or undefined when it has none. The type comes from the first label scheme
 * present, in order of authority: kinfer's own labels (the operator's explicit word), GKE, NVIDIA GFD, AMD.
 * Per-device memory comes from `kinfer.dev/hbm-per-device`, else the vendor agent's label for that resource
 * (GFD `nvidia.com/gpu.memory`, AMD `amd.com/gpu.vram`), else the catalog, else 0. Pure and allocation-light:
 * the extender calls it per node on informer updates.
 */
export function discoverAccelerators(node: NodeLike): NodeAccelerators | undefined {
  const labels = nodeLabels(node);
  const identity = fromKinfer(labels, node) ?? fromGke(labels) ?? fromGfd(labels) ?? fromAmd(labels) ?? fromResources(node);
  if (!identity) return undefined;

  const warnings: string[] = [];
  const pools: DevicePool[] = [];
  const migPools = resourceNames(node).filter(isMigResource).sort().map((name) => migPool(node, labels, name, warnings));
  const main = identity.resourceName;
  if (main !== undefined) {
    const devices = deviceCount(node, main);
    const listed = hasResource(node, main);
    // With MIG pools beside it, an empty whole-GPU resource is noise; alone, it is still reported.
    if (migPools.length === 0 || (listed && devices > 0)) {
      pools.push({ resourceName: main, devices, hbmBytesPerDevice: deviceMemory(labels, identity, warnings) });
    }
  }
  pools.push(...migPools);

  const tpuTopology = nonEmpty(labels[ACCELERATOR_LABELS.gkeTpuTopology]);
  return {
    type: identity.type ? identity.type.name : `unknown:${identity.raw}`,
    known: identity.type !== undefined,
    source: identity.source,
    pools,
    ...(tpuTopology !== undefined ? { tpuTopology } : {}),
    topology: topologyDomains(node),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

function fromKinfer(labels: Labels, node: NodeLike): Identity | undefined {
  const raw = nonEmpty(labels[ACCELERATOR_LABELS.kinferAccelerator]);
  if (raw === undefined) return undefined;
  // Operators may write a canonical name or a product name; both are accepted.
  const type = acceleratorByName(raw) ?? acceleratorByProduct(raw);
  return { source: 'kinfer', raw, type, resourceName: type?.resourceName ?? DEVICE_RESOURCES.find((r) => hasResource(node, r)) };
}

function fromGke(labels: Labels): Identity | undefined {
  const gpu = nonEmpty(labels[ACCELERATOR_LABELS.gkeAccelerator]);
  if (gpu !== undefined) {
    const type = acceleratorByName(gpu);
    const migSlice = nonEmpty(labels[ACCELERATOR_LABELS.gkeGpuPartitionSize]);
    return { source: 'gke', raw: gpu, type, resourceName: type?.resourceName ?? 'nvidia.com/gpu', ...(migSlice !== undefined ? { migSlice } : {}) };
  }
  const tpu = nonEmpty(labels[ACCELERATOR_LABELS.gkeTpuAccelerator]);
  if (tpu === undefined) return undefined;
  return { source: 'gke', raw: tpu, type: acceleratorByName(tpu), resourceName: 'google.com/tpu' };
}

function fromGfd(labels: Labels): Identity | undefined {
  const raw = nonEmpty(labels[ACCELERATOR_LABELS.gfdProduct]);
  if (raw === undefined) return undefined;
  const single = SINGLE_MIG_PRODUCT.exec(raw);
  const type = acceleratorByProduct(single?.[1] ?? raw);
  return { source: 'gfd', raw, type, resourceName: 'nvidia.com/gpu', ...(single?.[2] !== undefined ? { migSlice: single[2] } : {}) };
}

function fromAmd(labels: Labels): Identity | undefined {
  const raw = nonEmpty(labels[ACCELERATOR_LABELS.amdProduct]);
  if (raw === undefined) return undefined;
  return { source: 'amd', raw, type: acceleratorByProduct(raw), resourceName: 'amd.com/gpu' };
}

function fromResources(node: NodeLike): Identity | undefined {
  const device = DEVICE_RESOURCES.find((r) => hasResource(node, r));
  if (device !== undefined) return { source: 'resource', raw: device, type: undefined, resourceName: device };
  const mig = resourceNames(node).filter(isMigResource).sort()[0];
  return mig === undefined ? undefined : { source: 'resource', raw: mig, type: undefined, resourceName: undefined };
}

/** Memory of one device of the identity's whole-device resource (see discoverAccelerators for the order). */
function deviceMemory(labels: Labels, identity: Identity, warnings: string[]): number {
  const explicit = readLabel(labels, ACCELERATOR_LABELS.kinferHbmPerDevice, parseKinferHbm, warnings);
  if (explicit !== undefined) return explicit;
  if (identity.resourceName === 'nvidia.com/gpu') {
    // Under GFD's single MIG strategy this label already gives the slice's memory.
    const gfd = readLabel(labels, ACCELERATOR_LABELS.gfdMemory, parseGfdMemory, warnings);
    if (gfd !== undefined) return gfd;
  }
  if (identity.resourceName === 'amd.com/gpu') {
    const amd = readLabel(labels, ACCELERATOR_LABELS.amdVram, parseAmdVram, warnings);
    if (amd !== undefined) return amd;
  }
  // Each device is a MIG slice: its memory is the profile's, never the whole GPU's.
  if (identity.migSlice !== undefined) return parseMigProfileName(identity.migSlice)?.hbmBytes ?? 0;
  return identity.type?.hbmBytesPerDevice ?? 0;
}

/** A mixed-strategy MIG pool: GFD's `<resource>.memory` label (MiB) when present, else the profile's figure. */
function migPool(node: NodeLike, labels: Labels, resourceName: string, warnings: string[]): DevicePool {
  const labelled = readLabel(labels, `${resourceName}.memory`, parseGfdMemory, warnings);
  return {
    resourceName,
    devices: deviceCount(node, resourceName),
    hbmBytesPerDevice: labelled ?? migProfile(resourceName)?.hbmBytes ?? 0,
  };
}

function readLabel(labels: Labels, key: string, parse: (text: string) => Result<number>, warnings: string[]): number | undefined {
  const text = nonEmpty(labels[key]);
  if (text === undefined) return undefined;
  const parsed = parse(text);
  if (parsed.ok) return parsed.value;
  warnings.push(`ignored label ${key}: ${parsed.error}`);
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

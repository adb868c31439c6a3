import type { Result } from '../result.js';
import {
  acceleratorByName, acceleratorByProduct, memoryOnlyByName, memoryOnlyByProduct,
} from './catalog.js';
import { fromAks, fromAwsAccelerator, fromInstanceGpuLabels, type CloudIdentity, type DiscoverySource } from './cloud-labels.js';
import { parseAmdVram, parseGfdMemory, parseKinferHbm } from './memory-labels.js';
import { isMigResource, migProfile, parseMigProfileName } from './mig.js';
import { deviceCount, hasResource, nodeLabels, resourceNames, type NodeLike } from './node.js';
import { gpuSharing, shareHbmBytes, SHARED_PRODUCT_SUFFIX, type GpuSharing } from './sharing.js';
import { topologyDomains, type TopologyDomains } from './topology.js';
import { AMD_GPU_RESOURCE, DEVICE_RESOURCES, NVIDIA_GPU_RESOURCE, TPU_RESOURCE } from './resources.js';

export type { NodeLike } from './node.js';
export { SHARING_LABELS, shareHbmBytes, type GpuSharing, type SharingStrategy } from './sharing.js';
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
  // The AMD labeller's experimental prefix (ROCm k8s-device-plugin cmd/k8s-node-labeller): the same value labels,
  // plus older `beta.amd.com/gpu.<property>.<value>=<count>` keys.
  amdBetaProduct: 'beta.amd.com/gpu.product-name',
  amdBetaVram: 'beta.amd.com/gpu.vram',
} as const;

export type { DiscoverySource } from './cloud-labels.js';
export { CLOUD_LABELS } from './cloud-labels.js';

/** Devices of one extended resource on a node, all with the same memory. */
export interface DevicePool {
  readonly resourceName: string;
  /** Allocatable devices (capacity when allocatable does not list the resource). */
  readonly devices: number;
  /** Memory of one device (MIG slice, or GPU share) in bytes; 0 when nothing says. */
  readonly hbmBytesPerDevice: number;
  /** Present when each unit is a share of a physical GPU (time-slicing, MPS): `devices` counts shares. */
  readonly sharing?: GpuSharing;
}

export interface NodeAccelerators {
  /**
   * Canonical type name (also for parts kinfer sizes but has no speed data for, see catalog MEMORY_ONLY), or
   * `unknown:<label value>` (`unknown:<resource>` for a node without labels).
   */
  readonly type: string;
  /** True when the type is in the catalog with speed figures (bandwidth, FLOP/s). */
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
interface Identity extends CloudIdentity {
  readonly source: DiscoverySource;
  /** The MIG profile every device is (GFD single strategy, GKE GPU partitions), e.g. `1g.5gb`. */
  readonly migSlice?: string;
  /** GFD's product carried the `-SHARED` suffix. */
  readonly productShared?: boolean;
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
  const identity: Identity | undefined = fromKinfer(labels, node) ?? fromGke(labels) ?? fromGfd(labels) ?? fromAmd(labels)
    ?? fromInstanceGpuLabels(labels, node) ?? fromAwsAccelerator(labels) ?? fromAks(labels) ?? fromResources(node);
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
      const hbm = deviceMemory(labels, identity, warnings);
      const sharing = main === NVIDIA_GPU_RESOURCE && identity.migSlice === undefined
        ? gpuSharing(node, hbm, identity.productShared === true, warnings)
        : undefined;
      pools.push(sharing
        ? { resourceName: main, devices, hbmBytesPerDevice: shareHbmBytes(sharing), sharing }
        : { resourceName: main, devices, hbmBytesPerDevice: hbm });
    }
  }
  pools.push(...migPools);

  const tpuTopology = nonEmpty(labels[ACCELERATOR_LABELS.gkeTpuTopology]);
  return {
    type: identity.type?.name ?? identity.memoryOnly?.name ?? `unknown:${identity.raw}`,
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
  const memoryOnly = type ? undefined : memoryOnlyByName(raw) ?? memoryOnlyByProduct(raw);
  return {
    source: 'kinfer', raw, type, ...(memoryOnly ? { memoryOnly } : {}),
    resourceName: type?.resourceName ?? memoryOnly?.resourceName ?? DEVICE_RESOURCES.find((r) => hasResource(node, r)),
  };
}

function fromGke(labels: Labels): Identity | undefined {
  const gpu = nonEmpty(labels[ACCELERATOR_LABELS.gkeAccelerator]);
  if (gpu !== undefined) {
    const type = acceleratorByName(gpu);
    const memoryOnly = type ? undefined : memoryOnlyByName(gpu);
    const migSlice = nonEmpty(labels[ACCELERATOR_LABELS.gkeGpuPartitionSize]);
    return {
      source: 'gke', raw: gpu, type, ...(memoryOnly ? { memoryOnly } : {}), resourceName: type?.resourceName ?? NVIDIA_GPU_RESOURCE,
      ...(migSlice !== undefined ? { migSlice } : {}),
    };
  }
  const tpu = nonEmpty(labels[ACCELERATOR_LABELS.gkeTpuAccelerator]);
  if (tpu === undefined) return undefined;
  return { source: 'gke', raw: tpu, type: acceleratorByName(tpu), resourceName: TPU_RESOURCE };
}

function fromGfd(labels: Labels): Identity | undefined {
  const raw = nonEmpty(labels[ACCELERATOR_LABELS.gfdProduct]);
  if (raw === undefined) return undefined;
  const productShared = SHARED_PRODUCT_SUFFIX.test(raw);
  const product = raw.replace(SHARED_PRODUCT_SUFFIX, '');
  const single = SINGLE_MIG_PRODUCT.exec(product);
  const type = acceleratorByProduct(single?.[1] ?? product);
  const memoryOnly = type ? undefined : memoryOnlyByProduct(single?.[1] ?? product);
  return {
    source: 'gfd', raw: product, type, ...(memoryOnly ? { memoryOnly } : {}), resourceName: NVIDIA_GPU_RESOURCE,
    ...(single?.[2] !== undefined ? { migSlice: single[2] } : {}), ...(productShared ? { productShared } : {}),
  };
}

// Older labellers write the value into the key: `beta.amd.com/gpu.product-name.Instinct_MI300X=1`,
// `beta.amd.com/gpu.vram.64G=1` (ROCm k8s-device-plugin cmd/k8s-node-labeller README and main_test.go).
const AMD_BETA_KEYED = /^beta\.amd\.com\/gpu\.(product-name|vram)\.(.+)$/;

/** AMD's current `amd.com/gpu.*` labels, else the `beta.amd.com/gpu.*` ones (value or value-in-key form). */
function fromAmd(labels: Labels): Identity | undefined {
  const raw = nonEmpty(labels[ACCELERATOR_LABELS.amdProduct]) ?? nonEmpty(labels[ACCELERATOR_LABELS.amdBetaProduct]) ?? keyedAmd(labels, 'product-name');
  const vram = labels[ACCELERATOR_LABELS.amdVram] !== undefined || labels[ACCELERATOR_LABELS.amdBetaVram] !== undefined || keyedAmd(labels, 'vram') !== undefined;
  if (raw === undefined && !vram) return undefined;
  const name = raw ?? AMD_GPU_RESOURCE;
  const type = raw === undefined ? undefined : acceleratorByProduct(raw);
  return { source: 'amd', raw: name, type, resourceName: AMD_GPU_RESOURCE };
}

function keyedAmd(labels: Labels, property: 'product-name' | 'vram'): string | undefined {
  for (const key of Object.keys(labels)) {
    const match = AMD_BETA_KEYED.exec(key);
    if (match?.[1] === property && match[2] !== undefined) return match[2];
  }
  return undefined;
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
  if (identity.resourceName === NVIDIA_GPU_RESOURCE) {
    // Under GFD's single MIG strategy this label already gives the slice's memory.
    const gfd = readLabel(labels, ACCELERATOR_LABELS.gfdMemory, parseGfdMemory, warnings);
    if (gfd !== undefined) return gfd;
  }
  if (identity.resourceName === AMD_GPU_RESOURCE) {
    const amd = readLabel(labels, ACCELERATOR_LABELS.amdVram, parseAmdVram, warnings)
      ?? readLabel(labels, ACCELERATOR_LABELS.amdBetaVram, parseAmdVram, warnings);
    if (amd !== undefined) return amd;
    const keyed = keyedAmd(labels, 'vram');
    if (keyed !== undefined) {
      const parsed = parseAmdVram(keyed);
      if (parsed.ok) return parsed.value;
      warnings.push(`ignored label beta.amd.com/gpu.vram.${keyed}: ${parsed.error}`);
    }
  }
  if (identity.memoryLabel !== undefined) {
    const labelled = readLabel(labels, identity.memoryLabel, parseGfdMemory, warnings);
    if (labelled !== undefined) return labelled;
  }
  // Each device is a MIG slice: its memory is the profile's, never the whole GPU's.
  if (identity.migSlice !== undefined) return parseMigProfileName(identity.migSlice)?.hbmBytes ?? 0;
  return identity.type?.hbmBytesPerDevice ?? identity.memoryOnly?.hbmBytesPerDevice ?? 0;
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

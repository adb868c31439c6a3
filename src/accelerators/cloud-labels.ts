import {
  acceleratorByName, memoryOnlyByName, type AcceleratorType, type MemoryOnlyType,
} from './catalog.js';
import { hasResource, type NodeLike } from './node.js';
import { AMD_GPU_RESOURCE, NVIDIA_GPU_RESOURCE } from './resources.js';

// Cloud providers' own node labels, for clusters without GPU Feature Discovery or the AMD labeller.

export type DiscoverySource = 'gke' | 'gfd' | 'amd' | 'karpenter' | 'eks' | 'aws' | 'aks' | 'kinfer' | 'resource';

/** What one label scheme says about a node. */
export interface CloudIdentity {
  readonly source: DiscoverySource;
  /** The value that named the type: a label value, or a resource name. */
  readonly raw: string;
  /** The catalog type (with speed figures), when the value names one. */
  readonly type: AcceleratorType | undefined;
  /** A part kinfer can size but has no speed figures for. */
  readonly memoryOnly?: MemoryOnlyType;
  /** The whole-device resource of this type; undefined when nothing tells (then only MIG pools remain). */
  readonly resourceName: string | undefined;
  /** A label giving one device's memory in whole MiB (the provider's word; it wins over the catalog). */
  readonly memoryLabel?: string;
}

export const CLOUD_LABELS = {
  // Karpenter well-known labels (https://karpenter.sh/docs/concepts/scheduling/#well-known-labels):
  // name e.g. `t4`, manufacturer `nvidia`, count, memory in MiB per GPU.
  karpenterGpuName: 'karpenter.k8s.aws/instance-gpu-name',
  karpenterGpuMemory: 'karpenter.k8s.aws/instance-gpu-memory',
  karpenterGpuCount: 'karpenter.k8s.aws/instance-gpu-count',
  karpenterGpuManufacturer: 'karpenter.k8s.aws/instance-gpu-manufacturer',
  // EKS Auto Mode, the same set under its own prefix
  // (https://docs.aws.amazon.com/eks/latest/userguide/create-node-pool.html, "EKS Auto Mode Supported Labels").
  eksGpuName: 'eks.amazonaws.com/instance-gpu-name',
  eksGpuMemory: 'eks.amazonaws.com/instance-gpu-memory',
  eksGpuCount: 'eks.amazonaws.com/instance-gpu-count',
  eksGpuManufacturer: 'eks.amazonaws.com/instance-gpu-manufacturer',
  // Cluster Autoscaler's AWS convention for GPU node groups, set by the operator (eksctl examples use
  // `nvidia-tesla-k80`, `nvidia-tesla-t4`): free text, so only GKE-style names are understood.
  awsAccelerator: 'k8s.amazonaws.com/accelerator',
  // AKS (https://learn.microsoft.com/azure/aks/use-labels): `nvidia` on GPU node pools; names the vendor only.
  aksAccelerator: 'kubernetes.azure.com/accelerator',
} as const;

/**
 * Karpenter / EKS Auto Mode `instance-gpu-name` values and the type each means. Values and memory from Karpenter's
 * instance-types reference (https://karpenter.sh/docs/reference/instance-types/): g4dn `t4` 16384 MiB, g5 `a10g`
 * 22888, g6 `l4` 22888, g6e `l40s` 45776, p4d `a100` 40960, p4de `a100` 81920, p5 `h100` 81920, p5e/p5en `h200`
 * 144384, p6-b200 `b200` 183359. `a100` names both A100 SXM parts: the memory label tells them apart.
 */
const INSTANCE_GPU_NAMES: Readonly<Record<string, string | ((memoryMiB: number | undefined) => string)>> = {
  t4: 'nvidia-tesla-t4',
  l4: 'nvidia-l4',
  a10g: 'nvidia-a10g',
  l40s: 'nvidia-l40s',
  a100: (memoryMiB) => (memoryMiB !== undefined && memoryMiB > 40960 ? 'nvidia-a100-80gb' : 'nvidia-tesla-a100'),
  h100: 'nvidia-h100-80gb',
  h200: 'nvidia-h200-141gb',
  b200: 'nvidia-b200',
};

const MANUFACTURER_RESOURCE: Readonly<Record<string, string>> = { nvidia: NVIDIA_GPU_RESOURCE, amd: AMD_GPU_RESOURCE };

type Labels = Readonly<Record<string, string>>;

function named(raw: string, name: string | undefined): Pick<CloudIdentity, 'type' | 'memoryOnly'> {
  if (name === undefined) return { type: undefined };
  const type = acceleratorByName(name);
  const memoryOnly = type ? undefined : memoryOnlyByName(name);
  return { type, ...(memoryOnly ? { memoryOnly } : {}) };
}

/** Karpenter's `karpenter.k8s.aws/instance-gpu-*` labels, else EKS Auto Mode's `eks.amazonaws.com/instance-gpu-*`. */
export function fromInstanceGpuLabels(labels: Labels, node: NodeLike): CloudIdentity | undefined {
  const schemes = [
    { source: 'karpenter', name: CLOUD_LABELS.karpenterGpuName, memory: CLOUD_LABELS.karpenterGpuMemory, maker: CLOUD_LABELS.karpenterGpuManufacturer },
    { source: 'eks', name: CLOUD_LABELS.eksGpuName, memory: CLOUD_LABELS.eksGpuMemory, maker: CLOUD_LABELS.eksGpuManufacturer },
  ] as const;
  for (const scheme of schemes) {
    const raw = labels[scheme.name]?.trim();
    if (raw === undefined || raw === '') continue;
    const memoryText = labels[scheme.memory];
    const memoryMiB = memoryText !== undefined && /^\s*\d+\s*$/.test(memoryText) ? Number(memoryText) : undefined;
    const mapping = INSTANCE_GPU_NAMES[raw.toLowerCase()];
    const name = typeof mapping === 'function' ? mapping(memoryMiB) : mapping;
    const maker = labels[scheme.maker]?.trim().toLowerCase();
    const resourceName = (maker !== undefined ? MANUFACTURER_RESOURCE[maker] : undefined)
      ?? [NVIDIA_GPU_RESOURCE, AMD_GPU_RESOURCE].find((r) => hasResource(node, r)) ?? NVIDIA_GPU_RESOURCE;
    return { source: scheme.source, raw, ...named(raw, name), resourceName, memoryLabel: scheme.memory };
  }
  return undefined;
}

/** `k8s.amazonaws.com/accelerator`: understood when its value is a canonical (GKE-style) name. */
export function fromAwsAccelerator(labels: Labels): CloudIdentity | undefined {
  const raw = labels[CLOUD_LABELS.awsAccelerator]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const found = named(raw, raw.toLowerCase());
  return { source: 'aws', raw, ...found, resourceName: found.type?.resourceName ?? found.memoryOnly?.resourceName ?? NVIDIA_GPU_RESOURCE };
}

/** AKS names only the vendor: the node has NVIDIA GPUs of an unknown type (GFD, if installed, is read first). */
export function fromAks(labels: Labels): CloudIdentity | undefined {
  const raw = labels[CLOUD_LABELS.aksAccelerator]?.trim();
  if (raw === undefined || raw === '') return undefined;
  return { source: 'aks', raw: `aks:${raw}`, type: undefined, resourceName: MANUFACTURER_RESOURCE[raw.toLowerCase()] ?? NVIDIA_GPU_RESOURCE };
}

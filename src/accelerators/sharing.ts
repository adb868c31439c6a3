import { nodeLabels, deviceCount, type NodeLike } from './node.js';
import { NVIDIA_GPU_RESOURCE } from './resources.js';

// GPU sharing: one physical GPU offered as several `nvidia.com/gpu` units. kinfer treats each unit as a share of
// one device, never as a device: memory per share = the device's memory ÷ shares, and a pod asking for more
// than one share is refused tensor parallelism (its ranks would land on one GPU).
//
// Memory per share. MPS splits memory: the NVIDIA device plugin caps each MPS client at an equal part of the
// device (k8s-device-plugin README, "With CUDA MPS"), and GKE MPS does the same per client. Time-slicing does not
// isolate memory at all: any client may take the whole framebuffer and the next one fails to allocate (GPU
// Operator docs, "Time-Slicing GPUs": "no memory or fault-isolation between replicas"). kinfer reserves an equal
// part for both: a replica placed on a time-sliced share can only count on its 1/N, or co-tenants run out.

export type SharingStrategy = 'time-slicing' | 'mps';

export interface GpuSharing {
  readonly strategy: SharingStrategy;
  /** Shares (clients) per physical GPU. */
  readonly sharesPerDevice: number;
  /** Memory of the whole physical device, in bytes. */
  readonly deviceHbmBytes: number;
  /** The labels that said so, for `list nodes` and messages. */
  readonly labels: string;
}

export const SHARING_LABELS = {
  // GKE: https://cloud.google.com/kubernetes-engine/docs/how-to/timesharing-gpus and .../nvidia-mps-gpus
  gkeStrategy: 'cloud.google.com/gke-gpu-sharing-strategy',
  gkeMaxClients: 'cloud.google.com/gke-max-shared-clients-per-gpu',
  // GPU Feature Discovery: https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/gpu-sharing.html
  gfdReplicas: 'nvidia.com/gpu.replicas',
  gfdStrategy: 'nvidia.com/gpu.sharing-strategy',
  gfdCount: 'nvidia.com/gpu.count',
} as const;

/** GFD appends `-SHARED` to the product when replicas are advertised under the same resource name. */
export const SHARED_PRODUCT_SUFFIX = /-SHARED$/i;

const GKE_STRATEGIES: Readonly<Record<string, SharingStrategy>> = { 'time-sharing': 'time-slicing', mps: 'mps' };
const GFD_STRATEGIES: Readonly<Record<string, SharingStrategy>> = { 'time-slicing': 'time-slicing', mps: 'mps' };

function wholeNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return undefined;
  return Number(text);
}

/**
 * How many shares each physical `nvidia.com/gpu` is split into on this node, and by which strategy; undefined
 * when the GPUs are not shared. `deviceHbmBytes` is the physical device's memory. A label saying "shared" with an
 * unreadable count adds a warning and falls back to allocatable ÷ `nvidia.com/gpu.count` when GFD gives it.
 */
export function gpuSharing(node: NodeLike, deviceHbmBytes: number, productShared: boolean, warnings: string[]): GpuSharing | undefined {
  const labels = nodeLabels(node);
  const gke = labels[SHARING_LABELS.gkeStrategy]?.trim();
  if (gke !== undefined && gke !== '') {
    const strategy = GKE_STRATEGIES[gke];
    if (!strategy) {
      warnings.push(`ignored label ${SHARING_LABELS.gkeStrategy}: "${gke}" is not time-sharing or mps`);
      return undefined;
    }
    const shares = wholeNumber(labels[SHARING_LABELS.gkeMaxClients]);
    if (shares === undefined || shares < 1) {
      warnings.push(`GPU sharing ${gke} without a readable ${SHARING_LABELS.gkeMaxClients}; each nvidia.com/gpu counted as a whole GPU`);
      return undefined;
    }
    return shares > 1 ? { strategy, sharesPerDevice: shares, deviceHbmBytes, labels: `${SHARING_LABELS.gkeStrategy}=${gke}, ${SHARING_LABELS.gkeMaxClients}=${shares}` } : undefined;
  }
  const gfdStrategyText = labels[SHARING_LABELS.gfdStrategy]?.trim();
  const replicasText = labels[SHARING_LABELS.gfdReplicas];
  const replicas = wholeNumber(replicasText);
  const gfdStrategy = gfdStrategyText !== undefined ? GFD_STRATEGIES[gfdStrategyText] : undefined;
  if (gfdStrategy === undefined && !productShared) return undefined;
  // `-SHARED` without a strategy label (older GFD): time-slicing was the only sharing GFD then knew.
  const strategy = gfdStrategy ?? 'time-slicing';
  let shares = replicas;
  if (shares === undefined) {
    const physical = wholeNumber(labels[SHARING_LABELS.gfdCount]);
    const allocatable = deviceCount(node, NVIDIA_GPU_RESOURCE);
    if (physical !== undefined && physical > 0 && allocatable % physical === 0) shares = allocatable / physical;
    warnings.push(`GPU sharing without a readable ${SHARING_LABELS.gfdReplicas}${shares !== undefined ? `; ${shares} share(s) per GPU from allocatable ÷ ${SHARING_LABELS.gfdCount}` : ''}`);
  }
  if (shares === undefined || shares <= 1) return undefined;
  const said = [gfdStrategyText !== undefined ? `${SHARING_LABELS.gfdStrategy}=${gfdStrategyText}` : 'product -SHARED', `${SHARING_LABELS.gfdReplicas}=${replicasText ?? '?'}`];
  return { strategy, sharesPerDevice: shares, deviceHbmBytes, labels: said.join(', ') };
}

/** Memory one share may count on (see the file comment). */
export function shareHbmBytes(sharing: GpuSharing): number {
  return Math.floor(sharing.deviceHbmBytes / sharing.sharesPerDevice);
}

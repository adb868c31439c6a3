// Fake nodes: Node objects built from a short YAML description, created Ready with their allocatable
// devices (a Node's status may be set on create; no kubelet will ever update it).
//
//   - name: l4            # with count: l4-0 .. l4-{count-1}
//     count: 2
//     scheme: gke          # gke | gfd | amd | kinfer | tpu | karpenter | eks | aks | cpu (default cpu: no accelerator)
//     type: nvidia-l4      # gke/kinfer/tpu: the canonical type name; gfd/amd: use `product`;
//                          # karpenter/eks: the instance-gpu-name value (l4, a100, t4, ...)
//     product: NVIDIA-H100-80GB-HBM3   # gfd (nvidia.com/gpu.product) and amd (amd.com/gpu.product-name)
//     memoryMiB: 81559     # gfd nvidia.com/gpu.memory, amd amd.com/gpu.vram, kinfer kinfer.dev/hbm-per-device,
//                          # karpenter/eks instance-gpu-memory
//     devices: 4           # physical devices (allocatable nvidia.com/gpu / amd.com/gpu / google.com/tpu without sharing)
//     shares: 4            # GPU sharing: gke → gke-gpu-sharing-strategy + gke-max-shared-clients-per-gpu; gfd →
//                          # product -SHARED, nvidia.com/gpu.replicas, sharing-strategy; allocatable = devices × shares
//     sharing: time-sharing  # gke: time-sharing | mps; gfd: time-slicing | mps (default time-sharing / time-slicing)
//     block: b1            # cloud.google.com/gce-topology-block
//     subblock: s1         # cloud.google.com/gce-topology-subblock
//     topology: 2x4        # tpu: cloud.google.com/gke-tpu-topology
//     zone: us-central1-a  # topology.kubernetes.io/zone
//     clique: c0           # nvidia.com/gpu.clique
//     nodepool: pool-a     # cloud.google.com/gke-nodepool
//     cpu: 48
//     memory: 192Gi
//     labels: { any: extra }
import type { CoreV1Api, V1Node } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { mapLimit } from './wait.js';

export type Scheme = 'gke' | 'gfd' | 'amd' | 'kinfer' | 'tpu' | 'karpenter' | 'eks' | 'aks' | 'cpu';

export interface NodeSpec {
  readonly name: string;
  readonly count?: number;
  readonly scheme?: Scheme;
  readonly type?: string;
  readonly product?: string;
  readonly memoryMiB?: number;
  readonly devices?: number;
  readonly shares?: number;
  readonly sharing?: string;
  readonly block?: string;
  readonly subblock?: string;
  readonly topology?: string;
  readonly zone?: string;
  readonly clique?: string;
  readonly nodepool?: string;
  readonly cpu?: string | number;
  readonly memory?: string;
  readonly pods?: number;
  readonly labels?: Record<string, string>;
}

const SCHEMES: readonly Scheme[] = ['gke', 'gfd', 'amd', 'kinfer', 'tpu', 'karpenter', 'eks', 'aks', 'cpu'];

/** Parses the YAML list (or takes the list as is) and checks each entry names what its scheme needs. */
export function parseNodeSpecs(description: string | readonly NodeSpec[]): NodeSpec[] {
  const specs = (typeof description === 'string' ? parse(description) : description) as NodeSpec[];
  if (!Array.isArray(specs)) throw new Error('node description: expected a YAML list');
  for (const spec of specs) {
    const scheme = spec.scheme ?? 'cpu';
    if (!spec.name) throw new Error(`node description: an entry has no name: ${JSON.stringify(spec)}`);
    if (!SCHEMES.includes(scheme)) throw new Error(`node ${spec.name}: unknown scheme ${scheme}; use ${SCHEMES.join(', ')}`);
    if ((scheme === 'gke' || scheme === 'kinfer' || scheme === 'tpu' || scheme === 'karpenter' || scheme === 'eks') && !spec.type) throw new Error(`node ${spec.name}: scheme ${scheme} needs type`);
    if (spec.shares !== undefined && !(scheme === 'gke' || scheme === 'gfd')) throw new Error(`node ${spec.name}: shares are for schemes gke and gfd`);
    if ((scheme === 'gfd' || scheme === 'amd') && !spec.product) throw new Error(`node ${spec.name}: scheme ${scheme} needs product`);
    if (scheme === 'kinfer' && spec.memoryMiB === undefined) throw new Error(`node ${spec.name}: scheme kinfer needs memoryMiB`);
    if (scheme !== 'cpu' && !(Number(spec.devices) > 0)) throw new Error(`node ${spec.name}: scheme ${scheme} needs devices > 0`);
  }
  return specs;
}

function deviceResource(spec: NodeSpec): string | undefined {
  const scheme = spec.scheme ?? 'cpu';
  if (scheme === 'cpu') return undefined;
  if (scheme === 'tpu' || (scheme === 'gke' && spec.type?.startsWith('tpu'))) return 'google.com/tpu';
  if (scheme === 'amd' || (scheme === 'kinfer' && spec.type?.startsWith('amd'))) return 'amd.com/gpu';
  if (scheme === 'kinfer' && spec.type?.startsWith('tpu')) return 'google.com/tpu';
  return 'nvidia.com/gpu';
}

/** The Node objects one description entry stands for (`count` of them, or one named `name`). */
export function buildNodes(spec: NodeSpec): V1Node[] {
  const names = spec.count === undefined ? [spec.name] : Array.from({ length: spec.count }, (_, i) => `${spec.name}-${i}`);
  const scheme = spec.scheme ?? 'cpu';
  const resource = deviceResource(spec);
  return names.map((name) => {
    const labels: Record<string, string> = {
      'kubernetes.io/hostname': name,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'e2e.kinfer.dev/fake': 'true',
    };
    const tpu = resource === 'google.com/tpu';
    switch (scheme) {
      case 'gke':
      case 'tpu':
        if (tpu) {
          labels['cloud.google.com/gke-tpu-accelerator'] = spec.type!;
          if (spec.topology) labels['cloud.google.com/gke-tpu-topology'] = spec.topology;
        } else {
          labels['cloud.google.com/gke-accelerator'] = spec.type!;
          if (spec.shares !== undefined) {
            // GKE time-sharing / MPS docs: strategy and clients per GPU; allocatable is GPUs × clients.
            labels['cloud.google.com/gke-gpu-sharing-strategy'] = spec.sharing ?? 'time-sharing';
            labels['cloud.google.com/gke-max-shared-clients-per-gpu'] = String(spec.shares);
          }
        }
        break;
      case 'gfd':
        labels['nvidia.com/gpu.product'] = spec.shares !== undefined ? `${spec.product!}-SHARED` : spec.product!;
        labels['nvidia.com/gpu.count'] = String(spec.devices);
        if (spec.memoryMiB !== undefined) labels['nvidia.com/gpu.memory'] = String(spec.memoryMiB);
        if (spec.shares !== undefined) {
          // GPU Operator docs (gpu-sharing, gpu-sharing-mps): replicas and strategy labels, product -SHARED.
          labels['nvidia.com/gpu.replicas'] = String(spec.shares);
          labels['nvidia.com/gpu.sharing-strategy'] = spec.sharing ?? 'time-slicing';
        }
        break;
      case 'amd':
        labels['amd.com/gpu.product-name'] = spec.product!;
        if (spec.memoryMiB !== undefined) labels['amd.com/gpu.vram'] = `${spec.memoryMiB}M`;
        break;
      case 'kinfer':
        labels['kinfer.dev/accelerator'] = spec.type!;
        labels['kinfer.dev/hbm-per-device'] = `${spec.memoryMiB}Mi`;
        break;
      case 'karpenter':
      case 'eks': {
        // Karpenter well-known labels / EKS Auto Mode labels (karpenter.sh docs; EKS create-node-pool docs).
        const prefix = scheme === 'karpenter' ? 'karpenter.k8s.aws' : 'eks.amazonaws.com';
        labels[`${prefix}/instance-gpu-name`] = spec.type!;
        labels[`${prefix}/instance-gpu-manufacturer`] = 'nvidia';
        labels[`${prefix}/instance-gpu-count`] = String(spec.devices);
        if (spec.memoryMiB !== undefined) labels[`${prefix}/instance-gpu-memory`] = String(spec.memoryMiB);
        break;
      }
      case 'aks':
        // AKS use-labels docs: GPU node pools carry kubernetes.azure.com/accelerator=nvidia; GFD adds the product.
        labels['kubernetes.azure.com/accelerator'] = 'nvidia';
        if (spec.product) labels['nvidia.com/gpu.product'] = spec.product;
        if (spec.memoryMiB !== undefined) labels['nvidia.com/gpu.memory'] = String(spec.memoryMiB);
        break;
      case 'cpu':
        break;
    }
    if (spec.zone) labels['topology.kubernetes.io/zone'] = spec.zone;
    if (spec.clique) labels['nvidia.com/gpu.clique'] = spec.clique;
    if (spec.nodepool) labels['cloud.google.com/gke-nodepool'] = spec.nodepool;
    if (spec.block) labels['cloud.google.com/gce-topology-block'] = spec.block;
    if (spec.subblock) labels['cloud.google.com/gce-topology-subblock'] = spec.subblock;
    Object.assign(labels, spec.labels ?? {});

    const resources: Record<string, string> = {
      cpu: String(spec.cpu ?? 32),
      memory: spec.memory ?? '256Gi',
      pods: String(spec.pods ?? 110),
      'ephemeral-storage': '500Gi',
    };
    if (resource) resources[resource] = String(Number(spec.devices) * (spec.shares ?? 1));
    const now = new Date();
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels },
      spec: {},
      status: {
        capacity: { ...resources },
        allocatable: { ...resources },
        conditions: [
          { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'fake node (kinfer e2e)', lastHeartbeatTime: now, lastTransitionTime: now },
          { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: now, lastTransitionTime: now },
          { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', lastHeartbeatTime: now, lastTransitionTime: now },
          { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', lastHeartbeatTime: now, lastTransitionTime: now },
        ],
        addresses: [{ type: 'Hostname', address: name }],
      },
    };
  });
}

/**
 * Creates the nodes a description stands for, `concurrency` requests at a time, and checks the API server kept
 * their status (allocatable devices and Ready). Returns the created names in description order.
 */
export async function createNodes(core: CoreV1Api, description: string | readonly NodeSpec[], concurrency = 20): Promise<string[]> {
  const nodes = parseNodeSpecs(description).flatMap(buildNodes);
  const created = await mapLimit(nodes, concurrency, async (body) => {
    const node = await core.createNode({ body });
    const want = body.status!.allocatable!;
    for (const [key, value] of Object.entries(want)) {
      if (node.status?.allocatable?.[key] !== value) {
        throw new Error(`node ${body.metadata!.name}: the API server dropped status.allocatable[${key}] (want ${value}, got ${node.status?.allocatable?.[key]})`);
      }
    }
    return node.metadata!.name!;
  });
  return created;
}

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { discoverAccelerators, type NodeAccelerators, type NodeLike } from '../../../src/accelerators/discovery.js';
import { GiB, MiB } from '../../../src/units/quantity.js';

// Every label set kinfer reads, as the provider or project documents it. Each case names its source next to it;
// label keys AND values are copied from that source. Where a source gives no value (or none we could find), the
// case says so and what it uses instead. `resources` is the node's allocatable (what the device plugin reports).

interface Case {
  readonly name: string;
  /** Where the labels come from. */
  readonly source: string;
  readonly labels: Record<string, string>;
  readonly resources: Record<string, string>;
  /** Fields of the discovery result to compare (type, known, source, pools, tpuTopology, topology subset). */
  readonly want: Partial<NodeAccelerators>;
}

const node = (name: string, labels: Record<string, string>, resources: Record<string, string>): NodeLike => ({
  metadata: { name, labels },
  status: { allocatable: resources, capacity: resources },
});

const cases: Case[] = [
  // ---------------------------------------------------------------- GKE
  {
    name: 'GKE single-host TPU v5e (tpu-v5-lite-device) is the v5e type',
    // https://cloud.google.com/kubernetes-engine/docs/concepts/plan-tpus (accelerator values; single-host v5e =
    // tpu-v5-lite-device), as GKE's tpu-provisioner maps ct5lp single-host machines to it.
    source: 'GKE Plan TPUs',
    labels: { 'cloud.google.com/gke-tpu-accelerator': 'tpu-v5-lite-device', 'cloud.google.com/gke-tpu-topology': '2x2' },
    resources: { 'google.com/tpu': '4' },
    want: { type: 'tpu-v5-lite-podslice', known: true, source: 'gke', tpuTopology: '2x2', pools: [{ resourceName: 'google.com/tpu', devices: 4, hbmBytesPerDevice: 16 * GiB }] },
  },
  {
    name: 'GKE TPU v4 pod slice',
    source: 'GKE Plan TPUs (tpu-v4-podslice, topology 2x2x2, ct4p-hightpu-4t: 4 chips per VM)',
    labels: { 'cloud.google.com/gke-tpu-accelerator': 'tpu-v4-podslice', 'cloud.google.com/gke-tpu-topology': '2x2x2', 'cloud.google.com/gke-nodepool': 'v4-pool' },
    resources: { 'google.com/tpu': '4' },
    want: { type: 'tpu-v4-podslice', known: true, source: 'gke', tpuTopology: '2x2x2', pools: [{ resourceName: 'google.com/tpu', devices: 4, hbmBytesPerDevice: 32 * GiB }] },
  },
  {
    name: 'GKE RTX PRO 6000 (G4): sized, no speed data',
    // https://cloud.google.com/kubernetes-engine/docs/reference/crds/computeclass: "Example values for
    // nvidia-rtx-pro-6000: 1g.24gb, 2g.48gb, 4g.96gb" (the accelerator value is the gke-accelerator label value).
    source: 'GKE ComputeClass reference',
    labels: { 'cloud.google.com/gke-accelerator': 'nvidia-rtx-pro-6000' },
    resources: { 'nvidia.com/gpu': '1' },
    want: { type: 'nvidia-rtx-pro-6000', known: false, source: 'gke', pools: [{ resourceName: 'nvidia.com/gpu', devices: 1, hbmBytesPerDevice: 96e9 }] },
  },
  {
    name: 'GKE physical topology: block, sub-block, host',
    // https://cloud.google.com/ai-hypercomputer/docs/workloads/schedule-gke-workloads-tas: "cloud.google.com/gce-topology-block:
    // the organization-specific ID of the reserved block ... -subblock ... -host: the ID of the host". The docs
    // show no example IDs, so these three values are ours.
    source: 'GKE topology-aware scheduling docs (keys only)',
    labels: {
      'cloud.google.com/gke-accelerator': 'nvidia-h200-141gb', 'topology.kubernetes.io/zone': 'us-central1-b',
      'cloud.google.com/gce-topology-block': 'b-1', 'cloud.google.com/gce-topology-subblock': 'sb-3', 'cloud.google.com/gce-topology-host': 'h-17',
    },
    resources: { 'nvidia.com/gpu': '8' },
    want: { type: 'nvidia-h200-141gb', topology: { zone: 'us-central1-b', block: 'b-1', subBlock: 'sb-3', physicalHost: 'h-17', host: 'gke-topo' } },
  },
  {
    name: 'GKE time-sharing: 4 shares of one L4, each a quarter of its memory',
    // https://cloud.google.com/kubernetes-engine/docs/how-to/timesharing-gpus: node labels
    // cloud.google.com/gke-gpu-sharing-strategy=time-sharing, cloud.google.com/gke-max-shared-clients-per-gpu=4;
    // allocatable nvidia.com/gpu = GPUs x clients.
    source: 'GKE time-sharing GPUs',
    labels: {
      'cloud.google.com/gke-accelerator': 'nvidia-l4', 'cloud.google.com/gke-gpu-sharing-strategy': 'time-sharing',
      'cloud.google.com/gke-max-shared-clients-per-gpu': '4',
    },
    resources: { 'nvidia.com/gpu': '4' },
    want: {
      type: 'nvidia-l4', known: true, source: 'gke',
      pools: [{
        resourceName: 'nvidia.com/gpu', devices: 4, hbmBytesPerDevice: Math.floor((23034 * MiB) / 4),
        sharing: { strategy: 'time-slicing', sharesPerDevice: 4, deviceHbmBytes: 23034 * MiB, labels: 'cloud.google.com/gke-gpu-sharing-strategy=time-sharing, cloud.google.com/gke-max-shared-clients-per-gpu=4' },
      }],
    },
  },
  {
    name: 'GKE MPS: 2 clients per T4',
    // https://cloud.google.com/kubernetes-engine/docs/how-to/nvidia-mps-gpus: gke-gpu-sharing-strategy=mps.
    source: 'GKE MPS GPUs',
    labels: {
      'cloud.google.com/gke-accelerator': 'nvidia-tesla-t4', 'cloud.google.com/gke-gpu-sharing-strategy': 'mps',
      'cloud.google.com/gke-max-shared-clients-per-gpu': '2',
    },
    resources: { 'nvidia.com/gpu': '2' },
    want: {
      type: 'nvidia-tesla-t4',
      pools: [{
        resourceName: 'nvidia.com/gpu', devices: 2, hbmBytesPerDevice: (15360 * MiB) / 2,
        sharing: { strategy: 'mps', sharesPerDevice: 2, deviceHbmBytes: 15360 * MiB, labels: 'cloud.google.com/gke-gpu-sharing-strategy=mps, cloud.google.com/gke-max-shared-clients-per-gpu=2' },
      }],
    },
  },
  // ---------------------------------------------------------------- NVIDIA GPU Feature Discovery
  {
    name: 'GFD MPS sharing: Tesla-T4-SHARED, 4 replicas of 4 GPUs',
    // https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/gpu-sharing-mps.html, example output:
    // nvidia.com/gpu.count=4, nvidia.com/gpu.product=Tesla-T4-SHARED, nvidia.com/gpu.replicas=4,
    // nvidia.com/gpu.sharing-strategy=mps, Allocatable nvidia.com/gpu: 16.
    source: 'NVIDIA GPU Operator, MPS',
    labels: { 'nvidia.com/gpu.count': '4', 'nvidia.com/gpu.product': 'Tesla-T4-SHARED', 'nvidia.com/gpu.replicas': '4', 'nvidia.com/gpu.sharing-strategy': 'mps' },
    resources: { 'nvidia.com/gpu': '16' },
    want: {
      type: 'nvidia-tesla-t4', known: true, source: 'gfd',
      pools: [{
        resourceName: 'nvidia.com/gpu', devices: 16, hbmBytesPerDevice: (15360 * MiB) / 4,
        sharing: { strategy: 'mps', sharesPerDevice: 4, deviceHbmBytes: 15360 * MiB, labels: 'nvidia.com/gpu.sharing-strategy=mps, nvidia.com/gpu.replicas=4' },
      }],
    },
  },
  {
    name: 'GFD time-slicing: A100 80GB -SHARED with gpu.memory, 4 replicas',
    // https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/gpu-sharing.html: the same label set with
    // nvidia.com/gpu.sharing-strategy=time-slicing; the product is the GFD value of the part plus -SHARED.
    source: 'NVIDIA GPU Operator, time-slicing',
    labels: {
      'nvidia.com/gpu.count': '1', 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB-SHARED', 'nvidia.com/gpu.memory': '81920',
      'nvidia.com/gpu.replicas': '4', 'nvidia.com/gpu.sharing-strategy': 'time-slicing',
    },
    resources: { 'nvidia.com/gpu': '4' },
    want: {
      type: 'nvidia-a100-80gb', known: true, source: 'gfd',
      pools: [{
        resourceName: 'nvidia.com/gpu', devices: 4, hbmBytesPerDevice: 20480 * MiB,
        sharing: { strategy: 'time-slicing', sharesPerDevice: 4, deviceHbmBytes: 81920 * MiB, labels: 'nvidia.com/gpu.sharing-strategy=time-slicing, nvidia.com/gpu.replicas=4' },
      }],
    },
  },
  {
    name: 'GFD MIG single strategy: 56 x 1g.5gb, memory from the label',
    // https://github.com/NVIDIA/gpu-feature-discovery README, "MIG 'single' strategy": product A100-SXM4-40GB-MIG-1g.5gb,
    // nvidia.com/gpu.count=56, nvidia.com/gpu.memory=5120.
    source: 'GFD README, MIG single',
    labels: { 'nvidia.com/mig.strategy': 'single', 'nvidia.com/gpu.product': 'A100-SXM4-40GB-MIG-1g.5gb', 'nvidia.com/gpu.count': '56', 'nvidia.com/gpu.memory': '5120' },
    resources: { 'nvidia.com/gpu': '56' },
    want: { type: 'nvidia-tesla-a100', known: true, source: 'gfd', pools: [{ resourceName: 'nvidia.com/gpu', devices: 56, hbmBytesPerDevice: 5120 * MiB }] },
  },
  {
    name: 'GFD MIG mixed strategy, with a media-extension slice',
    // GFD README, "MIG 'mixed' strategy": nvidia.com/MIG_TYPE.count / .memory (example 10240) per type, MIG_TYPE e.g.
    // mig-3g.20gb. The `.me` resource (`nvidia.com/mig-1g.10gb.me`, the +me profile) is named in issue #15; we found
    // no NVIDIA doc listing it, so its memory label is left out and the memory comes from the profile name.
    source: 'GFD README, MIG mixed (+ .me slice: no doc found)',
    labels: { 'nvidia.com/mig.strategy': 'mixed', 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3', 'nvidia.com/mig-3g.40gb.count': '2', 'nvidia.com/mig-3g.40gb.memory': '40192' },
    resources: { 'nvidia.com/mig-3g.40gb': '2', 'nvidia.com/mig-1g.10gb.me': '1' },
    want: {
      type: 'nvidia-h100-80gb', known: true, source: 'gfd',
      pools: [{ resourceName: 'nvidia.com/mig-1g.10gb.me', devices: 1, hbmBytesPerDevice: 10e9 }, { resourceName: 'nvidia.com/mig-3g.40gb', devices: 2, hbmBytesPerDevice: 40192 * MiB }],
    },
  },
  // GFD product values are nvidia-smi's name with spaces as dashes (GFD README, nvidia.com/gpu.product). NVIDIA's
  // docs do not list every part's value; the ones below are the nvidia-smi names, seen in published GFD label output
  // (H100 NVL with nvidia.com/gpu.memory=95830; the EIDF GPU service docs for H200 and A100 SXM).
  ...([
    ['NVIDIA-H100-PCIe', 'nvidia-h100-pcie', 81559],
    ['NVIDIA-H100-80GB-HBM3', 'nvidia-h100-80gb', 81559],
    ['NVIDIA-H100-NVL', 'nvidia-h100-nvl', 95830],
    ['NVIDIA-H200', 'nvidia-h200-141gb', 143771],
    ['NVIDIA-H200-NVL', 'nvidia-h200-nvl', 143771],
    ['NVIDIA-B200', 'nvidia-b200', 183359],
    ['NVIDIA-L40S', 'nvidia-l40s', 46068],
    ['NVIDIA-L4', 'nvidia-l4', 23034],
    ['NVIDIA-A100-SXM4-40GB', 'nvidia-tesla-a100', 40960],
    ['NVIDIA-A100-PCIE-40GB', 'nvidia-a100-pcie-40gb', 40960],
    ['NVIDIA-A100-SXM4-80GB', 'nvidia-a100-80gb', 81920],
    ['NVIDIA-A100-80GB-PCIe', 'nvidia-a100-pcie-80gb', 81920],
  ] as const).map(([product, type, mib]): Case => ({
    name: `GFD ${product}`,
    source: 'GFD README (label format); nvidia-smi product name',
    labels: { 'nvidia.com/gpu.product': product, 'nvidia.com/gpu.memory': String(mib), 'nvidia.com/gpu.count': '8' },
    resources: { 'nvidia.com/gpu': '8' },
    want: { type, known: true, source: 'gfd', pools: [{ resourceName: 'nvidia.com/gpu', devices: 8, hbmBytesPerDevice: mib * MiB }] },
  })),
  {
    name: 'GFD GH200 without a memory label: the catalog figure',
    // No published GFD output for GH200 found, so no nvidia.com/gpu.memory value is used.
    source: 'GFD README (label format); nvidia-smi product name NVIDIA GH200 480GB',
    labels: { 'nvidia.com/gpu.product': 'NVIDIA-GH200-480GB', 'nvidia.com/gpu.count': '1' },
    resources: { 'nvidia.com/gpu': '1' },
    want: { type: 'nvidia-gh200', known: true, source: 'gfd', pools: [{ resourceName: 'nvidia.com/gpu', devices: 1, hbmBytesPerDevice: 96e9 }] },
  },
  {
    name: 'GFD A10G: sized from the label, no speed data',
    source: 'GFD README (label format); nvidia-smi product name NVIDIA A10G',
    labels: { 'nvidia.com/gpu.product': 'NVIDIA-A10G', 'nvidia.com/gpu.memory': '23028', 'nvidia.com/gpu.count': '1' },
    resources: { 'nvidia.com/gpu': '1' },
    want: { type: 'nvidia-a10g', known: false, source: 'gfd', pools: [{ resourceName: 'nvidia.com/gpu', devices: 1, hbmBytesPerDevice: 23028 * MiB }] },
  },
  // ---------------------------------------------------------------- AMD node labeller
  {
    name: 'AMD labeller, current labels: an MI210, sized from amd.com/gpu.vram',
    // https://github.com/ROCm/k8s-device-plugin cmd/k8s-node-labeller/main_test.go: amd.com/gpu.product-name=Instinct_MI210,
    // amd.com/gpu.vram=64G, amd.com/gpu.family=AI, amd.com/gpu.device-id=740f, amd.com/gpu.cu-count=104.
    source: 'ROCm k8s-node-labeller test fixture',
    labels: { 'amd.com/gpu.product-name': 'Instinct_MI210', 'amd.com/gpu.vram': '64G', 'amd.com/gpu.family': 'AI', 'amd.com/gpu.device-id': '740f', 'amd.com/gpu.cu-count': '104' },
    resources: { 'amd.com/gpu': '4' },
    want: { type: 'unknown:Instinct_MI210', known: false, source: 'amd', pools: [{ resourceName: 'amd.com/gpu', devices: 4, hbmBytesPerDevice: 64 * GiB }] },
  },
  {
    name: 'AMD MI300X HF',
    // Issue #15 names amd.com/gpu.product-name=AMD_Instinct_MI300X_HF; the labeller docs show no MI300X value. vLLM's
    // ROCm platform names PCI ids 0x74a9/0x74bd "AMD_Instinct_MI300X_HF" (vllm/platforms/rocm.py). vram as the labeller writes it.
    source: 'issue #15 + vLLM ROCm device map (no labeller doc value found)',
    labels: { 'amd.com/gpu.product-name': 'AMD_Instinct_MI300X_HF', 'amd.com/gpu.vram': '192G' },
    resources: { 'amd.com/gpu': '8' },
    want: { type: 'amd-mi300x', known: true, source: 'amd', pools: [{ resourceName: 'amd.com/gpu', devices: 8, hbmBytesPerDevice: 192 * GiB }] },
  },
  {
    name: 'AMD labeller, older beta.amd.com labels (value and value-in-key forms)',
    // ROCm k8s-node-labeller main_test.go: beta.amd.com/gpu.product-name=Instinct_MI300X,
    // beta.amd.com/gpu.product-name.Instinct_MI300X=1, beta.amd.com/gpu.vram=64G, beta.amd.com/gpu.vram.64G=1.
    source: 'ROCm k8s-node-labeller test fixture',
    labels: {
      'beta.amd.com/gpu.product-name': 'Instinct_MI300X', 'beta.amd.com/gpu.product-name.Instinct_MI300X': '1',
      'beta.amd.com/gpu.vram': '64G', 'beta.amd.com/gpu.vram.64G': '1', 'beta.amd.com/gpu.family': 'HPC', 'beta.amd.com/gpu.family.HPC': '1',
    },
    resources: { 'amd.com/gpu': '8' },
    want: { type: 'amd-mi300x', known: true, source: 'amd', pools: [{ resourceName: 'amd.com/gpu', devices: 8, hbmBytesPerDevice: 64 * GiB }] },
  },
  {
    name: 'AMD labeller, oldest README form: value in the key only, no product',
    // ROCm k8s-node-labeller README "Example result": beta.amd.com/gpu.cu-count.64=1, beta.amd.com/gpu.device-id.6860=1,
    // beta.amd.com/gpu.family.AI=1, beta.amd.com/gpu.simd-count.256=1, beta.amd.com/gpu.vram.16G=1.
    source: 'ROCm k8s-node-labeller README',
    labels: {
      'beta.amd.com/gpu.cu-count.64': '1', 'beta.amd.com/gpu.device-id.6860': '1', 'beta.amd.com/gpu.family.AI': '1',
      'beta.amd.com/gpu.simd-count.256': '1', 'beta.amd.com/gpu.vram.16G': '1',
    },
    resources: { 'amd.com/gpu': '1' },
    want: { type: 'unknown:amd.com/gpu', known: false, source: 'amd', pools: [{ resourceName: 'amd.com/gpu', devices: 1, hbmBytesPerDevice: 16 * GiB }] },
  },
  // ---------------------------------------------------------------- EKS / Karpenter
  ...([
    // https://karpenter.sh/docs/reference/instance-types/ (karpenter-provider-aws website/content/en/docs/reference/instance-types.md)
    ['g6.xlarge', 'l4', 'nvidia', '1', '22888', 'nvidia-l4', true],
    ['g4dn.xlarge', 't4', 'nvidia', '1', '16384', 'nvidia-tesla-t4', true],
    ['g5.xlarge', 'a10g', 'nvidia', '1', '22888', 'nvidia-a10g', false],
    ['g6e.xlarge', 'l40s', 'nvidia', '1', '45776', 'nvidia-l40s', true],
    ['p4d.24xlarge', 'a100', 'nvidia', '8', '40960', 'nvidia-tesla-a100', true],
    ['p4de.24xlarge', 'a100', 'nvidia', '8', '81920', 'nvidia-a100-80gb', true],
    ['p5.48xlarge', 'h100', 'nvidia', '8', '81920', 'nvidia-h100-80gb', true],
    ['p5en.48xlarge', 'h200', 'nvidia', '8', '144384', 'nvidia-h200-141gb', true],
    ['p6-b200.48xlarge', 'b200', 'nvidia', '8', '183359', 'nvidia-b200', true],
  ] as const).map(([instance, gpu, maker, count, mib, type, known]): Case => ({
    name: `Karpenter ${instance}: instance-gpu-name=${gpu}`,
    source: 'Karpenter instance-types reference',
    labels: {
      'node.kubernetes.io/instance-type': instance, 'karpenter.k8s.aws/instance-gpu-name': gpu, 'karpenter.k8s.aws/instance-gpu-manufacturer': maker,
      'karpenter.k8s.aws/instance-gpu-count': count, 'karpenter.k8s.aws/instance-gpu-memory': mib,
    },
    resources: { 'nvidia.com/gpu': count },
    want: { type, known, source: 'karpenter', pools: [{ resourceName: 'nvidia.com/gpu', devices: Number(count), hbmBytesPerDevice: Number(mib) * MiB }] },
  })),
  {
    name: 'Karpenter g4ad: an AMD GPU kinfer does not know, sized from the label',
    source: 'Karpenter instance-types reference (g4ad.xlarge)',
    labels: {
      'karpenter.k8s.aws/instance-gpu-name': 'radeon-pro-v520', 'karpenter.k8s.aws/instance-gpu-manufacturer': 'amd',
      'karpenter.k8s.aws/instance-gpu-count': '1', 'karpenter.k8s.aws/instance-gpu-memory': '8192',
    },
    resources: { 'amd.com/gpu': '1' },
    want: { type: 'unknown:radeon-pro-v520', known: false, source: 'karpenter', pools: [{ resourceName: 'amd.com/gpu', devices: 1, hbmBytesPerDevice: 8192 * MiB }] },
  },
  {
    name: 'EKS Auto Mode instance-gpu labels',
    // https://docs.aws.amazon.com/eks/latest/userguide/create-node-pool.html "EKS Auto Mode Supported Labels":
    // eks.amazonaws.com/instance-gpu-name=t4, -manufacturer=nvidia, -count=1, -memory=16384.
    source: 'EKS Auto Mode node pool labels',
    labels: {
      'eks.amazonaws.com/compute-type': 'auto', 'eks.amazonaws.com/instance-gpu-name': 't4', 'eks.amazonaws.com/instance-gpu-manufacturer': 'nvidia',
      'eks.amazonaws.com/instance-gpu-count': '1', 'eks.amazonaws.com/instance-gpu-memory': '16384',
    },
    resources: { 'nvidia.com/gpu': '1' },
    want: { type: 'nvidia-tesla-t4', known: true, source: 'eks', pools: [{ resourceName: 'nvidia.com/gpu', devices: 1, hbmBytesPerDevice: 16384 * MiB }] },
  },
  {
    name: 'k8s.amazonaws.com/accelerator with a GKE-style name',
    // Cluster Autoscaler AWS provider README / eksctl examples: node group label k8s.amazonaws.com/accelerator=nvidia-tesla-t4
    // (values are the operator's; only names kinfer knows are read).
    source: 'Cluster Autoscaler AWS README, eksctl example',
    labels: { 'k8s.amazonaws.com/accelerator': 'nvidia-tesla-t4' },
    resources: { 'nvidia.com/gpu': '1' },
    want: { type: 'nvidia-tesla-t4', known: true, source: 'aws', pools: [{ resourceName: 'nvidia.com/gpu', devices: 1, hbmBytesPerDevice: 15360 * MiB }] },
  },
  {
    name: 'k8s.amazonaws.com/accelerator with a part kinfer does not know',
    source: 'Cluster Autoscaler AWS README (nvidia-tesla-k80 example)',
    labels: { 'k8s.amazonaws.com/accelerator': 'nvidia-tesla-k80' },
    resources: { 'nvidia.com/gpu': '1' },
    want: { type: 'unknown:nvidia-tesla-k80', known: false, source: 'aws', pools: [{ resourceName: 'nvidia.com/gpu', devices: 1, hbmBytesPerDevice: 0 }] },
  },
  // ---------------------------------------------------------------- AKS
  {
    name: 'AKS GPU node pool: vendor only, no size',
    // https://learn.microsoft.com/azure/aks/use-labels: kubernetes.azure.com/accelerator=nvidia.
    source: 'AKS use-labels',
    labels: { 'kubernetes.azure.com/accelerator': 'nvidia', 'kubernetes.azure.com/agentpool': 'gpunp', 'node.kubernetes.io/instance-type': 'Standard_NC6s_v3' },
    resources: { 'nvidia.com/gpu': '1' },
    want: { type: 'unknown:aks:nvidia', known: false, source: 'aks', pools: [{ resourceName: 'nvidia.com/gpu', devices: 1, hbmBytesPerDevice: 0 }] },
  },
  {
    name: 'AKS with the GPU Operator: GFD names and sizes the part',
    source: 'AKS use-labels + GFD README',
    labels: { 'kubernetes.azure.com/accelerator': 'nvidia', 'nvidia.com/gpu.product': 'NVIDIA-H100-NVL', 'nvidia.com/gpu.memory': '95830' },
    resources: { 'nvidia.com/gpu': '2' },
    want: { type: 'nvidia-h100-nvl', known: true, source: 'gfd', pools: [{ resourceName: 'nvidia.com/gpu', devices: 2, hbmBytesPerDevice: 95830 * MiB }] },
  },
];

describe('discovery of documented label sets', () => {
  for (const c of cases) {
    it(`${c.name} [${c.source}]`, () => {
      const found = discoverAccelerators(node('gke-topo', c.labels, c.resources));
      assert.ok(found, 'no accelerator found');
      const picked = Object.fromEntries(Object.keys(c.want).map((k) => [k, (found as unknown as Record<string, unknown>)[k]]));
      assert.deepEqual(picked, c.want);
    });
  }
});

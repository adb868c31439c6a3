import { GiB, MiB } from '../units/quantity.js';
import { AMD_GPU_RESOURCE, NVIDIA_GPU_RESOURCE, TPU_RESOURCE } from './resources.js';

// The accelerator types kinfer knows, keyed by their canonical name (GKE's node-label value, DESIGN.md
// "Canonical accelerator type names"). Figures are per device and come from the vendor's datasheet or the
// cloud's documentation, named beside each entry.
//
// Memory units: where we know what the driver really reports we use that, because that is what a model
// server can allocate (NVIDIA: `nvidia-smi --query-gpu=memory.total`, in MiB, which is also what GPU Feature
// Discovery writes to `nvidia.com/gpu.memory`). Otherwise Cloud TPU documents HBM in GiB and AMD builds its
// parts from power-of-two HBM stacks (MI300X: 8 x 24 GiB). Bandwidths and FLOP/s are decimal (1 TB/s = 1e12 B/s).

export type Vendor = 'nvidia' | 'amd' | 'google';

export interface AcceleratorType {
  /** Canonical name: the GKE label value, e.g. `nvidia-h100-80gb`. */
  readonly name: string;
  readonly vendor: Vendor;
  readonly kind: 'gpu' | 'tpu';
  /** Extended resource a pod requests to get one device: `nvidia.com/gpu`, `amd.com/gpu`, `google.com/tpu`. */
  readonly resourceName: string;
  /** Device memory (HBM, or GDDR on T4/L4) one device offers, in bytes. */
  readonly hbmBytesPerDevice: number;
  readonly hbmBandwidthBytesPerSecond: number;
  /** Dense BF16 tensor throughput (no structured sparsity). */
  readonly bf16FlopsPerSecond: number;
  /**
   * Dense FP8 tensor throughput, where the part runs FP8 faster than BF16 (Hopper, Blackwell, MI300, TPU7x).
   * Absent: FP8 weights compute at the BF16 rate (A100, T4 and TPU v5e/v5p/v6e have no faster FP8 path; vLLM runs
   * fp8 checkpoints there as weight-only).
   */
  readonly fp8FlopsPerSecond?: number;
  /**
   * Memory the driver keeps for itself: `hbmBytesPerDevice` (what nvidia-smi and GPU Feature Discovery report)
   * minus the total the framework sees (torch.cuda.mem_get_info, the `total_gpu_memory` vLLM budgets from).
   * Absent where no published log says it; then the framework is taken to see all of it.
   */
  readonly frameworkReservedBytes?: number;
  /**
   * How devices of one host talk: absent, a fast fabric (NVLink, Infinity Fabric, ICI); 'pcie' for cards without
   * one (T4, L4), whose tensor-parallel all-reduces cross PCIe and the host.
   */
  readonly interconnect?: 'pcie';
  /** TPUs: chips per host the machine types allow; GPUs: device counts of the usual machine shapes. */
  readonly chipsPerHost?: readonly number[];
  /** `nvidia.com/gpu.product` (GFD) / `amd.com/gpu.product-name` values that mean this type. */
  readonly productNames: readonly string[];
  /** Other label values that name this same part, e.g. GKE's single-host `tpu-v5-lite-device` for v5e. */
  readonly aliases?: readonly string[];
}

const GB = 1e9;
const TB = 1e12;
const TFLOPS = 1e12;

/**
 * H100 SXM: nvidia-smi reports 81559 MiB; the framework sees 79.18 GiB (llm-d/llm-d-benchmark
 * config_explorer/empirical-vllm-memory-results.md: "H100 GPUs (79.18 GiB total memory)"; vLLM's own logs say
 * 79.22 GiB in vllm-project/vllm#10511 and torch 79.11 GiB in vllm-project/vllm#27508, by driver version).
 */
const H100_RESERVED_BYTES = 81559 * MiB - 79.18 * GiB;

const NVIDIA_GPU = { vendor: 'nvidia', kind: 'gpu', resourceName: NVIDIA_GPU_RESOURCE } as const;
const GOOGLE_TPU = { vendor: 'google', kind: 'tpu', resourceName: TPU_RESOURCE, productNames: [] } as const;
const AMD_GPU = { vendor: 'amd', kind: 'gpu', resourceName: AMD_GPU_RESOURCE } as const;

export const ACCELERATORS: readonly AcceleratorType[] = [
  {
    // NVIDIA T4 datasheet: 16 GB GDDR6 (nvidia-smi reports 15360 MiB), 320 GB/s, 65 TFLOP/s FP16 tensor.
    // Turing has no BF16; the FP16 figure is the closest half-precision rate. GCE: 1, 2 or 4 per VM.
    name: 'nvidia-tesla-t4', ...NVIDIA_GPU,
    hbmBytesPerDevice: 15360 * MiB, hbmBandwidthBytesPerSecond: 320 * GB, bf16FlopsPerSecond: 65 * TFLOPS,
    chipsPerHost: [1, 2, 4], productNames: ['Tesla-T4', 'NVIDIA-T4'], interconnect: 'pcie',
  },
  {
    // NVIDIA L4 datasheet: 24 GB GDDR6 (nvidia-smi reports 23034 MiB), 300 GB/s, 121 TFLOP/s BF16 dense
    // (242 with sparsity), 485 TFLOP/s FP8 with sparsity = 242.5 dense. GCE G2: 1, 2, 4 or 8 per VM.
    name: 'nvidia-l4', ...NVIDIA_GPU,
    hbmBytesPerDevice: 23034 * MiB, hbmBandwidthBytesPerSecond: 300 * GB, bf16FlopsPerSecond: 121 * TFLOPS, fp8FlopsPerSecond: 242.5 * TFLOPS,
    chipsPerHost: [1, 2, 4, 8], productNames: ['NVIDIA-L4'], interconnect: 'pcie',
  },
  {
    // NVIDIA A100 datasheet, 40GB SXM: 40 GB HBM2 (nvidia-smi reports 40960 MiB), 1555 GB/s, 312 TFLOP/s BF16
    // dense, NVLink. The PCIe card is its own entry (nvidia-a100-pcie-40gb). GCE A2: 1, 2, 4, 8 or 16 per VM.
    name: 'nvidia-tesla-a100', ...NVIDIA_GPU,
    hbmBytesPerDevice: 40960 * MiB, hbmBandwidthBytesPerSecond: 1555 * GB, bf16FlopsPerSecond: 312 * TFLOPS,
    // CUDA deviceQuery on an A100-SXM4-40GB: "Total amount of global memory: 40339 MBytes (42298834944 bytes)"
    // (bottlerocket-os/bottlerocket#3873); what torch and vLLM see as the device's total.
    frameworkReservedBytes: 40960 * MiB - 42298834944,
    chipsPerHost: [1, 2, 4, 8, 16],
    productNames: ['NVIDIA-A100-SXM4-40GB', 'NVIDIA-A100-40GB'],
  },
  {
    // NVIDIA A100 datasheet, 80GB SXM: 80 GB HBM2e (nvidia-smi reports 81920 MiB), 2039 GB/s, 312 TFLOP/s BF16
    // dense, NVLink. The 80GB PCIe card is its own entry (nvidia-a100-pcie-80gb). GCE A2 Ultra: 1-8.
    name: 'nvidia-a100-80gb', ...NVIDIA_GPU,
    hbmBytesPerDevice: 81920 * MiB, hbmBandwidthBytesPerSecond: 2039 * GB, bf16FlopsPerSecond: 312 * TFLOPS,
    chipsPerHost: [1, 2, 4, 8],
    productNames: ['NVIDIA-A100-SXM4-80GB'],
  },
  {
    // NVIDIA H100 datasheet, SXM: 80 GB HBM3 (nvidia-smi reports 81559 MiB), 3.35 TB/s, 989 TFLOP/s BF16 dense
    // (1979 with sparsity), 3958 TFLOP/s FP8 with sparsity = 1979 dense. GCE A3 High: 1, 2, 4 or 8 per VM. H100 PCIe/NVL differ (HBM2e, ~2 TB/s) and are
    // deliberately not mapped here.
    name: 'nvidia-h100-80gb', ...NVIDIA_GPU,
    hbmBytesPerDevice: 81559 * MiB, hbmBandwidthBytesPerSecond: 3.35 * TB, bf16FlopsPerSecond: 989 * TFLOPS, fp8FlopsPerSecond: 1979 * TFLOPS, frameworkReservedBytes: H100_RESERVED_BYTES,
    chipsPerHost: [1, 2, 4, 8],
    productNames: ['NVIDIA-H100-80GB-HBM3', 'NVIDIA-H100-SXM5-80GB'],
  },
  {
    // GCE A3 Mega (a3-megagpu-8g): the same H100 SXM part with more GPU-to-GPU networking. GFD cannot tell
    // it from an A3 High, so it owns no product names: a GFD label maps to nvidia-h100-80gb.
    name: 'nvidia-h100-mega-80gb', ...NVIDIA_GPU,
    hbmBytesPerDevice: 81559 * MiB, hbmBandwidthBytesPerSecond: 3.35 * TB, bf16FlopsPerSecond: 989 * TFLOPS, fp8FlopsPerSecond: 1979 * TFLOPS, frameworkReservedBytes: H100_RESERVED_BYTES,
    chipsPerHost: [8], productNames: [],
  },
  {
    // NVIDIA H200 datasheet, SXM: 141 GB HBM3e (nvidia-smi reports 143771 MiB), 4.8 TB/s, 989 TFLOP/s BF16
    // dense, 1979 TFLOP/s FP8 dense (the H100's tensor cores). GCE A3 Ultra: 8 per VM. H200 NVL (lower clocks) is not mapped.
    name: 'nvidia-h200-141gb', ...NVIDIA_GPU,
    hbmBytesPerDevice: 143771 * MiB, hbmBandwidthBytesPerSecond: 4.8 * TB, bf16FlopsPerSecond: 989 * TFLOPS, fp8FlopsPerSecond: 1979 * TFLOPS,
    chipsPerHost: [8], productNames: ['NVIDIA-H200', 'NVIDIA-H200-141GB-HBM3e'],
  },
  {
    // NVIDIA HGX B200 datasheet: 180 GB HBM3e usable of 192 GB (nvidia-smi reports 183359 MiB), 8 TB/s,
    // 2.25 PFLOP/s BF16 dense (4.5 with sparsity), 9 PFLOP/s FP8 with sparsity = 4.5 dense. GCE A4: 8 per VM.
    name: 'nvidia-b200', ...NVIDIA_GPU,
    hbmBytesPerDevice: 183359 * MiB, hbmBandwidthBytesPerSecond: 8 * TB, bf16FlopsPerSecond: 2250 * TFLOPS, fp8FlopsPerSecond: 4500 * TFLOPS,
    chipsPerHost: [8], productNames: ['NVIDIA-B200'],
  },
  {
    // NVIDIA GB200 NVL72 datasheet: 13.4 TB HBM3e over 72 GPUs = ~186 GB each (nvidia-smi reports 189471 MiB),
    // 8 TB/s, 360 PFLOP/s BF16 sparse per rack = 2.5 PFLOP/s dense per GPU; 720 PFLOP/s FP8 sparse per rack =
    // 5 PFLOP/s dense per GPU. GCE A4X: 4 per VM.
    name: 'nvidia-gb200', ...NVIDIA_GPU,
    hbmBytesPerDevice: 189471 * MiB, hbmBandwidthBytesPerSecond: 8 * TB, bf16FlopsPerSecond: 2500 * TFLOPS, fp8FlopsPerSecond: 5000 * TFLOPS,
    chipsPerHost: [4], productNames: ['NVIDIA-GB200'],
  },
  {
    // Cloud TPU v5e docs: 16 GiB HBM2, 819 GB/s, 197 TFLOP/s BF16. GKE ct5lp-hightpu-1t/4t/8t: 1, 4 or 8 chips.
    name: 'tpu-v5-lite-podslice', ...GOOGLE_TPU,
    hbmBytesPerDevice: 16 * GiB, hbmBandwidthBytesPerSecond: 819 * GB, bf16FlopsPerSecond: 197 * TFLOPS,
    chipsPerHost: [1, 4, 8],
    // GKE names single-host v5e node pools `tpu-v5-lite-device` (GKE "Plan TPUs", accelerator values): the same chip.
    aliases: ['tpu-v5-lite-device'],
  },
  {
    // Cloud TPU v5p docs: 95 GiB HBM2e, 2765 GB/s, 459 TFLOP/s BF16. GKE ct5p-hightpu-4t: 4 chips per host.
    name: 'tpu-v5p-slice', ...GOOGLE_TPU,
    hbmBytesPerDevice: 95 * GiB, hbmBandwidthBytesPerSecond: 2765 * GB, bf16FlopsPerSecond: 459 * TFLOPS,
    chipsPerHost: [4],
  },
  {
    // Cloud TPU v6e (Trillium) docs: 32 GiB HBM, 1640 GB/s, 918 TFLOP/s BF16. GKE ct6e-standard-1t/4t/8t.
    name: 'tpu-v6e-slice', ...GOOGLE_TPU,
    hbmBytesPerDevice: 32 * GiB, hbmBandwidthBytesPerSecond: 1640 * GB, bf16FlopsPerSecond: 918 * TFLOPS,
    chipsPerHost: [1, 4, 8],
  },
  {
    // Cloud TPU7x (Ironwood) docs: 192 GiB HBM3e, 7.37 TB/s, 4614 TFLOP/s FP8 = 2307 TFLOP/s BF16. (TPU v5e, v5p
    // and v6e list no FP8 rate above their BF16 one: no fp8FlopsPerSecond.)
    // GKE tpu7x-standard-4t: 4 chips per host.
    name: 'tpu7x', ...GOOGLE_TPU,
    hbmBytesPerDevice: 192 * GiB, hbmBandwidthBytesPerSecond: 7.37 * TB, bf16FlopsPerSecond: 2307 * TFLOPS, fp8FlopsPerSecond: 4614 * TFLOPS,
    chipsPerHost: [4],
  },
  {
    // AMD Instinct MI300X datasheet: 192 GB HBM3 (8 stacks of 24 GiB; the AMD node labeller writes
    // amd.com/gpu.vram=192G, rounded GiB), 5.3 TB/s, 1307.4 TFLOP/s BF16 dense, 2614.9 TFLOP/s FP8 dense.
    // 8 per OAM platform.
    // What the framework sees: 206141652992 B (191.98 GiB) per bare-metal MI300X in SPX mode, both as rocm-smi's
    // "VRAM Total Memory (B)" (github.com/ROCm/legacy-rocm-build/issues/4750, eight MI300X) and as rocminfo's GPU
    // pool, 201310208 KB (github.com/ROCm/legacy-rocm-build/issues/4414); sysfs mem_info_vram_total, which
    // torch.cuda.mem_get_info (hipMemGetInfo) reports on ROCm, is the same figure. So the driver keeps 16 MiB of the
    // 192 GiB. SR-IOV virtual functions (cloud VMs, "AMD Instinct MI300X VF") have been seen reporting
    // 205822885888 B (191.69 GiB), 0.15% less: not modelled, within the ±5% the KV fixture allows.
    name: 'amd-mi300x', ...AMD_GPU,
    hbmBytesPerDevice: 192 * GiB, hbmBandwidthBytesPerSecond: 5.3 * TB, bf16FlopsPerSecond: 1307.4 * TFLOPS, fp8FlopsPerSecond: 2614.9 * TFLOPS,
    frameworkReservedBytes: 192 * GiB - 206141652992,
    // AMD_Instinct_MI300X_HF (PCI id 0x74a9/0x74bd): vLLM's ROCm platform names it and canonicalizes it to MI300X
    // (vllm/platforms/rocm.py _ROCM_DEVICE_ID_NAME_MAP); its amd.com/gpu.vram label, when present, gives the memory.
    chipsPerHost: [8],
    productNames: ['AMD-Instinct-MI300X', 'AMD-Instinct-MI300X-OAM', 'AMD-Instinct-MI300X-VF', 'AMD_Instinct_MI300X_HF'],
  },
  {
    // AMD Instinct MI325X datasheet: 256 GB HBM3e (8 stacks of 32 GiB), 6 TB/s, 1307.4 TFLOP/s BF16 dense,
    // 2614.9 TFLOP/s FP8 dense.
    name: 'amd-mi325x', ...AMD_GPU,
    hbmBytesPerDevice: 256 * GiB, hbmBandwidthBytesPerSecond: 6 * TB, bf16FlopsPerSecond: 1307.4 * TFLOPS, fp8FlopsPerSecond: 2614.9 * TFLOPS,
    chipsPerHost: [8], productNames: ['AMD-Instinct-MI325X', 'AMD-Instinct-MI325X-OAM'],
  },
  // ---- Entries added for node discovery on real clusters (issue #15). Each figure from the part's datasheet.
  {
    // NVIDIA A100 PCIe 40GB (A100 datasheet, PCIe column): 40 GB HBM2 (40960 MiB), 1555 GB/s, 312 TFLOP/s BF16
    // dense. A PCIe card: no NVLink switch, so tensor-parallel all-reduces cross PCIe.
    name: 'nvidia-a100-pcie-40gb', ...NVIDIA_GPU,
    hbmBytesPerDevice: 40960 * MiB, hbmBandwidthBytesPerSecond: 1555 * GB, bf16FlopsPerSecond: 312 * TFLOPS,
    chipsPerHost: [1, 2, 4, 8], productNames: ['NVIDIA-A100-PCIE-40GB'], interconnect: 'pcie',
  },
  {
    // NVIDIA A100 80GB PCIe (A100 datasheet, PCIe column): 80 GB HBM2e (81920 MiB), 1935 GB/s, 312 TFLOP/s BF16 dense.
    name: 'nvidia-a100-pcie-80gb', ...NVIDIA_GPU,
    hbmBytesPerDevice: 81920 * MiB, hbmBandwidthBytesPerSecond: 1935 * GB, bf16FlopsPerSecond: 312 * TFLOPS,
    chipsPerHost: [1, 2, 4, 8], productNames: ['NVIDIA-A100-80GB-PCIe', 'NVIDIA-A100-PCIE-80GB'], interconnect: 'pcie',
  },
  {
    // NVIDIA H100 datasheet, PCIe: 80 GB HBM2e (nvidia-smi reports 81559 MiB, as the SXM part), 2 TB/s, 1513 TFLOP/s
    // BF16 with sparsity = 756 dense. NVLink only as a 2-card bridge, so treated as PCIe.
    name: 'nvidia-h100-pcie', ...NVIDIA_GPU,
    hbmBytesPerDevice: 81559 * MiB, hbmBandwidthBytesPerSecond: 2 * TB, bf16FlopsPerSecond: 756 * TFLOPS,
    chipsPerHost: [1, 2, 4, 8], productNames: ['NVIDIA-H100-PCIe'], interconnect: 'pcie',
  },
  {
    // NVIDIA H100 datasheet, H100 NVL: 94 GB HBM3 (GPU Feature Discovery reports nvidia.com/gpu.memory=95830), 3.9 TB/s,
    // 1671 TFLOP/s BF16 with sparsity = 835 dense. PCIe cards with NVLink bridges between pairs: treated as PCIe.
    name: 'nvidia-h100-nvl', ...NVIDIA_GPU,
    hbmBytesPerDevice: 95830 * MiB, hbmBandwidthBytesPerSecond: 3.9 * TB, bf16FlopsPerSecond: 835 * TFLOPS,
    chipsPerHost: [1, 2, 4, 8], productNames: ['NVIDIA-H100-NVL'], interconnect: 'pcie',
  },
  {
    // NVIDIA H200 datasheet, H200 NVL: 141 GB HBM3e (143771 MiB, as the SXM part), 4.8 TB/s, 1671 TFLOP/s BF16 with
    // sparsity = 835 dense. PCIe cards with 2- or 4-way NVLink bridges: treated as PCIe.
    name: 'nvidia-h200-nvl', ...NVIDIA_GPU,
    hbmBytesPerDevice: 143771 * MiB, hbmBandwidthBytesPerSecond: 4.8 * TB, bf16FlopsPerSecond: 835 * TFLOPS,
    chipsPerHost: [1, 2, 4, 8], productNames: ['NVIDIA-H200-NVL'], interconnect: 'pcie',
  },
  {
    // NVIDIA GH200 Grace Hopper Superchip datasheet (480GB = 96 GB HBM3 + 480 GB LPDDR5X): 96 GB HBM3 (decimal GB;
    // nvidia.com/gpu.memory wins when labelled), 4 TB/s, 989 TFLOP/s BF16 dense. One GPU per superchip.
    name: 'nvidia-gh200', ...NVIDIA_GPU,
    hbmBytesPerDevice: 96 * GB, hbmBandwidthBytesPerSecond: 4 * TB, bf16FlopsPerSecond: 989 * TFLOPS,
    chipsPerHost: [1, 4], productNames: ['NVIDIA-GH200-480GB'],
  },
  {
    // NVIDIA L40S datasheet: 48 GB GDDR6 (nvidia-smi reports 46068 MiB), 864 GB/s, 362.05 TFLOP/s BF16 dense
    // (733 with sparsity). PCIe only. AWS g6e, GCE has none.
    name: 'nvidia-l40s', ...NVIDIA_GPU,
    hbmBytesPerDevice: 46068 * MiB, hbmBandwidthBytesPerSecond: 864 * GB, bf16FlopsPerSecond: 362.05 * TFLOPS,
    chipsPerHost: [1, 4, 8], productNames: ['NVIDIA-L40S'], interconnect: 'pcie',
  },
  {
    // Cloud TPU v4 docs: 32 GiB HBM2, 1200 GB/s, 275 TFLOP/s BF16 per chip. GKE ct4p-hightpu-4t: 4 chips per host.
    name: 'tpu-v4-podslice', ...GOOGLE_TPU,
    hbmBytesPerDevice: 32 * GiB, hbmBandwidthBytesPerSecond: 1200 * GB, bf16FlopsPerSecond: 275 * TFLOPS,
    chipsPerHost: [4],
  },
];

const BY_NAME: ReadonlyMap<string, AcceleratorType> = new Map(
  ACCELERATORS.flatMap((type) => [type.name, ...(type.aliases ?? [])].map((name) => [name, type] as const)),
);

const SEPARATORS = /[-_\s]+/g;
const VENDOR_PREFIX = /^(?:nvidia|amd)/;

/**
 * The lookup key of a product label: lower case, without separators and without a leading vendor word, so
 * `NVIDIA-A100-SXM4-40GB`, `A100-SXM4-40GB` and `nvidia a100_sxm4_40gb` agree (older drivers omit "NVIDIA").
 */
export function productKey(product: string): string {
  return product.trim().toLowerCase().replace(SEPARATORS, '').replace(VENDOR_PREFIX, '');
}

const BY_PRODUCT: ReadonlyMap<string, AcceleratorType> = new Map(
  ACCELERATORS.flatMap((type) => type.productNames.map((product) => [productKey(product), type] as const)),
);

/**
 * Device memory the framework can allocate from, per device: what a node reports (a GFD or AMD label, else the
 * catalog) less the part the driver keeps (`frameworkReservedBytes`). vLLM budgets its KV cache from this.
 */
export function frameworkBytesPerDevice(type: Pick<AcceleratorType, 'hbmBytesPerDevice' | 'frameworkReservedBytes'> | undefined, reportedBytes?: number): number {
  const reported = reportedBytes ?? type?.hbmBytesPerDevice ?? 0;
  return Math.max(0, reported - (type?.frameworkReservedBytes ?? 0));
}

/** The type with this canonical name or alias (case and surrounding space ignored), or undefined. */
export function acceleratorByName(name: string): AcceleratorType | undefined {
  return BY_NAME.get(name.trim().toLowerCase());
}

/** The type a GFD `nvidia.com/gpu.product` or AMD `amd.com/gpu.product-name` value means, or undefined. */
export function acceleratorByProduct(product: string): AcceleratorType | undefined {
  return BY_PRODUCT.get(productKey(product));
}

/**
 * Parts kinfer can name and size but has no speed figures for: discovery reports them under this name with
 * `known: false`, placement fits them on memory, and `recommend` lists them as "no speed data" rather than guess.
 */
export interface MemoryOnlyType {
  readonly name: string;
  readonly resourceName: string;
  readonly hbmBytesPerDevice: number;
  readonly productNames: readonly string[];
  readonly interconnect?: 'pcie';
}

export const MEMORY_ONLY: readonly MemoryOnlyType[] = [
  {
    // AWS EC2 G5 docs: NVIDIA A10G, 24 GB GDDR6 per GPU; Karpenter's instance-types reference gives g5's
    // karpenter.k8s.aws/instance-gpu-memory=22888 (MiB), what EC2 reports. NVIDIA publishes no A10G datasheet.
    name: 'nvidia-a10g', resourceName: NVIDIA_GPU_RESOURCE, hbmBytesPerDevice: 22888 * MiB,
    productNames: ['NVIDIA-A10G'], interconnect: 'pcie',
  },
  {
    // GKE G4 machine type (`cloud.google.com/gke-accelerator=nvidia-rtx-pro-6000`): RTX PRO 6000 Blackwell Server
    // Edition, 96 GB GDDR7 per GPU (GCE GPU machine types docs). Speed figures not yet sourced.
    name: 'nvidia-rtx-pro-6000', resourceName: NVIDIA_GPU_RESOURCE, hbmBytesPerDevice: 96 * GB,
    // No GFD product name: we found none in NVIDIA's or a user's published label output, so none is guessed.
    productNames: [], interconnect: 'pcie',
  },
];

const MEMORY_ONLY_BY_NAME: ReadonlyMap<string, MemoryOnlyType> = new Map(MEMORY_ONLY.map((t) => [t.name, t]));
const MEMORY_ONLY_BY_PRODUCT: ReadonlyMap<string, MemoryOnlyType> = new Map(
  MEMORY_ONLY.flatMap((t) => t.productNames.map((product) => [productKey(product), t] as const)),
);

export function memoryOnlyByName(name: string): MemoryOnlyType | undefined {
  return MEMORY_ONLY_BY_NAME.get(name.trim().toLowerCase());
}

export function memoryOnlyByProduct(product: string): MemoryOnlyType | undefined {
  return MEMORY_ONLY_BY_PRODUCT.get(productKey(product));
}

export { MIG_PROFILES, migProfile, type MigProfile } from './mig.js';

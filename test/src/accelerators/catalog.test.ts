import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  ACCELERATORS,
  MIG_PROFILES,
  acceleratorByName,
  acceleratorByProduct,
  migProfile,
  productKey,
} from '../../../src/accelerators/catalog.js';
import { GiB, MiB } from '../../../src/units/quantity.js';

// DESIGN.md "Canonical accelerator type names".
const CANONICAL = [
  'nvidia-tesla-t4', 'nvidia-l4', 'nvidia-tesla-a100', 'nvidia-a100-80gb', 'nvidia-h100-80gb', 'nvidia-h100-mega-80gb',
  'nvidia-h200-141gb', 'nvidia-b200', 'nvidia-gb200', 'tpu-v5-lite-podslice', 'tpu-v5p-slice', 'tpu-v6e-slice', 'tpu7x',
  'amd-mi300x', 'amd-mi325x',
];
// Added for node discovery on real clusters (issue #15): parts GFD and the clouds report that DESIGN.md's list lacks.
const ADDED = [
  'nvidia-a100-pcie-40gb', 'nvidia-a100-pcie-80gb', 'nvidia-h100-pcie', 'nvidia-h100-nvl', 'nvidia-h200-nvl', 'nvidia-gh200',
  'nvidia-l40s', 'tpu-v4-podslice',
];

const RESOURCE_BY_VENDOR = { nvidia: 'nvidia.com/gpu', amd: 'amd.com/gpu', google: 'google.com/tpu' } as const;

describe('ACCELERATORS', () => {
  it('holds exactly the canonical types, each once', () => {
    assert.deepEqual(ACCELERATORS.map((t) => t.name).sort(), [...CANONICAL, ...ADDED].sort());
  });

  for (const type of ACCELERATORS) {
    it(`${type.name} has positive figures and its vendor's resource`, () => {
      assert.ok(type.hbmBytesPerDevice > 0 && Number.isInteger(type.hbmBytesPerDevice));
      assert.ok(type.hbmBandwidthBytesPerSecond > 0);
      assert.ok(type.bf16FlopsPerSecond > 0);
      assert.equal(type.resourceName, RESOURCE_BY_VENDOR[type.vendor]);
      assert.equal(type.kind, type.vendor === 'google' ? 'tpu' : 'gpu');
      assert.ok((type.chipsPerHost ?? []).every((n) => Number.isInteger(n) && n > 0));
    });
  }

  it('gives no product name to two types', () => {
    const keys = ACCELERATORS.flatMap((t) => t.productNames.map(productKey));
    assert.equal(new Set(keys).size, keys.length);
  });

  // Published figures the rest of kinfer leans on; a typo here silently misplaces models.
  const figures: { name: string; hbmBytes: number; bandwidth: number; tflops: number }[] = [
    { name: 'nvidia-l4', hbmBytes: 23034 * MiB, bandwidth: 300e9, tflops: 121 },
    { name: 'nvidia-h100-80gb', hbmBytes: 81559 * MiB, bandwidth: 3.35e12, tflops: 989 },
    { name: 'nvidia-h200-141gb', hbmBytes: 143771 * MiB, bandwidth: 4.8e12, tflops: 989 },
    { name: 'tpu-v5-lite-podslice', hbmBytes: 16 * GiB, bandwidth: 819e9, tflops: 197 },
    { name: 'tpu-v5p-slice', hbmBytes: 95 * GiB, bandwidth: 2765e9, tflops: 459 },
    { name: 'tpu-v6e-slice', hbmBytes: 32 * GiB, bandwidth: 1640e9, tflops: 918 },
    { name: 'tpu7x', hbmBytes: 192 * GiB, bandwidth: 7.37e12, tflops: 2307 },
    { name: 'amd-mi300x', hbmBytes: 192 * GiB, bandwidth: 5.3e12, tflops: 1307.4 },
    { name: 'amd-mi325x', hbmBytes: 256 * GiB, bandwidth: 6e12, tflops: 1307.4 },
    { name: 'nvidia-a100-pcie-40gb', hbmBytes: 40960 * MiB, bandwidth: 1555e9, tflops: 312 },
    { name: 'nvidia-a100-pcie-80gb', hbmBytes: 81920 * MiB, bandwidth: 1935e9, tflops: 312 },
    { name: 'nvidia-h100-pcie', hbmBytes: 81559 * MiB, bandwidth: 2e12, tflops: 756 },
    { name: 'nvidia-h100-nvl', hbmBytes: 95830 * MiB, bandwidth: 3.9e12, tflops: 835 },
    { name: 'nvidia-h200-nvl', hbmBytes: 143771 * MiB, bandwidth: 4.8e12, tflops: 835 },
    { name: 'nvidia-gh200', hbmBytes: 96e9, bandwidth: 4e12, tflops: 989 },
    { name: 'nvidia-l40s', hbmBytes: 46068 * MiB, bandwidth: 864e9, tflops: 362.05 },
    { name: 'tpu-v4-podslice', hbmBytes: 32 * GiB, bandwidth: 1200e9, tflops: 275 },
  ];
  for (const want of figures) {
    it(`${want.name} carries its published figures`, () => {
      const type = acceleratorByName(want.name);
      assert.ok(type);
      assert.equal(type.hbmBytesPerDevice, want.hbmBytes);
      assert.equal(type.hbmBandwidthBytesPerSecond, want.bandwidth);
      assert.ok(Math.abs(type.bf16FlopsPerSecond - want.tflops * 1e12) < 1e6);
    });
  }
});

describe('acceleratorByName', () => {
  const cases: { input: string; want: string | undefined }[] = [
    { input: 'nvidia-h100-80gb', want: 'nvidia-h100-80gb' },
    { input: ' NVIDIA-L4 ', want: 'nvidia-l4' },
    { input: 'tpu7x', want: 'tpu7x' },
    { input: 'tpu-v5-lite-device', want: 'tpu-v5-lite-podslice' }, // GKE's single-host v5e: an alias of the same chip
    { input: 'tpu-v4-podslice', want: 'tpu-v4-podslice' },
    { input: 'nvidia-h100', want: undefined },
    { input: 'NVIDIA-H100-80GB-HBM3', want: undefined }, // a product name, not a canonical name
    { input: '', want: undefined },
  ];
  for (const { input, want } of cases) {
    it(`${JSON.stringify(input)} -> ${want ?? 'undefined'}`, () => {
      assert.equal(acceleratorByName(input)?.name, want);
    });
  }
});

describe('acceleratorByProduct', () => {
  const cases: { product: string; want: string | undefined }[] = [
    { product: 'Tesla-T4', want: 'nvidia-tesla-t4' },
    { product: 'NVIDIA-Tesla-T4', want: 'nvidia-tesla-t4' },
    { product: 'NVIDIA-L4', want: 'nvidia-l4' },
    { product: 'NVIDIA-A100-SXM4-40GB', want: 'nvidia-tesla-a100' },
    { product: 'A100-SXM4-40GB', want: 'nvidia-tesla-a100' },
    { product: 'NVIDIA-A100-PCIE-40GB', want: 'nvidia-a100-pcie-40gb' }, // PCIe cards: own bandwidth, no NVLink
    { product: 'NVIDIA-A100-SXM4-80GB', want: 'nvidia-a100-80gb' },
    { product: 'NVIDIA-A100-80GB-PCIe', want: 'nvidia-a100-pcie-80gb' },
    { product: 'NVIDIA-H100-80GB-HBM3', want: 'nvidia-h100-80gb' },
    { product: 'NVIDIA H100 80GB HBM3', want: 'nvidia-h100-80gb' },
    { product: 'nvidia_h100_sxm5_80gb', want: 'nvidia-h100-80gb' },
    { product: 'NVIDIA-H200', want: 'nvidia-h200-141gb' },
    { product: 'NVIDIA-B200', want: 'nvidia-b200' },
    { product: 'NVIDIA-GB200', want: 'nvidia-gb200' },
    { product: 'AMD Instinct MI300X', want: 'amd-mi300x' },
    { product: 'AMD-Instinct-MI300X-OAM', want: 'amd-mi300x' },
    { product: 'AMD_Instinct_MI300X_OAM', want: 'amd-mi300x' },
    { product: 'AMD Instinct MI325X', want: 'amd-mi325x' },
    { product: 'NVIDIA-H100-PCIe', want: 'nvidia-h100-pcie' }, // HBM2e at 2 TB/s: not the SXM part
    { product: 'NVIDIA-H100-NVL', want: 'nvidia-h100-nvl' },
    { product: 'NVIDIA-H200-NVL', want: 'nvidia-h200-nvl' },
    { product: 'NVIDIA-GH200-480GB', want: 'nvidia-gh200' },
    { product: 'NVIDIA-L40S', want: 'nvidia-l40s' },
    { product: 'AMD_Instinct_MI300X_HF', want: 'amd-mi300x' },
    { product: 'Instinct_MI300X', want: 'amd-mi300x' }, // the labeller's own spelling (no vendor word)
    { product: 'NVIDIA-A10G', want: undefined }, // sized, but no speed data: see MEMORY_ONLY
    { product: '', want: undefined },
  ];
  for (const { product, want } of cases) {
    it(`${JSON.stringify(product)} -> ${want ?? 'undefined'}`, () => {
      assert.equal(acceleratorByProduct(product)?.name, want);
    });
  }
});

describe('MIG profiles', () => {
  const cases: { resource: string; want: ReturnType<typeof migProfile> }[] = [
    {
      resource: 'nvidia.com/mig-1g.5gb',
      want: { resourceName: 'nvidia.com/mig-1g.5gb', parents: ['nvidia-tesla-a100'], hbmBytes: 5e9, computeSlices: 1 },
    },
    {
      resource: 'nvidia.com/mig-3g.40gb',
      want: {
        resourceName: 'nvidia.com/mig-3g.40gb',
        parents: ['nvidia-a100-80gb', 'nvidia-h100-80gb', 'nvidia-h100-mega-80gb'],
        hbmBytes: 40e9,
        computeSlices: 3,
      },
    },
    {
      resource: 'nvidia.com/mig-7g.141gb',
      want: { resourceName: 'nvidia.com/mig-7g.141gb', parents: ['nvidia-h200-141gb'], hbmBytes: 141e9, computeSlices: 7 },
    },
    {
      // Not in the table (a newer GPU's profile): read from the name, no known parent.
      resource: 'nvidia.com/mig-1g.23gb',
      want: { resourceName: 'nvidia.com/mig-1g.23gb', parents: [], hbmBytes: 23e9, computeSlices: 1 },
    },
    {
      // Media-extension slice as the device plugin names it (`+me` becomes `.me`): same memory as 1g.10gb.
      resource: 'nvidia.com/mig-1g.10gb.me',
      want: { resourceName: 'nvidia.com/mig-1g.10gb.me', parents: [], hbmBytes: 10e9, computeSlices: 1 },
    },
    { resource: 'nvidia.com/gpu', want: undefined },
    { resource: 'nvidia.com/mig-big', want: undefined },
  ];
  for (const { resource, want } of cases) {
    it(`migProfile(${resource})`, () => {
      assert.deepEqual(migProfile(resource), want);
    });
  }

  it('lists every profile the brief names, once per resource name', () => {
    const names = MIG_PROFILES.map((p) => p.resourceName.replace('nvidia.com/mig-', '')).sort();
    assert.deepEqual(names, [
      '1g.10gb', '1g.18gb', '1g.20gb', '1g.35gb', '1g.5gb', '2g.10gb', '2g.20gb', '2g.35gb', '3g.20gb', '3g.40gb',
      '3g.71gb', '4g.20gb', '4g.40gb', '4g.71gb', '7g.141gb', '7g.40gb', '7g.80gb',
    ]);
  });

  it('names only catalog parents, and no slice outgrows its parent', () => {
    for (const profile of MIG_PROFILES) {
      assert.ok(profile.parents.length > 0);
      for (const parent of profile.parents) {
        const type = acceleratorByName(parent);
        assert.ok(type, `${profile.resourceName}: unknown parent ${parent}`);
        assert.ok(profile.hbmBytes <= type.hbmBytesPerDevice, `${profile.resourceName} > ${parent}`);
        assert.ok(profile.computeSlices >= 1 && profile.computeSlices <= 7);
      }
    }
  });
});

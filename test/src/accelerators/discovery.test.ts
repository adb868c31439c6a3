import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  TOPOLOGY_LABELS,
  TOPOLOGY_LEVELS,
  discoverAccelerators,
  topologyDomains,
  type DevicePool,
  type NodeAccelerators,
  type NodeLike,
} from '../../../src/accelerators/discovery.js';
import { parseAmdVram, parseGfdMemory, parseKinferHbm } from '../../../src/accelerators/memory-labels.js';
import { GiB, MiB } from '../../../src/units/quantity.js';
import { aNode, type NodeBuilder } from '../../builders.js';

const pool = (resourceName: string, devices: number, hbmBytesPerDevice: number): DevicePool => ({
  resourceName,
  devices,
  hbmBytesPerDevice,
});
const gpus = (devices: number, hbmBytesPerDevice: number): DevicePool => pool('nvidia.com/gpu', devices, hbmBytesPerDevice);

// Local helpers for label sets test/builders.ts has no method for.
const amdGpu = (b: NodeBuilder, product: string, count: number, vram?: string): NodeBuilder => {
  b.label('amd.com/gpu.product-name', product).resource('amd.com/gpu', count);
  return vram === undefined ? b : b.label('amd.com/gpu.vram', vram);
};
const kinfer = (b: NodeBuilder, accelerator: string, hbm?: string): NodeBuilder => {
  b.label('kinfer.dev/accelerator', accelerator);
  return hbm === undefined ? b : b.label('kinfer.dev/hbm-per-device', hbm);
};
/** Sets allocatable alone (capacity unchanged), as kubelet does when devices are unhealthy. */
const allocatable = (node: NodeLike & { status: { allocatable: Record<string, string> } }, name: string, value: string) => {
  node.status.allocatable[name] = value;
  return node;
};
const capacityOnly = (node: NodeLike & { status: { allocatable: Record<string, string> } }, name: string) => {
  delete node.status.allocatable[name];
  return node;
};

interface Case {
  readonly name: string;
  readonly node: NodeLike;
  readonly want: NodeAccelerators | undefined;
}

const H100 = 81559 * MiB;

const cases: Case[] = [
  // GKE
  {
    name: 'GKE GPU node',
    node: aNode('g1').gkeGpu('nvidia-h100-80gb', 8).zone('us-central1-a').build(),
    want: {
      type: 'nvidia-h100-80gb', known: true, source: 'gke', pools: [gpus(8, H100)],
      topology: { zone: 'us-central1-a', host: 'g1' },
    },
  },
  {
    name: 'GKE TPU node with topology and node pool',
    node: aNode('t1').gkeTpu('tpu-v6e-slice', '2x4', 4).label('cloud.google.com/gke-nodepool', 'v6e-2x4').build(),
    want: {
      type: 'tpu-v6e-slice', known: true, source: 'gke', pools: [pool('google.com/tpu', 4, 32 * GiB)],
      tpuTopology: '2x4', topology: { nodePool: 'v6e-2x4', host: 't1' },
    },
  },
  {
    name: 'GKE GPU label with an unknown value',
    node: aNode('g2').gkeGpu('nvidia-tesla-v100', 1).build(),
    want: { type: 'unknown:nvidia-tesla-v100', known: false, source: 'gke', pools: [gpus(1, 0)], topology: { host: 'g2' } },
  },
  {
    name: 'GKE GPU partitions: each device is the partition',
    node: aNode('g3').gkeGpu('nvidia-tesla-a100', 7).label('cloud.google.com/gke-gpu-partition-size', '1g.5gb').build(),
    want: { type: 'nvidia-tesla-a100', known: true, source: 'gke', pools: [gpus(7, 5e9)], topology: { host: 'g3' } },
  },
  {
    name: 'GKE label but no devices yet: still reported',
    node: aNode('g4').label('cloud.google.com/gke-accelerator', 'nvidia-l4').build(),
    want: { type: 'nvidia-l4', known: true, source: 'gke', pools: [gpus(0, 23034 * MiB)], topology: { host: 'g4' } },
  },
  // NVIDIA GPU Feature Discovery
  {
    name: 'GFD without a memory label: catalog memory',
    node: aNode('f1').gfdGpu('NVIDIA-H100-80GB-HBM3', 8).build(),
    want: { type: 'nvidia-h100-80gb', known: true, source: 'gfd', pools: [gpus(8, H100)], topology: { host: 'f1' } },
  },
  {
    name: 'GFD with a memory label',
    node: aNode('f2').gfdGpu('NVIDIA-L4', 1, 23034).build(),
    want: { type: 'nvidia-l4', known: true, source: 'gfd', pools: [gpus(1, 23034 * MiB)], topology: { host: 'f2' } },
  },
  {
    name: 'GFD memory label wins over the catalog',
    node: aNode('f3').gfdGpu('NVIDIA-A100-SXM4-80GB', 4, 80000).build(),
    want: { type: 'nvidia-a100-80gb', known: true, source: 'gfd', pools: [gpus(4, 80000 * MiB)], topology: { host: 'f3' } },
  },
  {
    name: 'GFD unknown product with memory: unknown type, label memory',
    node: aNode('f4').gfdGpu('Tesla-V100-SXM2-16GB', 2, 16384).build(),
    want: { type: 'unknown:Tesla-V100-SXM2-16GB', known: false, source: 'gfd', pools: [gpus(2, 16384 * MiB)], topology: { host: 'f4' } },
  },
  {
    name: 'GFD unknown product without memory: 0 bytes',
    node: aNode('f5').gfdGpu('Tesla-V100-SXM2-16GB', 4).build(),
    want: { type: 'unknown:Tesla-V100-SXM2-16GB', known: false, source: 'gfd', pools: [gpus(4, 0)], topology: { host: 'f5' } },
  },
  // Precedence: kinfer > GKE > GFD > AMD; memory labels override the catalog
  {
    name: 'GKE names the type, GFD supplies memory',
    node: aNode('p1').gkeGpu('nvidia-h100-mega-80gb', 8)
      .label('nvidia.com/gpu.product', 'NVIDIA-H100-80GB-HBM3').label('nvidia.com/gpu.memory', '81000').build(),
    want: { type: 'nvidia-h100-mega-80gb', known: true, source: 'gke', pools: [gpus(8, 81000 * MiB)], topology: { host: 'p1' } },
  },
  {
    name: 'kinfer label wins over GKE',
    node: kinfer(aNode('p2').gkeGpu('nvidia-l4', 2), 'nvidia-tesla-t4').build(),
    want: { type: 'nvidia-tesla-t4', known: true, source: 'kinfer', pools: [gpus(2, 15360 * MiB)], topology: { host: 'p2' } },
  },
  {
    name: 'kinfer memory wins over GFD memory',
    node: kinfer(aNode('p3').gfdGpu('NVIDIA-H200', 8, 143771), 'nvidia-h200-141gb', '130Gi').build(),
    want: { type: 'nvidia-h200-141gb', known: true, source: 'kinfer', pools: [gpus(8, 130 * GiB)], topology: { host: 'p3' } },
  },
  {
    name: 'GFD wins over AMD',
    node: amdGpu(aNode('p4').gfdGpu('NVIDIA-B200', 8), 'AMD Instinct MI300X', 8, '192G').build(),
    want: { type: 'nvidia-b200', known: true, source: 'gfd', pools: [gpus(8, 183359 * MiB)], topology: { host: 'p4' } },
  },
  // kinfer's own labels
  {
    name: 'kinfer canonical name and memory',
    node: kinfer(aNode('k1').resource('nvidia.com/gpu', 2), 'nvidia-l4', '20Gi').build(),
    want: { type: 'nvidia-l4', known: true, source: 'kinfer', pools: [gpus(2, 20 * GiB)], topology: { host: 'k1' } },
  },
  {
    name: 'kinfer label naming a product',
    node: kinfer(aNode('k2').resource('nvidia.com/gpu', 8), 'NVIDIA-H200').build(),
    want: { type: 'nvidia-h200-141gb', known: true, source: 'kinfer', pools: [gpus(8, 143771 * MiB)], topology: { host: 'k2' } },
  },
  {
    name: 'kinfer unknown type: resource from the node, memory from the label',
    node: kinfer(aNode('k3').resource('amd.com/gpu', 4), 'acme-x1', '64Gi').build(),
    want: { type: 'unknown:acme-x1', known: false, source: 'kinfer', pools: [pool('amd.com/gpu', 4, 64 * GiB)], topology: { host: 'k3' } },
  },
  // AMD
  {
    name: 'AMD with vram in GiB ("192G", as the node labeller writes it)',
    node: amdGpu(aNode('a1'), 'AMD_Instinct_MI300X_OAM', 8, '192G').build(),
    want: { type: 'amd-mi300x', known: true, source: 'amd', pools: [pool('amd.com/gpu', 8, 192 * GiB)], topology: { host: 'a1' } },
  },
  {
    name: 'AMD with vram in MiB overrides the catalog',
    node: amdGpu(aNode('a2'), 'AMD Instinct MI325X', 8, '250000M').build(),
    want: { type: 'amd-mi325x', known: true, source: 'amd', pools: [pool('amd.com/gpu', 8, 250000 * MiB)], topology: { host: 'a2' } },
  },
  {
    name: 'AMD without vram: catalog memory',
    node: amdGpu(aNode('a3'), 'AMD-Instinct-MI300X-OAM', 8).build(),
    want: { type: 'amd-mi300x', known: true, source: 'amd', pools: [pool('amd.com/gpu', 8, 192 * GiB)], topology: { host: 'a3' } },
  },
  // MIG
  {
    name: 'MIG mixed: one pool per profile, GFD per-profile memory label wins',
    node: aNode('m1').gfdGpu('NVIDIA-A100-SXM4-80GB', 0, 81920).label('nvidia.com/mig.strategy', 'mixed')
      .resource('nvidia.com/mig-3g.40gb', 2).resource('nvidia.com/mig-1g.10gb', 7)
      .label('nvidia.com/mig-3g.40gb.memory', '40192').build(),
    want: {
      type: 'nvidia-a100-80gb', known: true, source: 'gfd',
      pools: [pool('nvidia.com/mig-1g.10gb', 7, 10e9), pool('nvidia.com/mig-3g.40gb', 2, 40192 * MiB)],
      topology: { host: 'm1' },
    },
  },
  {
    name: 'MIG mixed with whole GPUs beside the slices',
    node: aNode('m2').gfdGpu('NVIDIA-H100-80GB-HBM3', 4, 81559).label('nvidia.com/mig.strategy', 'mixed')
      .resource('nvidia.com/mig-7g.80gb', 4).build(),
    want: {
      type: 'nvidia-h100-80gb', known: true, source: 'gfd',
      pools: [gpus(4, H100), pool('nvidia.com/mig-7g.80gb', 4, 80e9)],
      topology: { host: 'm2' },
    },
  },
  {
    name: 'MIG single: type stays the parent, memory is the slice (label)',
    node: aNode('m3').gfdGpu('NVIDIA-A100-SXM4-40GB-MIG-1g.5gb', 56, 4864).label('nvidia.com/mig.strategy', 'single').build(),
    want: { type: 'nvidia-tesla-a100', known: true, source: 'gfd', pools: [gpus(56, 4864 * MiB)], topology: { host: 'm3' } },
  },
  {
    name: 'MIG single without a memory label: the slice from the profile name',
    node: aNode('m4').gfdGpu('NVIDIA-H100-80GB-HBM3-MIG-3g.40gb', 16).label('nvidia.com/mig.strategy', 'single').build(),
    want: { type: 'nvidia-h100-80gb', known: true, source: 'gfd', pools: [gpus(16, 40e9)], topology: { host: 'm4' } },
  },
  // Resources without labels
  {
    name: 'NVIDIA resource without any label',
    node: aNode('r1').resource('nvidia.com/gpu', 2).build(),
    want: { type: 'unknown:nvidia.com/gpu', known: false, source: 'resource', pools: [gpus(2, 0)], topology: { host: 'r1' } },
  },
  {
    name: 'TPU resource without labels, memory from kinfer.dev/hbm-per-device',
    node: aNode('r2').resource('google.com/tpu', 4).label('kinfer.dev/hbm-per-device', '16Gi').build(),
    want: {
      type: 'unknown:google.com/tpu', known: false, source: 'resource', pools: [pool('google.com/tpu', 4, 16 * GiB)],
      topology: { host: 'r2' },
    },
  },
  {
    name: 'MIG resources without labels',
    node: aNode('r3').resource('nvidia.com/mig-2g.20gb', 3).build(),
    want: {
      type: 'unknown:nvidia.com/mig-2g.20gb', known: false, source: 'resource',
      pools: [pool('nvidia.com/mig-2g.20gb', 3, 20e9)], topology: { host: 'r3' },
    },
  },
  // Device counts
  {
    name: 'allocatable counts, not capacity',
    node: allocatable(aNode('c1').gkeGpu('nvidia-b200', 8).build(), 'nvidia.com/gpu', '7'),
    want: { type: 'nvidia-b200', known: true, source: 'gke', pools: [gpus(7, 183359 * MiB)], topology: { host: 'c1' } },
  },
  {
    name: 'capacity when allocatable does not list the resource',
    node: capacityOnly(aNode('c2').gkeGpu('nvidia-gb200', 4).build(), 'nvidia.com/gpu'),
    want: { type: 'nvidia-gb200', known: true, source: 'gke', pools: [gpus(4, 189471 * MiB)], topology: { host: 'c2' } },
  },
  // Bad labels are reported, not thrown
  {
    name: 'unreadable kinfer memory falls back to GFD, with a warning',
    node: aNode('w1').gfdGpu('NVIDIA-L4', 1, 23034).label('kinfer.dev/hbm-per-device', 'lots').build(),
    want: {
      type: 'nvidia-l4', known: true, source: 'gfd', pools: [gpus(1, 23034 * MiB)], topology: { host: 'w1' },
      warnings: ['ignored label kinfer.dev/hbm-per-device: "lots" is not a Kubernetes quantity (examples: 80Gi, 1.5, 500m)'],
    },
  },
  {
    name: 'unreadable GFD memory falls back to the catalog, with a warning',
    node: aNode('w2').gfdGpu('NVIDIA-L4', 1).label('nvidia.com/gpu.memory', '22.5GiB').build(),
    want: {
      type: 'nvidia-l4', known: true, source: 'gfd', pools: [gpus(1, 23034 * MiB)], topology: { host: 'w2' },
      warnings: ['ignored label nvidia.com/gpu.memory: "22.5GiB" is not a whole number of MiB'],
    },
  },
  // No accelerator
  { name: 'CPU-only node', node: aNode('cpu').zone('us-central1-a').build(), want: undefined },
  { name: 'empty object', node: {}, want: undefined },
  {
    name: 'kinfer memory label alone is no accelerator',
    node: aNode('cpu2').label('kinfer.dev/hbm-per-device', '80Gi').build(),
    want: undefined,
  },
];

describe('discoverAccelerators', () => {
  for (const { name, node, want } of cases) {
    it(name, () => {
      assert.deepEqual(discoverAccelerators(node), want);
    });
  }
});

describe('topologyDomains', () => {
  const everyLevel = Object.fromEntries(TOPOLOGY_LEVELS.map((level) => [TOPOLOGY_LABELS[level], `${level}-x`]));
  const cases: { name: string; node: NodeLike; want: ReturnType<typeof topologyDomains> }[] = [
    {
      name: 'every level labelled',
      node: aNode('n1').labels(everyLevel).build(),
      want: { zone: 'zone-x', block: 'block-x', subBlock: 'subBlock-x', clique: 'clique-x', nodePool: 'nodePool-x', physicalHost: 'physicalHost-x', host: 'host-x' },
    },
    {
      name: 'GCE block and sub-block, NVLink clique',
      node: aNode('n2').zone('europe-west4-b').labels({
        'cloud.google.com/gce-topology-block': 'b1',
        'cloud.google.com/gce-topology-subblock': 'sb3',
        'nvidia.com/gpu.clique': 'cluster-uuid.7',
      }).build(),
      want: { zone: 'europe-west4-b', block: 'b1', subBlock: 'sb3', clique: 'cluster-uuid.7', host: 'n2' },
    },
    {
      name: 'host falls back to the node name',
      node: { metadata: { name: 'n3', labels: { 'topology.kubernetes.io/zone': 'z' } } },
      want: { zone: 'z', host: 'n3' },
    },
    { name: 'nothing known', node: {}, want: {} },
  ];
  for (const { name, node, want } of cases) {
    it(name, () => {
      assert.deepEqual(topologyDomains(node), want);
    });
  }

  it('lists levels widest first, each with its label', () => {
    assert.deepEqual(TOPOLOGY_LEVELS, ['zone', 'block', 'subBlock', 'clique', 'nodePool', 'physicalHost', 'host']);
    assert.deepEqual(Object.keys(TOPOLOGY_LABELS).sort(), [...TOPOLOGY_LEVELS].sort());
  });
});

describe('memory label parsers', () => {
  const cases: { name: string; parse: (text: string) => { ok: boolean; value?: number }; input: string; want: number | undefined }[] = [
    { name: 'GFD MiB', parse: parseGfdMemory, input: '81559', want: 81559 * MiB },
    { name: 'GFD rejects a unit', parse: parseGfdMemory, input: '80Gi', want: undefined },
    { name: 'GFD rejects 0', parse: parseGfdMemory, input: '0', want: undefined },
    { name: 'AMD G is GiB', parse: parseAmdVram, input: '192G', want: 192 * GiB },
    { name: 'AMD M is MiB', parse: parseAmdVram, input: '196592M', want: 196592 * MiB },
    { name: 'AMD bare number is MiB', parse: parseAmdVram, input: '196592', want: 196592 * MiB },
    { name: 'AMD GB spelled out', parse: parseAmdVram, input: '64GB', want: 64 * GiB },
    { name: 'AMD binary quantity', parse: parseAmdVram, input: '192Gi', want: 192 * GiB },
    { name: 'AMD nonsense', parse: parseAmdVram, input: 'big', want: undefined },
    { name: 'kinfer binary quantity', parse: parseKinferHbm, input: '80Gi', want: 80 * GiB },
    { name: 'kinfer decimal quantity', parse: parseKinferHbm, input: '80G', want: 80e9 },
    { name: 'kinfer negative', parse: parseKinferHbm, input: '-1Gi', want: undefined },
  ];
  for (const { name, parse, input, want } of cases) {
    it(`${name}: ${input}`, () => {
      const parsed = parse(input);
      assert.equal(parsed.ok ? parsed.value : undefined, want);
    });
  }
});

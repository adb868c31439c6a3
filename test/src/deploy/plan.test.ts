import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceleratorByName } from '../../../src/accelerators/catalog.js';
import { catalogInventory, inventory } from '../../../src/deploy/inventory.js';
import { explainSlices, planDeployment, type DeploySpec } from '../../../src/deploy/plan.js';
import { ModelRegistry } from '../../../src/models/user.js';
import { aNode, type NodeBuilder } from '../../builders.js';

const models = new ModelRegistry();
const spec = (id: string, extra: Partial<DeploySpec> = {}): DeploySpec => ({
  model: models.get(id)!,
  dtype: 'bf16',
  kvCacheDtype: 'bf16',
  maxModelLen: 8192,
  kvReserveSeqs: 1,
  memoryUtilization: 0.92,
  replicas: 1,
  ...extra,
});

const l4 = (i: number, n = 8) => aNode(`l4-${i}`).gkeGpu('nvidia-l4', n);
const h100 = (i: number) => aNode(`h100-${i}`).gfdGpu('NVIDIA-H100-80GB-HBM3', 8, 81559);
const h200 = (i: number) => aNode(`h200-${i}`).gfdGpu('NVIDIA-H200', 8, 143771);
const v6e = (i: number) => aNode(`v6e-${i}`).gkeTpu('tpu-v6e-slice', '2x4', 8);
const mixed = [l4(0), l4(1), h100(0), h200(0), v6e(0), aNode('cpu-0')];
/** A host of a multi-host v6e slice as GKE labels it: ct6e-standard-4t (4 chips), the slice's topology, its node pool. */
const sliceHost = (topology: string, pool: string, i: number) => aNode(`${pool}-${i}`).gkeTpu('tpu-v6e-slice', topology, 4).label('cloud.google.com/gke-nodepool', pool);
const slice = (topology: string, pool: string, hosts: number) => Array.from({ length: hosts }, (_, i) => sliceHost(topology, pool, i));
/** GKE time-sharing (GKE docs, timesharing-gpus): 2 physical L4s, 4 shares each. */
const sharedL4 = (i: number) => aNode(`l4s-${i}`).label('cloud.google.com/gke-accelerator', 'nvidia-l4')
  .label('cloud.google.com/gke-gpu-sharing-strategy', 'time-sharing').label('cloud.google.com/gke-max-shared-clients-per-gpu', '4')
  .resource('nvidia.com/gpu', 8);
/** GFD MPS (GPU Operator docs, gpu-sharing-mps): 8 H100s, 2 replicas each: a share is half an H100. */
const sharedH100 = (i: number) => aNode(`h100s-${i}`).gfdGpu('NVIDIA-H100-80GB-HBM3-SHARED', 8, 81559)
  .label('nvidia.com/gpu.replicas', '2').label('nvidia.com/gpu.sharing-strategy', 'mps').resource('nvidia.com/gpu', 16);
/** Karpenter g5 (A10G): sized by karpenter.k8s.aws/instance-gpu-memory, no speed data. */
const a10g = (i: number) => aNode(`g5-${i}`).label('karpenter.k8s.aws/instance-gpu-name', 'a10g')
  .label('karpenter.k8s.aws/instance-gpu-memory', '22888').label('karpenter.k8s.aws/instance-gpu-manufacturer', 'nvidia').resource('nvidia.com/gpu', 4);

interface Case {
  name: string;
  spec: DeploySpec;
  nodes: NodeBuilder[];
  /** `type×devices` per target, with replicas: `nvidia-l4×1:2`. */
  targets?: string[];
  error?: RegExp;
  warning?: RegExp;
  /** Hosts per replica and TPU topology of the first target. */
  hosts?: number;
  topology?: string;
}

const cases: Case[] = [
  // One L4 holds an 8B at 8k with room as vLLM budgets it (256 sequences on an L4: 1.6 GiB of overhead, not the
  // 5 GiB of an H100's 1024), and 22 GiB is the cheapest memory.
  { name: 'an 8B model goes to the cheapest memory that fits with headroom: one L4', spec: spec('meta-llama/Llama-3.1-8B-Instruct'), nodes: mixed, targets: ['nvidia-l4×1:1'] },
  { name: 'a 7B at a short context fits one L4 with room', spec: spec('mistralai/Mistral-7B-Instruct-v0.3', { maxModelLen: 2048 }), nodes: mixed, targets: ['nvidia-l4×1:1'] },
  { name: 'a 70B model: a v6e host (8 × 32 GiB) is less memory than 2 H200 (2 × 140 GiB)', spec: spec('meta-llama/Llama-3.1-70B-Instruct'), nodes: mixed, targets: ['tpu-v6e-slice×8:1'] },
  { name: 'a 70B model among GPUs: 2 H200 hold it with room', spec: spec('meta-llama/Llama-3.1-70B-Instruct'), nodes: [l4(0), h100(0), h200(0)], targets: ['nvidia-h200-141gb×2:1'] },
  { name: 'without H200s the 70B takes 4 H100 (2 are too tight; 8 L4 too small, 16 span two nodes)', spec: spec('meta-llama/Llama-3.1-70B-Instruct'), nodes: [l4(0), h100(0)], targets: ['nvidia-h100-80gb×4:1'] },
  { name: 'a long context needs more devices', spec: spec('meta-llama/Llama-3.1-8B-Instruct', { maxModelLen: 131072, kvReserveSeqs: 4 }), nodes: [l4(0), h100(0)], targets: ['nvidia-h100-80gb×2:1'] },
  { name: '--tp is honoured', spec: spec('meta-llama/Llama-3.1-8B-Instruct', { tp: 2 }), nodes: mixed, targets: ['nvidia-l4×2:1'] },
  { name: '--accelerator picks the type; replicas round-robin over a mixed list', spec: spec('google/gemma-2-9b-it', { accelerators: ['nvidia-l4', 'tpu-v6e-slice'], replicas: 3, maxModelLen: 4096 }), nodes: mixed, targets: ['nvidia-l4×2:2', 'tpu-v6e-slice×8:1'] },
  { name: 'a TPU replica takes a whole slice', spec: spec('google/gemma-2-9b-it', { accelerators: ['tpu-v6e-slice'], tp: 4 }), nodes: mixed, error: /a TPU replica takes a whole slice: --tp 4 is no tpu-v6e-slice slice shape here; the cluster has 2x4 \(8 chips\)/ },
  // 70B bf16 is 141 GB of weights: a 4-chip v6e host (128 GiB) cannot hold it, so one 4x4 slice (16 chips, 4 hosts).
  { name: 'a 70B on v6e hosts of 4 chips: one 4x4 slice of 4 hosts', spec: spec('meta-llama/Llama-3.1-70B-Instruct'), nodes: slice('4x4', 'pool-a', 4), targets: ['tpu-v6e-slice×16:1'], hosts: 4, topology: '4x4' },
  { name: 'a single-host 2x4 slice that holds it comes before a multi-host one', spec: spec('meta-llama/Llama-3.1-70B-Instruct'), nodes: [v6e(0), ...slice('4x4', 'pool-a', 4)], targets: ['tpu-v6e-slice×8:1'], hosts: 1, topology: '2x4' },
  // 405B bf16 is 810 GB: 16 chips give 471 GiB usable, 32 chips 942 GiB.
  { name: 'a 405B takes the smallest shape that holds it: 4x8 (32 chips, 8 hosts), not 4x4', spec: spec('meta-llama/Llama-3.1-405B-Instruct'), nodes: [v6e(0), ...slice('4x4', 'pool-a', 4), ...slice('4x8', 'pool-b', 8)], targets: ['tpu-v6e-slice×32:1'], hosts: 8, topology: '4x8' },
  { name: 'no slice holds it: the reason names the shape that would', spec: spec('meta-llama/Llama-3.1-405B-Instruct'), nodes: [v6e(0), ...slice('4x4', 'pool-a', 4)], error: /tpu-v6e-slice: needs \d+\.\d GiB; the largest slice here, a tpu-v6e-slice 4x4 slice \(16 chips over 4 hosts\), gives \d+\.\d GiB usable; a tpu-v6e-slice 4x8 slice \(32 chips over 8 hosts\) would hold it/ },
  { name: '--tp names a slice shape', spec: spec('meta-llama/Llama-3.1-70B-Instruct', { tp: 16 }), nodes: [v6e(0), ...slice('4x4', 'pool-a', 4)], targets: ['tpu-v6e-slice×16:1'], hosts: 4, topology: '4x4' },
  { name: 'a slice with hosts missing: planned, with a warning', spec: spec('meta-llama/Llama-3.1-70B-Instruct'), nodes: slice('4x4', 'pool-a', 2), targets: ['tpu-v6e-slice×16:1'], warning: /1 replica\(s\) take a whole tpu-v6e-slice 4x4 slice each; the cluster has 0 with every host present/ },
  { name: 'a type the cluster lacks', spec: spec('meta-llama/Llama-3.1-8B-Instruct', { accelerators: ['nvidia-b200'] }), nodes: mixed, error: /the cluster has no nvidia-b200 nodes \(it has: nvidia-h100-80gb, nvidia-h200-141gb, nvidia-l4, tpu-v6e-slice\)/ },
  { name: 'a type too small for the model', spec: spec('meta-llama/Llama-3.1-70B-Instruct', { accelerators: ['nvidia-l4'], tp: 2 }), nodes: mixed, error: /does not fit nvidia-l4: needs \d+\.\d GiB, 2 × nvidia-l4 give \d+\.\d GiB usable/ },
  { name: 'nothing fits: one line with every type and its figures', spec: spec('meta-llama/Llama-3.1-405B-Instruct'), nodes: [l4(0, 4)], error: /nothing in the cluster fits meta-llama\/Llama-3.1-405B-Instruct .*nvidia-l4: needs \d+\.\d GiB; the most one node offers, 4 × nvidia-l4, gives/ },
  { name: 'an 8B model goes to one MPS share of an H100', spec: spec('meta-llama/Llama-3.1-8B-Instruct'), nodes: [sharedH100(0)], targets: ['nvidia-h100-80gb×1:1'] },
  { name: '--tp over GPU shares is refused with the reason', spec: spec('meta-llama/Llama-3.1-8B-Instruct', { tp: 2, accelerators: ['nvidia-l4'] }), nodes: [sharedL4(0)], error: /nvidia-l4 GPUs are shared here \(time-slicing, 4 shares per GPU\): 2 shares may be one GPU, so tensor parallelism across shares is refused/ },
  { name: 'a model too big for one share says a share is a quarter GPU', spec: spec('meta-llama/Llama-3.1-8B-Instruct'), nodes: [sharedL4(0)], error: /one time-slicing share is 1\/4 of a nvidia-l4, and tensor parallelism across shares is refused/ },
  { name: 'a part with no speed data is placeable on its memory label', spec: spec('meta-llama/Llama-3.1-8B-Instruct'), nodes: [a10g(0)], targets: ['nvidia-a10g×1:1'] },
  { name: 'a 405B in bf16 fits one H200 node', spec: spec('meta-llama/Llama-3.1-405B-Instruct'), nodes: [h200(0), h200(1)], targets: ['nvidia-h200-141gb×8:1'] },
  { name: 'a 405B in bf16 spans two H100 nodes (multi-host)', spec: spec('meta-llama/Llama-3.1-405B-Instruct'), nodes: [h100(0), h100(1)], targets: ['nvidia-h100-80gb×16:1'] },
  { name: 'no accelerator nodes at all', spec: spec('meta-llama/Llama-3.1-8B-Instruct'), nodes: [aNode('cpu')], error: /no nodes with an accelerator of known memory/ },
  { name: 'more replicas than devices: a warning, not an error', spec: spec('meta-llama/Llama-3.1-8B-Instruct', { accelerators: ['nvidia-l4'], replicas: 20 }), nodes: [l4(0)], targets: ['nvidia-l4×1:20'], warning: /20 replica\(s\) × 1 nvidia-l4 need 20 devices; the cluster has 8/ },
  { name: 'an odd TP the model cannot split', spec: spec('meta-llama/Llama-3.1-8B-Instruct', { accelerators: ['nvidia-h100-80gb'], tp: 3 }), nodes: mixed, error: /not divisible by 3/ },
];

describe('planDeployment', () => {
  for (const c of cases) {
    it(c.name, () => {
      const plan = planDeployment(c.spec, inventory(c.nodes.map((n) => n.build())));
      if (c.error) {
        assert.ok(!plan.ok, 'expected an error');
        assert.match(plan.error, c.error);
        return;
      }
      assert.ok(plan.ok, plan.ok ? '' : plan.error);
      assert.deepEqual(plan.value.targets.map((t) => `${t.option.inventory.type}×${t.option.devices}:${t.replicas}`), c.targets);
      if (c.warning) assert.ok(plan.value.warnings.some((w) => c.warning!.test(w)), plan.value.warnings.join('\n'));
      if (c.hosts !== undefined) assert.equal(plan.value.targets[0]!.option.hosts, c.hosts);
      if (c.topology !== undefined) assert.equal(plan.value.targets[0]!.option.tpuSlice?.topology, c.topology);
    });
  }

  it('explains every option, feasible ones first', () => {
    const plan = planDeployment(spec('meta-llama/Llama-3.1-70B-Instruct'), inventory(mixed.map((n) => n.build())));
    assert.ok(plan.ok);
    const types = plan.value.options.map((o) => `${o.inventory.type}:${o.feasible}`);
    assert.deepEqual(types, ['tpu-v6e-slice:true', 'nvidia-h200-141gb:true', 'nvidia-h100-80gb:true', 'nvidia-l4:true']);
    assert.equal(plan.value.options[3]!.hosts, 2, 'the L4 option spans two nodes and so ranks last');
    for (const o of plan.value.options) assert.match(o.why, /GiB|heads|chip/);
  });
});

describe('inventory', () => {
  it('groups nodes by type with the selector label each scheme uses', () => {
    const inv = inventory([l4(0), l4(1, 4), h100(0), v6e(0), aNode('cpu')].map((n) => n.build()));
    assert.deepEqual(inv.map((i) => [i.type, i.nodes, i.devicesPerNode, i.totalDevices, i.selector.key, i.selector.values.join(',')]), [
      ['nvidia-h100-80gb', 1, 8, 8, 'nvidia.com/gpu.product', 'NVIDIA-H100-80GB-HBM3'],
      ['nvidia-l4', 2, 8, 12, 'cloud.google.com/gke-accelerator', 'nvidia-l4'],
      ['tpu-v6e-slice', 1, 8, 8, 'cloud.google.com/gke-tpu-accelerator', 'tpu-v6e-slice'],
    ]);
    assert.deepEqual(inv[2]!.tpuTopologies, ['2x4']);
  });

  it('counts TPU slice shapes and the whole slices of each (node pools with every host)', () => {
    const inv = inventory([v6e(0), ...slice('4x4', 'pool-a', 4), ...slice('4x4', 'pool-b', 2), ...slice('4x8', 'pool-c', 8)].map((n) => n.build()));
    assert.deepEqual(inv[0]!.tpuSlices, [
      { topology: '2x4', chips: 8, chipsPerHost: 8, hosts: 1, slices: 1 },
      { topology: '4x4', chips: 16, chipsPerHost: 4, hosts: 4, slices: 1 },
      { topology: '4x8', chips: 32, chipsPerHost: 4, hosts: 8, slices: 1 },
    ]);
  });
});

describe('catalogInventory (planning offline)', () => {
  it('a TPU --tp above one host is the GKE multi-host slice of that many chips; a host\'s own count stays single-host', () => {
    const v6eType = acceleratorByName('tpu-v6e-slice')!;
    const multi = catalogInventory(v6eType, 16);
    assert.deepEqual([multi.devicesPerNode, multi.tpuSlices.map((s) => `${s.topology}:${s.hosts}`)], [4, ['4x4:4']]);
    const plan = planDeployment(spec('meta-llama/Llama-3.1-70B-Instruct', { accelerators: ['tpu-v6e-slice'], tp: 16 }), [multi]);
    assert.ok(plan.ok, plan.ok ? '' : plan.error);
    assert.equal(plan.value.targets[0]!.option.hosts, 4);
    assert.deepEqual(catalogInventory(v6eType, 8).tpuSlices, []);
  });
});

describe('explainSlices', () => {
  it('says which slice and why not a smaller one', () => {
    const plan = planDeployment(spec('meta-llama/Llama-3.1-405B-Instruct'), inventory([v6e(0), ...slice('4x4', 'pool-a', 4), ...slice('4x8', 'pool-b', 8)].map((n) => n.build())));
    assert.ok(plan.ok);
    const [line, ...rest] = explainSlices(plan.value);
    assert.equal(rest.length, 0);
    assert.match(line!, /^tpu slice: +a tpu-v6e-slice 4x8 slice \(32 chips over 8 hosts\), one LeaderWorkerSet group of 8 pods with 4 chips each, tensor parallel 32 over ICI: the smallest tpu-v6e-slice shape the cluster has that holds a replica; smaller shapes here: 2x4: needs \d+\.\d GiB, a tpu-v6e-slice 2x4 slice \(8 chips, one host\) gives \d+\.\d GiB usable; 4x4: needs/);
  });
});

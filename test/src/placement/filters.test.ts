import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cycle, type Verdict } from '../../../src/placement/framework.js';
import { newFilters } from '../../../src/placement/registry.js';
import { aNode, aPod, type NodeBuilder, type PodBuilder } from '../../builders.js';
import { clusterOf, requestOf } from './fixtures.js';

const llama8b = () => aPod('new').model('meta-llama/Llama-3.1-8B-Instruct');
const llama70b = () => aPod('new').model('meta-llama/Llama-3.1-70B-Instruct');
const h100 = (name = 'n1', gpus = 8) => aNode(name).gkeGpu('nvidia-h100-80gb', gpus);
const l4 = (name = 'n1', gpus = 2) => aNode(name).gkeGpu('nvidia-l4', gpus);
/** GKE time-sharing: `gpus` physical L4s, `clients` shares each (allocatable = gpus × clients). */
const sharedL4 = (clients: number, gpus = 1) => aNode('s').label('cloud.google.com/gke-accelerator', 'nvidia-l4')
  .label('cloud.google.com/gke-gpu-sharing-strategy', 'time-sharing').label('cloud.google.com/gke-max-shared-clients-per-gpu', String(clients))
  .resource('nvidia.com/gpu', gpus * clients);
const sharedH100 = () => aNode('s').gfdGpu('NVIDIA-H100-80GB-HBM3-SHARED', 8, 81559).label('nvidia.com/gpu.replicas', '2')
  .label('nvidia.com/gpu.sharing-strategy', 'mps').resource('nvidia.com/gpu', 16);

interface Case {
  name: string;
  node: NodeBuilder;
  pod: PodBuilder;
  others?: PodBuilder[];
  filter: string;
  code: Verdict['code'];
  reason?: RegExp;
}

/** Runs every filter in order and returns the first non-fit verdict and its filter, as the placer does. */
function firstVerdict(c: Case): { filter: string; verdict: Verdict } {
  const nodeName = c.node.build().metadata.name;
  const cluster = clusterOf([c.node], c.others ?? []);
  const cycle = new Cycle(requestOf(c.pod), cluster);
  for (const filter of newFilters()) {
    const verdict = filter.filter(cycle, cluster.node(nodeName)!);
    if (verdict.code !== 'fit') return { filter: filter.name, verdict };
  }
  return { filter: '', verdict: { code: 'fit' } };
}

const cases: Case[] = [
  { name: 'small model on an L4 fits', node: l4(), pod: llama8b().gpus(1), filter: '', code: 'fit' },
  { name: 'CPU-only node', node: aNode('cpu'), pod: llama8b().gpus(1), filter: 'accelerator-type', code: 'unresolvable', reason: /no accelerator.*nvidia.com\/gpu/ },
  { name: 'GPU pod on a TPU node', node: aNode('t').gkeTpu('tpu-v6e-slice', '2x4', 8), pod: llama8b().gpus(1), filter: 'accelerator-type', code: 'unresolvable', reason: /offers google.com\/tpu, not nvidia.com\/gpu/ },
  { name: 'type not in the accepted list', node: l4(), pod: llama8b().kinfer('accelerators', 'nvidia-h100-80gb,nvidia-h200-141gb').gpus(1), filter: 'accelerator-type', code: 'unresolvable', reason: /nvidia-l4 is not one the pod accepts \(nvidia-h100-80gb, nvidia-h200-141gb\)/ },
  { name: 'type in the accepted list', node: h100(), pod: llama8b().kinfer('accelerators', 'nvidia-h200-141gb,nvidia-h100-80gb').gpus(1), filter: '', code: 'fit' },
  { name: 'TPU topology matches', node: aNode('t').gkeTpu('tpu-v6e-slice', '2x4', 8), pod: aPod('p').kinfer('hbm', '100Gi').kinfer('tpu-topology', '2x4').devices('google.com/tpu', 8), filter: '', code: 'fit' },
  { name: 'TPU topology differs', node: aNode('t').gkeTpu('tpu-v6e-slice', '2x2', 4), pod: aPod('p').kinfer('hbm', '50Gi').kinfer('tpu-topology', '2x4').devices('google.com/tpu', 4), filter: 'tpu-topology', code: 'unresolvable', reason: /TPU topology 2x2 does not match the required 2x4/ },
  { name: 'TPU topology on a GPU node', node: h100(), pod: llama8b().kinfer('tpu-topology', '2x4').gpus(1), filter: 'tpu-topology', code: 'unresolvable', reason: /not part of a TPU slice/ },
  { name: '70B bf16 on two L4s: too little HBM', node: l4('n1', 2), pod: llama70b().gpus(2), filter: 'hbm-fit', code: 'unresolvable', reason: /^insufficient HBM: needs \d+\.\d GiB, nvidia-l4 x2 gives \d+\.\d GiB usable$/ },
  { name: '70B bf16 on two H100s fits', node: h100('n1', 8), pod: llama70b().gpus(2), filter: '', code: 'fit' },
  { name: 'unknown memory: a label to set', node: aNode('x').label('nvidia.com/gpu.product', 'Mystery-GPU').resource('nvidia.com/gpu', 4), pod: llama8b().gpus(1), filter: 'hbm-fit', code: 'unresolvable', reason: /kinfer.dev\/hbm-per-device/ },
  { name: 'GFD memory label wins over the catalog', node: aNode('g').gfdGpu('NVIDIA-H100-80GB-HBM3', 8, 24000), pod: llama8b().gpus(1), filter: '', code: 'fit' },
  { name: 'GFD memory too small', node: aNode('g').gfdGpu('NVIDIA-H100-80GB-HBM3', 8, 10000), pod: llama8b().gpus(1), filter: 'hbm-fit', code: 'unresolvable', reason: /insufficient HBM/ },
  { name: 'node has fewer devices in all than requested', node: l4('n1', 2), pod: aPod('p').kinfer('hbm', '10Gi').gpus(4), filter: 'free-devices', code: 'unresolvable', reason: /2 nvidia-l4 device\(s\) in all; the pod needs 4/ },
  { name: 'devices taken by bound pods: retryable', node: h100('n1', 8), pod: llama70b().gpus(4), others: [aPod('a').gpus(6).onNode('n1')], filter: 'free-devices', code: 'unschedulable', reason: /2 of 8 nvidia-h100-80gb device\(s\) free; the pod needs 4/ },
  { name: 'terminated pods free their devices', node: h100('n1', 8), pod: llama70b().gpus(4), others: [aPod('a').gpus(6).onNode('n1', 'Succeeded')], filter: '', code: 'fit' },
  { name: 'pods on other nodes do not count', node: h100('n1', 8), pod: llama70b().gpus(4), others: [aPod('a').gpus(8).onNode('n2')], filter: '', code: 'fit' },
  { name: 'MIG slice fits', node: aNode('m').gfdGpu('NVIDIA-A100-SXM4-80GB', 0).label('nvidia.com/mig.strategy', 'mixed').resource('nvidia.com/mig-3g.40gb', 2), pod: llama8b().devices('nvidia.com/mig-3g.40gb', 1), filter: '', code: 'fit' },
  { name: 'MIG slice too small', node: aNode('m').gfdGpu('NVIDIA-A100-SXM4-80GB', 0).label('nvidia.com/mig.strategy', 'mixed').resource('nvidia.com/mig-1g.10gb', 7), pod: llama8b().devices('nvidia.com/mig-1g.10gb', 1), filter: 'hbm-fit', code: 'unresolvable', reason: /insufficient HBM/ },
  // GPU shares (time-slicing, MPS): a share is part of one GPU, never a device
  { name: 'one share of a time-shared L4: a small model fits its quarter', node: sharedL4(2), pod: aPod('p').kinfer('hbm', '9Gi').gpus(1), filter: '', code: 'fit' },
  { name: 'one share is a quarter of the memory', node: sharedL4(4), pod: aPod('p').kinfer('hbm', '9Gi').gpus(1), filter: 'hbm-fit', code: 'unresolvable', reason: /insufficient HBM: needs 9.0 GiB, nvidia-l4 x1 gives 5.2 GiB usable/ },
  { name: 'TP across shares of time-shared L4s is refused with the reason', node: sharedL4(4, 2), pod: aPod('p').kinfer('hbm', '1Gi').gpus(2), filter: 'gpu-shares', code: 'unresolvable', reason: /nvidia-l4 GPUs here are shared \(time-slicing, 4 shares per GPU\): 2 shares may be one GPU, so tensor parallelism across shares is refused/ },
  { name: 'TP across MPS shares is refused too', node: sharedH100(), pod: llama8b().gpus(2), filter: 'gpu-shares', code: 'unresolvable', reason: /\(mps, 2 shares per GPU\)/ },
  { name: 'one MPS share of an H100: half of its memory', node: sharedH100(), pod: llama8b().gpus(1), filter: '', code: 'fit' },
];

describe('filters', () => {
  for (const c of cases) {
    it(c.name, () => {
      const { filter, verdict } = firstVerdict(c);
      assert.equal(verdict.code, c.code, JSON.stringify(verdict));
      assert.equal(filter, c.filter);
      if (c.reason && verdict.code !== 'fit') assert.match(verdict.reason, c.reason);
    });
  }
});

describe('hbm-fit at its edges', () => {
  // 8 GiB usable exactly: 1 device × 10 GiB × 0.8.
  const node = aNode('e').label('kinfer.dev/accelerator', 'nvidia-l4').label('kinfer.dev/hbm-per-device', '10Gi').resource('nvidia.com/gpu', 1);
  const table: { hbm: string; code: Verdict['code'] }[] = [
    { hbm: String(8 * 2 ** 30), code: 'fit' },
    { hbm: String(8 * 2 ** 30 + 1), code: 'unresolvable' },
  ];
  for (const t of table) {
    it(`need ${t.hbm} bytes → ${t.code}`, () => {
      const pod = aPod('p').kinfer('hbm', t.hbm).kinfer('memory-utilization', '0.8').gpus(1);
      assert.equal(firstVerdict({ name: '', node, pod, filter: '', code: t.code }).verdict.code, t.code);
    });
  }
});

describe('group-domain', () => {
  const clique = (name: string, id: string, gpus = 4) => aNode(name).gfdGpu('NVIDIA-GB200', gpus).label('nvidia.com/gpu.clique', id);
  const member = (name: string, node: string) => aPod(name).kinfer('hbm', '100Gi').kinfer('group', 'big').kinfer('group-size', '3').gpus(4).onNode(node);
  const pod = () => aPod('m-new').kinfer('hbm', '100Gi').kinfer('group', 'big').kinfer('group-size', '3').gpus(4);

  const verdicts = (nodes: NodeBuilder[], others: PodBuilder[]) => {
    const cluster = clusterOf(nodes, others);
    const cycle = new Cycle(requestOf(pod()), cluster);
    const filters = newFilters();
    const out: Record<string, { code: string; reason: string }> = {};
    for (const n of nodes) {
      const entry = cluster.node(n.build().metadata.name)!;
      const bad = filters.map((f) => f.filter(cycle, entry)).find((v) => v.code !== 'fit');
      out[entry.name] = bad && 'reason' in bad ? { code: bad.code, reason: bad.reason } : { code: 'fit', reason: '' };
    }
    return out as Record<string, { code: string; reason: string }> & Record<'a1' | 'b1' | 'c2', { code: string; reason: string }>;
  };

  it('only a domain that can hold the whole group passes', () => {
    const v = verdicts([clique('a1', 'A'), clique('a2', 'A'), clique('a3', 'A'), clique('b1', 'B'), clique('b2', 'B')], []);
    assert.equal(v.a1.code, 'fit');
    assert.equal(v.b1.code, 'unresolvable');
    assert.match(v.b1.reason, /clique B holds at most 2 member\(s\) of group big, which needs 3/);
  });

  it('members already placed pin the group to their domain', () => {
    const v = verdicts([clique('a1', 'A'), clique('a2', 'A'), clique('a3', 'A'), clique('c1', 'C'), clique('c2', 'C'), clique('c3', 'C')], [member('m0', 'c1')]);
    assert.equal(v.c2.code, 'fit');
    assert.equal(v.a1.code, 'unschedulable');
    assert.match(v.a1.reason, /group big has 1 member\(s\) in clique C; this node is in clique A/);
  });

  it('a domain busy now is retryable, not unresolvable', () => {
    const v = verdicts([clique('a1', 'A'), clique('a2', 'A'), clique('a3', 'A')], [aPod('other').gpus(4).onNode('a3')]);
    assert.equal(v.a1.code, 'unschedulable');
    assert.match(v.a1.reason, /can take 2 more member\(s\) of group big now; 3 still to place/);
  });
});

describe('group-domain: one block, then one sub-block', () => {
  const gpu = (name: string, block: string, sub: string) => aNode(name).gkeGpu('nvidia-h100-80gb', 8)
    .label('cloud.google.com/gce-topology-block', block).label('cloud.google.com/gce-topology-subblock', sub);
  const pod = () => aPod('m-new').kinfer('hbm', '100Gi').kinfer('group', 'g').kinfer('group-size', '2').gpus(8);
  const member = (node: string) => aPod('m0').kinfer('hbm', '100Gi').kinfer('group', 'g').kinfer('group-size', '2').gpus(8).onNode(node);
  const verdicts = (nodes: NodeBuilder[], others: PodBuilder[]): Record<string, string> => {
    const cluster = clusterOf(nodes, others);
    const cycle = new Cycle(requestOf(pod()), cluster);
    const filters = newFilters();
    return Object.fromEntries(nodes.map((n) => {
      const entry = cluster.node(n.build().metadata.name)!;
      const bad = filters.map((f) => f.filter(cycle, entry)).find((v) => v.code !== 'fit');
      return [entry.name, bad && 'reason' in bad ? `${bad.code}: ${bad.reason}` : 'fit'];
    }));
  };
  const nodes = () => [gpu('a1', 'A', 'a-x'), gpu('a2', 'A', 'a-y'), gpu('a3', 'A', 'a-y'), gpu('b1', 'B', 'b-x'), gpu('b2', 'B', 'b-z')];

  const cases: { name: string; others: PodBuilder[]; want: Record<string, RegExp> }[] = [
    {
      // Block B holds 2 members but in two sub-blocks; block A has sub-block a-y with room for both.
      name: 'first member: only a sub-block that can hold the whole group',
      others: [],
      want: { a1: /unschedulable: subBlock a-x cannot take the 2 member\(s\) of group g still to place/, a2: /^fit$/, a3: /^fit$/, b1: /unschedulable: subBlock b-x/, b2: /unschedulable/ },
    },
    {
      name: 'second member: the first one\'s sub-block',
      others: [member('a2')],
      want: { a1: /unschedulable: group g keeps to subBlock a-y/, a3: /^fit$/, b1: /unschedulable: group g has 1 member\(s\) in block A/ },
    },
    {
      name: 'no sub-block has room: the block is enough',
      others: [aPod('busy').gpus(8).onNode('a3')],
      want: { a1: /^fit$/, a2: /^fit$/, b1: /^fit$/ },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = verdicts(nodes(), c.others);
      for (const [node, want] of Object.entries(c.want)) assert.match(got[node]!, want, `${node}: ${got[node]}`);
    });
  }
});

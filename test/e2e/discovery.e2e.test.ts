// Real clusters' label sets through the real kube-scheduler and the real kinfer-extender: nodes labelled as
// EKS/Karpenter, EKS Auto Mode, AKS (+ GPU Feature Discovery), GKE time-sharing and GFD H100 NVL get model pods
// where DESIGN.md's rules say; tensor parallelism across GPU shares is refused with its reason in the pod's
// FailedScheduling event; a multi-host group lands in one block, then in one sub-block of it (GKE topology labels).
// Label keys and values are the providers' (see test/src/accelerators/provider-labels.test.ts for each source).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStand, type Stand } from './harness/stand.js';
import { createPods, modelPod, placements, waitBound, waitFailedScheduling } from './harness/pods.js';

const NODES = `
- { name: kar-l4, scheme: karpenter, type: l4, memoryMiB: 22888, devices: 4, zone: us-east-1a, labels: { node.kubernetes.io/instance-type: g6.12xlarge } }
- { name: kar-a100, scheme: karpenter, type: a100, memoryMiB: 81920, devices: 8, zone: us-east-1a, labels: { node.kubernetes.io/instance-type: p4de.24xlarge } }
- { name: eks-t4, scheme: eks, type: t4, memoryMiB: 16384, devices: 1, zone: us-east-1b, labels: { eks.amazonaws.com/compute-type: auto } }
- { name: aks-nvl, scheme: aks, product: NVIDIA-H100-NVL, memoryMiB: 95830, devices: 2, zone: eastus-1 }
- { name: gke-ts, scheme: gke, type: nvidia-l4, devices: 1, shares: 4, zone: us-central1-a }
- { name: topo-a, scheme: gke, type: nvidia-h100-80gb, devices: 8, zone: us-central1-b, block: b1, subblock: s1 }
- { name: topo-b, count: 2, scheme: gke, type: nvidia-h100-80gb, devices: 8, zone: us-central1-b, block: b1, subblock: s2 }
- { name: topo-c, scheme: gke, type: nvidia-h100-80gb, devices: 8, zone: us-central1-b, block: b2, subblock: s3 }
- { name: kar-a10g, scheme: karpenter, type: a10g, memoryMiB: 22888, devices: 1, zone: us-east-1a }
- { name: cpu, cpu: 16, memory: 64Gi }
`;
const NODE_COUNT = 11;
const NS = 'default';
const LLAMA_8B = 'meta-llama/Llama-3.1-8B-Instruct';
const LLAMA_70B = 'meta-llama/Llama-3.1-70B-Instruct';

const group = (name: string) => modelPod({
  name, kinfer: { hbm: '400Gi', group: 'big-0', 'group-size': '2', accelerators: 'nvidia-h100-80gb' }, devices: { 'nvidia.com/gpu': 8 },
});

const PODS = [
  // Karpenter g6: instance-gpu-name=l4, memory from instance-gpu-memory (22888 MiB).
  modelPod({ name: 'on-karpenter-l4', kinfer: { model: LLAMA_8B, accelerators: 'nvidia-l4' }, devices: { 'nvidia.com/gpu': 2 } }),
  // Karpenter p4de: `a100` with 81920 MiB is the 80 GB part; 70B bf16 (~144 GiB) fits two of them.
  modelPod({ name: 'on-karpenter-a100', kinfer: { model: LLAMA_70B, accelerators: 'nvidia-a100-80gb' }, devices: { 'nvidia.com/gpu': 2 } }),
  // EKS Auto Mode: eks.amazonaws.com/instance-gpu-name=t4.
  modelPod({ name: 'on-eks-t4', kinfer: { hbm: '8Gi', accelerators: 'nvidia-tesla-t4' }, devices: { 'nvidia.com/gpu': 1 } }),
  // AKS names only the vendor; GFD on the node names an H100 NVL (94 GB): 70B on two of them.
  modelPod({ name: 'on-h100-nvl', kinfer: { model: LLAMA_70B, accelerators: 'nvidia-h100-nvl' }, devices: { 'nvidia.com/gpu': 2 } }),
  // One share of the time-shared L4 holds 4 GiB (a quarter of 22.5 GiB × 0.92 = 5.2 GiB usable).
  modelPod({ name: 'on-l4-share', kinfer: { hbm: '4Gi', accelerators: 'nvidia-l4' }, devices: { 'nvidia.com/gpu': 1 } }),
  // 45 GiB over 2 L4 devices: whole L4s give 41.4 GiB (too little); on the time-shared L4 two "devices" are
  // shares of one GPU: refused, with that reason.
  modelPod({ name: 'tp-over-shares', kinfer: { hbm: '45Gi', accelerators: 'nvidia-l4' }, devices: { 'nvidia.com/gpu': 2 } }),
  group('big-0-leader'),
  group('big-0-worker'),
];

describe('discovery: EKS/Karpenter, AKS+GFD, GKE time-sharing and topology labels through kube-scheduler', { timeout: 420_000 }, () => {
  let stand: Stand;
  let bound = new Map<string, string>();

  before(async () => {
    stand = await startStand({ suite: 'discovery', basePort: 31110, nodes: NODES, nodeCount: NODE_COUNT });
    await createPods(stand.cluster.core, PODS);
    bound = await waitBound(stand.cluster.core, NS, PODS.map((p) => p.metadata!.name!).filter((n) => n !== 'tp-over-shares'), 120_000);
  }, { timeout: 360_000 });

  after(() => stand?.close(), { timeout: 120_000 });

  const WHERE: readonly [string, string, string][] = [
    ['Karpenter instance-gpu-name=l4 is an nvidia-l4', 'on-karpenter-l4', 'kar-l4'],
    ['Karpenter a100 with 81920 MiB is the 80 GB A100', 'on-karpenter-a100', 'kar-a100'],
    ['EKS Auto Mode instance-gpu-name=t4 is an nvidia-tesla-t4', 'on-eks-t4', 'eks-t4'],
    ['GFD H100 NVL on an AKS node is an nvidia-h100-nvl', 'on-h100-nvl', 'aks-nvl'],
    ['a small replica takes one share of the GKE time-shared L4 (its quarter is the smallest memory that fits)', 'on-l4-share', 'gke-ts'],
  ];
  for (const [what, pod, node] of WHERE) {
    test(what, () => {
      assert.equal(bound.get(pod), node);
    });
  }

  test('TP across shares stays Pending; FailedScheduling says why', async (t) => {
    const message = await waitFailedScheduling(stand.cluster.core, NS, 'tp-over-shares', (m) => m.includes('shares'), 90_000);
    t.diagnostic(`FailedScheduling: ${message}`);
    assert.match(message, /nvidia-l4 GPUs here are shared \(time-slicing, 4 shares per GPU\): 2 shares may be one GPU, so tensor parallelism across shares is refused/);
    assert.match(message, /insufficient HBM: needs 45\.0 GiB, nvidia-l4 x2 gives 41\.\d GiB usable/);
    assert.equal((await placements(stand.cluster.core, NS)).get('tp-over-shares'), undefined);
  });

  test('kubectl inference list nodes: what kinfer sees per node, and the types missing from the catalog', async () => {
    const text = await stand.inference(['list', 'nodes']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^NAME\s+TYPE\s+SPEED DATA\s+DEVICES\s+TOPOLOGY\s+WHY/);
    assert.match(text.stdout, /gke-ts\s+nvidia-l4\s+yes\s+4 shares × 5\.6 GiB \(time-slicing, 4 per GPU of 22\.5 GiB\)/);
    assert.match(text.stdout, /kar-a10g\s+nvidia-a10g\s+no\s+1 × 22\.4 GiB\s+zone=us-east-1a\s+karpenter\.k8s\.aws\/instance-gpu-name=a10g/);
    assert.match(text.stdout, /topo-b-0\s+nvidia-h100-80gb\s+yes\s+8 × 79\.6 GiB\s+zone=us-central1-b,block=b1,subBlock=s2/);
    assert.doesNotMatch(text.stdout, /^cpu /m);
    assert.match(text.stderr, /1 node\(s\) without accelerators not shown/);
    assert.match(text.stderr, /Found but not in kinfer's catalog .*nvidia-a10g \(1 node\)/);
    const json = await stand.inference(['list', 'nodes', '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const data = JSON.parse(json.stdout) as { items: { name: string; type?: string; source?: string }[]; missingFromCatalog: { type: string }[] };
    assert.equal(data.items.length, NODE_COUNT);
    assert.deepEqual(data.items.find((i) => i.name === 'eks-t4'), { ...data.items.find((i) => i.name === 'eks-t4'), type: 'nvidia-tesla-t4', source: 'eks' });
    assert.deepEqual(data.missingFromCatalog.map((m) => m.type), ['nvidia-a10g']);
  });

  test('a 2-host group lands in one block, and in the one sub-block that holds it whole', () => {
    const nodes = [bound.get('big-0-leader'), bound.get('big-0-worker')].sort();
    assert.deepEqual(nodes, ['topo-b-0', 'topo-b-1'], `group nodes: ${nodes.join(', ')}`);
  });
});

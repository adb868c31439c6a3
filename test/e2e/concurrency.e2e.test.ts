// 40 model pods created at once on a cluster that fits exactly 40: every one is bound, and no node ends up
// with more devices promised than it has (the extender answers from an informer cache that lags the
// scheduler's binds; this checks the two together never overcommit).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStand, type Stand } from './harness/stand.js';
import { createPods, modelPod, requestsByNode, waitBound, waitFailedScheduling } from './harness/pods.js';

const NS = 'default';
const GPUS_PER_NODE = 4;
// 10 nodes × 4 GPUs: two schemes, so the extender's best fit (L4 first) and the fallback to H100 both run.
const NODES = `
- { name: l4, count: 5, scheme: gke, type: nvidia-l4, devices: ${GPUS_PER_NODE}, zone: zone-a }
- { name: h100, count: 5, scheme: gfd, product: NVIDIA-H100-80GB-HBM3, memoryMiB: 81559, devices: ${GPUS_PER_NODE}, zone: zone-b }
`;
const NODE_COUNT = 10;
const POD_COUNT = NODE_COUNT * GPUS_PER_NODE;

describe('concurrency: 40 model pods at once on room for exactly 40', { timeout: 360_000 }, () => {
  let stand: Stand;
  const names = Array.from({ length: POD_COUNT }, (_, i) => `llama-8b-${i}`);
  let bound = new Map<string, string>();

  before(async () => {
    stand = await startStand({ suite: 'concurrency', basePort: 31020, nodes: NODES, nodeCount: NODE_COUNT, kubelet: 'pods' });
  }, { timeout: 300_000 });

  after(() => stand?.close(), { timeout: 120_000 });

  test('all 40 are bound', async () => {
    const pods = names.map((name) => modelPod({ name, kinfer: { model: 'meta-llama/Llama-3.1-8B-Instruct' }, devices: { 'nvidia.com/gpu': 1 } }));
    // All in flight together: the scheduler's queue fills faster than it binds.
    await createPods(stand.cluster.core, pods, POD_COUNT);
    bound = await waitBound(stand.cluster.core, NS, names, 180_000);
    assert.equal(bound.size, POD_COUNT);
  });

  test('no node holds more GPUs than it has; every node is full', async () => {
    assert.equal(bound.size, POD_COUNT, 'needs the previous test');
    const used = await requestsByNode(stand.cluster.core, 'nvidia.com/gpu');
    const nodes = await stand.cluster.core.listNode();
    assert.equal(nodes.items.length, NODE_COUNT);
    for (const node of nodes.items) {
      const name = node.metadata!.name!;
      const allocatable = Number(node.status!.allocatable!['nvidia.com/gpu']);
      const n = used.get(name) ?? 0;
      assert.ok(n <= allocatable, `${name}: ${n} GPUs requested by bound pods > ${allocatable} allocatable`);
      assert.equal(n, allocatable, `${name}: 40 pods on 40 GPUs fill every node`);
    }
    // Per-pod view too: the bound map and the per-node sums agree.
    const perNode = new Map<string, number>();
    for (const node of bound.values()) perNode.set(node, (perNode.get(node) ?? 0) + 1);
    assert.deepEqual([...perNode.values()].sort(), Array(NODE_COUNT).fill(GPUS_PER_NODE));
  });

  test('a 41st pod stays Pending (no GPU left)', async () => {
    assert.equal(bound.size, POD_COUNT, 'needs the first test');
    await createPods(stand.cluster.core, [modelPod({ name: 'one-too-many', kinfer: { model: 'meta-llama/Llama-3.1-8B-Instruct' }, devices: { 'nvidia.com/gpu': 1 } })]);
    const message = await waitFailedScheduling(stand.cluster.core, NS, 'one-too-many', (m) => /Insufficient nvidia\.com\/gpu/.test(m), 60_000);
    assert.match(message, /0\/10 nodes are available/);
    const pod = await stand.cluster.core.readNamespacedPod({ name: 'one-too-many', namespace: NS });
    assert.equal(pod.spec?.nodeName, undefined);
  });
});

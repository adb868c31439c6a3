// Faults: the extender killed mid-run (ignorable: false → model pods wait, then schedule once it is back;
// ignorable: true → they schedule without it), and the API server restarted (the extender's informers
// recover: a node created after the restart is known to it and gets the pod only it can hold).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStand, type Stand } from './harness/stand.js';
import { metricSum } from './harness/cluster.js';
import { createNodes } from './harness/nodes.js';
import { createPods, modelPod, placements, waitBound, waitFailedScheduling } from './harness/pods.js';
import { sleep } from './harness/wait.js';

const NS = 'default';
const NODES = `
- { name: h100, count: 2, scheme: gfd, product: NVIDIA-H100-80GB-HBM3, memoryMiB: 81559, devices: 8, zone: zone-a }
`;
const LLAMA_8B = 'meta-llama/Llama-3.1-8B-Instruct';
const small = (name: string) => modelPod({ name, kinfer: { model: LLAMA_8B }, devices: { 'nvidia.com/gpu': 1 } });

async function extenderAnswers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

describe('faults: extender down, API server restarted', { timeout: 600_000 }, () => {
  let stand: Stand;

  before(async () => {
    stand = await startStand({ suite: 'faults', basePort: 31040, ignorable: false, nodes: NODES, kubelet: 'pods' });
  }, { timeout: 300_000 });

  after(() => stand?.close(), { timeout: 120_000 });

  test('ignorable: false — with the extender killed, model pods wait; once it is back they are scheduled', async (t) => {
    await stand.cluster.killExtender();
    assert.equal(await extenderAnswers(stand.cluster.extenderUrl), false, 'extender is down');
    const names = ['wait-0', 'wait-1', 'wait-2'];
    await createPods(stand.cluster.core, names.map(small));

    const message = await waitFailedScheduling(stand.cluster.core, NS, 'wait-0',
      (m) => m.includes(`127.0.0.1:${stand.cluster.ports.extender}`) || /extender/i.test(m), 60_000);
    t.diagnostic(`FailedScheduling while the extender is down: ${message}`);
    assert.match(message, /connection refused|127\.0\.0\.1:\d+\/filter/);
    // The scheduler keeps retrying (errors go to backoff), and keeps failing while the extender is down.
    await sleep(3_000);
    const pending = await placements(stand.cluster.core, NS);
    for (const n of names) assert.equal(pending.get(n), undefined, `${n} must stay Pending while the extender is down`);

    await stand.cluster.startExtender();
    const bound = await waitBound(stand.cluster.core, NS, names, 90_000);
    for (const n of names) assert.match(bound.get(n)!, /^h100-\d$/);
  });

  test('ignorable: true — with the extender down, model pods are scheduled without it', async () => {
    await stand.cluster.killExtender();
    await stand.cluster.setIgnorable(true); // restarts the scheduler only; the extender stays down
    assert.equal(await extenderAnswers(stand.cluster.extenderUrl), false, 'extender is still down');
    const names = ['ignore-0', 'ignore-1'];
    await createPods(stand.cluster.core, names.map(small));
    await waitBound(stand.cluster.core, NS, names, 90_000);
    assert.equal(await extenderAnswers(stand.cluster.extenderUrl), false, 'they were scheduled without the extender');
  });

  test('API server restarted: the informers recover (a node created afterwards is known and used)', async (t) => {
    await stand.cluster.configure({ extender: true, ignorable: false });
    await stand.cluster.waitExtenderNodes(2);
    const before = metricSum(await stand.cluster.extenderMetrics(), 'kinfer_extender_informer_restarts_total');

    await stand.cluster.restartApiServer(2_000);

    // A new node after the restart: an H200 (GFD labels). The pod accepts only H200, so the H100 nodes (with
    // free GPUs: kube-scheduler's own filters pass them) are rejected by the extender, and the new node passes
    // only if the extender's informers relisted or re-watched after the restart.
    await createNodes(stand.cluster.core, `- { name: h200-new, scheme: gfd, product: NVIDIA-H200, memoryMiB: 143771, devices: 8, zone: zone-b }`);
    await stand.cluster.waitExtenderNodes(3, 90_000);
    await createPods(stand.cluster.core, [modelPod({ name: 'after-restart', kinfer: { model: LLAMA_8B, accelerators: 'nvidia-h200-141gb' }, devices: { 'nvidia.com/gpu': 1 } })]);
    const bound = await waitBound(stand.cluster.core, NS, ['after-restart'], 90_000);
    assert.equal(bound.get('after-restart'), 'h200-new');

    const metrics = await stand.cluster.extenderMetrics();
    const restarts = metricSum(metrics, 'kinfer_extender_informer_restarts_total');
    t.diagnostic(`informer restarts: ${before} before the API server restart, ${restarts} after`);
    assert.ok(restarts > 0 && restarts > before, `kinfer_extender_informer_restarts_total went from ${before} to ${restarts}`);
    assert.equal(metricSum(metrics, 'kinfer_extender_informer_synced', { resource: 'nodes' }), 1);
    assert.equal(metricSum(metrics, 'kinfer_extender_informer_synced', { resource: 'pods' }), 1);
  });
});

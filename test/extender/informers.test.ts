import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterInformers } from '../../extender/informers.js';
import { Logger } from '../../src/log.js';
import { ExtenderMetrics } from '../../extender/metrics.js';
import { ClusterState } from '../../src/placement/state.js';
import { aNode, aPod } from '../builders.js';
import { FakeApiServer } from '../fakes/apiserver.js';

const NODES = '/api/v1/nodes';
const PODS = '/api/v1/pods';

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('extender informers: restart policy', () => {
  const api = new FakeApiServer();
  const state = new ClusterState();
  const metrics = new ExtenderMetrics();
  let informers: ClusterInformers;
  const restarts = async (resource: string): Promise<number> =>
    (await metrics.informerRestarts.get()).values.find((v) => v.labels.resource === resource)?.value ?? 0;

  before(async () => {
    api.collection(NODES, 'NodeList');
    api.collection(PODS, 'PodList');
    api.upsert(NODES, aNode('n1').gkeGpu('nvidia-h100-80gb', 8).build());
    api.upsert(PODS, aPod('p1').gpus(2).onNode('n1').build());
    await api.start();
    api.failLists = 2; // the first lists fail: the informers must back off and retry
    informers = new ClusterInformers(api.kubeConfig(), state, metrics, new Logger('error', () => {}), { initialMs: 20, maxMs: 100 });
  });
  after(async () => {
    informers.stop();
    await api.stop();
  });

  it('is not ready until both lists land, retrying failed lists with backoff', async () => {
    assert.match(informers.notReadyReason() ?? '', /nodes not synced, pods not synced/);
    informers.start();
    await until('ready', () => informers.notReadyReason() === undefined);
    assert.equal(state.nodeCount, 1);
    assert.equal(state.usedDevices('n1', 'nvidia.com/gpu'), 2);
    assert.ok((await restarts('nodes')) + (await restarts('pods')) >= 2, 'failed lists count as restarts');
    // Only bound, running pods are asked for.
    assert.ok(api.requests.some((r) => r.startsWith('GET /api/v1/pods?') && r.includes('fieldSelector=spec.nodeName%21%3D')), api.requests.join('\n'));
  });

  it('applies watch events', async () => {
    await until('watches open', () => api.openWatches(NODES) === 1 && api.openWatches(PODS) === 1);
    api.upsert(NODES, aNode('n2').gkeGpu('nvidia-l4', 2).build());
    api.upsert(PODS, aPod('p2').gpus(1).onNode('n2').build());
    await until('n2 and its pod', () => state.nodeCount === 2 && state.usedDevices('n2', 'nvidia.com/gpu') === 1);
  });

  it('re-watches from the last resourceVersion when the server closes a watch', async () => {
    const before = api.requests.length;
    api.closeWatches(NODES);
    await until('a new node watch', () => api.openWatches(NODES) === 1 && api.requests.length > before);
    const rewatch = api.requests.slice(before).find((r) => r.startsWith('GET /api/v1/nodes?') && r.includes('watch=true'));
    assert.ok(rewatch && !/resourceVersion=(&|$)/.test(rewatch), `re-watch carries a resourceVersion: ${rewatch}`);
    assert.ok(!api.requests.slice(before).some((r) => r.startsWith('GET /api/v1/nodes?') && !r.includes('watch=true')), 'no relist');
  });

  it('relists on 410 Gone and drops what disappeared meanwhile', async () => {
    api.remove(NODES, { metadata: { name: 'n2' } }, true);
    const before = api.requests.length;
    api.expireWatches(NODES);
    await until('a relist', () => api.requests.slice(before).some((r) => r.startsWith('GET /api/v1/nodes?limit=')));
    await until('n2 gone', () => state.nodeCount === 1 && state.node('n2') === undefined);
    assert.equal(informers.notReadyReason(), undefined);
  });

  it('keeps serving its last state while the API server is down, and recovers when it is back', async () => {
    const port = api.port;
    const restartsBefore = (await restarts('nodes')) + (await restarts('pods'));
    await api.stop();
    await sleep(1000);
    // Backoff 20 ms doubling to 100 ms: about 12 retries per informer in a second, not 50.
    const retries = (await restarts('nodes')) + (await restarts('pods')) - restartsBefore;
    assert.ok(retries > 2 && retries < 40, `${retries} retries in 1 s of outage: the backoff must grow`);
    assert.equal(informers.notReadyReason(), undefined, 'a stale cache stays ready: the scheduler keeps working');
    assert.equal(state.nodeCount, 1);
    api.upsert(NODES, aNode('n3').gkeGpu('nvidia-l4', 1).build());
    await api.start(port);
    await until('n3 after the restart', () => state.node('n3') !== undefined, 10_000);
    const synced = (await metrics.informerSynced.get()).values.find((v) => v.labels.resource === 'nodes')?.value;
    assert.equal(synced, 1);
  });
});

describe('extender informers: API server unreachable at start', () => {
  it('reports not ready with the connection error', async () => {
    const api = new FakeApiServer();
    await api.start();
    const kc = api.kubeConfig();
    await api.stop(); // nothing listens on that port now
    const informers = new ClusterInformers(kc, new ClusterState(), new ExtenderMetrics(), new Logger('error', () => {}), { initialMs: 20, maxMs: 50 });
    informers.start();
    try {
      await until('an error', () => /ECONNREFUSED|fetch failed|connect/i.test(informers.notReadyReason() ?? ''), 3000);
    } finally {
      informers.stop();
    }
  });
});

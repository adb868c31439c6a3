import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { aNode, aPod } from '../builders.js';
import { post, startExtender, type RunningExtender } from './harness.js';

describe('extender HTTP: bad input and faults', () => {
  let extender: RunningExtender;
  before(async () => {
    extender = await startExtender();
    extender.state.upsertNode(aNode('h100-0').gkeGpu('nvidia-h100-80gb', 8).build());
  });
  after(() => extender.close());

  const llama = () => aPod('p').model('meta-llama/Llama-3.1-8B-Instruct').gpus(1).build();

  const badBodies: { name: string; verb: string; body: string; error: RegExp }[] = [
    { name: 'malformed JSON', verb: 'filter', body: '{"Pod": {', error: /^bad filter request: malformed JSON$/ },
    { name: 'not an object', verb: 'filter', body: '[1,2]', error: /bad filter request: .*expected object/ },
    { name: 'missing Pod', verb: 'filter', body: '{"NodeNames": ["a"]}', error: /bad filter request: Pod: / },
    { name: 'Pod without a name', verb: 'prioritize', body: '{"Pod": {"metadata": {}}, "NodeNames": []}', error: /Pod.metadata.name/ },
    { name: 'NodeNames not a list', verb: 'filter', body: `{"Pod": ${JSON.stringify(llama())}, "NodeNames": "h100-0"}`, error: /NodeNames: .*expected array/ },
    { name: 'neither Nodes nor NodeNames', verb: 'filter', body: `{"Pod": ${JSON.stringify(llama())}}`, error: /one of Nodes or NodeNames is required/ },
    { name: 'a Node with a label of the wrong type', verb: 'filter', body: `{"Pod": ${JSON.stringify(llama())}, "Nodes": {"items": [{"metadata": {"name": "a", "labels": {"x": 1}}}]}}`, error: /Nodes.items.0.metadata.labels.x: expected string/ },
    { name: 'a Node without a name', verb: 'filter', body: `{"Pod": ${JSON.stringify(llama())}, "Nodes": {"items": [{"metadata": {}}]}}`, error: /Nodes.items.0.metadata.name: expected a node name/ },
    { name: 'annotations of the wrong type', verb: 'filter', body: '{"Pod": {"metadata": {"name": "x", "annotations": {"kinfer.dev/hbm": 5}}}, "NodeNames": []}', error: /Pod.metadata.annotations.kinfer.dev\/hbm: .*expected string/ },
  ];
  for (const c of badBodies) {
    it(`${c.name}: 400 with a JSON reason`, async () => {
      const { status, json } = await post(`${extender.url}/${c.verb}`, c.body);
      assert.equal(status, 400);
      assert.match((json as { Error: string }).Error, c.error);
    });
  }

  it('a Pod is validated again when its resourceVersion changes, not when filter and prioritize repeat it', async () => {
    const good = { ...llama(), metadata: { ...llama().metadata, uid: 'u-1', resourceVersion: '7' } };
    const filter = await post(`${extender.url}/filter`, { Pod: good, NodeNames: ['h100-0'] });
    assert.equal(filter.status, 200);
    const again = await post(`${extender.url}/prioritize`, { Pod: good, NodeNames: ['h100-0'] });
    assert.equal(again.status, 200);
    // Same uid, a new version with a bad field: validated afresh, 400.
    const changed = { ...good, metadata: { ...good.metadata, resourceVersion: '8', annotations: { 'kinfer.dev/hbm': 5 } } };
    const bad = await post(`${extender.url}/prioritize`, { Pod: changed, NodeNames: ['h100-0'] });
    assert.equal(bad.status, 400);
    assert.match((bad.json as { Error: string }).Error, /Pod.metadata.annotations.kinfer.dev\/hbm: .*expected string/);
    // The rest of a request with a known Pod is still checked.
    assert.equal((await post(`${extender.url}/filter`, { Pod: good, NodeNames: ['h100-0'] })).status, 200);
    const names = await post(`${extender.url}/prioritize`, { Pod: good, NodeNames: 'h100-0' });
    assert.equal(names.status, 400);
    assert.match((names.json as { Error: string }).Error, /NodeNames: .*expected array/);
  });

  it('stays up after bad input', async () => {
    const { status, json } = await post(`${extender.url}/filter`, { Pod: llama(), NodeNames: ['h100-0'] });
    assert.equal(status, 200);
    assert.deepEqual((json as { NodeNames: string[] }).NodeNames, ['h100-0']);
  });

  it('a node the cache does not know goes to FailedNodes with a reason', async () => {
    const { status, json } = await post(`${extender.url}/filter`, { Pod: llama(), NodeNames: ['h100-0', 'ghost'] });
    assert.equal(status, 200);
    assert.deepEqual(json, {
      Nodes: null,
      NodeNames: ['h100-0'],
      FailedNodes: { ghost: "node ghost is not in kinfer-extender's cache (yet)" },
      FailedAndUnresolvableNodes: {},
      Error: '',
    });
  });

  it('bad kinfer annotations: every node unresolvable, with the annotation named', async () => {
    const pod = aPod('p').model('meta-llama/Llama-3.1-8B-Instruct').kinfer('max-model-len', 'lots').gpus(1).build();
    const { json } = await post(`${extender.url}/filter`, { Pod: pod, NodeNames: ['h100-0'] });
    assert.deepEqual((json as { FailedAndUnresolvableNodes: object }).FailedAndUnresolvableNodes, {
      'h100-0': 'invalid kinfer annotations: kinfer.dev/max-model-len="lots": not a whole number',
    });
  });

  it('not synced: filter answers Error (never a guess), prioritize 503, /readyz 503', async () => {
    extender.setReady('nodes not synced (connect ECONNREFUSED 127.0.0.1:6443)');
    try {
      const filter = await post(`${extender.url}/filter`, { Pod: llama(), NodeNames: ['h100-0'] });
      assert.equal(filter.status, 200);
      assert.match((filter.json as { Error: string }).Error, /kinfer-extender is not ready: nodes not synced .*ECONNREFUSED.*retry/);
      assert.deepEqual((filter.json as { NodeNames: string[] }).NodeNames, []);
      const prioritize = await post(`${extender.url}/prioritize`, { Pod: llama(), NodeNames: ['h100-0'] });
      assert.equal(prioritize.status, 503);
      const readyz = await fetch(`${extender.url}/readyz`);
      assert.equal(readyz.status, 503);
      assert.match(await readyz.text(), /not ready: nodes not synced/);
      // Pods kinfer does not constrain need no state: they still pass.
      const plain = await post(`${extender.url}/filter`, { Pod: aPod('web').build(), NodeNames: ['a', 'b'] });
      assert.deepEqual((plain.json as { NodeNames: string[] }).NodeNames, ['a', 'b']);
    } finally {
      extender.setReady(undefined);
    }
    assert.equal((await fetch(`${extender.url}/readyz`)).status, 200);
  });

  it('/healthz, unknown routes, and /metrics with per-verb counts and rejection reasons', async () => {
    assert.equal(await (await fetch(`${extender.url}/healthz`)).text(), 'ok');
    const missing = await fetch(`${extender.url}/bind`, { method: 'POST' });
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { Error: string }).Error, /no route POST \/bind/);
    const metrics = await (await fetch(`${extender.url}/metrics`)).text();
    assert.match(metrics, /kinfer_extender_requests_total\{verb="filter",code="400"\} [1-9]/);
    assert.match(metrics, /kinfer_extender_requests_total\{verb="filter",code="200"\} [1-9]/);
    assert.match(metrics, /kinfer_extender_request_duration_seconds_bucket\{le="0.005",verb="filter"\} [1-9]/);
    assert.match(metrics, /kinfer_extender_rejected_nodes_total\{filter="unknown-node",kind="unschedulable"\} 1/);
    assert.match(metrics, /kinfer_extender_rejected_nodes_total\{filter="annotations",kind="unresolvable"\} 1/);
    assert.match(metrics, /kinfer_extender_cache_nodes 1/);
  });

  it('a pod parsed for filter is reused by prioritize only while its uid and resourceVersion stay the same', async () => {
    const at = (rv: string, hbm: string) => {
      const pod = aPod('p').kinfer('hbm', hbm).gpus(1).build() as { metadata: Record<string, unknown> };
      pod.metadata.uid = 'uid-1';
      pod.metadata.resourceVersion = rv;
      return pod;
    };
    const passed = async (pod: object) => ((await post(`${extender.url}/filter`, { Pod: pod, NodeNames: ['h100-0'] })).json as { NodeNames: string[] }).NodeNames;
    assert.deepEqual(await passed(at('1', '10Gi')), ['h100-0']);
    assert.deepEqual(await passed(at('1', '10Gi')), ['h100-0']);
    assert.deepEqual(await passed(at('2', '5000Gi')), [], 'a new resourceVersion is parsed again');
    const prioritize = await post(`${extender.url}/prioritize`, { Pod: at('3', '10Gi'), NodeNames: ['h100-0'] });
    assert.deepEqual(prioritize.json, [{ Host: 'h100-0', Score: 10 }]);
  });

  it('concurrent requests each get their own answer', async () => {
    const pods = Array.from({ length: 50 }, (_, i) => aPod(`p${i}`).kinfer('hbm', `${i % 2 === 0 ? 10 : 500}Gi`).gpus(1).build());
    const answers = await Promise.all(pods.map((Pod) => post(`${extender.url}/filter`, { Pod, NodeNames: ['h100-0'] })));
    answers.forEach(({ json }, i) => {
      const passed = (json as { NodeNames: string[] }).NodeNames;
      assert.deepEqual(passed, i % 2 === 0 ? ['h100-0'] : [], `pod ${i}`);
    });
  });
});

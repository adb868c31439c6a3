import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterState } from '../../../src/placement/state.js';
import { aNode, aPod } from '../../builders.js';

describe('ClusterState', () => {
  it('keeps only bound, running pods that hold accelerators', () => {
    const state = new ClusterState();
    state.upsertPod(aPod('cpu-only').onNode('n1').build());
    state.upsertPod(aPod('pending').gpus(1).build());
    state.upsertPod(aPod('done').gpus(1).onNode('n1', 'Succeeded').build());
    state.upsertPod(aPod('running').gpus(2).onNode('n1').build());
    assert.equal(state.podCount, 1);
    assert.equal(state.usedDevices('n1', 'nvidia.com/gpu'), 2);
  });

  it('updates usage when a pod binds, finishes or goes', () => {
    const state = new ClusterState();
    const pod = aPod('p').model('m').gpus(4);
    const pending = pod.build();
    state.upsertPod(pending);
    assert.equal(state.usedDevices('n1', 'nvidia.com/gpu'), 0);
    const bound = { ...pending, spec: { ...pending.spec, nodeName: 'n1' }, status: { phase: 'Running' } };
    state.upsertPod(bound);
    assert.equal(state.usedDevices('n1', 'nvidia.com/gpu'), 4);
    assert.equal(state.modelReplicas('default', 'm').length, 1);
    state.upsertPod({ ...bound, status: { phase: 'Failed' } });
    assert.equal(state.usedDevices('n1', 'nvidia.com/gpu'), 0);
    assert.equal(state.modelReplicas('default', 'm').length, 0);
    state.upsertPod(bound);
    state.deletePod(bound.metadata.uid);
    assert.equal(state.podCount, 0);
    assert.equal(state.usedDevices('n1', 'nvidia.com/gpu'), 0);
  });

  it('a relist replaces pods and nodes', () => {
    const state = new ClusterState();
    state.upsertNode(aNode('old').gkeGpu('nvidia-l4', 1).build());
    state.upsertPod(aPod('gone').gpus(1).onNode('old').build());
    state.replaceNodes([aNode('new').gkeGpu('nvidia-l4', 1).build()]);
    state.replacePods([aPod('kept').kinfer('group', 'g').gpus(1).onNode('new').build()]);
    assert.deepEqual([...state.nodes()].map((n) => n.name), ['new']);
    assert.equal(state.usedDevices('old', 'nvidia.com/gpu'), 0);
    assert.equal(state.usedDevices('new', 'nvidia.com/gpu'), 1);
    assert.equal(state.groupMembers('default', 'g').length, 1);
  });
});

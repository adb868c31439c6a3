import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shapeKey } from '../../../src/placement/memo.js';
import { Placer } from '../../../src/placement/scheduler.js';
import { ClusterState, type ClusterView } from '../../../src/placement/state.js';
import { aNode, aPod, type PodBuilder } from '../../builders.js';
import { requestOf } from './fixtures.js';

// The DecisionMemo keeps node-scoped decisions across calls. Every case changes the cluster between calls and
// compares the memoized placer's answers with the same placer on a view without the memo (every decision
// fresh): a memo that misses an invalidation answers from the old state and fails here.

/** The same state without its memo: what the placer decides from scratch. */
function fresh(state: ClusterState): ClusterView {
  return {
    node: (name) => state.node(name),
    nodes: () => state.nodes(),
    usedDevices: (node, resource) => state.usedDevices(node, resource),
    groupMembers: (ns, group) => state.groupMembers(ns, group),
    modelReplicas: (ns, model) => state.modelReplicas(ns, model),
    get nodeCount() { return state.nodeCount; },
    get podCount() { return state.podCount; },
  };
}

const NODES = ['a1', 'a2', 'b1', 'b2', 'l1', 'cpu', 'gone'];

function seeded(): ClusterState {
  const state = new ClusterState();
  const block = (name: string, block: string) => aNode(name).gkeGpu('nvidia-h100-80gb', 8).zone(`zone-${block}`)
    .label('cloud.google.com/gce-topology-block', block);
  for (const node of [block('a1', 'a'), block('a2', 'a'), block('b1', 'b'), block('b2', 'b'), aNode('l1').gkeGpu('nvidia-l4', 4).zone('zone-l'), aNode('cpu')]) {
    state.upsertNode(node.build());
  }
  return state;
}

/** Two replicas of one model (same shape, different pods), and one multi-host group member. */
const replica = (name: string): PodBuilder => aPod(name).model('meta-llama/Llama-3.1-8B-Instruct').gpus(2);
const member = (name: string): PodBuilder => aPod(name).kinfer('hbm', '100Gi').kinfer('group', 'g').kinfer('group-size', '2').gpus(8);

interface Case {
  readonly name: string;
  readonly pod: (name: string) => PodBuilder;
  /** Before the memo is warmed. */
  readonly setup?: (state: ClusterState) => void;
  readonly change: (state: ClusterState) => void;
  /** What the change must do to the answer for node `node` (checked besides equality with a fresh decision). */
  readonly expect?: { readonly node: string; readonly passes: boolean };
}

const FILL = aPod('fill').gpus(8).onNode('a1').build();

const CASES: readonly Case[] = [
  { name: 'a pod binds and fills a node', pod: replica, change: (s) => s.upsertPod(aPod('fill').gpus(8).onNode('a1').build()), expect: { node: 'a1', passes: false } },
  { name: 'a pod leaves a full node', pod: replica, setup: (s) => s.upsertPod(FILL), change: (s) => s.deletePod(FILL.metadata.uid), expect: { node: 'a1', passes: true } },
  { name: 'a pod on a full node finishes', pod: replica, setup: (s) => s.upsertPod(FILL), change: (s) => s.upsertPod({ ...FILL, status: { phase: 'Succeeded' } }), expect: { node: 'a1', passes: true } },
  { name: 'a node is relabelled to another accelerator', pod: replica, change: (s) => s.upsertNode(aNode('l1').gkeGpu('nvidia-h200-141gb', 8).build()), expect: { node: 'l1', passes: true } },
  { name: 'a node loses its devices', pod: replica, change: (s) => s.upsertNode(aNode('b2').build()), expect: { node: 'b2', passes: false } },
  { name: 'a node is deleted', pod: replica, change: (s) => s.deleteNode('a2'), expect: { node: 'a2', passes: false } },
  { name: 'a node appears', pod: replica, change: (s) => s.upsertNode(aNode('gone').gkeGpu('nvidia-h100-80gb', 8).build()), expect: { node: 'gone', passes: true } },
  { name: 'pods are relisted', pod: replica, change: (s) => s.replacePods([aPod('x').gpus(7).onNode('b1').build()]), expect: { node: 'b1', passes: false } },
  { name: 'nodes are relisted', pod: replica, change: (s) => s.replaceNodes([aNode('a1').gkeGpu('nvidia-h100-80gb', 1).build()]), expect: { node: 'a1', passes: false } },
  // Cluster-scoped plugins read other nodes: a change on one node moves the answer for nodes that did not change.
  { name: 'a replica of the model binds in zone a (zone spread)', pod: replica, change: (s) => s.upsertPod(replica('r0').onNode('a1').build()) },
  { name: 'a group member binds in block a (group domain)', pod: member, change: (s) => s.upsertPod(member('m0').onNode('a1').build()), expect: { node: 'b1', passes: false } },
];

function answers(placer: Placer, pod: PodBuilder, view: ClusterView) {
  const request = requestOf(pod);
  const filtered = placer.filter(request, view, NODES);
  return {
    passed: filtered.passed,
    failed: [...filtered.failed].map(([n, r]) => `${n}: ${r.reason}`),
    unresolvable: [...filtered.unresolvable].map(([n, r]) => `${n}: ${r.reason}`),
    scores: placer.prioritize(request, view, filtered.passed),
  };
}

describe('DecisionMemo: decisions kept across calls follow the cluster', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const placer = new Placer();
      const state = seeded();
      c.setup?.(state);
      // Warm the memo with one replica, change the cluster, then ask for another replica of the same shape.
      const before = answers(placer, c.pod('first'), state);
      assert.deepEqual(before, answers(placer, c.pod('first'), fresh(state)), 'memo matches a fresh decision before the change');
      assert.ok(state.memo.nodeCount > 0, 'the memo is in use');
      c.change(state);
      const after = answers(placer, c.pod('second'), state);
      assert.deepEqual(after, answers(placer, c.pod('second'), fresh(state)));
      assert.notDeepEqual(after, before, 'the change moves the answer');
      if (c.expect) assert.equal(after.passed.includes(c.expect.node), c.expect.passes, `${c.expect.node} ${c.expect.passes ? 'passes' : 'fails'} after the change`);
    });
  }

  it('a bind on one node keeps every other node\'s decision and forgets that node\'s', () => {
    const placer = new Placer();
    const state = seeded();
    answers(placer, replica('first'), state);
    const slot = state.memo.shape(requestOf(replica('x')), new Placer().memoKey);
    const kept = state.memo.kept('b1', slot);
    assert.ok(kept?.rejection === null && kept.nodeScore !== undefined);
    state.upsertPod(aPod('p').gpus(1).onNode('a1').build());
    assert.equal(state.memo.kept('a1', slot), undefined);
    assert.equal(state.memo.kept('b1', slot), kept);
  });

  it('placers with other weights on one state keep their own scores', () => {
    const state = seeded();
    state.upsertPod(aPod('busy').gpus(6).onNode('a1').build());
    const packing = new Placer({ 'fragmentation': 10, 'hbm-best-fit': 0 });
    const plain = new Placer();
    for (const placer of [plain, packing, plain]) {
      assert.deepEqual(answers(placer, replica(`r`), state), answers(placer, replica('r'), fresh(state)));
    }
    assert.notDeepEqual(answers(packing, replica('r'), state).scores, answers(plain, replica('r'), state).scores);
  });
});

describe('shapeKey', () => {
  const key = (pod: PodBuilder) => shapeKey(requestOf(pod));
  const TABLE: readonly { name: string; a: PodBuilder; b: PodBuilder; equal: boolean }[] = [
    { name: 'replicas of one model', a: replica('r1'), b: replica('r2'), equal: true },
    { name: 'another device count', a: replica('r1'), b: aPod('r2').model('meta-llama/Llama-3.1-8B-Instruct').gpus(4), equal: false },
    { name: 'another accelerator list', a: replica('r1').kinfer('accelerators', 'nvidia-l4'), b: replica('r2').kinfer('accelerators', 'nvidia-h100-80gb'), equal: false },
    { name: 'another context length', a: replica('r1'), b: replica('r2').kinfer('max-model-len', '32768'), equal: false },
    { name: 'another namespace', a: replica('r1'), b: aPod('r2', 'other').model('meta-llama/Llama-3.1-8B-Instruct').gpus(2), equal: false },
    { name: 'another group', a: member('m1'), b: aPod('m2').kinfer('hbm', '100Gi').kinfer('group', 'h').kinfer('group-size', '2').gpus(8), equal: false },
  ];
  for (const t of TABLE) {
    it(`${t.name}: ${t.equal ? 'same' : 'different'} shape`, () => assert.equal(key(t.a) === key(t.b), t.equal));
  }

  it('more shapes than the memo holds: it starts over and stays right', () => {
    const placer = new Placer();
    const state = seeded();
    for (let len = 1; len <= 70; len++) {
      const pod = replica(`r${len}`).kinfer('max-model-len', String(1024 * len));
      assert.deepEqual(answers(placer, pod, state), answers(placer, pod, fresh(state)));
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cycle } from '../../../src/placement/framework.js';
import { newScorer, type ScorerName } from '../../../src/placement/registry.js';
import { Placer, toExtenderScore } from '../../../src/placement/scheduler.js';
import { aNode, aPod, type NodeBuilder, type PodBuilder } from '../../builders.js';
import { clusterOf, requestOf } from './fixtures.js';

interface Case {
  name: string;
  scorer: ScorerName;
  nodes: NodeBuilder[];
  pod: PodBuilder;
  others?: PodBuilder[];
  /** Node names, best first; equal scores are written as one entry `a=b`. */
  order: string[];
}

function ranking(c: Case): string[] {
  const cluster = clusterOf(c.nodes, c.others ?? []);
  const cycle = new Cycle(requestOf(c.pod), cluster);
  const plugin = newScorer(c.scorer);
  const scored = c.nodes.map((n) => {
    const name = n.build().metadata.name;
    const score = plugin.score(cycle, cluster.node(name)!);
    assert.ok(score >= 0 && score <= 1, `${c.scorer} scored ${name} ${score}, outside [0,1]`);
    return { name, score };
  });
  scored.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
  const groups: string[] = [];
  let previous: number | undefined;
  for (const { name, score } of scored) {
    if (previous !== undefined && Math.abs(previous - score) < 1e-12) groups[groups.length - 1] += `=${name}`;
    else groups.push(name);
    previous = score;
  }
  return groups;
}

const gpu = (name: string, type: string, count = 8) => aNode(name).gkeGpu(type, count);
const small = () => aPod('new').model('meta-llama/Llama-3.1-8B-Instruct').gpus(1);

const cases: Case[] = [
  {
    name: 'hbm-best-fit: smallest sufficient memory first',
    scorer: 'hbm-best-fit',
    nodes: [gpu('h200', 'nvidia-h200-141gb'), gpu('l4', 'nvidia-l4'), gpu('h100', 'nvidia-h100-80gb')],
    pod: small(),
    order: ['l4', 'h100', 'h200'],
  },
  {
    name: 'hbm-best-fit: no memory need is neutral',
    scorer: 'hbm-best-fit',
    nodes: [gpu('a', 'nvidia-h200-141gb'), gpu('b', 'nvidia-l4')],
    pod: aPod('new').kinfer('accelerators', 'nvidia-l4,nvidia-h200-141gb').gpus(1),
    order: ['a=b'],
  },
  {
    name: 'accelerator-preference: the list order',
    scorer: 'accelerator-preference',
    nodes: [gpu('h100', 'nvidia-h100-80gb'), gpu('h200', 'nvidia-h200-141gb'), gpu('l4', 'nvidia-l4')],
    pod: small().kinfer('accelerators', 'nvidia-h200-141gb,nvidia-h100-80gb'),
    order: ['h200', 'h100', 'l4'],
  },
  {
    name: 'fragmentation: fill the node whose leftover stays usable',
    scorer: 'fragmentation',
    nodes: [gpu('empty', 'nvidia-h100-80gb'), gpu('half', 'nvidia-h100-80gb'), gpu('five', 'nvidia-h100-80gb')],
    pod: aPod('new').kinfer('hbm', '100Gi').gpus(2),
    // half: 4 free → 2 left (power of two, fuller); five: 5 free → 3 left (strands one); empty: 8 → 6 left.
    others: [aPod('a').gpus(4).onNode('half'), aPod('b').gpus(3).onNode('five')],
    order: ['half', 'five', 'empty'],
  },
  {
    name: 'group-locality: next to members already placed',
    scorer: 'group-locality',
    nodes: [
      aNode('a1').gfdGpu('NVIDIA-GB200', 4).label('nvidia.com/gpu.clique', 'A'),
      aNode('b1').gfdGpu('NVIDIA-GB200', 4).label('nvidia.com/gpu.clique', 'B'),
      aNode('b2').gfdGpu('NVIDIA-GB200', 4).label('nvidia.com/gpu.clique', 'B'),
    ],
    pod: aPod('m1').kinfer('hbm', '100Gi').kinfer('group', 'g').kinfer('group-size', '2').gpus(4),
    others: [aPod('m0').kinfer('hbm', '100Gi').kinfer('group', 'g').kinfer('group-size', '2').gpus(4).onNode('b1')],
    order: ['b1=b2', 'a1'],
  },
  {
    name: 'zone-spread: the zone with fewest replicas of the model',
    scorer: 'zone-spread',
    nodes: [gpu('a', 'nvidia-l4').zone('us-a'), gpu('b', 'nvidia-l4').zone('us-b'), gpu('c', 'nvidia-l4').zone('us-c')],
    pod: small(),
    others: [small().onNode('a'), small().onNode('a'), small().onNode('b'), aPod('other').model('google/gemma-2-9b-it').gpus(1).onNode('c')],
    order: ['c', 'b', 'a'],
  },
];

describe('scorers', () => {
  for (const c of cases) it(c.name, () => assert.deepEqual(ranking(c), c.order));
});

describe('Placer: filter and prioritize', () => {
  it('prefers the smallest memory that fits and explains every rejection', () => {
    const cluster = clusterOf([gpu('l4', 'nvidia-l4', 2), gpu('h100', 'nvidia-h100-80gb'), gpu('h200', 'nvidia-h200-141gb'), aNode('cpu')]);
    const placer = new Placer();
    const request = requestOf(aPod('new').model('meta-llama/Llama-3.1-70B-Instruct').gpus(2));
    const outcome = placer.filter(request, cluster, ['l4', 'h100', 'h200', 'cpu', 'ghost']);
    assert.deepEqual(outcome.passed, ['h100', 'h200']);
    assert.deepEqual([...outcome.unresolvable.keys()], ['l4', 'cpu']);
    assert.match(outcome.unresolvable.get('l4')!.reason, /insufficient HBM/);
    assert.equal(outcome.unresolvable.get('l4')!.filter, 'hbm-fit');
    assert.deepEqual([...outcome.failed.keys()], ['ghost']);
    const scores = placer.prioritize(request, cluster, outcome.passed);
    const h100 = scores.find((s) => s.host === 'h100')!.score;
    const h200 = scores.find((s) => s.host === 'h200')!.score;
    assert.ok(h100 > h200, `h100 ${h100} should beat h200 ${h200}`);
    for (const s of scores) assert.ok(Number.isInteger(s.score) && s.score >= 0 && s.score <= 10);
  });

  it('a weight of 0 turns a scorer off', () => {
    const cluster = clusterOf([gpu('l4', 'nvidia-l4', 8), gpu('h100', 'nvidia-h100-80gb')]);
    const request = requestOf(small().kinfer('accelerators', 'nvidia-h100-80gb,nvidia-l4'));
    const onlyPreference = new Placer({ 'hbm-best-fit': 0, fragmentation: 0, 'group-locality': 0, 'zone-spread': 0 });
    assert.deepEqual(onlyPreference.prioritize(request, cluster, ['l4', 'h100']), [{ host: 'l4', score: 0 }, { host: 'h100', score: 10 }]);
  });

  it('normalizes over the candidates: the best node gets 10, the worst 0, equal nodes all 10', () => {
    const cluster = clusterOf([gpu('l4', 'nvidia-l4', 8), gpu('a100', 'nvidia-a100-80gb'), gpu('h200', 'nvidia-h200-141gb'), gpu('l4b', 'nvidia-l4', 8)]);
    const scores = new Placer().prioritize(requestOf(small()), cluster, ['l4', 'a100', 'h200', 'ghost']);
    assert.deepEqual(scores.map((s) => s.host), ['l4', 'a100', 'h200', 'ghost']);
    assert.equal(scores[0]!.score, 10);
    assert.equal(scores[2]!.score, 0);
    assert.ok(scores[1]!.score > 0 && scores[1]!.score < 10, `a100 scored ${scores[1]!.score}`);
    assert.equal(scores[3]!.score, 0, 'an unknown node scores 0');
    assert.deepEqual(new Placer().prioritize(requestOf(small()), cluster, ['l4', 'l4b']).map((s) => s.score), [10, 10]);
  });

  it('scorers with nothing to say about a request leave the weighted mean', () => {
    const cluster = clusterOf([gpu('l4', 'nvidia-l4', 8)]);
    const placer = new Placer();
    const cycle = placer.newCycle(requestOf(small()), cluster);
    assert.deepEqual(placer.activeScorers(cycle).map((s) => s.plugin.name), ['hbm-best-fit', 'fragmentation', 'zone-spread']);
    const grouped = placer.newCycle(requestOf(aPod('g').kinfer('hbm', '10Gi').kinfer('group', 'g').kinfer('group-size', '2').kinfer('accelerators', 'nvidia-l4,nvidia-h100-80gb').gpus(1)), cluster);
    assert.deepEqual(placer.activeScorers(grouped).map((s) => s.plugin.name), ['hbm-best-fit', 'accelerator-preference', 'fragmentation', 'group-locality']);
  });

  it('toExtenderScore clamps to 0..10', () => {
    assert.deepEqual([-1, 0, 0.04, 0.05, 0.5, 1, 2, Number.NaN].map(toExtenderScore), [0, 0, 0, 1, 5, 10, 10, 0]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceleratorByName } from '../../../src/accelerators/catalog.js';
import { modelById } from '../../../src/models/catalog.js';
import { weightsBytes } from '../../../src/models/memory.js';
import { estimateMultiNodeProfile, INTER_NODE_HOP_MS, pipelineHopMs } from '../../../src/profiles/multinode.js';
import { allReduceMs, DEFAULT_EFFICIENCY } from '../../../src/profiles/roofline.js';

const H100 = acceleratorByName('nvidia-h100-80gb')!;
const LLAMA_405B = modelById('meta-llama/Llama-3.1-405B-Instruct')!;
const input = (hosts: number, tp = 8 * hosts) => ({
  model: LLAMA_405B, accelerator: H100, tp, hosts, dtype: 'bf16' as const, kvCacheDtype: 'bf16' as const, memoryUtilization: 0.92,
  workload: { inputTokens: 1000, outputTokens: 200 },
});

describe('estimateMultiNodeProfile: TP within a node, one pipeline stage per node', () => {
  it('a token is never faster than one node reading all the weights, plus a network hop per stage boundary', () => {
    for (const hosts of [2, 4]) {
      const estimate = estimateMultiNodeProfile(input(hosts));
      assert.ok(estimate.ok, estimate.ok ? '' : estimate.error);
      const light = estimate.value.points[0]!;
      const floorMs = (weightsBytes(LLAMA_405B, 'bf16') / (8 * H100.hbmBandwidthBytesPerSecond)) * 1000 + (hosts - 1) * INTER_NODE_HOP_MS;
      assert.ok(light.itlP50Ms! >= floorMs, `${hosts} nodes: ITL ${light.itlP50Ms} ms below the floor ${floorMs} ms`);
      // The step is the floor at the decode efficiency plus two all-reduces per layer within each node, and a
      // little more: not wildly above it either.
      const allReducesMs = 2 * LLAMA_405B.layers * allReduceMs(8, H100.interconnect);
      assert.ok(light.itlP50Ms! <= (floorMs / DEFAULT_EFFICIENCY.decodeBandwidth + allReducesMs) * 1.2, `${hosts} nodes: ITL ${light.itlP50Ms} ms`);
    }
  });

  it('more stages: more hops per token, more micro-batches in flight', () => {
    const two = estimateMultiNodeProfile(input(2));
    const four = estimateMultiNodeProfile(input(4));
    assert.ok(two.ok && four.ok);
    assert.equal(four.value.points[0]!.concurrency, 4, 'one sequence per micro-batch, one micro-batch per stage');
    assert.equal(two.value.points[0]!.concurrency, 2);
    assert.ok(four.value.points[0]!.itlP50Ms! > two.value.points[0]!.itlP50Ms!);
    assert.ok(four.value.kvCapacityTokens > 2 * two.value.kvCapacityTokens, 'twice the devices, the same weights: more than twice the KV cache');
  });

  it('the hop carries the hidden states of the step: bytes grow with the batch', () => {
    assert.equal(pipelineHopMs(LLAMA_405B, 0), INTER_NODE_HOP_MS);
    assert.ok(pipelineHopMs(LLAMA_405B, 256) > pipelineHopMs(LLAMA_405B, 1));
  });

  const bad: { name: string; hosts: number; tp: number; error: RegExp }[] = [
    { name: 'devices that do not split over the nodes', hosts: 2, tp: 9, error: /9 devices do not split evenly over 2 nodes/ },
    { name: 'a TP size per node the heads do not divide', hosts: 2, tp: 12, error: /6/ },
    { name: 'one node is not multi-node', hosts: 1, tp: 8, error: /do not split evenly over 1 nodes/ },
    { name: 'too little memory for any KV cache', hosts: 2, tp: 4, error: /no room for KV cache|too few/ },
  ];
  for (const b of bad) {
    it(`refuses ${b.name}`, () => {
      const estimate = estimateMultiNodeProfile(input(b.hosts, b.tp));
      assert.ok(!estimate.ok);
      assert.match(estimate.error, b.error);
    });
  }
});

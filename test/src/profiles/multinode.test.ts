import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceleratorByName } from '../../../src/accelerators/catalog.js';
import { modelById } from '../../../src/models/catalog.js';
import { weightsBytes } from '../../../src/models/memory.js';
import { sliceShape } from '../../../src/accelerators/tpu-slices.js';
import { estimateMultiNodeProfile, estimateSliceProfile, ICI_BYTES_PER_SECOND, INTER_NODE_HOP_MS, pipelineHopMs, sliceAllReduceBandwidthMs } from '../../../src/profiles/multinode.js';
import { allReduceMs, DEFAULT_EFFICIENCY, estimateProfile } from '../../../src/profiles/roofline.js';

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

describe('estimateSliceProfile: one tensor-parallel group over a whole TPU slice', () => {
  const V6E = acceleratorByName('tpu-v6e-slice')!;
  const LLAMA_70B = modelById('meta-llama/Llama-3.1-70B-Instruct')!;
  const slice = sliceShape('4x4', 4)!;
  const shape = { model: LLAMA_70B, accelerator: V6E, tp: 16, dtype: 'bf16' as const, kvCacheDtype: 'bf16' as const, memoryUtilization: 0.92, workload: { inputTokens: 1000, outputTokens: 200 } };

  it('each step is the 16-chip step plus the all-reduces\' ICI bandwidth term, never below the weight-read floor', () => {
    const sliced = estimateSliceProfile({ ...shape, slice });
    const flat = estimateProfile(shape);
    assert.ok(sliced.ok && flat.ok, sliced.ok ? '' : sliced.error);
    assert.equal(sliced.value.points.length, flat.value.points.length);
    const floorMs = (weightsBytes(LLAMA_70B, 'bf16') / (16 * V6E.hbmBandwidthBytesPerSecond)) * 1000;
    for (const [i, p] of sliced.value.points.entries()) {
      const batch = p.concurrency!;
      const ici = sliceAllReduceBandwidthMs(LLAMA_70B, 16, ICI_BYTES_PER_SECOND['tpu-v6e-slice']!, batch);
      assert.ok(ici > 0);
      assert.ok(Math.abs(p.itlP50Ms! - flat.value.points[i]!.itlP50Ms! - ici) < 1e-9, `batch ${batch}: ITL ${p.itlP50Ms} vs ${flat.value.points[i]!.itlP50Ms} + ${ici}`);
      assert.ok(p.itlP50Ms! >= floorMs);
    }
    // 80 all-reduces of 8192 bf16 values per token, 15/16 of them twice through 448 GB/s: ~5.6 µs per token.
    assert.ok(Math.abs(sliceAllReduceBandwidthMs(LLAMA_70B, 16, 448e9, 1) - (2 * 80 * 2 * (15 / 16) * 8192 * 2 / 448e9) * 1000) < 1e-12);
  });

  it('a TPU type without an ICI figure is refused, not guessed', () => {
    const r = estimateSliceProfile({ ...shape, accelerator: { ...V6E, name: 'tpu-v4-podslice' }, slice });
    assert.ok(!r.ok);
    assert.match(r.error, /no ICI bandwidth for tpu-v4-podslice/);
  });
});

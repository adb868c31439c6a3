import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inventory } from '../../../src/deploy/inventory.js';
import type { DeploySpec } from '../../../src/deploy/plan.js';
import { describeChanges, fittingChanges } from '../../../src/deploy/suggest.js';
import { ModelRegistry } from '../../../src/models/user.js';
import { aNode, type NodeBuilder } from '../../builders.js';

const models = new ModelRegistry();
const spec = (id: string, extra: Partial<DeploySpec> = {}): DeploySpec => ({
  model: models.get(id)!, dtype: 'bf16', kvCacheDtype: 'bf16', maxModelLen: 8192, kvReserveSeqs: 1, memoryUtilization: 0.92, replicas: 1, ...extra,
});
const h100 = (i: number) => aNode(`h100-${i}`).gfdGpu('NVIDIA-H100-80GB-HBM3', 8, 81559);
const l4 = (i: number, n: number) => aNode(`l4-${i}`).gkeGpu('nvidia-l4', n);

describe('fittingChanges: when nothing fits, the smallest change that would, cheapest replica first', () => {
  const cases: { name: string; spec: DeploySpec; nodes: NodeBuilder[]; want: RegExp[] }[] = [
    {
      // The example: 810 GB of bf16 weights exceed one node's 8 × 80 GB; fp8 halves them.
      name: 'Llama 3.1 405B bf16 on 8 × H100 nodes: fp8 on one node, or 2 nodes per replica',
      spec: spec('meta-llama/Llama-3.1-405B-Instruct'),
      nodes: [h100(0), h100(1)],
      want: [/^--dtype fp8: fp8 weights on 8 × nvidia-h100-80gb \(needs \d+\.\d GiB of \d+\.\d GiB usable\); changes output quality/, /^2 nodes per replica: a LeaderWorkerSet of 16 × nvidia-h100-80gb over 2 nodes \(.*tensor parallel 8 × pipeline parallel 2\)$/],
    },
    {
      // A 128k context of Llama 8B takes 16 GiB of KV on top of 15 GiB of weights: too much for 4 L4s at 92%... a
      // shorter context fits, and so do fp8 weights.
      name: 'a long context on small GPUs: fp8 or a shorter --max-model-len',
      spec: spec('meta-llama/Llama-3.1-8B-Instruct', { maxModelLen: 131072, kvReserveSeqs: 4 }),
      nodes: [l4(0, 2)],
      want: [/^--max-model-len \d+: a \d+-token context instead of 131072 on 2 × nvidia-l4/],
    },
    {
      name: 'an fp8 405B on L4 nodes: no dtype suggestion (only 16-bit → fp8 is offered), 4 nodes per replica',
      spec: spec('meta-llama/Llama-3.1-405B-Instruct', { dtype: 'fp8' }),
      nodes: [l4(0, 8)],
      want: [/^4 nodes per replica: a LeaderWorkerSet of 32 × nvidia-l4 over 4 nodes/],
    },
    {
      name: 'nothing would fit: no suggestion',
      spec: spec('meta-llama/Llama-3.1-405B-Instruct', { dtype: 'fp8' }),
      nodes: [l4(0, 2)],
      want: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const changes = fittingChanges(c.spec, inventory(c.nodes.map((n) => n.build())));
      const lines = changes.map((x) => `${x.flags}: ${x.text}`);
      assert.equal(lines.length >= c.want.length, true, lines.join('\n'));
      c.want.forEach((re, i) => assert.match(lines[i]!, re, lines.join('\n')));
      if (c.want.length === 0) assert.deepEqual(lines, []);
      for (let i = 1; i < changes.length; i++) assert.ok(changes[i - 1]!.replicaHbmBytes <= changes[i]!.replicaHbmBytes, 'cheapest first');
    });
  }

  it('describeChanges: one sentence, the smallest first; empty when nothing would fit', () => {
    const changes = fittingChanges(spec('meta-llama/Llama-3.1-405B-Instruct'), inventory([h100(0).build()]));
    assert.match(describeChanges(changes), /^smallest change that fits: --dtype fp8: .*; or 2 nodes per replica: /);
    assert.equal(describeChanges([]), '');
  });
});

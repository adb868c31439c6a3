import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeSlice, multiHostShapes, sliceShape, topologyChips } from '../../../src/accelerators/tpu-slices.js';

describe('TPU slice shapes', () => {
  const cases: { topology: string; chipsPerHost: number; chips?: number; hosts?: number }[] = [
    { topology: '2x4', chipsPerHost: 8, chips: 8, hosts: 1 },
    { topology: '4x4', chipsPerHost: 4, chips: 16, hosts: 4 },
    { topology: '2x2x2', chipsPerHost: 4, chips: 8, hosts: 2 },
    { topology: '16x16', chipsPerHost: 4, chips: 256, hosts: 64 },
    { topology: '4', chipsPerHost: 4 },
    { topology: '4x0', chipsPerHost: 4 },
    { topology: 'v6e-16', chipsPerHost: 4 },
  ];
  for (const c of cases) {
    it(`${c.topology} on hosts of ${c.chipsPerHost}`, () => {
      assert.equal(topologyChips(c.topology), c.chips);
      const shape = sliceShape(c.topology, c.chipsPerHost);
      assert.deepEqual(shape && [shape.chips, shape.hosts], c.chips === undefined ? undefined : [c.chips, c.hosts]);
    });
  }

  it('GKE multi-host shapes, smallest first, 4 chips per host; none for a GPU', () => {
    assert.deepEqual(multiHostShapes('tpu-v6e-slice').map((s) => `${s.topology}:${s.chips}/${s.hosts}`), ['4x4:16/4', '4x8:32/8', '8x8:64/16', '8x16:128/32', '16x16:256/64']);
    assert.deepEqual(multiHostShapes('nvidia-h100-80gb'), []);
    assert.equal(describeSlice('tpu-v6e-slice', sliceShape('4x4', 4)!), 'a tpu-v6e-slice 4x4 slice (16 chips over 4 hosts)');
  });
});

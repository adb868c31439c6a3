import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FilterAnswer } from '../../extender/answer.js';

describe('FilterAnswer.encode', () => {
  const cases: { name: string; build: () => FilterAnswer }[] = [
    { name: 'empty, cache mode', build: () => new FilterAnswer(true) },
    {
      name: 'passed, failed and unresolvable, with names and reasons that need escaping',
      build: () => {
        const a = new FilterAnswer(true);
        a.passed.push('n1', 'node.with.dots', 'we"ird');
        a.failed.push(['n2', '2 of 8 nvidia-h100-80gb device(s) free; the pod needs 4'], ['n3', 'quote " and \\ backslash']);
        a.unresolvable.push(['n4', 'insufficient HBM: needs 144.4 GiB, nvidia-l4 x2 gives 41.4 GiB usable'], ['ünïcode', 'tab\there']);
        return a;
      },
    },
    {
      name: 'not cache mode: the passing Node objects go back whole',
      build: () => {
        const a = new FilterAnswer(false, [{ metadata: { name: 'a', labels: { x: 'y' } } }, { metadata: { name: 'b' } }] as never);
        a.passed.push('b');
        a.error = 'not ready: "nodes" not synced';
        return a;
      },
    },
  ];
  for (const c of cases) {
    it(`${c.name}: the JSON is exactly the wire object`, () => {
      const answer = c.build();
      assert.deepEqual(JSON.parse(answer.encode()), answer.toWire());
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FilterAnswer, PrioritizeAnswer } from '../../extender/answer.js';

describe('FilterAnswer.encode', () => {
  const cases: { name: string; build: () => FilterAnswer }[] = [
    { name: 'empty, cache mode', build: () => new FilterAnswer(true) },
    {
      name: 'passed, failed and unresolvable, with names and reasons that need escaping',
      build: () => {
        const a = new FilterAnswer(true);
        for (const name of ['n1', 'node.with.dots', 'we"ird']) a.pass(name);
        a.fail('n2', '2 of 8 nvidia-h100-80gb device(s) free; the pod needs 4');
        a.fail('n3', 'quote " and \\ backslash');
        a.fail('n5', '2 of 8 nvidia-h100-80gb device(s) free; the pod needs 4');
        a.failUnresolvable('n4', 'insufficient HBM: needs 144.4 GiB, nvidia-l4 x2 gives 41.4 GiB usable');
        a.failUnresolvable('ünïcode', 'tab\there');
        return a;
      },
    },
    {
      name: 'not cache mode: the passing Node objects go back whole',
      build: () => {
        const a = new FilterAnswer(false, [{ metadata: { name: 'a', labels: { x: 'y' } } }, { metadata: { name: 'b' } }] as never);
        a.pass('b');
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

describe('PrioritizeAnswer.encode', () => {
  const cases: { name: string; scores: { host: string; score: number }[] }[] = [
    { name: 'empty', scores: [] },
    { name: 'one', scores: [{ host: 'a', score: 10 }] },
    { name: 'names that need escaping, shared name table', scores: [{ host: 'n1', score: 0 }, { host: 'we"ird', score: 5 }, { host: 'ünïcode', score: 7 }, { host: 'n1', score: 3 }] },
  ];
  for (const c of cases) {
    it(`${c.name}: the JSON is exactly JSON.stringify of the HostPriorityList`, () => {
      const answer = new PrioritizeAnswer(c.scores);
      assert.equal(answer.encode(), JSON.stringify(answer.toWire()));
    });
  }
});

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ClusterState } from '../../src/placement/state.js';
import { post, startExtender, type RunningExtender } from './harness.js';

// Golden wire tests: the exact JSON kube-scheduler sends (k8s.io/kube-scheduler/extender/v1 ExtenderArgs,
// PascalCase keys) and the exact JSON we answer. Regenerate with UPDATE_GOLDEN=1 after an intended change,
// then read the diff.
const GOLDEN = new URL('../../../test/extender/golden/', import.meta.url);
const read = (name: string): unknown => JSON.parse(readFileSync(new URL(name, GOLDEN), 'utf8'));

interface Fixture {
  nodes: { metadata: { name: string } }[];
  pods: object[];
}
const cluster = read('cluster.json') as Fixture;
const llama = read('pod-llama-70b.json') as object;
const plainPod = { metadata: { name: 'web-1', namespace: 'default', uid: 'u-web' }, spec: { containers: [{ name: 'web', resources: { requests: { cpu: '1' } } }] } };
const names = cluster.nodes.map((n) => n.metadata.name);

const cases: { golden: string; verb: 'filter' | 'prioritize'; body: object }[] = [
  { golden: 'filter-cache.response.json', verb: 'filter', body: { Pod: llama, Nodes: null, NodeNames: names } },
  { golden: 'filter-nocache.response.json', verb: 'filter', body: { Pod: llama, Nodes: { metadata: {}, items: cluster.nodes }, NodeNames: null } },
  { golden: 'prioritize-cache.response.json', verb: 'prioritize', body: { Pod: llama, Nodes: null, NodeNames: ['h100-0', 'h100-1', 'h200-0'] } },
  { golden: 'prioritize-nocache.response.json', verb: 'prioritize', body: { Pod: llama, Nodes: { items: cluster.nodes.filter((n) => n.metadata.name.startsWith('h')) } } },
  { golden: 'filter-unconstrained.response.json', verb: 'filter', body: { Pod: plainPod, NodeNames: names } },
  { golden: 'prioritize-unconstrained.response.json', verb: 'prioritize', body: { Pod: plainPod, NodeNames: names } },
];

describe('extender wire format (golden)', () => {
  let extender: RunningExtender;
  before(async () => {
    const state = new ClusterState();
    state.replaceNodes(cluster.nodes);
    state.replacePods(cluster.pods);
    extender = await startExtender(state);
  });
  after(() => extender.close());

  for (const c of cases) {
    it(c.golden, async () => {
      const { status, json } = await post(`${extender.url}/${c.verb}`, c.body);
      assert.equal(status, 200);
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(new URL(c.golden, GOLDEN), `${JSON.stringify(json, null, 2)}\n`);
      assert.deepEqual(json, read(c.golden));
    });
  }
});

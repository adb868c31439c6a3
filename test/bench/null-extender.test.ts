// The null extender (bench/lib/null-extender.ts), the floor the extender bench and the scale e2e measure kinfer
// against: both variants answer every body as kube-scheduler's extender types say (every node passes, score 0 each,
// in the order sent), the raw one without parsing JSON. The scale e2e shows the real kube-scheduler binding through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NULL_VARIANTS, nullExtender, type NullTimes } from '../../bench/lib/null-extender.js';

async function serve(variant: (typeof NULL_VARIANTS)[number]): Promise<{ server: Server; url: string; times: NullTimes }> {
  const times: NullTimes = { filter: [], prioritize: [], bodyArrival: [] };
  const server = createServer(nullExtender(variant, times));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, times };
}

const pod = (labels: Record<string, string> = {}) => ({ metadata: { name: 'p', namespace: 'd', uid: 'u', labels }, spec: { containers: [] } });
const node = (name: string) => ({ metadata: { name, labels: { a: 'b' } } });

const CASES = [
  { name: 'names, as kube-scheduler sends them (Go field order: Pod, Nodes, NodeNames)', body: { Pod: pod(), Nodes: null, NodeNames: ['l4-1', 'h100-2.zone-b', 'h200-30'] }, names: ['l4-1', 'h100-2.zone-b', 'h200-30'] },
  { name: 'no names', body: { Pod: pod(), Nodes: null, NodeNames: [] }, names: [] },
  { name: 'one name', body: { Pod: pod(), Nodes: null, NodeNames: ['n'] }, names: ['n'] },
  { name: 'a Pod label named NodeNames does not fool the raw scan', body: { Pod: pod({ NodeNames: '["x"]' }), Nodes: null, NodeNames: ['a', 'b'] }, names: ['a', 'b'] },
  { name: 'full Nodes (nodeCacheCapable: false): the raw variant falls back to parsing', body: { Pod: pod(), Nodes: { items: [node('a'), node('b')] }, NodeNames: null }, names: ['a', 'b'], fullNodes: true },
];

for (const variant of NULL_VARIANTS) {
  for (const c of CASES) {
    test(`null extender (${variant}): ${c.name}`, async () => {
      const { server, url, times } = await serve(variant);
      try {
        const post = async (verb: string) => {
          const response = await fetch(`${url}/${verb}`, { method: 'POST', body: JSON.stringify(c.body) });
          assert.equal(response.status, 200);
          return await response.json() as unknown;
        };
        const filtered = await post('filter') as Record<string, unknown>;
        assert.deepEqual(filtered, {
          Nodes: c.fullNodes ? c.body.Nodes : null,
          NodeNames: c.fullNodes ? null : c.names,
          FailedNodes: {},
          FailedAndUnresolvableNodes: {},
          Error: '',
        });
        assert.deepEqual(await post('prioritize'), c.names.map((Host) => ({ Host, Score: 0 })));
        assert.equal(times.filter.length, 1);
        assert.equal(times.prioritize.length, 1);
        assert.equal(times.bodyArrival.length, 2);
      } finally {
        server.close();
      }
    });
  }
  test(`null extender (${variant}): malformed JSON is a 400 with a message, not a crash`, async () => {
    const { server, url } = await serve(variant);
    try {
      const response = await fetch(`${url}/prioritize`, { method: 'POST', body: '{"Pod":' });
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as { Error: string }).Error, /^null extender: /);
    } finally {
      server.close();
    }
  });
}

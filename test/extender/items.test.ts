import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findNodeItems } from '../../extender/items.js';
import { aNode, aPod } from '../builders.js';
import { post, startExtender, type RunningExtender } from './harness.js';

describe('findNodeItems: the Nodes.items elements of a body, found without parsing', () => {
  const node = (name: string) => JSON.stringify(aNode(name).gkeGpu('nvidia-l4', 4).label('odd', 'a "quoted" {brace} [bracket] \\\\ "Nodes":').build());
  const found: { name: string; body: string }[] = [
    { name: 'compact', body: `{"Pod":{"metadata":{"name":"p"}},"Nodes":{"items":[${node('a')},${node('b')}]},"NodeNames":null}` },
    { name: 'whitespace and key order', body: `{ "NodeNames" : null ,\n "Nodes" : { "kind":"NodeList", "items" : [ ${node('a')} ,\n ${node('b')} ] } , "Pod" : {"metadata":{"name":"p"}} }` },
    { name: '"Nodes" and "items" as values and nested keys elsewhere', body: `{"Pod":{"metadata":{"name":"Nodes","labels":{"items":"Nodes"}},"spec":{"Nodes":{"items":[1]}}},"Nodes":{"items":[${node('x')}]}}` },
    { name: 'empty items', body: '{"Pod":{"metadata":{"name":"p"}},"Nodes":{"items":[]}}' },
  ];
  for (const c of found) {
    it(`${c.name}: the slices are the parsed items`, async () => {
      const buf = Buffer.from(c.body);
      const layout = await findNodeItems(buf);
      assert.ok(layout);
      const expected = (JSON.parse(c.body) as { Nodes: { items: unknown[] } }).Nodes.items;
      assert.deepEqual(layout.items.map(([from, to]) => JSON.parse(buf.toString('utf8', from, to)) as unknown), expected);
      assert.equal(buf.toString('utf8', layout.start, layout.end).replace(/\s/g, '').startsWith('['), true);
    });
  }
  const notFound: { name: string; body: string }[] = [
    { name: 'cache mode', body: '{"Pod":{"metadata":{"name":"p"}},"NodeNames":["a","b"]}' },
    { name: 'Nodes null', body: '{"Pod":{},"Nodes":null,"NodeNames":["a"]}' },
    { name: 'scalar items', body: '{"Pod":{},"Nodes":{"items":[1,2]}}' },
    { name: 'unterminated string', body: '{"Pod":{"metadata":{"name":"p}},"Nodes":{"items":[{}]}}' },
    { name: 'truncated', body: `{"Pod":{},"Nodes":{"items":[${node('a')}` },
  ];
  for (const c of notFound) {
    it(`${c.name}: undefined (the body is parsed whole)`, async () => {
      assert.equal(await findNodeItems(Buffer.from(c.body)), undefined);
    });
  }
});

describe('a full-Node body above 1 MiB, parsed Node by Node: the same answer as a whole parse', () => {
  let extender: RunningExtender;
  before(async () => {
    extender = await startExtender();
  });
  after(() => extender.close());

  it('the passing Nodes go back byte for byte; the failing get their reasons; bad Nodes get a 400 with their path', async () => {
    const filler = Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`example.com/label-${k}`, 'x'.repeat(40)]));
    const items = Array.from({ length: 600 }, (_, i) => (i % 2 === 0 ? aNode(`h100-${i}`).gkeGpu('nvidia-h100-80gb', 8) : aNode(`l4-${i}`).gkeGpu('nvidia-l4', 1)).labels(filler).build());
    const pod = aPod('p').model('meta-llama/Llama-3.1-70B-Instruct').gpus(2).build();
    const body = JSON.stringify({ Pod: pod, Nodes: { items }, NodeNames: null });
    assert.ok(body.length > 1024 * 1024, `body ${body.length} bytes`);
    const { status, json } = await post(`${extender.url}/filter`, body);
    assert.equal(status, 200);
    const answer = json as { Nodes: { items: unknown[] }; FailedAndUnresolvableNodes: Record<string, string> };
    assert.deepEqual(answer.Nodes.items, items.filter((_, i) => i % 2 === 0));
    assert.equal(Object.keys(answer.FailedAndUnresolvableNodes).length, 300);
    assert.match(answer.FailedAndUnresolvableNodes['l4-1']!, /HBM|nvidia-l4/);

    const bad = structuredClone(items);
    (bad[417]!.metadata.labels as Record<string, unknown>).zone = 7;
    const rejected = await post(`${extender.url}/filter`, JSON.stringify({ Pod: pod, Nodes: { items: bad }, NodeNames: null }));
    assert.equal(rejected.status, 400);
    assert.match((rejected.json as { Error: string }).Error, /Nodes\.items\.417\.metadata\.labels\.zone: expected string/);
  });
});

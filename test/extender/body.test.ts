import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { BodyReader, type BodyOutcome } from '../../extender/body.js';

/** A request stream with headers, fed by the test. */
function request(headers: Record<string, string> = {}): PassThrough & IncomingMessage {
  return Object.assign(new PassThrough(), { headers }) as unknown as PassThrough & IncomingMessage;
}

function read(reader: BodyReader, req: IncomingMessage): Promise<BodyOutcome> {
  return new Promise((resolve) => reader.read(req, resolve));
}

const describeOutcome = (o: BodyOutcome): string => (o.ok ? `body ${o.body.toString()}` : `${o.status} ${o.message}`);

describe('BodyReader: bounded request bodies', () => {
  const cases: { name: string; max: number; headers?: Record<string, string>; chunks: string[]; expected: RegExp }[] = [
    { name: 'one chunk', max: 1024, chunks: ['{"a":1}'], expected: /^body \{"a":1\}$/ },
    { name: 'several chunks, joined once', max: 1024, chunks: ['{"a"', ':', '1}'], expected: /^body \{"a":1\}$/ },
    { name: 'exactly the limit', max: 4, chunks: ['1234'], expected: /^body 1234$/ },
    { name: 'Content-Length over the limit: refused before reading', max: 4, headers: { 'content-length': '5' }, chunks: [], expected: /^413 request body larger than 4 bytes/ },
    { name: 'no length, streamed past the limit', max: 4, chunks: ['12', '34', '5'], expected: /^413 request body larger than 4 bytes/ },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.expected.source}`, async () => {
      const req = request(c.headers);
      const outcome = read(new BodyReader(c.max), req);
      for (const chunk of c.chunks) req.write(chunk);
      req.end();
      assert.match(describeOutcome(await outcome), c.expected);
    });
  }

  it('bodies in flight together past the budget: 503; once they are done the budget is free again', async () => {
    const reader = new BodyReader(8, 10);
    const first = request();
    const second = request();
    const a = read(reader, first);
    const b = read(reader, second);
    first.write('123456');
    await new Promise((resolve) => setImmediate(resolve));
    second.write('123456');
    assert.match(describeOutcome(await b), /^503 busy: more than 10 bytes/);
    first.end();
    assert.match(describeOutcome(await a), /^body 123456$/);
    const third = request();
    const c = read(reader, third);
    third.end('12345678');
    assert.match(describeOutcome(await c), /^body 12345678$/);
  });
});

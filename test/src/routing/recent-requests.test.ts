import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentRequests, RecentRequestsAnswerSchema, usageOf, type RecentRequest } from '../../../src/routing/recent-requests.js';

const request = (atMs: number, r: Partial<RecentRequest> = {}): RecentRequest => ({ atMs, status: 200, promptTokens: 10, promptEstimated: false, latencyMs: 100, ...r });

describe('RecentRequests', () => {
  it('keeps the newest per endpoint, oldest first; forgets endpoints gone from the pool; answers per the schema', () => {
    const log = new RecentRequests(2);
    for (const at of [1, 2, 3]) log.record('10.0.0.1:8000', request(at));
    log.record('10.0.0.2:8000', request(9, { status: 0 }));
    assert.deepEqual(log.answer(), { perEndpoint: 2, endpoints: { '10.0.0.1:8000': [request(2), request(3)], '10.0.0.2:8000': [request(9, { status: 0 })] } });
    log.retain(new Set(['10.0.0.2:8000']));
    assert.deepEqual(Object.keys(log.answer().endpoints), ['10.0.0.2:8000']);
    assert.equal(RecentRequestsAnswerSchema.safeParse(log.answer()).success, true);
  });

  it('the answer returned is a copy (recording later does not change it)', () => {
    const log = new RecentRequests(4);
    log.record('a:1', request(1));
    const answer = log.answer();
    log.record('a:1', request(2));
    assert.equal(answer.endpoints['a:1']!.length, 1);
  });
});

describe('usageOf reads the last usage of an answer', () => {
  const cases: { name: string; tail: string; want: ReturnType<typeof usageOf> }[] = [
    { name: 'a JSON body', tail: '{"choices":[],"usage":{"prompt_tokens":12,"total_tokens":19,"completion_tokens":7}}', want: { promptTokens: 12, outputTokens: 7 } },
    {
      name: 'the last event of a stream with usage',
      tail: 'data: {"choices":[{"text":"x"}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens": 3, "completion_tokens": 40}}\n\ndata: [DONE]\n\n',
      want: { promptTokens: 3, outputTokens: 40 },
    },
    { name: 'continuous usage: the last figures win', tail: '"usage":{"prompt_tokens":3,"completion_tokens":1}} "usage":{"prompt_tokens":3,"completion_tokens":2}}', want: { promptTokens: 3, outputTokens: 2 } },
    { name: 'no usage', tail: 'data: {"choices":[{"text":"x"}]}\n\ndata: [DONE]\n\n', want: {} },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(usageOf(c.tail), c.want));
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergePickerRequests, pickerRequestsReader, requestLines, requestsView, type PickerRequests } from '../../../plugin/top/requests.js';
import type { RecentRequest } from '../../../src/routing/recent-requests.js';

const AT = Date.UTC(2025, 0, 2, 3, 4, 5);
const PICKER = 'http://127.0.0.1:9003/';
const request = (agoMs: number, r: Partial<RecentRequest> = {}): RecentRequest => ({ atMs: AT - agoMs, status: 200, promptTokens: 412, promptEstimated: false, latencyMs: 2100, ...r });
const answered = (endpoints: Record<string, RecentRequest[]>): PickerRequests => ({ from: PICKER, answer: { perEndpoint: 32, endpoints } });

describe('requestsView: where the recent requests come from, or why there are none', () => {
  const cases: { name: string; picker: PickerRequests | undefined; address: string | undefined; title: RegExp; requests?: number }[] = [
    { name: 'no --picker: says how to get them', picker: undefined, address: '10.0.0.1:8000', title: /^Recent requests: model servers keep none; give --picker URL/ },
    { name: 'the picker failed: says why', picker: { from: PICKER, error: 'connect ECONNREFUSED' }, address: '10.0.0.1:8000', title: /^Recent requests: picker http:\/\/127\.0\.0\.1:9003\/: connect ECONNREFUSED$/ },
    { name: 'nothing routed to this replica yet', picker: answered({ 'other:1': [request(1)] }), address: '10.0.0.1:8000', title: /none routed to 10\.0\.0\.1:8000 yet$/, requests: 0 },
    { name: 'the replica has no address (no pod IP)', picker: answered({}), address: undefined, title: /none routed to this replica yet$/, requests: 0 },
    { name: "the replica's requests", picker: answered({ '10.0.0.1:8000': [request(5000), request(1000)] }), address: '10.0.0.1:8000', title: /^Recent requests \(picker .*\), newest first$/, requests: 2 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const view = requestsView(c.picker, c.address);
      assert.match(view.title, c.title);
      assert.equal(view.requests?.length, c.requests);
    });
  }
});

describe('requestLines', () => {
  it('newest first, aligned; estimated prompts marked ~, failures flagged, TTFT only where known; at most `rows`', () => {
    const view = {
      title: 't',
      requests: [
        request(200_000, { status: 0, latencyMs: 300_000 }),
        request(65_000, { status: 503, promptEstimated: true, promptTokens: 9 }),
        request(4000, { outputTokens: 128, ttftMs: 85 }),
      ],
    };
    assert.deepEqual(requestLines(view, AT, 5), [
      { text: 'AGE  STATUS  PROMPT  OUTPUT  TTFT    TOTAL', failed: false },
      { text: ' 4s     200     412     128  85ms    2.10s', failed: false },
      { text: '65s     503      ~9       -     -    2.10s', failed: true },
      { text: ' 3m  failed     412       -     -  300.00s', failed: true },
    ]);
  });
  it('rows bound the requests shown; no requests, no lines', () => {
    assert.equal(requestLines({ title: 't', requests: [request(3), request(2), request(1)] }, AT, 2).length, 3);
    assert.deepEqual(requestLines({ title: 't' }, AT, 5), []);
    assert.deepEqual(requestLines({ title: 't', requests: [] }, AT, 5), []);
  });
});

describe('pickerRequestsReader', () => {
  const cases: { name: string; page: string | Error; want: Partial<PickerRequests> }[] = [
    { name: 'a valid answer', page: JSON.stringify({ perEndpoint: 32, endpoints: { 'a:1': [request(1)] } }), want: { answer: { perEndpoint: 32, endpoints: { 'a:1': [request(1)] } } } },
    { name: 'not the picker (another JSON)', page: JSON.stringify({ status: 'ok' }), want: { error: 'not a kinfer-picker /debug/requests answer (Invalid input: expected number, received undefined)' } },
    { name: 'not JSON', page: '<html>', want: { error: "Unexpected token '<', \"<html>\" is not valid JSON" } },
    { name: 'the fetch failed', page: new Error('HTTP 404'), want: { error: 'HTTP 404' } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      let asked = '';
      const read = pickerRequestsReader(async (url) => {
        asked = url;
        if (c.page instanceof Error) throw c.page;
        return c.page;
      }, PICKER, 1000);
      assert.deepEqual(await read(), { from: PICKER, ...c.want });
      assert.equal(asked, 'http://127.0.0.1:9003/debug/requests');
    });
  }
});

describe('mergePickerRequests: one picker per pool, as one', () => {
  const A = 'http://127.0.0.1:2742/';
  const B = 'http://127.0.0.1:2744/';
  const cases: { name: string; list: PickerRequests[]; want: PickerRequests | undefined }[] = [
    { name: 'none', list: [], want: undefined },
    { name: 'one: as it is', list: [{ from: A, error: 'HTTP 404' }], want: { from: A, error: 'HTTP 404' } },
    {
      name: 'two answers: their endpoints together',
      list: [{ from: A, answer: { perEndpoint: 32, endpoints: { 'a:1': [request(1)] } } }, { from: B, answer: { perEndpoint: 16, endpoints: { 'b:1': [] } } }],
      want: { from: `${A}, ${B}`, answer: { perEndpoint: 32, endpoints: { 'a:1': [request(1)], 'b:1': [] } } },
    },
    {
      name: 'one fails: the other answers',
      list: [{ from: A, error: 'connection refused' }, { from: B, answer: { perEndpoint: 32, endpoints: {} } }],
      want: { from: B, answer: { perEndpoint: 32, endpoints: {} } },
    },
    { name: 'both fail: both errors', list: [{ from: A, error: 'x' }, { from: B, error: 'y' }], want: { from: `${A}, ${B}`, error: `${A}: x; ${B}: y` } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(mergePickerRequests(c.list), c.want));
});

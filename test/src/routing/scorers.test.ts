import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScorerPlugin } from '../../../src/routing/framework.js';
import { pluginType } from '../../../src/routing/registry.js';
import type { InferenceRequest } from '../../../src/routing/types.js';
import { anEndpoint, aRequest, contextFor, scoreTable, type EndpointBuilder } from './fixtures.js';

function scorer(type: string, parameters: unknown = {}): ScorerPlugin {
  const plugin = pluginType(type)?.create(type, parameters);
  assert.ok(plugin?.kind === 'scorer', `${type} is a scorer`);
  return plugin;
}

interface Case {
  name: string;
  type: string;
  parameters?: unknown;
  request?: InferenceRequest;
  /** Requests already routed (address, request), for plugins that learn. */
  routed?: [string, InferenceRequest][];
  endpoints: EndpointBuilder[];
  want: Record<string, number>;
}

const hashes = ['h1', 'h2', 'h3', 'h4'];

const cases: Case[] = [
  {
    name: 'queue-scorer: min-max of waiting, fewer is better',
    type: 'queue-scorer',
    endpoints: [anEndpoint('a').waiting(0), anEndpoint('b').waiting(5), anEndpoint('c').waiting(10)],
    want: { a: 1, b: 0.5, c: 0 },
  },
  {
    name: 'queue-scorer: requests sent since the scrape count as queued',
    type: 'queue-scorer',
    endpoints: [anEndpoint('a').waiting(0).sentSinceScrape(4), anEndpoint('b').waiting(2), anEndpoint('c').waiting(4)],
    want: { a: 0, b: 1, c: 0 },
  },
  {
    name: 'queue-scorer: all equal score 1',
    type: 'queue-scorer',
    endpoints: [anEndpoint('a').waiting(3), anEndpoint('b').waiting(3)],
    want: { a: 1, b: 1 },
  },
  {
    name: 'queue-scorer: stale and unscraped endpoints are the worst, not the best',
    type: 'queue-scorer',
    endpoints: [anEndpoint('a').waiting(9), anEndpoint('b').waiting(0).scrapedAgo(600), anEndpoint('c').unscraped(), anEndpoint('d').waiting(1)],
    want: { a: 0, b: 0, c: 0, d: 1 },
  },
  {
    name: 'kv-cache-utilization-scorer: 1 − KV use',
    type: 'kv-cache-utilization-scorer',
    endpoints: [anEndpoint('a').kv(0), anEndpoint('b').kv(0.25), anEndpoint('c').kv(1)],
    want: { a: 1, b: 0.75, c: 0 },
  },
  {
    name: 'kv-cache-utilization-scorer: blocks of requests sent since the scrape count as used',
    type: 'kv-cache-utilization-scorer',
    request: aRequest({ promptTokens: 1600 }), // 100 blocks of 16 tokens; 1000 blocks per endpoint
    endpoints: [anEndpoint('a').kv(0.2).sentSinceScrape(2), anEndpoint('b').kv(0.2)],
    want: { a: 0.6, b: 0.8 },
  },
  {
    name: 'kv-cache-utilization-scorer: no fresh metrics scores 0',
    type: 'kv-cache-utilization-scorer',
    endpoints: [anEndpoint('a').kv(0.1).scrapedAgo(501), anEndpoint('b').unscraped(), anEndpoint('c').metrics({ waiting: 0 })],
    want: { a: 0, b: 0, c: 0 },
  },
  {
    name: 'lora-affinity-scorer: loaded 1, room 0.8, full 0',
    type: 'lora-affinity-scorer',
    request: aRequest({ lora: 'sql' }),
    endpoints: [
      anEndpoint('loaded').metrics({ activeLoras: ['sql'], maxLoras: 1 }),
      anEndpoint('room').metrics({ activeLoras: ['chat'], maxLoras: 2 }),
      anEndpoint('full').metrics({ activeLoras: ['chat'], maxLoras: 1 }),
      anEndpoint('unknown').unscraped(),
    ],
    want: { loaded: 1, room: 0.8, full: 0, unknown: 0 },
  },
  {
    name: 'lora-affinity-scorer: a request without an adapter has no preference',
    type: 'lora-affinity-scorer',
    endpoints: [anEndpoint('a').metrics({ activeLoras: ['x'], maxLoras: 1 }), anEndpoint('b')],
    want: { a: 1, b: 1 },
  },
  {
    name: 'prefix-cache-scorer: share of the request\'s blocks recently sent there (longest leading run)',
    type: 'prefix-cache-scorer',
    request: aRequest({ prefixHashes: hashes }),
    routed: [['a', aRequest({ prefixHashes: hashes })], ['b', aRequest({ prefixHashes: ['h1', 'h2', 'x3'] })], ['c', aRequest({ prefixHashes: ['x1', 'h2', 'h3'] })]],
    endpoints: [anEndpoint('a'), anEndpoint('b'), anEndpoint('c'), anEndpoint('d')],
    want: { a: 1, b: 0.5, c: 0, d: 0 },
  },
  {
    name: 'prefix-cache-scorer: maxPrefixBlocksToMatch bounds the match',
    type: 'prefix-cache-scorer',
    parameters: { maxPrefixBlocksToMatch: 2 },
    request: aRequest({ prefixHashes: hashes }),
    routed: [['a', aRequest({ prefixHashes: ['h1', 'h2'] })], ['b', aRequest({ prefixHashes: ['h1'] })]],
    endpoints: [anEndpoint('a'), anEndpoint('b')],
    want: { a: 1, b: 0.5 },
  },
  {
    name: 'prefix-cache-scorer: a prompt shorter than a block scores 0 everywhere',
    type: 'prefix-cache-scorer',
    routed: [['a', aRequest({ prefixHashes: hashes })]],
    endpoints: [anEndpoint('a'), anEndpoint('b')],
    want: { a: 0, b: 0 },
  },
  {
    name: 'prefix-cache-scorer, maxQueuePerRunning: a queue over 2× the batch drops affinity while another replica has none',
    type: 'prefix-cache-scorer',
    parameters: { maxQueuePerRunning: 2 },
    request: aRequest({ prefixHashes: hashes }),
    routed: [['long', aRequest({ prefixHashes: hashes })], ['sent', aRequest({ prefixHashes: hashes })], ['short', aRequest({ prefixHashes: hashes })]],
    endpoints: [
      anEndpoint('long').metrics({ running: 4, waiting: 9 }), // 9 > 2 × 4
      anEndpoint('sent').metrics({ running: 4, waiting: 5 }).sentSinceScrape(4), // 5 + 4 sent since the scrape
      anEndpoint('short').metrics({ running: 4, waiting: 8 }), // 8 = 2 × 4: kept
      anEndpoint('free').metrics({ running: 2, waiting: 0 }),
    ],
    want: { long: 0, sent: 0, short: 1, free: 0 },
  },
  {
    name: 'prefix-cache-scorer, maxQueuePerRunning: every replica queued, affinity kept (past capacity the cache is worth most)',
    type: 'prefix-cache-scorer',
    parameters: { maxQueuePerRunning: 2 },
    request: aRequest({ prefixHashes: hashes }),
    routed: [['long', aRequest({ prefixHashes: hashes })]],
    endpoints: [anEndpoint('long').metrics({ running: 4, waiting: 30 }), anEndpoint('other').metrics({ running: 4, waiting: 1 })],
    want: { long: 1, other: 0 },
  },
  {
    name: 'predicted-latency-scorer: an idle replica beats a queued one; the scrape\'s queue and what was sent since both count',
    type: 'predicted-latency-scorer',
    parameters: { scaleMs: 1000 },
    request: aRequest({ promptTokens: 3000 }),
    endpoints: [
      anEndpoint('idle').metrics({ waiting: 0, running: 0, prefillTokensPerSecond: 3000 }),
      anEndpoint('queued').metrics({ waiting: 1, running: 0, prefillTokensPerSecond: 3000 }),
      anEndpoint('sent').metrics({ waiting: 0, running: 0, prefillTokensPerSecond: 3000 }).sentSinceScrape(1),
    ],
    // own prefill 1000 ms everywhere; one queued request of the same size adds 1000 ms
    want: { idle: 1, queued: 0, sent: 0 },
  },
  {
    name: 'predicted-latency-scorer: a faster replica wins in proportion to the time it saves',
    type: 'predicted-latency-scorer',
    parameters: { scaleMs: 1000 },
    request: aRequest({ promptTokens: 3000 }),
    endpoints: [
      anEndpoint('fast').metrics({ prefillTokensPerSecond: 6000 }),
      anEndpoint('slow').metrics({ prefillTokensPerSecond: 4000 }),
      anEndpoint('stale').metrics({ prefillTokensPerSecond: 60000 }).scrapedAgo(1000),
    ],
    // 500 ms vs 750 ms: 250 ms behind the best of a 1000 ms scale
    want: { fast: 1, slow: 0.75, stale: 0 },
  },
  {
    name: 'predicted-latency-scorer: a cached prefix saves its prefill',
    type: 'predicted-latency-scorer',
    parameters: { scaleMs: 1000 },
    request: aRequest({ promptTokens: 64, prefixHashes: hashes }), // 4 blocks of 16 tokens
    routed: [['warm', aRequest({ promptTokens: 64, prefixHashes: ['h1', 'h2'] })]],
    endpoints: [anEndpoint('warm').metrics({ prefillTokensPerSecond: 64, decodeTokensPerSecond: 1000 }), anEndpoint('cold').metrics({ prefillTokensPerSecond: 64, decodeTokensPerSecond: 1000 })],
    // warm: 32 tokens at 64/s = 500 ms; cold: 1000 ms
    want: { warm: 1, cold: 0.5 },
  },
  {
    name: 'predicted-latency-scorer: an unmeasured replica decoding 10× slower than the fastest is taken to prefill 10× slower',
    type: 'predicted-latency-scorer',
    parameters: { scaleMs: 1000 },
    request: aRequest({ promptTokens: 3000 }),
    endpoints: [
      anEndpoint('h100').metrics({ decodeTokensPerSecond: 200 }),
      anEndpoint('l4').metrics({ decodeTokensPerSecond: 20 }),
      anEndpoint('measured').metrics({ decodeTokensPerSecond: 20, prefillTokensPerSecond: 30_000 }),
      anEndpoint('no-decode').metrics({}),
    ],
    // h100: 3000 at the default 30,000 tokens/s = 100 ms; l4: at 30,000 × 20 / 200 = 3,000 tokens/s, 1000 ms;
    // measured: its own 30,000, 100 ms; no decode speed: the default, 100 ms
    want: { h100: 1, l4: 0.1, measured: 1, 'no-decode': 1 },
  },
  {
    name: 'predicted-latency-scorer, unmeasuredPrefill: default: every unmeasured replica at the default speed',
    type: 'predicted-latency-scorer',
    parameters: { scaleMs: 1000, unmeasuredPrefill: 'default' },
    request: aRequest({ promptTokens: 3000 }),
    endpoints: [anEndpoint('h100').metrics({ decodeTokensPerSecond: 200 }), anEndpoint('l4').metrics({ decodeTokensPerSecond: 20 })],
    want: { h100: 1, l4: 1 },
  },
  {
    name: 'predicted-latency-scorer: pushing the KV cache past its headroom is heavily penalised',
    type: 'predicted-latency-scorer',
    parameters: { scaleMs: 1000 },
    request: aRequest({ promptTokens: 1600, maxTokens: 160 }),
    endpoints: [anEndpoint('roomy').kv(0.1).metrics({ prefillTokensPerSecond: 1600 }), anEndpoint('tight').kv(0.75).metrics({ prefillTokensPerSecond: 16000 })],
    // tight: 0.75 + 110/1000 blocks > 0.8 headroom -> +5 s; roomy 1 s, tight 0.1 s + penalty
    want: { roomy: 1, tight: 0 },
  },
];

describe('routing scorers', () => {
  for (const c of cases) {
    it(c.name, () => {
      const plugin = scorer(c.type, c.parameters);
      for (const [address, request] of c.routed ?? []) plugin.onRouted?.(request, address, 0);
      const endpoints = c.endpoints.map((b) => b.build());
      const scores = plugin.score(contextFor(c.request ?? aRequest()), endpoints);
      for (const s of scores) assert.ok(Number.isFinite(s), `${c.type} gave ${s}`);
      assert.deepEqual(scoreTable(endpoints, scores), c.want);
    });
  }
});

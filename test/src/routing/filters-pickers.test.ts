import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FilterPlugin, PickerPlugin } from '../../../src/routing/framework.js';
import { pluginType } from '../../../src/routing/registry.js';
import { mulberry32 } from '../../../bench/lib/prng.js';
import { anEndpoint, aRequest, contextFor, type EndpointBuilder } from './fixtures.js';

function saturation(parameters: unknown = {}): FilterPlugin {
  const plugin = pluginType('saturation-filter')?.create('s', parameters);
  assert.ok(plugin?.kind === 'filter');
  return plugin;
}

function picker(type: string): PickerPlugin {
  const plugin = pluginType(type)?.create(type, {});
  assert.ok(plugin?.kind === 'picker');
  return plugin;
}

describe('saturation-filter', () => {
  const cases: { name: string; endpoints: EndpointBuilder[]; kept: string[] }[] = [
    { name: 'drops endpoints over the queue threshold (5)', endpoints: [anEndpoint('a').waiting(6), anEndpoint('b').waiting(5)], kept: ['b'] },
    { name: 'counts requests sent since the scrape', endpoints: [anEndpoint('a').waiting(3).sentSinceScrape(3), anEndpoint('b').waiting(0)], kept: ['b'] },
    { name: 'drops endpoints over the KV threshold (0.8)', endpoints: [anEndpoint('a').kv(0.85), anEndpoint('b').kv(0.5)], kept: ['b'] },
    { name: 'drops stale and unscraped endpoints', endpoints: [anEndpoint('a').scrapedAgo(900), anEndpoint('b').unscraped(), anEndpoint('c')], kept: ['c'] },
    { name: 'keeps every endpoint when all are saturated', endpoints: [anEndpoint('a').waiting(9), anEndpoint('b').kv(0.99)], kept: ['a', 'b'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const kept = saturation().filter(contextFor(aRequest()), c.endpoints.map((b) => b.build()));
      assert.deepEqual(kept.map((e) => e.address), c.kept);
    });
  }
  it('takes its thresholds from parameters', () => {
    const kept = saturation({ queueDepthThreshold: 0, kvCacheUtilThreshold: 0.3 }).filter(contextFor(), [anEndpoint('a').waiting(1).build(), anEndpoint('b').kv(0.4).build(), anEndpoint('c').kv(0.2).build()]);
    assert.deepEqual(kept.map((e) => e.address), ['c']);
  });
});

describe('pickers', () => {
  const endpoints = ['a', 'b', 'c', 'd'].map((a) => anEndpoint(a).build());

  it('max-score-picker takes the highest score', () => {
    assert.equal(picker('max-score-picker').pick(contextFor(), endpoints, [0.1, 0.9, 0.3, 0.2])?.address, 'b');
  });

  it('max-score-picker breaks ties at random, seeded, never always the first', () => {
    const rng = mulberry32(42);
    const ctx = { ...contextFor(), random: rng };
    const counts: Record<string, number> = {};
    for (let i = 0; i < 3000; i++) {
      const chosen = picker('max-score-picker').pick(ctx, endpoints, [0.5, 0.2, 0.5, 0.5])?.address as string;
      counts[chosen] = (counts[chosen] ?? 0) + 1;
    }
    assert.deepEqual(Object.keys(counts).sort(), ['a', 'c', 'd']);
    for (const n of Object.values(counts)) assert.ok(n > 850 && n < 1150, `tie counts ${JSON.stringify(counts)}`);
    // The same seed gives the same choices.
    const again = mulberry32(42);
    const first = Array.from({ length: 20 }, () => picker('max-score-picker').pick({ ...contextFor(), random: again }, endpoints, [1, 1, 1, 1])?.address);
    const again2 = mulberry32(42);
    const second = Array.from({ length: 20 }, () => picker('max-score-picker').pick({ ...contextFor(), random: again2 }, endpoints, [1, 1, 1, 1])?.address);
    assert.deepEqual(first, second);
  });

  it('random-picker chooses uniformly and ignores scores', () => {
    const ctx = { ...contextFor(), random: mulberry32(7) };
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(picker('random-picker').pick(ctx, endpoints, [1, 0, 0, 0])?.address as string);
    assert.deepEqual([...seen].sort(), ['a', 'b', 'c', 'd']);
  });

  it('pickers choose none from no candidates', () => {
    assert.equal(picker('max-score-picker').pick(contextFor(), [], []), undefined);
    assert.equal(picker('random-picker').pick(contextFor(), [], []), undefined);
  });
});

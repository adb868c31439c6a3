import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32 } from '../../../bench/lib/prng.js';
import { DEFAULT_CONFIG_YAML, KINFER_CONFIG_YAML, parsePickerConfig, type PickerConfig } from '../../../src/routing/config.js';
import { RoutingScheduler } from '../../../src/routing/scheduler.js';
import { blockHashes } from '../../../src/routing/prefix.js';
import type { Endpoint } from '../../../src/routing/types.js';
import { anEndpoint, aRequest, NOW_MS } from './fixtures.js';

function config(yaml: string): PickerConfig {
  const result = parsePickerConfig(yaml);
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.value;
}

const picker = (yaml: string, seed = 1): RoutingScheduler => new RoutingScheduler(config(yaml), { random: mulberry32(seed), nowMs: () => NOW_MS });

describe('RoutingScheduler', () => {
  it('weights clamped scores and returns them by address', () => {
    const result = picker(DEFAULT_CONFIG_YAML).pick(aRequest(), [anEndpoint('a').waiting(0).kv(0.5).build(), anEndpoint('b').waiting(4).kv(0).build()]);
    assert.equal(result.endpoint?.address, 'a');
    assert.equal(result.profile, 'default');
    // queue 2 × {1, 0} + kv 2 × {0.5, 1} + prefix 3 × 0
    assert.deepEqual([...result.scores], [['a', 3], ['b', 2]]);
  });

  it('says why when there is nothing to pick', () => {
    const result = picker(DEFAULT_CONFIG_YAML).pick(aRequest(), []);
    assert.equal(result.endpoint, undefined);
    assert.equal(result.reason, 'the pool has no endpoints');
  });

  it('treats stale and missing metrics as unknown, never as idle', () => {
    for (const yaml of [DEFAULT_CONFIG_YAML, KINFER_CONFIG_YAML]) {
      const p = picker(yaml);
      for (let i = 0; i < 50; i++) {
        const result = p.pick(aRequest(), [
          anEndpoint('stale-idle').waiting(0).kv(0).scrapedAgo(5000).build(),
          anEndpoint('never-scraped').unscraped().build(),
          anEndpoint('busy').waiting(3).kv(0.6).metrics({ running: 20 }).build(),
        ]);
        assert.equal(result.endpoint?.address, 'busy');
      }
    }
  });

  it('spreads a burst between two scrapes by counting what it sent (in-flight accounting)', () => {
    for (const yaml of [DEFAULT_CONFIG_YAML, KINFER_CONFIG_YAML]) {
      const p = picker(yaml, 5);
      const sent = new Map<string, number>();
      const metrics = { waiting: 0, running: 4, kvCacheUsage: 0.3, numGpuBlocks: 2000, blockSize: 16, scrapedAtMs: NOW_MS };
      for (let i = 0; i < 10; i++) {
        const endpoints: Endpoint[] = ['a', 'b', 'c', 'd', 'e'].map((address) => ({ address, metrics, sentSinceScrape: sent.get(address) ?? 0, inFlight: sent.get(address) ?? 0 }));
        const request = aRequest({ promptTokens: 500 });
        const chosen = p.pick(request, endpoints).endpoint?.address as string;
        p.onRouted(request, chosen);
        sent.set(chosen, (sent.get(chosen) ?? 0) + 1);
      }
      assert.ok(Math.max(...sent.values()) <= 3, `burst landed unevenly: ${JSON.stringify(Object.fromEntries(sent))}`);
      assert.equal(sent.size, 5);
    }
  });

  it('without the sent counts the same burst herds onto one endpoint (the trap the accounting avoids)', () => {
    const p = picker(KINFER_CONFIG_YAML, 5);
    const endpoints: Endpoint[] = ['a', 'b', 'c'].map((address, i) => ({ address, metrics: { waiting: 0, running: 4, kvCacheUsage: 0.3 + i * 0.01, numGpuBlocks: 2000, blockSize: 16, scrapedAtMs: NOW_MS }, sentSinceScrape: 0, inFlight: 0 }));
    const chosen = new Set(Array.from({ length: 10 }, () => p.pick(aRequest({ promptTokens: 500 }), endpoints).endpoint?.address));
    assert.deepEqual([...chosen], ['a']);
  });

  // The graded case: two replicas of 4 sequence slots, one with 3 busy, one idle, 60 requests sharing a system
  // prompt, a scrape every 2 requests (the replica admits up to 4 and queues the rest; nothing finishes). A prefix
  // score that ignores load keeps the whole stream on whichever replica got the first request, however long its
  // queue: the reference profile does exactly that. kinfer's drops the affinity of a replica that shows a queue.
  const graded = (yaml: string): { counts: Record<string, number>; waiting: Record<string, number> } => {
    const p = picker(yaml, 3);
    const slots = 4;
    const state: Record<string, { running: number; waiting: number; sent: number }> = { busy: { running: 3, waiting: 0, sent: 0 }, idle: { running: 0, waiting: 0, sent: 0 } };
    const counts: Record<string, number> = { busy: 0, idle: 0 };
    const shared = 'You are a careful assistant. '.repeat(40);
    for (let i = 0; i < 60; i++) {
      const endpoints = Object.entries(state).map(([address, s]) => anEndpoint(address).kv(0, 1024).metrics({ running: s.running, waiting: s.waiting }).sentSinceScrape(s.sent).build());
      const text = `${shared}question ${i}`;
      const request = aRequest({ promptTokens: text.length / 4, maxTokens: 100, prefixHashes: blockHashes(text, p.prefixBlockSize, 'm') });
      const chosen = p.pick(request, endpoints).endpoint!.address;
      p.onRouted(request, chosen);
      counts[chosen]! += 1;
      state[chosen]!.sent += 1;
      if (i % 2 === 1) {
        for (const s of Object.values(state)) {
          const total = s.running + s.waiting + s.sent;
          Object.assign(s, { running: Math.min(slots, total), waiting: Math.max(0, total - slots), sent: 0 });
        }
      }
    }
    return { counts, waiting: Object.fromEntries(Object.entries(state).map(([a, s]) => [a, s.waiting])) };
  };

  it('graded case: kinfer uses the free slot and splits the queue instead of herding on a prefix', () => {
    const { counts, waiting } = graded(KINFER_CONFIG_YAML);
    assert.ok(counts.busy! >= 1 && counts.idle! >= 1, JSON.stringify(counts));
    assert.ok(Math.abs(waiting.busy! - waiting.idle!) <= 4, `queues ${JSON.stringify(waiting)}`);
  });

  it('graded case: the reference profile herds the whole stream onto one replica (what kinfer avoids)', () => {
    const { counts } = graded(DEFAULT_CONFIG_YAML);
    assert.equal(Math.max(counts.busy!, counts.idle!), 60, JSON.stringify(counts));
  });

  it('learns prefixes from onRouted and follows them', () => {
    const p = picker(DEFAULT_CONFIG_YAML);
    const text = 'You are a helpful assistant. '.repeat(40);
    const request = aRequest({ promptTokens: 300, prefixHashes: blockHashes(text, p.prefixBlockSize, 'm') });
    const endpoints = ['a', 'b', 'c'].map((a) => anEndpoint(a).waiting(0).kv(0.2).build());
    p.onRouted(request, 'c');
    for (let i = 0; i < 10; i++) assert.equal(p.pick(request, endpoints).endpoint?.address, 'c');
  });

  it('runs the profile it is told to, and the first by default', () => {
    const yaml = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: queue-scorer
- type: kv-cache-utilization-scorer
schedulingProfiles:
- name: by-queue
  plugins: [{pluginRef: queue-scorer}]
- name: by-kv
  plugins: [{pluginRef: kv-cache-utilization-scorer}]
`;
    const endpoints = [anEndpoint('short-queue').waiting(0).kv(0.9).build(), anEndpoint('free-kv').waiting(5).kv(0.1).build()];
    assert.equal(new RoutingScheduler(config(yaml), { nowMs: () => NOW_MS }).pick(aRequest(), endpoints).endpoint?.address, 'short-queue');
    const byKv = new RoutingScheduler(config(yaml), { nowMs: () => NOW_MS, profile: 'by-kv' });
    assert.equal(byKv.profile, 'by-kv');
    assert.equal(byKv.pick(aRequest(), endpoints).endpoint?.address, 'free-kv');
    assert.throws(() => new RoutingScheduler(config(yaml), { profile: 'nope' }), RangeError);
  });

  it('a filter that leaves nothing is a reason, not an exception', () => {
    const yaml = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: saturation-filter
schedulingProfiles:
- name: p
  plugins: [{pluginRef: saturation-filter}]
`;
    const result = new RoutingScheduler(config(yaml), { nowMs: () => NOW_MS }).pick(aRequest(), [anEndpoint('a').waiting(99).build()]);
    assert.equal(result.endpoint?.address, 'a'); // all saturated: kept
  });
});

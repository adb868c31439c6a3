import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KINFER_CONFIG_YAML, parsePickerConfig } from '../../../src/routing/config.js';
import { sharesPrefixIndex, type Plugin, type ScorerPlugin } from '../../../src/routing/framework.js';
import { sharePrefixIndexes } from '../../../src/routing/scheduler.js';
import { blockHashes } from '../../../src/routing/prefix.js';
import { pluginType } from '../../../src/routing/registry.js';
import { mulberry32 } from '../../../src/random.js';
import type { InferenceRequest } from '../../../src/routing/types.js';
import { anEndpoint, aRequest, contextFor, NOW_MS } from './fixtures.js';

// RoutingScheduler gives prefix plugins whose indexes would be equal one index (picker.ts, sharePrefixIndexes). Shared
// or not, every plugin must score exactly as with an index of its own.

const HEADER = 'apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\n';

/** A config of these plugins (`name: type {parameters}`), one profile scoring with all of them. */
function yamlOf(plugins: [string, string, string?][]): string {
  const list = plugins.map(([name, type, params]) => `- name: ${name}\n  type: ${type}\n  parameters: ${params ?? '{}'}\n`).join('');
  const refs = plugins.map(([name]) => `  - pluginRef: ${name}\n`).join('');
  return `${HEADER}plugins:\n${list}schedulingProfiles:\n- name: p\n  plugins:\n${refs}`;
}

function pluginsOf(yaml: string): Plugin[] {
  const config = parsePickerConfig(yaml);
  assert.ok(config.ok, config.ok ? '' : config.error);
  return config.value.plugins.map((p) => pluginType(p.type)?.create(p.name, p.parameters) as Plugin);
}

interface Case {
  name: string;
  yaml: string;
  /** Groups of plugin names holding one index (plugins alone in theirs are left out). */
  shared: string[][];
  /** The order onRouted runs in. */
  routedOrder: string[];
}

const cases: Case[] = [
  {
    name: "kinfer's profile: predicted-latency learns, prefix-cache adopts and is told first",
    yaml: KINFER_CONFIG_YAML,
    shared: [['predicted-latency-scorer', 'prefix-cache-scorer']],
    routedOrder: ['kv-cache-utilization-scorer', 'prefix-cache-scorer', 'max-score-picker', 'single-profile-handler', 'predicted-latency-scorer'],
  },
  {
    name: 'prefix-cache listed first: it learns, predicted-latency reads before it adds',
    yaml: yamlOf([['prefix', 'prefix-cache-scorer'], ['latency', 'predicted-latency-scorer'], ['kv', 'kv-cache-utilization-scorer']]),
    shared: [['prefix', 'latency']],
    routedOrder: ['latency', 'kv', 'prefix'],
  },
  {
    name: 'two prefix-cache scorers alike (different names) share',
    yaml: yamlOf([['p1', 'prefix-cache-scorer', '{lruCapacityPerServer: 50}'], ['p2', 'prefix-cache-scorer', '{lruCapacityPerServer: 50}']]),
    shared: [['p1', 'p2']],
    routedOrder: ['p2', 'p1'],
  },
  {
    name: 'different capacities do not share',
    yaml: yamlOf([['latency', 'predicted-latency-scorer', '{lruCapacityPerServer: 40}'], ['prefix', 'prefix-cache-scorer', '{lruCapacityPerServer: 50}']]),
    shared: [],
    routedOrder: ['latency', 'prefix'],
  },
  {
    name: 'different maxPrefixBlocksToMatch do not share',
    yaml: yamlOf([['latency', 'predicted-latency-scorer', '{maxPrefixBlocksToMatch: 3}'], ['prefix', 'prefix-cache-scorer']]),
    shared: [],
    routedOrder: ['latency', 'prefix'],
  },
  {
    name: 'autoTune (capacity learned per server) does not share',
    yaml: yamlOf([['latency', 'predicted-latency-scorer'], ['prefix', 'prefix-cache-scorer', '{autoTune: true}']]),
    shared: [],
    routedOrder: ['latency', 'prefix'],
  },
  {
    name: 'of three, the two alike share',
    yaml: yamlOf([['p1', 'prefix-cache-scorer', '{lruCapacityPerServer: 30}'], ['latency', 'predicted-latency-scorer', '{lruCapacityPerServer: 30}'], ['p2', 'prefix-cache-scorer']]),
    shared: [['p1', 'latency']],
    routedOrder: ['latency', 'p2', 'p1'],
  },
];

/** Requests over a few shared prefixes (block size 16), seeded: chains that overlap, diverge and evict. */
function requests(count: number, seed: number): InferenceRequest[] {
  const rng = mulberry32(seed);
  const stems = Array.from({ length: 4 }, (_, i) => `system prompt ${i} `.repeat(6));
  return Array.from({ length: count }, () => {
    const text = `${stems[Math.floor(rng() * stems.length)]}${'user turn '.repeat(Math.floor(rng() * 12))}${Math.floor(rng() * 5)}`;
    return aRequest({ promptTokens: Math.ceil(text.length / 4), prefixHashes: blockHashes(text, 16, 'm') });
  });
}

describe('prefix index sharing', () => {
  for (const c of cases) {
    it(`${c.name}: who shares, in which order they learn`, () => {
      const plugins = pluginsOf(c.yaml);
      const order = sharePrefixIndexes(plugins);
      assert.deepEqual(order.map((p) => p.name), c.routedOrder);
      const byName = new Map(plugins.map((p) => [p.name, p]));
      const indexOf = (name: string): unknown => {
        const p = byName.get(name);
        assert.ok(p !== undefined && sharesPrefixIndex(p), name);
        return p.index;
      };
      const sharing = plugins.filter(sharesPrefixIndex);
      for (const group of c.shared) for (const name of group) assert.equal(indexOf(name), indexOf(group[0] as string), `${name} shares ${group[0]}'s index`);
      const grouped = new Set(c.shared.flat());
      for (const p of sharing) if (!grouped.has(p.name)) assert.equal(sharing.filter((o) => o.index === p.index).length, 1, `${p.name} keeps its own index`);
    });

    it(`${c.name}: scores as with an index of its own`, () => {
      const own = pluginsOf(c.yaml);
      const shared = pluginsOf(c.yaml);
      const sharedOrder = sharePrefixIndexes(shared);
      const endpoints = ['a', 'b', 'c', 'd'].map((address, i) => anEndpoint(address).kv(0.1 + 0.2 * i, 400).metrics({ running: i, waiting: i % 2, prefillTokensPerSecond: 2000 + 500 * i }).build());
      const rng = mulberry32(7);
      const scorers = (plugins: Plugin[]): ScorerPlugin[] => plugins.filter((p): p is ScorerPlugin => p.kind === 'scorer');
      for (const [n, request] of requests(300, 3).entries()) {
        const ctx = contextFor(request);
        const want = scorers(own).map((p) => p.score(ctx, endpoints));
        const got = scorers(shared).map((p) => p.score(ctx, endpoints));
        assert.deepEqual(got, want, `request ${n}`);
        const address = (endpoints[Math.floor(rng() * endpoints.length)] as { address: string }).address;
        for (const p of own) p.onRouted?.(request, address, NOW_MS);
        for (const p of sharedOrder) p.onRouted?.(request, address, NOW_MS);
      }
    });
  }
});

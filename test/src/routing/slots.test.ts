import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG_YAML, KINFER_CONFIG_YAML, parsePickerConfig, type PickerConfig } from '../../../src/routing/config.js';
import { SLOT_EVIDENCE_MS, SlotTracker, type ScorerPlugin } from '../../../src/routing/framework.js';
import { PredictedLatencyScorer } from '../../../src/routing/plugins/predicted-latency-scorer.js';
import { pluginType } from '../../../src/routing/registry.js';
import { RoutingScheduler } from '../../../src/routing/scheduler.js';
import type { Endpoint, EndpointMetrics } from '../../../src/routing/types.js';
import { anEndpoint, aRequest, contextFor, NOW_MS, scoreTable } from './fixtures.js';

/** One scrape: at `atMs`, `running` admitted, `waiting` queued, KV use `kv`. */
const scrape = (atMs: number, running: number, waiting: number, kv = 0.1): EndpointMetrics => ({ scrapedAtMs: atMs, running, waiting, kvCacheUsage: kv });
/** A queue at `running` that forms at `fromMs`, lasts `forMs` (scrapes every 100 ms), then drains. */
const queue = (fromMs: number, forMs: number, running: number, kv = 0.1): EndpointMetrics[] => [
  ...Array.from({ length: forMs / 100 + 1 }, (_, i) => scrape(fromMs + i * 100, running, 2, kv)),
  scrape(fromMs + forMs + 100, running - 1, 0, kv),
];

describe('SlotTracker: sequence slots learned from scrapes', () => {
  const cases: { name: string; scrapes: EndpointMetrics[]; want: number | undefined }[] = [
    { name: 'three queues forming at the same batch: the batch is the slots', scrapes: [...queue(0, 300, 4), ...queue(1000, 300, 4), ...queue(2000, 300, 4)], want: 4 },
    { name: `one queue lasting ${SLOT_EVIDENCE_MS} ms at the largest batch`, scrapes: queue(0, SLOT_EVIDENCE_MS, 4), want: 4 },
    { name: 'one queue through a long engine step (1 s) is no evidence', scrapes: queue(0, 1000, 4), want: undefined },
    { name: 'two queues are not enough', scrapes: [...queue(0, 300, 4), ...queue(1000, 300, 4)], want: undefined },
    { name: 'queues with the KV cache half full: blocks ran short, not slots', scrapes: [...queue(0, 300, 4, 0.6), ...queue(1000, 300, 4, 0.6), ...queue(2000, SLOT_EVIDENCE_MS, 4, 0.6)], want: undefined },
    { name: 'queues below the largest batch seen teach nothing', scrapes: [scrape(0, 8, 0), ...queue(100, 300, 4), ...queue(1000, 300, 4), ...queue(2000, 300, 4)], want: undefined },
    { name: 'a larger batch after learning unlearns', scrapes: [...queue(0, SLOT_EVIDENCE_MS, 4), scrape(9000, 6, 0)], want: undefined },
    { name: 'no queue, no slots', scrapes: Array.from({ length: 100 }, (_, i) => scrape(i * 100, 4, 0)), want: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const tracker = new SlotTracker();
      let slots: number | undefined;
      // Every scrape is read by several picks, as between two scrapes of a busy picker: one scrape counts once.
      for (const m of c.scrapes) for (let pick = 0; pick < 3; pick++) slots = tracker.observe(m, 'e');
      assert.equal(slots, c.want);
    });
  }
});

/** The tracker a scheduler would hold after picks that read the given scrapes of `slow`, one scrape per pick. */
function afterScrapes(history: readonly EndpointMetrics[]): SlotTracker {
  const tracker = new SlotTracker();
  for (const m of history) tracker.observe(m, 'slow');
  return tracker;
}
const learned = queue(NOW_MS - 3000 - SLOT_EVIDENCE_MS, SLOT_EVIDENCE_MS, 4);

describe('prefix-cache-scorer, yieldWhenSlotsTaken: affinity to a replica with every slot taken yields to a free slot', () => {
  const hashes = ['h1', 'h2', 'h3', 'h4'];
  const cases: { name: string; yieldWhenSlotsTaken: boolean; history: EndpointMetrics[]; slow: { running: number; waiting: number; sent?: number }; other: { running: number; waiting: number }; want: Record<string, number> }[] = [
    { name: 'slots taken, another has one free: 0', yieldWhenSlotsTaken: true, history: learned, slow: { running: 4, waiting: 0 }, other: { running: 2, waiting: 0 }, want: { slow: 0, other: 0 } },
    { name: 'the last slot taken by a request sent since the scrape: 0', yieldWhenSlotsTaken: true, history: learned, slow: { running: 3, waiting: 0, sent: 1 }, other: { running: 2, waiting: 0 }, want: { slow: 0, other: 0 } },
    { name: 'a slot still free: kept', yieldWhenSlotsTaken: true, history: learned, slow: { running: 3, waiting: 0 }, other: { running: 2, waiting: 0 }, want: { slow: 1, other: 0 } },
    { name: 'every replica full (past capacity): kept', yieldWhenSlotsTaken: true, history: learned, slow: { running: 4, waiting: 3 }, other: { running: 4, waiting: 1 }, want: { slow: 1, other: 0 } },
    { name: 'no slots learned (a KV-bound replica): kept, whatever its queue', yieldWhenSlotsTaken: true, history: [], slow: { running: 4, waiting: 3 }, other: { running: 2, waiting: 0 }, want: { slow: 1, other: 0 } },
    { name: 'off (upstream\'s scorer): kept', yieldWhenSlotsTaken: false, history: learned, slow: { running: 4, waiting: 3 }, other: { running: 2, waiting: 0 }, want: { slow: 1, other: 0 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plugin = pluginType('prefix-cache-scorer')?.create('p', pluginType('prefix-cache-scorer')?.parameters.parse({ yieldWhenSlotsTaken: c.yieldWhenSlotsTaken })) as ScorerPlugin;
      const slots = afterScrapes(c.history);
      plugin.onRouted?.(aRequest({ prefixHashes: hashes }), 'slow', 0);
      const endpoints = [
        anEndpoint('slow').kv(0.1).metrics({ running: c.slow.running, waiting: c.slow.waiting }).sentSinceScrape(c.slow.sent ?? 0).build(),
        anEndpoint('other').kv(0.1).metrics(c.other).build(),
      ];
      assert.deepEqual(scoreTable(endpoints, plugin.score(contextFor(aRequest({ prefixHashes: hashes }), undefined, slots), endpoints)), c.want);
    });
  }
});

describe('predicted-latency-scorer, learnSlots: a replica with every slot taken is queued though it reports no queue', () => {
  // An L4-like replica: 14 tokens/s per sequence (71 ms steps), 4 slots learned, 4 running, none waiting.
  const params = (learnSlots: boolean) => pluginType('predicted-latency-scorer')?.parameters.parse({ learnSlots }) as ConstructorParameters<typeof PredictedLatencyScorer>[1];
  const full = anEndpoint('slow').kv(0.1, 2048).metrics({ running: 4, waiting: 0, decodeTokensPerSecond: 14, prefillTokensPerSecond: 3770 }).build();
  const cases: { name: string; learnSlots: boolean; history: EndpointMetrics[]; wantBlockedMs: number }[] = [
    // blocked: (0 ahead + 1) × 256 mean output tokens × (1000 / 14) ms / 4 running ≈ 4,571 ms
    { name: 'slots learned and taken: it waits for a running request to finish', learnSlots: true, history: learned, wantBlockedMs: (256 * (1000 / 14)) / 4 },
    { name: 'no slots learned: only a scraped queue counts', learnSlots: true, history: [], wantBlockedMs: 0 },
    { name: 'learnSlots off', learnSlots: false, history: learned, wantBlockedMs: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plugin = new PredictedLatencyScorer('pl', params(c.learnSlots));
      const baseline = new PredictedLatencyScorer('pl', params(false));
      const ctx = contextFor(aRequest({ promptTokens: 377 }), undefined, afterScrapes(c.history));
      const got = (plugin.predictTtftMs(ctx, full) as number) - (baseline.predictTtftMs(ctx, full) as number);
      assert.ok(Math.abs(got - c.wantBlockedMs) < 1, `blocked term ${got.toFixed(1)} ms, want ${c.wantBlockedMs.toFixed(1)} ms`);
    });
  }
});

describe('RoutingScheduler: one SlotTracker, fed from the scrapes of its picks, read by every plugin', () => {
  const config = (yaml: string): PickerConfig => {
    const result = parsePickerConfig(yaml);
    assert.ok(result.ok, result.ok ? '' : result.error);
    return result.value;
  };
  // kinfer's profile behind a saturation filter that drops a replica with any queue: while `slow` queues it is never a
  // candidate, so no scorer sees it; the scheduler learns its slots all the same.
  const filtered = KINFER_CONFIG_YAML.replace('plugins:\n- type: predicted-latency-scorer', 'plugins:\n- type: saturation-filter\n  parameters:\n    queueDepthThreshold: 0\n- type: predicted-latency-scorer')
    .replace('  plugins:\n  - pluginRef: predicted-latency-scorer', '  plugins:\n  - pluginRef: saturation-filter\n  - pluginRef: predicted-latency-scorer');
  const hashes = ['h1', 'h2', 'h3', 'h4'];
  const other = (atMs: number): Endpoint => ({ address: 'other', metrics: { scrapedAtMs: atMs, running: 2, waiting: 0, kvCacheUsage: 0.1, numGpuBlocks: 2048, blockSize: 16 }, sentSinceScrape: 0, inFlight: 0 });
  /** Picks on the scheduler through `slow`'s scrapes, then the verdict with `slow` full (4 running, none waiting) and its prefix cached. */
  const choose = (yaml: string, history: readonly EndpointMetrics[]): { chosen: string | undefined; slots: number | undefined } => {
    let now = 0;
    const scheduler = new RoutingScheduler(config(yaml), { random: () => 0.5, nowMs: () => now });
    for (const m of history) {
      now = m.scrapedAtMs;
      scheduler.pick(aRequest(), [{ address: 'slow', metrics: { ...m, numGpuBlocks: 2048, blockSize: 16 }, sentSinceScrape: 0, inFlight: 0 }, other(now)]);
    }
    now = NOW_MS;
    scheduler.onRouted(aRequest({ prefixHashes: hashes }), 'slow');
    const slow: Endpoint = { address: 'slow', metrics: { scrapedAtMs: NOW_MS, running: 4, waiting: 0, kvCacheUsage: 0.1, numGpuBlocks: 2048, blockSize: 16 }, sentSinceScrape: 0, inFlight: 0 };
    const result = scheduler.pick(aRequest({ prefixHashes: hashes }), [slow, other(NOW_MS)]);
    return { chosen: result.endpoint?.address, slots: scheduler.slots.slotsOf('slow') };
  };
  const cases: { name: string; yaml: string; history: EndpointMetrics[]; want: { chosen: string; slots: number | undefined } }[] = [
    { name: 'no queue seen: no slots, the cached prefix keeps the request on slow', yaml: KINFER_CONFIG_YAML, history: [], want: { chosen: 'slow', slots: undefined } },
    { name: 'slots learned from the picks: the free slot wins over the cached prefix', yaml: KINFER_CONFIG_YAML, history: learned, want: { chosen: 'other', slots: 4 } },
    { name: 'learned while a filter kept slow from every scorer', yaml: filtered, history: learned, want: { chosen: 'other', slots: 4 } },
    // The reference profile reads no slots, so its picks spend nothing learning them; the prefix keeps slow.
    { name: 'a profile that reads no slots learns none', yaml: DEFAULT_CONFIG_YAML, history: learned, want: { chosen: 'slow', slots: undefined } },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(choose(c.yaml, c.history), c.want));
  }
});

import type { PrefixIndex } from './prefix.js';
import type { Endpoint, EndpointMetrics, InferenceRequest } from './types.js';

// The routing framework, shaped like the Gateway API Inference Extension EPP's (pkg/epp/scheduling/framework):
// a scheduling profile runs filters (drop endpoints), then scorers (each gives every candidate a score in [0,1];
// the run loop clamps and weights them in one place, picker.ts), then one picker (chooses from the weighted
// scores). Plugins import this file; this file imports no plugin; registry.ts is the only file that knows them all.

/** One decision's inputs, shared by every plugin of the profile. */
export interface PickContext {
  readonly request: InferenceRequest;
  /** The picker's clock now (ms), for staleness. */
  readonly nowMs: number;
  /** Metrics older than this are unknown (scored as the worst, never as the best). */
  readonly metricsStalenessMs: number;
  /** Uniform in [0,1); the only randomness a plugin may use (seeded in tests and benchmarks). */
  readonly random: () => number;
  /**
   * Sequence slots learned per endpoint: the scheduler's one SlotTracker, fed with every fresh scrape before a pick
   * when a plugin of the profile reads it (`readsSlots`); empty otherwise.
   */
  readonly slots: SlotView;
}

export type PluginKind = 'filter' | 'scorer' | 'picker' | 'profile-handler';

interface PluginBase {
  /** The type name as it appears in EndpointPickerConfig (`queue-scorer`). */
  readonly type: string;
  /** The instance name (`plugins[].name`), which profiles reference. */
  readonly name: string;
  /** Reads PickContext.slots: the scheduler learns slots only for a profile that has such a plugin. */
  readonly readsSlots?: boolean;
  /**
   * Called after a request was sent to `address`, at `nowMs` on the picker's clock (plugins that learn, like the
   * prefix index). Plugins without state leave it out.
   */
  onRouted?(request: InferenceRequest, address: string, nowMs: number): void;
}

/** Keeps the endpoints a request may go to. Returning none means no endpoint can serve it. */
export interface FilterPlugin extends PluginBase {
  readonly kind: 'filter';
  filter(ctx: PickContext, endpoints: readonly Endpoint[]): readonly Endpoint[];
}

/** Scores every candidate in [0,1], higher is better; returns one score per endpoint, in order. */
export interface ScorerPlugin extends PluginBase {
  readonly kind: 'scorer';
  score(ctx: PickContext, endpoints: readonly Endpoint[]): readonly number[];
}

/** Chooses one endpoint from the candidates and their weighted scores (aligned arrays); undefined when empty. */
export interface PickerPlugin extends PluginBase {
  readonly kind: 'picker';
  pick(ctx: PickContext, endpoints: readonly Endpoint[], scores: readonly number[]): Endpoint | undefined;
}

/** Chooses the profile to run. kinfer runs one profile per decision; `single-profile-handler` is accepted as such. */
export interface ProfileHandlerPlugin extends PluginBase {
  readonly kind: 'profile-handler';
}

export type Plugin = FilterPlugin | ScorerPlugin | PickerPlugin | ProfileHandlerPlugin;

/**
 * A plugin keeping a prefix index that another plugin's may equal (prefix-cache-scorer, predicted-latency-scorer).
 * RoutingScheduler gives plugins with the same `prefixIndexKey` one index: the first keeps its own and learns into it,
 * the others adopt it and stop learning. The picker runs the learner's onRouted after theirs, so that they still see
 * the index as it was before the request, as they would see their own.
 */
export interface PrefixIndexSharing {
  /**
   * Equal keys mean equal indexes: the same hashes learned at the same capacity from every onRouted. Undefined when
   * this plugin's index is its own (e.g. a capacity learned per server).
   */
  readonly prefixIndexKey: string | undefined;
  readonly index: PrefixIndex;
  /** Reads `index` from now on, which another plugin learns into; this plugin's onRouted no longer adds to any. */
  adoptPrefixIndex(index: PrefixIndex): void;
}

export function sharesPrefixIndex(plugin: Plugin): plugin is Plugin & PrefixIndexSharing {
  return 'adoptPrefixIndex' in plugin;
}

export { clamp01 } from '../score.js';

/** The endpoint's metrics if it has some and they are fresh; undefined means unknown (score it as the worst). */
export function freshMetrics(ctx: PickContext, endpoint: Endpoint): EndpointMetrics | undefined {
  const m = endpoint.metrics;
  if (m === undefined) return undefined;
  if (ctx.nowMs - m.scrapedAtMs > ctx.metricsStalenessMs) return undefined;
  return m;
}

/**
 * Queue depth as the picker should see it: the scraped queue plus what it sent since that scrape. Between two
 * scrapes every request sees the same numbers; without this term a burst lands on one replica (DESIGN.md, "Two traps").
 */
export function effectiveWaiting(metrics: EndpointMetrics, endpoint: Endpoint): number {
  return (metrics.waiting ?? 0) + Math.max(0, endpoint.sentSinceScrape);
}

/**
 * KV use as the picker should see it: the scraped use plus the blocks of the requests sent since, each estimated
 * at `blocksPerRequest` (the caller's estimate; the current request's size is a fair one). Without `numGpuBlocks`
 * the scraped figure is all there is.
 */
export function effectiveKvUsage(metrics: EndpointMetrics, endpoint: Endpoint, blocksPerRequest: number): number {
  const used = metrics.kvCacheUsage ?? 0;
  const blocks = metrics.numGpuBlocks;
  if (blocks === undefined || !(blocks > 0)) return used;
  return used + (Math.max(0, endpoint.sentSinceScrape) * Math.max(0, blocksPerRequest)) / blocks;
}

/**
 * KV use below which a queue means slots ran short, not blocks: half the cache free. A KV-bound vLLM queues the
 * next prompt once its blocks do not fit, which happens well below a full cache when prompts are long.
 */
export const SLOT_KV_ROOM = 0.5;

/**
 * Evidence that the most requests ever seen running is the slot count: a queue formed there this many separate
 * times, or one lasted SLOT_EVIDENCE_MS. Arrivals during one long engine step wait at any batch, so a single short
 * queue is no evidence. 2 s measured: in bench/routing.bench.ts's KV-bound fleet (Qwen3-32B on H100s and A100s) no
 * count was learned at 2 s (at 1 s one was, and a figure moved), while on bench/routing-stand.bench.ts's
 * slot-bound replicas 5 s left half the gain unmade. An engine step longer than 2 s at the largest batch with the
 * cache under half full (an 8,192-token chunk of a 32B model on an A100 takes ~3.4 s) could still teach a false count.
 */
export const SLOT_EVIDENCE_QUEUES = 3;
export const SLOT_EVIDENCE_MS = 2000;

/** The slots learned so far, as plugins read them; only RoutingScheduler feeds them (SlotTracker.observe). */
export interface SlotView {
  /** The endpoint's sequence slots; undefined while none was learned. */
  slotsOf(address: string): number | undefined;
  /** Requests that will wait before a new one sent now: the scraped queue, plus what was sent since beyond the free slots. */
  ahead(metrics: EndpointMetrics, endpoint: Endpoint): number | undefined;
  /** Slots were learned and the scrape and the requests sent since take them all: a new request waits for one to finish. */
  taken(metrics: EndpointMetrics, endpoint: Endpoint): boolean;
}

/**
 * Each endpoint's sequence slots, learned: the most requests ever seen running, once queues at that count (see
 * SLOT_EVIDENCE_QUEUES) formed while the KV cache had room (below `kvRoom`), so it was slots (vLLM's
 * --max-num-seqs), not blocks, that ran short. No server exports its slot count (vLLM's cache_config_info carries
 * none). A queue also shows whenever requests arrive during a long engine step, at any batch; it lasts one step, and
 * a KV-bound replica never teaches slots, so neither is read as a cap. A larger batch seen later unlearns it.
 * RoutingScheduler keeps one per scheduler, so every plugin reads the same counts, learned once.
 */
export class SlotTracker implements SlotView {
  private readonly seen = new Map<string, { maxRunning: number; queuedAtMax: number; lastScrapeMs: number; queuedSinceMs: number | undefined; learned: boolean }>();

  constructor(private readonly kvRoom = SLOT_KV_ROOM) {}

  /**
   * Learns from the endpoint's metrics, then returns its slots (undefined while none was learned). A scrape counts
   * once however often it is observed: every pick between two scrapes reads the same metrics.
   */
  observe(metrics: EndpointMetrics, address: string): number | undefined {
    const running = metrics.running ?? 0;
    let s = this.seen.get(address);
    if (s === undefined || running > s.maxRunning) {
      s = { maxRunning: running, queuedAtMax: 0, lastScrapeMs: Number.NaN, queuedSinceMs: undefined, learned: false };
      this.seen.set(address, s);
    }
    // Once per scrape, and once per queue: a queue that forms, drains and forms again at the same batch is a cap;
    // one that lasts through a long engine step is not.
    if (s.lastScrapeMs !== metrics.scrapedAtMs) {
      const queued = running === s.maxRunning && running > 0 && (metrics.waiting ?? 0) > 0 && (metrics.kvCacheUsage ?? 0) < this.kvRoom;
      if (queued && s.queuedSinceMs === undefined) {
        s.queuedAtMax++;
        s.queuedSinceMs = metrics.scrapedAtMs;
      }
      if (!queued) s.queuedSinceMs = undefined;
      s.learned ||= s.queuedAtMax >= SLOT_EVIDENCE_QUEUES || (s.queuedSinceMs !== undefined && metrics.scrapedAtMs - s.queuedSinceMs >= SLOT_EVIDENCE_MS);
      s.lastScrapeMs = metrics.scrapedAtMs;
    }
    return this.slotsOf(address);
  }

  slotsOf(address: string): number | undefined {
    const s = this.seen.get(address);
    return s?.learned === true ? s.maxRunning : undefined;
  }

  ahead(metrics: EndpointMetrics, endpoint: Endpoint): number | undefined {
    const slots = this.slotsOf(endpoint.address);
    if (slots === undefined) return undefined;
    return (metrics.waiting ?? 0) + Math.max(0, (metrics.running ?? 0) + Math.max(0, endpoint.sentSinceScrape) - slots);
  }

  taken(metrics: EndpointMetrics, endpoint: Endpoint): boolean {
    const slots = this.slotsOf(endpoint.address);
    return slots !== undefined && (metrics.running ?? 0) + Math.max(0, endpoint.sentSinceScrape) >= slots;
  }
}

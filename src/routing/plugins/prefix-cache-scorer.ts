import { z } from 'zod';
import { effectiveWaiting, freshMetrics, type PickContext, type ScorerPlugin } from '../framework.js';
import {
  CHARS_PER_TOKEN,
  DEFAULT_LRU_CAPACITY_PER_SERVER,
  DEFAULT_MAX_PREFIX_BLOCKS,
  DEFAULT_PREFIX_BLOCK_SIZE,
} from '../prefix.js';
import type { Endpoint, InferenceRequest } from '../types.js';
import { PrefixIndexPlugin } from './prefix-index-plugin.js';

export const TYPE = 'prefix-cache-scorer';

/** Parameter names and defaults as the Inference Extension's prefix plugin (plugins/multi/prefix/plugin.go). */
export const parameters = z.strictObject({
  /** Characters per hashed block (64 ≈ one 16-token vLLM block at 4 characters per token). */
  blockSize: z.number().int().positive().default(DEFAULT_PREFIX_BLOCK_SIZE),
  /** Blocks of a prompt that take part in matching; longer prompts match on their start only. */
  maxPrefixBlocksToMatch: z.number().int().positive().default(DEFAULT_MAX_PREFIX_BLOCKS),
  /** Blocks remembered per server (LRU). */
  lruCapacityPerServer: z.number().int().positive().default(DEFAULT_LRU_CAPACITY_PER_SERVER),
  /**
   * Size each server's LRU from its reported KV blocks instead of `lruCapacityPerServer`. Upstream defaults it to
   * true and also derives the hash block size from the server; kinfer's caller hashes before picking, so only the
   * capacity follows the server here, and the default is false (state what you want).
   */
  autoTune: z.boolean().default(false),
  /**
   * kinfer's: while some candidate has no queue, affinity to an endpoint whose queue (scraped waiting + requests sent
   * since) is longer than this many times its running batch scores 0. vLLM queues only when KV blocks or sequence
   * slots run out; a queue longer than the batch means waiting more than a whole request's duration for a prefix
   * that saves a prefill of milliseconds, while another replica admits at once. Without it a hot prefix keeps every
   * request on one replica beside free slots (the graded case in test/src/routing/scheduler.test.ts). Absent
   * (upstream's scorer): load is not read.
   */
  maxQueuePerRunning: z.number().min(0).optional(),
  /**
   * kinfer's: while some candidate has a free sequence slot, affinity to an endpoint whose learned slots are all
   * taken (PickContext.slots, framework.ts SlotTracker: slots are learned only from a replica that queued with KV to
   * spare) scores 0.
   * A request there waits for a whole request to finish, however much prefill its cached prefix saves; on a slow
   * replica that is seconds. A KV-bound replica never teaches slots, so there this changes nothing. Absent
   * (upstream's scorer): off.
   */
  yieldWhenSlotsTaken: z.boolean().optional(),
});
export type Parameters = z.infer<typeof parameters>;

/**
 * Share of the request's prefix blocks this endpoint was recently sent (the Inference Extension's
 * prefix-cache-scorer):
 *
 *   score(e) = longest leading run of the request's block hashes in e's LRU / number of the request's hashes
 *
 * (at most `maxPrefixBlocksToMatch` of them; 0 everywhere for a prompt shorter than one block). The index learns
 * in `onRouted`, when the picker service reports where a request went. It reads no metrics (with `autoTune`, only
 * the endpoint's `numGpuBlocks`; with `maxQueuePerRunning`, the queues), so staleness does not apply.
 */
export class PrefixCacheScorer extends PrefixIndexPlugin<Parameters> implements ScorerPlugin {
  readonly kind = 'scorer' as const;
  readonly type = TYPE;
  /** Per address, LRU capacity in hashed blocks learned from metrics (autoTune). */
  private readonly capacity = new Map<string, number>();

  get readsSlots(): boolean {
    return this.params.yieldWhenSlotsTaken === true;
  }

  /** With autoTune each server's capacity follows its metrics: an index no other plugin's equals. */
  override get prefixIndexKey(): string | undefined {
    return this.params.autoTune ? undefined : super.prefixIndexKey;
  }

  score(ctx: PickContext, endpoints: readonly Endpoint[]): number[] {
    const hashes = this.hashesOf(ctx.request);
    if (this.params.autoTune) for (const e of endpoints) this.learnCapacity(ctx, e);
    if (hashes.length === 0) return endpoints.map(() => 0);
    const lengths = this.index.matchLengths(hashes);
    const scores = endpoints.map((e) => (lengths.get(e.address) ?? 0) / hashes.length);
    if (this.params.yieldWhenSlotsTaken) this.yieldTakenSlots(ctx, endpoints, scores);
    const ratio = this.params.maxQueuePerRunning;
    if (ratio === undefined) return scores;
    const queued = endpoints.map((e) => {
      const m = freshMetrics(ctx, e);
      return m === undefined ? undefined : { queue: effectiveWaiting(m, e), running: m.running ?? 0 };
    });
    if (!queued.some((q) => q?.queue === 0)) return scores;
    return scores.map((s, i) => {
      const q = queued[i];
      return q !== undefined && q.queue > ratio * Math.max(1, q.running) ? 0 : s;
    });
  }

  /** Zeroes the affinity of endpoints whose slots are taken, while another has a slot free (yieldWhenSlotsTaken). */
  private yieldTakenSlots(ctx: PickContext, endpoints: readonly Endpoint[], scores: number[]): void {
    const taken = endpoints.map((e) => {
      const m = freshMetrics(ctx, e);
      return m === undefined ? undefined : (m.waiting ?? 0) > 0 || ctx.slots.taken(m, e);
    });
    if (!taken.some((t) => t === false)) return;
    taken.forEach((t, i) => {
      if (t === true && ctx.slots.slotsOf(endpoints[i]?.address ?? '') !== undefined) scores[i] = 0;
    });
  }

  onRouted(request: InferenceRequest, address: string, _nowMs: number): void {
    if (this.learns) this.index.add(address, this.hashesOf(request), this.capacity.get(address) ?? this.params.lruCapacityPerServer);
  }

  private learnCapacity(ctx: PickContext, endpoint: Endpoint): void {
    const m = freshMetrics(ctx, endpoint);
    if (m?.numGpuBlocks === undefined || m.blockSize === undefined) return;
    const tokensPerHashBlock = this.params.blockSize / CHARS_PER_TOKEN;
    this.capacity.set(endpoint.address, Math.max(1, Math.floor((m.numGpuBlocks * m.blockSize) / tokensPerHashBlock)));
  }
}

export function create(name: string, params: Parameters): PrefixCacheScorer {
  return new PrefixCacheScorer(name, params);
}

import { z } from 'zod';
import { effectiveKvUsage, effectiveWaiting, freshMetrics, type PickContext, type ScorerPlugin } from '../framework.js';
import {
  CHARS_PER_TOKEN,
  DEFAULT_LRU_CAPACITY_PER_SERVER,
  DEFAULT_MAX_PREFIX_BLOCKS,
  DEFAULT_PREFIX_BLOCK_SIZE,
} from '../prefix.js';
import type { Endpoint, InferenceRequest } from '../types.js';
import { PrefixIndexPlugin } from './prefix-index-plugin.js';

export const TYPE = 'predicted-latency-scorer';

/**
 * Speeds used when an endpoint has not measured its own: kinfer-sim's roofline for Llama-3.1-8B on one H100 SXM
 * (sim/engine/speed.ts): prefill 989 TFLOP/s × 0.5 MFU / (2 × 8.03 G params) ≈ 30,800 tokens/s; decode reads
 * 16.1 GB of weights at 3.35 TB/s × 0.7 ≈ 6.9 ms per step alone, ~10 ms with a moderate batch: 100 tokens/s.
 */
export const DEFAULT_PREFILL_TOKENS_PER_SECOND = 30_000;
export const DEFAULT_DECODE_TOKENS_PER_SECOND = 100;
/** Tokens one engine step computes at most (kinfer-sim's default --max-num-batched-tokens). */
export const DEFAULT_MAX_NUM_BATCHED_TOKENS = 8192;
/** vLLM's default KV block (16 tokens), used when the endpoint does not report its own. */
const DEFAULT_KV_BLOCK_TOKENS = 16;
/** Weight of each routed request in the running mean of prefill work (about the last 20 requests). */
const MEAN_PREFILL_ALPHA = 0.05;

export const parameters = z.strictObject({
  /** Prefix index, as prefix-cache-scorer's: characters per hashed block, blocks matched, LRU entries per server. */
  blockSize: z.number().int().positive().default(DEFAULT_PREFIX_BLOCK_SIZE),
  maxPrefixBlocksToMatch: z.number().int().positive().default(DEFAULT_MAX_PREFIX_BLOCKS),
  lruCapacityPerServer: z.number().int().positive().default(DEFAULT_LRU_CAPACITY_PER_SERVER),
  /** Per-request prefill speed of an endpoint that reports none. */
  prefillTokensPerSecond: z.number().positive().default(DEFAULT_PREFILL_TOKENS_PER_SECOND),
  /** Per-sequence decode speed (1 / inter-token latency) of an endpoint that reports none. */
  decodeTokensPerSecond: z.number().positive().default(DEFAULT_DECODE_TOKENS_PER_SECOND),
  /** Prefill chunk per engine step. */
  maxNumBatchedTokens: z.number().int().positive().default(DEFAULT_MAX_NUM_BATCHED_TOKENS),
  /** Output length assumed when the request states no max_tokens (KV the request will grow into). */
  meanOutputTokens: z.number().int().positive().default(256),
  /**
   * KV load beyond which a new request is expected to cause preemption or wait for blocks. 0.8 (the Inference
   * Extension saturation detector's KV threshold) measured better than 0.9 in bench/routing.bench.ts.
   */
  kvHeadroom: z.number().gt(0).lt(1).default(0.8),
  /** Added to the prediction at the headroom, growing linearly to twice this at a full cache. */
  preemptionPenaltyMs: z.number().min(0).default(5000),
  /**
   * How far behind the best candidate's prediction an endpoint scores 0 (linear in between). 4 s: about the
   * longest prefill on the slowest replica of bench/routing.bench.ts, so every difference a prompt makes counts;
   * 1 s and 2 s over-weighted small differences against free KV there.
   */
  scaleMs: z.number().positive().default(4000),
  /**
   * Read each endpoint's sequence slots (PickContext.slots, which the scheduler learns: framework.ts SlotTracker,
   * vLLM's --max-num-seqs, read from where queues form while KV has room) and count a replica whose slots the scrape
   * and the requests sent since fill as blocked, though it reports no queue yet. No server exports its slot count (vLLM's cache_config_info has none).
   */
  learnSlots: z.boolean().default(false),
  /**
   * The prefill speed of an endpoint that has measured none: `default` (prefillTokensPerSecond, an H100's for an
   * 8B model), or `scaled-by-decode`: the default × its decode speed ÷ the fastest candidate's, so a replica that
   * decodes 10× slower than the best is taken to prefill 10× slower too until its own prefill is measured. Prefill
   * is compute-bound and decode bandwidth-bound, but both follow the accelerator: an L4 beside an H100 is ~8× slower
   * at the one and ~11× at the other. Without it an unmeasured L4 looks as fast as an H100 for a long prompt.
   */
  unmeasuredPrefill: z.enum(['default', 'scaled-by-decode']).default('scaled-by-decode'),
});
export type Parameters = z.infer<typeof parameters>;

/**
 * Predicted time to first token of this request on each endpoint, as a score: kinfer's own scorer.
 *
 * The model follows a continuous-batching server (vLLM's scheduler, which kinfer-sim reproduces): a request
 * waits behind the queue, then prefills the part of its prompt the replica has not cached, in chunks of at most
 * `maxNumBatchedTokens` tokens, one chunk per engine step; its first token comes at the end of the last chunk.
 * With P the endpoint's prefill speed (tokens/s: measured; else the default, scaled by D ÷ the fastest
 * candidate's D with `unmeasuredPrefill: scaled-by-decode`) and D its decode speed per sequence (tokens/s; 1/D is
 * the step time while decoding):
 *
 *   hit      = tokens of the longest prefix this endpoint was recently sent (LRU index of block hashes)
 *   prefill  = promptTokens − hit
 *   own      = max(prefill / P,  ceil(prefill / maxNumBatchedTokens) / D)     compute- or step-bound
 *   q        = waiting + sentSinceScrape                                       in-flight accounting
 *   backlog  = prefill tokens this picker sent to e, drained at P since         the prefill work ahead that the
 *                                                                              scrape shows as "running"
 *   queue    = max(q × meanPrefill, backlog) / P                               the queue's prefill work ahead
 *            + (blocked ? (ahead + 1) × meanOutputTokens / (max(1, running) × D) : 0)
 *                  a blocked queue (vLLM admits at once unless KV blocks or sequence slots are short) drains only
 *                  as running sequences finish: about running × D / meanOutputTokens of them per second
 *   blocked  = waiting > 0 or kv ≥ kvHeadroom, or (learnSlots) running + sentSinceScrape ≥ the slots learned for e
 *   ahead    = q; with slots learned, waiting + the requests sent since beyond the free slots (framework.ts SlotTracker)
 *   kv       = kvCacheUsage + sentSinceScrape × promptBlocks / numGpuBlocks
 *   need     = (prefill + outputTokens) / blockTokens / numGpuBlocks           KV this request will hold
 *   growth   = running × meanOutputTokens / 2 / blockTokens / numGpuBlocks     KV the running batch still grows into
 *   load     = kv + need + growth
 *   penalty  = load > kvHeadroom ? preemptionPenaltyMs × (1 + (load − kvHeadroom) / (1 − kvHeadroom)) : 0
 *   ttft     = own + queue + penalty
 *   score    = max(0, 1 − (ttft − min over candidates of ttft) / scaleMs)
 *
 * meanPrefill is a running mean of the prefill work of the requests routed so far (the picker does not see the
 * queued prompts). A request that would push the cache past the headroom is penalised heavily: vLLM then
 * preempts the newest running sequence and recomputes it later, which costs everyone on that replica.
 *
 * The score is linear in milliseconds behind the best candidate: what a request loses is absolute time, so a long
 * prompt that would wait 2.4 s more on a slow replica is steered away firmly, while 20 ms between two idle replicas
 * barely counts against the other scorers of the profile (free KV, prefix affinity).
 *
 * Why it is damped against herding: the queue term grows by meanPrefill / P with every request sent since the
 * scrape, so a burst spreads over the replicas whose predictions are close instead of all going to the one that
 * looked best at the last scrape; stale or missing metrics score 0 (the worst), and exact ties are broken at
 * random by the picker. Prefix affinity enters as saved prefill time, in the same unit as the queue, so a
 * cached prefix wins only while it saves more than the extra queue costs (the reference profile adds a prefix
 * share to a queue rank, which keeps sending a hot prefix to one replica).
 */
export class PredictedLatencyScorer extends PrefixIndexPlugin<Parameters> implements ScorerPlugin {
  readonly kind = 'scorer' as const;
  readonly type = TYPE;
  private meanPrefillTokens: number | undefined;
  /** Per address: prefill tokens this picker sent, not yet computed at `atMs` as far as it can tell. */
  private readonly backlog = new Map<string, { tokens: number; atMs: number }>();
  /** Per address: prefill speed last used (tokens/ms), to drain the backlog with. */
  private readonly prefillPerMs = new Map<string, number>();

  get readsSlots(): boolean {
    return this.params.learnSlots;
  }

  score(ctx: PickContext, endpoints: readonly Endpoint[]): number[] {
    const lengths = this.index.matchLengths(this.hashesOf(ctx.request));
    const fastestDecode = this.params.unmeasuredPrefill === 'scaled-by-decode' ? fastestDecodeOf(ctx, endpoints) : undefined;
    const ttfts = endpoints.map((e) => this.predictTtftMs(ctx, e, lengths.get(e.address) ?? 0, fastestDecode));
    let best = Number.POSITIVE_INFINITY;
    for (const t of ttfts) if (t !== undefined && t < best) best = t;
    return ttfts.map((t) => (t === undefined ? 0 : Math.max(0, 1 - (t - best) / this.params.scaleMs)));
  }

  /**
   * Predicted TTFT (ms) of the request on the endpoint; undefined without fresh metrics. `fastestDecode`: the
   * fastest decode speed among the candidates, which an unmeasured prefill speed is scaled against.
   */
  predictTtftMs(ctx: PickContext, endpoint: Endpoint, matchedBlocks = this.index.matchLength(endpoint.address, this.hashesOf(ctx.request)), fastestDecode?: number): number | undefined {
    const m = freshMetrics(ctx, endpoint);
    if (m === undefined) return undefined;
    const p = this.params;
    const decodeShare = fastestDecode !== undefined && m.decodeTokensPerSecond !== undefined ? Math.min(1, m.decodeTokensPerSecond / fastestDecode) : 1;
    const prefillPerMs = (m.prefillTokensPerSecond ?? p.prefillTokensPerSecond * decodeShare) / 1000;
    const stepMs = 1000 / (m.decodeTokensPerSecond ?? p.decodeTokensPerSecond);
    const blockTokens = m.blockSize ?? DEFAULT_KV_BLOCK_TOKENS;
    const request = ctx.request;

    const prefill = Math.max(1, request.promptTokens - this.hitTokens(matchedBlocks, request.promptTokens));
    const ownMs = Math.max(prefill / prefillPerMs, Math.ceil(prefill / p.maxNumBatchedTokens) * stepMs);

    this.prefillPerMs.set(endpoint.address, prefillPerMs);
    const q = effectiveWaiting(m, endpoint);
    const meanPrefill = this.meanPrefillTokens ?? prefill;
    const kv = effectiveKvUsage(m, endpoint, Math.ceil(request.promptTokens / blockTokens));
    const backlog = this.backlogTokens(endpoint.address, ctx.nowMs, prefillPerMs);
    let queueMs = Math.max(q * meanPrefill, backlog) / prefillPerMs;
    // vLLM admits a waiting request within a step unless blocks (or sequence slots) are short: a scraped queue
    // means the replica is blocked, and its queue, this request included, drains only as running sequences finish.
    // With slots learned, a replica whose slots the scrape and the requests sent since fill is blocked too, and only
    // the requests beyond its free slots wait ahead of this one.
    const ahead = (p.learnSlots ? ctx.slots.ahead(m, endpoint) : undefined) ?? q;
    const blocked = (m.waiting ?? 0) > 0 || kv >= p.kvHeadroom || (p.learnSlots && ctx.slots.taken(m, endpoint));
    if (blocked) queueMs += ((ahead + 1) * p.meanOutputTokens * stepMs) / Math.max(1, m.running ?? 0);

    let penaltyMs = 0;
    if (m.numGpuBlocks !== undefined && m.numGpuBlocks > 0) {
      const need = (prefill + (request.maxTokens ?? p.meanOutputTokens)) / blockTokens / m.numGpuBlocks;
      const growth = ((m.running ?? 0) * p.meanOutputTokens) / 2 / blockTokens / m.numGpuBlocks;
      const projected = kv + need + growth;
      if (projected > p.kvHeadroom) penaltyMs = p.preemptionPenaltyMs * (1 + (projected - p.kvHeadroom) / (1 - p.kvHeadroom));
    }
    return ownMs + queueMs + penaltyMs;
  }

  onRouted(request: InferenceRequest, address: string, nowMs: number): void {
    const hashes = this.hashesOf(request);
    // The match before this request's blocks are added (with a shared index, the picker runs its learner last).
    const prefill = Math.max(1, request.promptTokens - this.hitTokens(this.index.matchLength(address, hashes), request.promptTokens));
    this.meanPrefillTokens = this.meanPrefillTokens === undefined ? prefill : this.meanPrefillTokens + MEAN_PREFILL_ALPHA * (prefill - this.meanPrefillTokens);
    const perMs = this.prefillPerMs.get(address) ?? this.params.prefillTokensPerSecond / 1000;
    this.backlog.set(address, { tokens: this.backlogTokens(address, nowMs, perMs) + prefill, atMs: nowMs });
    if (this.learns) this.index.add(address, hashes);
  }

  /** Prefill tokens sent to `address` that it cannot have computed yet, draining at its prefill speed. */
  private backlogTokens(address: string, nowMs: number, perMs: number): number {
    const b = this.backlog.get(address);
    if (b === undefined) return 0;
    return Math.max(0, b.tokens - perMs * Math.max(0, nowMs - b.atMs));
  }

  private hitTokens(matchedBlocks: number, promptTokens: number): number {
    return Math.min(promptTokens, (matchedBlocks * this.params.blockSize) / CHARS_PER_TOKEN);
  }
}

/** The fastest decode speed (tokens/s per sequence) among the endpoints with fresh metrics; undefined if none has one. */
function fastestDecodeOf(ctx: PickContext, endpoints: readonly Endpoint[]): number | undefined {
  let fastest: number | undefined;
  for (const e of endpoints) {
    const d = freshMetrics(ctx, e)?.decodeTokensPerSecond;
    if (d !== undefined && d > 0 && (fastest === undefined || d > fastest)) fastest = d;
  }
  return fastest;
}

export function create(name: string, params: Parameters): PredictedLatencyScorer {
  return new PredictedLatencyScorer(name, params);
}

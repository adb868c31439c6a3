import { z } from 'zod';
import { effectiveKvUsage, effectiveWaiting, freshMetrics, type FilterPlugin, type PickContext } from '../framework.js';
import type { Endpoint } from '../types.js';

export const TYPE = 'saturation-filter';

/** The Inference Extension saturation detector's defaults (pkg/epp/saturationdetector: queue 5, KV 0.8). */
export const DEFAULT_QUEUE_DEPTH_THRESHOLD = 5;
export const DEFAULT_KV_CACHE_UTIL_THRESHOLD = 0.8;

export const parameters = z.strictObject({
  /** Effective queue (waiting + sent since the scrape) above which an endpoint is saturated. */
  queueDepthThreshold: z.number().int().min(0).default(DEFAULT_QUEUE_DEPTH_THRESHOLD),
  /** KV use (with requests sent since the scrape) above which an endpoint is saturated. */
  kvCacheUtilThreshold: z.number().min(0).max(1).default(DEFAULT_KV_CACHE_UTIL_THRESHOLD),
});
export type Parameters = z.infer<typeof parameters>;

/** vLLM's default KV block (16 tokens), used when the endpoint does not report its own. */
const DEFAULT_KV_BLOCK_TOKENS = 16;

/**
 * Drops saturated endpoints, unless every endpoint is saturated (then it keeps them all: shedding load is not
 * the picker's call, and the scorers still rank them). An endpoint is saturated when
 *
 *   waiting + sentSinceScrape > queueDepthThreshold   or   kv + sent blocks / numGpuBlocks > kvCacheUtilThreshold
 *
 * or when its metrics are missing or stale (unknown is not idle).
 */
export class SaturationFilter implements FilterPlugin {
  readonly kind = 'filter' as const;
  readonly type = TYPE;

  constructor(readonly name: string, private readonly params: Parameters) {}

  filter(ctx: PickContext, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    const kept = endpoints.filter((e) => !this.saturated(ctx, e));
    return kept.length === 0 ? endpoints : kept;
  }

  saturated(ctx: PickContext, endpoint: Endpoint): boolean {
    const m = freshMetrics(ctx, endpoint);
    if (m === undefined) return true;
    if (effectiveWaiting(m, endpoint) > this.params.queueDepthThreshold) return true;
    const blocks = Math.ceil(ctx.request.promptTokens / (m.blockSize ?? DEFAULT_KV_BLOCK_TOKENS));
    return effectiveKvUsage(m, endpoint, blocks) > this.params.kvCacheUtilThreshold;
  }
}

export function create(name: string, params: Parameters): SaturationFilter {
  return new SaturationFilter(name, params);
}

import { z } from 'zod';
import { effectiveKvUsage, freshMetrics, type PickContext, type ScorerPlugin } from '../framework.js';
import type { Endpoint } from '../types.js';

export const TYPE = 'kv-cache-utilization-scorer';
export const parameters = z.strictObject({});

/** vLLM's default KV block (16 tokens), used when the endpoint does not report its own. */
const DEFAULT_KV_BLOCK_TOKENS = 16;

/**
 * Free KV cache (the Inference Extension's kv-cache-utilization-scorer, 1 − KV use), with kinfer's in-flight
 * accounting: each request sent since the scrape is assumed to hold as many blocks as this one's prompt needs.
 *
 *   kv(e) = kvCacheUsage(e) + sentSinceScrape(e) × ceil(promptTokens / blockSize(e)) / numGpuBlocks(e)
 *   score(e) = 1 − kv(e)          (clamped to [0,1]); 0 without fresh metrics
 */
export class KvCacheUtilizationScorer implements ScorerPlugin {
  readonly kind = 'scorer' as const;
  readonly type = TYPE;

  constructor(readonly name: string) {}

  score(ctx: PickContext, endpoints: readonly Endpoint[]): number[] {
    return endpoints.map((e) => {
      const m = freshMetrics(ctx, e);
      if (m === undefined || m.kvCacheUsage === undefined) return 0;
      const blocks = Math.ceil(ctx.request.promptTokens / (m.blockSize ?? DEFAULT_KV_BLOCK_TOKENS));
      return 1 - effectiveKvUsage(m, e, blocks);
    });
  }
}

export function create(name: string, _params: z.infer<typeof parameters>): KvCacheUtilizationScorer {
  return new KvCacheUtilizationScorer(name);
}


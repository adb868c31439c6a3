import { z } from 'zod';
import { freshMetrics, type PickContext, type ScorerPlugin } from '../framework.js';
import type { Endpoint } from '../types.js';

export const TYPE = 'lora-affinity-scorer';
export const parameters = z.strictObject({});

/**
 * Where the request's LoRA adapter is cheapest to serve (the Inference Extension's lora-affinity-scorer):
 *
 *   adapter already loaded                         1
 *   room to load one more (active < maxLoras)      0.8
 *   full, or no fresh metrics                      0
 *
 * A request without an adapter scores 1 everywhere (no preference). Upstream also gives 0.6 to an adapter
 * waiting to load; vLLM's `vllm:lora_requests_info{waiting_lora_adapters}` is not in EndpointMetrics yet.
 */
export class LoraAffinityScorer implements ScorerPlugin {
  readonly kind = 'scorer' as const;
  readonly type = TYPE;

  constructor(readonly name: string) {}

  score(ctx: PickContext, endpoints: readonly Endpoint[]): number[] {
    const lora = ctx.request.lora;
    if (lora === undefined || lora === '') return endpoints.map(() => 1);
    return endpoints.map((e) => {
      const m = freshMetrics(ctx, e);
      if (m === undefined) return 0;
      const active = m.activeLoras ?? [];
      if (active.includes(lora)) return 1;
      if (m.maxLoras !== undefined && active.length < m.maxLoras) return 0.8;
      return 0;
    });
  }
}

export function create(name: string, _params: z.infer<typeof parameters>): LoraAffinityScorer {
  return new LoraAffinityScorer(name);
}

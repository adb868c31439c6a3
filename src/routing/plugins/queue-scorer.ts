import { z } from 'zod';
import { effectiveWaiting, freshMetrics, type PickContext, type ScorerPlugin } from '../framework.js';
import type { Endpoint } from '../types.js';

export const TYPE = 'queue-scorer';
export const parameters = z.strictObject({});

/**
 * Min-max of the queue over the candidates, inverted so the shortest queue scores 1 (the Inference Extension's
 * queue-scorer, plugins/scorer/queue.go), with kinfer's in-flight accounting:
 *
 *   q(e) = waiting(e) + sentSinceScrape(e)
 *   score(e) = (max q − q(e)) / (max q − min q)     over candidates with fresh metrics; 1 when all are equal
 *
 * An endpoint with no fresh metrics scores 0 and takes no part in min and max.
 */
export class QueueScorer implements ScorerPlugin {
  readonly kind = 'scorer' as const;
  readonly type = TYPE;

  constructor(readonly name: string) {}

  score(ctx: PickContext, endpoints: readonly Endpoint[]): number[] {
    const queues = endpoints.map((e) => {
      const m = freshMetrics(ctx, e);
      return m === undefined ? undefined : effectiveWaiting(m, e);
    });
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const q of queues) {
      if (q === undefined) continue;
      if (q < min) min = q;
      if (q > max) max = q;
    }
    return queues.map((q) => (q === undefined ? 0 : max === min ? 1 : (max - q) / (max - min)));
  }
}

export function create(name: string, _params: z.infer<typeof parameters>): QueueScorer {
  return new QueueScorer(name);
}

import { z } from 'zod';
import type { PickContext, PickerPlugin } from '../framework.js';
import type { Endpoint } from '../types.js';

export const TYPE = 'max-score-picker';
export const parameters = z.strictObject({});

/** Scores closer than this are a tie (weighted sums of floats differ in the last bits). */
const TIE_EPSILON = 1e-9;

/**
 * The endpoint with the highest weighted score; among ties, one at random (never the first listed: between two
 * scrapes many endpoints tie, and a fixed tie-break sends a whole burst to one of them).
 */
export class MaxScorePicker implements PickerPlugin {
  readonly kind = 'picker' as const;
  readonly type = TYPE;

  constructor(readonly name: string) {}

  pick(ctx: PickContext, endpoints: readonly Endpoint[], scores: readonly number[]): Endpoint | undefined {
    let max = Number.NEGATIVE_INFINITY;
    for (const s of scores) if (s > max) max = s;
    let ties = 0;
    for (const s of scores) if (s >= max - TIE_EPSILON) ties++;
    if (ties === 0) return undefined;
    let k = Math.min(ties - 1, Math.floor(ctx.random() * ties));
    for (let i = 0; i < endpoints.length; i++) {
      if ((scores[i] as number) < max - TIE_EPSILON) continue;
      if (k-- === 0) return endpoints[i];
    }
    return undefined;
  }
}

export function create(name: string, _params: z.infer<typeof parameters>): MaxScorePicker {
  return new MaxScorePicker(name);
}

import { z } from 'zod';
import type { PickContext, PickerPlugin } from '../framework.js';
import type { Endpoint } from '../types.js';

export const TYPE = 'random-picker';
export const parameters = z.strictObject({});

/** Any candidate, uniformly at random; scores are ignored. */
export class RandomPicker implements PickerPlugin {
  readonly kind = 'picker' as const;
  readonly type = TYPE;

  constructor(readonly name: string) {}

  pick(ctx: PickContext, endpoints: readonly Endpoint[]): Endpoint | undefined {
    if (endpoints.length === 0) return undefined;
    return endpoints[Math.min(endpoints.length - 1, Math.floor(ctx.random() * endpoints.length))];
  }
}

export function create(name: string, _params: z.infer<typeof parameters>): RandomPicker {
  return new RandomPicker(name);
}

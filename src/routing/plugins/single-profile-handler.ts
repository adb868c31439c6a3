import { z } from 'zod';
import type { ProfileHandlerPlugin } from '../framework.js';

export const TYPE = 'single-profile-handler';
export const parameters = z.strictObject({});

/**
 * Runs one scheduling profile per request. Upstream configs list it among their plugins; kinfer always behaves
 * this way (the picker runs its chosen profile), so the plugin has nothing to do but be accepted.
 */
export class SingleProfileHandler implements ProfileHandlerPlugin {
  readonly kind = 'profile-handler' as const;
  readonly type = TYPE;

  constructor(readonly name: string) {}
}

export function create(name: string, _params: z.infer<typeof parameters>): SingleProfileHandler {
  return new SingleProfileHandler(name);
}

import type { DryRun } from '../src/deploy/request.js';

export type { DryRun };

/** What a line about a write says after it: '', ' (dry run)' or ' (server dry run)'. */
export function dryRunSuffix(mode: DryRun): string {
  return mode === 'client' ? ' (dry run)' : mode === 'server' ? ' (server dry run)' : '';
}

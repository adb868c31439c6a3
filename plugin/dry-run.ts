import { Flags } from '@oclif/core';

/** kubectl's --dry-run for every command that writes. A bare `--dry-run` means client (bin/kubectl-inference), as kubectl's did. */
export type DryRun = 'none' | 'client' | 'server';

export const dryRunFlag = () => Flags.option({
  options: ['none', 'client', 'server'] as const,
  default: 'none' as const,
  summary: 'none: change the cluster; client: print what would change and write nothing; server: the API server validates every write and persists nothing.',
})();

/** What a line about a write says after it: '', ' (dry run)' or ' (server dry run)'. */
export function dryRunSuffix(mode: DryRun): string {
  return mode === 'client' ? ' (dry run)' : mode === 'server' ? ' (server dry run)' : '';
}

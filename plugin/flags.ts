import { Flags } from '@oclif/core';

// The flags several commands share, defined once so that their names, letters and help read the same everywhere.
// Flag sets that travel with their loader stay beside it: modelFlags (plugin/models.ts), recommendFlags
// (plugin/profiles/recommendation.ts); the cluster flags are KubeCommand.baseFlags (plugin/base.ts).

/** kubectl's --dry-run for every command that writes. A bare `--dry-run` means client (bin/kubectl-inference), as kubectl's did. */
export const dryRunFlag = () => Flags.option({
  options: ['none', 'client', 'server'] as const,
  default: 'none' as const,
  summary: 'none: change the cluster; client: print what would change and write nothing; server: the API server validates every write and persists nothing.',
})();

/** The profile store every profile command, bench and recommend read or write. */
export const profilesFlag = () => Flags.string({ summary: 'Profile store (default: $KINFER_PROFILES or ~/.config/kinfer/profiles.db).' });

/** kubectl's -A. */
export const allNamespacesFlag = (summary: string) => Flags.boolean({ char: 'A', default: false, summary });

/** kubectl's -o/--output, with the formats the command prints. */
export const outputFlag = <const T extends readonly string[]>(options: T, summary: string) => Flags.option({ char: 'o', options, summary })();

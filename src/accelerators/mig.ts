import { MIG_RESOURCE_PREFIX } from './resources.js';
// NVIDIA Multi-Instance GPU profiles, as the device plugin's mixed strategy exposes them
// (`nvidia.com/mig-<compute>g.<memory>gb`). Source: NVIDIA MIG User Guide, "Supported MIG Profiles".
//
// A profile name repeats across parents (mig-3g.40gb is both an A100-80GB and an H100 slice), and what
// placement needs is the slice's memory, which the name states. So profiles are keyed by resource name and
// list every parent. Memory is the name's figure in decimal GB: real slices are a little larger than the
// name says (nvidia-smi mig -lgip), so the figure is a safe lower bound. GFD's `nvidia.com/mig-<profile>.memory`
// label (MiB), when a node carries it, is exact and wins in discovery.

export interface MigProfile {
  /** e.g. `nvidia.com/mig-3g.40gb`. */
  readonly resourceName: string;
  /** Canonical names of the GPU types that offer this profile; empty for a well-formed name not in the table. */
  readonly parents: readonly string[];
  /** Memory of one slice, in bytes (the profile name's GB, as 1e9 bytes). */
  readonly hbmBytes: number;
  /** Compute slices (GPCs) out of the parent's 7. */
  readonly computeSlices: number;
}

const GB = 1e9;
// `1g.10gb`, also with a media-extension suffix: NVIDIA names the profile `1g.10gb+me` (MIG User Guide), and the
// device plugin, since `+` cannot appear in a resource name, exposes it as `nvidia.com/mig-1g.10gb.me`. The suffix
// changes the engines a slice gets, never its memory.
const PROFILE_NAME = /^(\d+)g\.(\d+)gb(?:[+.-][a-z]+(?:\.[a-z]+)?)?$/;

const PROFILES_BY_PARENT: Readonly<Record<string, readonly string[]>> = {
  'nvidia-tesla-a100': ['1g.5gb', '2g.10gb', '3g.20gb', '4g.20gb', '7g.40gb'],
  'nvidia-a100-80gb': ['1g.10gb', '1g.20gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb'],
  'nvidia-h100-80gb': ['1g.10gb', '1g.20gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb'],
  'nvidia-h100-mega-80gb': ['1g.10gb', '1g.20gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb'],
  'nvidia-h200-141gb': ['1g.18gb', '1g.35gb', '2g.35gb', '3g.71gb', '4g.71gb', '7g.141gb'],
};

/** Compute slices and memory of a profile name such as `3g.40gb`, or undefined when it is not one. */
export function parseMigProfileName(profile: string): { computeSlices: number; hbmBytes: number } | undefined {
  const match = PROFILE_NAME.exec(profile.trim().toLowerCase());
  if (!match) return undefined;
  return { computeSlices: Number(match[1]), hbmBytes: Number(match[2]) * GB };
}

function buildProfiles(): MigProfile[] {
  const parentsByProfile = new Map<string, string[]>();
  for (const [parent, profiles] of Object.entries(PROFILES_BY_PARENT)) {
    for (const profile of profiles) {
      const parents = parentsByProfile.get(profile) ?? [];
      parents.push(parent);
      parentsByProfile.set(profile, parents);
    }
  }
  return [...parentsByProfile].map(([profile, parents]) => {
    const parsed = parseMigProfileName(profile);
    if (!parsed) throw new Error(`MIG profile table holds a malformed name: ${profile}`);
    return { resourceName: MIG_RESOURCE_PREFIX + profile, parents, ...parsed };
  });
}

export const MIG_PROFILES: readonly MigProfile[] = buildProfiles();

const BY_RESOURCE: ReadonlyMap<string, MigProfile> = new Map(MIG_PROFILES.map((p) => [p.resourceName, p]));

/** True for `nvidia.com/mig-*` resource names. */
export function isMigResource(resourceName: string): boolean {
  return resourceName.startsWith(MIG_RESOURCE_PREFIX);
}

/**
 * The profile behind a MIG resource name. Profiles not in the table (e.g. a newer GPU's `mig-1g.23gb`) are
 * read from the name with no known parent; anything that is not a well-formed MIG resource gives undefined.
 */
export function migProfile(resourceName: string): MigProfile | undefined {
  const known = BY_RESOURCE.get(resourceName);
  if (known) return known;
  if (!isMigResource(resourceName)) return undefined;
  const parsed = parseMigProfileName(resourceName.slice(MIG_RESOURCE_PREFIX.length));
  return parsed ? { resourceName, parents: [], ...parsed } : undefined;
}

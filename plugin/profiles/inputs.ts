import { ACCELERATORS, acceleratorByName } from '../../src/accelerators/catalog.js';
import { catalogInventory, catalogSliceInventory, type AcceleratorInventory } from '../../src/deploy/inventory.js';
import { defaultPriceTable, mergePriceTables, parsePriceTable, type CloudChoice, type PriceTable } from '../../src/profiles/pricing.js';
import type { PerfProfile } from '../../src/profiles/profile.js';
import { UsageError } from '../../src/usage.js';
import { KubeError } from '../cluster.js';
import { readFlagFile } from '../files.js';
import { openStore } from './open.js';

// What `recommend` (and `deploy --target-*`) read besides the model: the candidates, prices and stored profiles.

/** Every catalog type at its largest single-host shape; TPUs once per host shape (a TPU pod takes its host). */
export function catalogCandidates(): AcceleratorInventory[] {
  const candidates: AcceleratorInventory[] = [];
  for (const type of ACCELERATORS) {
    const shapes = type.chipsPerHost ?? [8];
    if (type.kind === 'tpu') {
      for (const chips of shapes) candidates.push(catalogInventory(type, chips));
      // And its multi-host slices, one tensor-parallel group each.
      const slices = catalogSliceInventory(type);
      if (slices) candidates.push(slices);
    } else {
      candidates.push(catalogInventory(type, Math.max(...shapes)));
    }
  }
  return candidates;
}

/** Keeps the named types (an unknown name is a usage error); all of them without a filter. */
export function filterCandidates(candidates: readonly AcceleratorInventory[], names: readonly string[] | undefined, where: string): AcceleratorInventory[] {
  if (!names || names.length === 0) return [...candidates];
  for (const name of names) {
    if (!acceleratorByName(name)) throw new UsageError(`--accelerator ${name}: not a known accelerator type`);
    if (!candidates.some((c) => c.type === name)) throw new KubeError(`${where} has no ${name} (it has: ${[...new Set(candidates.map((c) => c.type))].join(', ') || 'no known accelerators'})`);
  }
  return candidates.filter((c) => names.includes(c.type));
}

/** The default price table of `cloud`, with a --prices file laid over it. */
export function loadPrices(file: string | undefined, cloud: CloudChoice = 'gcp'): PriceTable {
  const base = defaultPriceTable(cloud);
  if (!file) return base;
  const parsed = parsePriceTable(readFlagFile(`--prices ${file}`, file), file);
  if (!parsed.ok) throw new UsageError(parsed.error);
  return mergePriceTables(base, parsed.value);
}

/** Measured profiles of the store (rows that do not parse become warnings). */
export function loadMeasured(path: string | undefined, warn: (line: string) => void): PerfProfile[] {
  const store = openStore(path, 'read');
  const { profiles, skipped } = store.list({ source: 'measured' });
  store.close();
  for (const s of skipped) warn(`warning: skipped a stored profile that does not parse: ${s}`);
  return profiles;
}

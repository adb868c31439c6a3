import * as acceleratorType from './filters/accelerator-type.js';
import * as freeDevices from './filters/free-devices.js';
import * as gpuShares from './filters/gpu-shares.js';
import * as groupDomain from './filters/group-domain.js';
import * as hbmFit from './filters/hbm-fit.js';
import * as tpuTopology from './filters/tpu-topology.js';
import type { Cycle, FilterPlugin, ScorePlugin } from './framework.js';
import * as acceleratorPreference from './scorers/accelerator-preference.js';
import * as fragmentation from './scorers/fragmentation.js';
import * as groupLocality from './scorers/group-locality.js';
import * as hbmBestFit from './scorers/hbm-best-fit.js';
import * as zoneSpread from './scorers/zone-spread.js';
import type { NodeEntry } from './state.js';

// The one file that knows every placement plugin (DESIGN.md), in the routing registry's shape: each plugin file
// exports its name constant, its class and a `create` factory; this file maps names to factories.

/** Filters in the order they run: cheap and unresolvable first, so a node's reason is its most basic one. */
export function newFilters(): readonly FilterPlugin[] {
  const perNode: FilterPlugin[] = [acceleratorType.create(), tpuTopology.create(), gpuShares.create(), hbmFit.create()];
  // Shape filters only, memoized per shape for the cycle: the group filter asks this of every node.
  const nodeFits = (cycle: Cycle, node: NodeEntry): boolean => {
    const fits = cycle.memo('shape-fits', () => new Map<string, boolean>());
    let fit = fits.get(node.shapeKey);
    if (fit === undefined) {
      fit = perNode.every((f) => f.filter(cycle, node).code === 'fit');
      fits.set(node.shapeKey, fit);
    }
    return fit;
  };
  return [...perNode, freeDevices.create(), groupDomain.create(nodeFits)];
}

/** Every scorer by name, in the order the run loop sums their weighted scores. */
export const SCORER_TYPES = {
  [hbmBestFit.NAME]: hbmBestFit.create,
  [acceleratorPreference.NAME]: acceleratorPreference.create,
  [fragmentation.NAME]: fragmentation.create,
  [groupLocality.NAME]: groupLocality.create,
  [zoneSpread.NAME]: zoneSpread.create,
} as const satisfies Readonly<Record<string, () => ScorePlugin>>;

export type ScorerName = keyof typeof SCORER_TYPES;
export const SCORER_NAMES = Object.keys(SCORER_TYPES) as [ScorerName, ...ScorerName[]];

export function newScorer(name: ScorerName): ScorePlugin {
  return SCORER_TYPES[name]();
}

/**
 * Default weights. Memory best fit leads: DESIGN.md's placement trap shows best fit on wasted memory (smallest
 * sufficient HBM first, then fewest leftover devices) places the most replicas, so hbm-best-fit outweighs
 * fragmentation. A user's stated preference order and a group's locality come next; zone spread is a tie-breaker.
 */
export const DEFAULT_WEIGHTS: Readonly<Record<ScorerName, number>> = {
  'hbm-best-fit': 4,
  'accelerator-preference': 2,
  'fragmentation': 2,
  'group-locality': 3,
  'zone-spread': 1,
};

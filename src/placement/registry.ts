import { AcceleratorTypeFilter } from './filters/accelerator-type.js';
import { FreeDevicesFilter } from './filters/free-devices.js';
import { GpuSharesFilter } from './filters/gpu-shares.js';
import { GroupDomainFilter } from './filters/group-domain.js';
import { HbmFitFilter } from './filters/hbm-fit.js';
import { TpuTopologyFilter } from './filters/tpu-topology.js';
import type { Cycle, FilterPlugin, ScorePlugin } from './framework.js';
import { AcceleratorPreferenceScorer } from './scorers/accelerator-preference.js';
import { FragmentationScorer } from './scorers/fragmentation.js';
import { GroupLocalityScorer } from './scorers/group-locality.js';
import { HbmBestFitScorer } from './scorers/hbm-best-fit.js';
import { ZoneSpreadScorer } from './scorers/zone-spread.js';
import type { NodeEntry } from './state.js';

// The one file that knows every placement plugin (DESIGN.md).

/** Filters in the order they run: cheap and unresolvable first, so a node's reason is its most basic one. */
export function newFilters(): readonly FilterPlugin[] {
  const perNode: FilterPlugin[] = [new AcceleratorTypeFilter(), new TpuTopologyFilter(), new GpuSharesFilter(), new HbmFitFilter()];
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
  return [...perNode, new FreeDevicesFilter(), new GroupDomainFilter(nodeFits)];
}

export const SCORER_NAMES = ['hbm-best-fit', 'accelerator-preference', 'fragmentation', 'group-locality', 'zone-spread'] as const;
export type ScorerName = (typeof SCORER_NAMES)[number];

export function newScorer(name: ScorerName): ScorePlugin {
  switch (name) {
    case 'hbm-best-fit': return new HbmBestFitScorer();
    case 'accelerator-preference': return new AcceleratorPreferenceScorer();
    case 'fragmentation': return new FragmentationScorer();
    case 'group-locality': return new GroupLocalityScorer();
    case 'zone-spread': return new ZoneSpreadScorer();
  }
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

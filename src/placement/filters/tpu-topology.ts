import { FIT, unresolvable, type Cycle, type FilterPlugin, type Verdict } from '../framework.js';
import type { NodeEntry } from '../state.js';

export const NAME = 'tpu-topology';

/** A pod with `kinfer.dev/tpu-topology` needs a node of a TPU slice of exactly that shape. */
export class TpuTopologyFilter implements FilterPlugin {
  readonly name = NAME;
  readonly scope = 'shape' as const;

  filter(cycle: Cycle, node: NodeEntry): Verdict {
    const wanted = cycle.request.tpuTopology;
    if (wanted === undefined) return FIT;
    const actual = node.accelerators?.tpuTopology;
    if (actual === undefined) return unresolvable(`node is not part of a TPU slice; the pod needs topology ${wanted}`);
    if (actual !== wanted) return unresolvable(`TPU topology ${actual} does not match the required ${wanted}`);
    return FIT;
  }
}

export function create(): TpuTopologyFilter {
  return new TpuTopologyFilter();
}

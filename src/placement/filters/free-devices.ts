import { FIT, unresolvable, unschedulable, type Cycle, type FilterPlugin, type Verdict } from '../framework.js';
import type { NodeEntry } from '../state.js';

export const NAME = 'free-devices';

/** Enough devices of the pod's kind are free now (allocatable minus bound, non-terminated pods). */
export class FreeDevicesFilter implements FilterPlugin {
  readonly name = NAME;
  readonly scope = 'node' as const;

  filter(cycle: Cycle, node: NodeEntry): Verdict {
    const pool = cycle.pool(node);
    if (!pool) return FIT;
    const needed = cycle.request.devices.count;
    const type = node.accelerators?.type ?? pool.resourceName;
    if (pool.devices < needed) {
      return unresolvable(`node has ${pool.devices} ${type} device(s) in all; the pod needs ${needed}`);
    }
    const free = cycle.freeDevices(node, pool);
    if (free < needed) return unschedulable(`${free} of ${pool.devices} ${type} device(s) free; the pod needs ${needed}`);
    return FIT;
  }
}

export function create(): FreeDevicesFilter {
  return new FreeDevicesFilter();
}

import { FIT, unresolvable, type Cycle, type FilterPlugin, type Verdict } from '../framework.js';
import type { NodeEntry } from '../state.js';

export const NAME = 'accelerator-type';

/** The node has the pod's kind of device, and its accelerator type is one the pod accepts (`kinfer.dev/accelerators`). */
export class AcceleratorTypeFilter implements FilterPlugin {
  readonly name = NAME;
  readonly scope = 'shape' as const;

  filter(cycle: Cycle, node: NodeEntry): Verdict {
    const accelerators = node.accelerators;
    const wanted = cycle.request.devices.resourceName;
    if (!accelerators) return unresolvable(`node has no accelerator; the pod needs ${wanted}`);
    if (!cycle.pool(node)) {
      const offered = accelerators.pools.map((p) => p.resourceName).join(', ') || 'no devices';
      return unresolvable(`node's ${accelerators.type} offers ${offered}, not ${wanted}`);
    }
    const accepted = cycle.request.accelerators;
    if (accepted && !accepted.includes(accelerators.type)) {
      return unresolvable(`accelerator ${accelerators.type} is not one the pod accepts (${accepted.join(', ')})`);
    }
    return FIT;
  }
}

export function create(): AcceleratorTypeFilter {
  return new AcceleratorTypeFilter();
}

import { FIT, unresolvable, type Cycle, type FilterPlugin, type Verdict } from '../framework.js';
import type { NodeEntry } from '../state.js';

export const NAME = 'gpu-shares';

/**
 * On a node whose GPUs are shared (time-slicing, MPS), each `nvidia.com/gpu` unit is a share of one physical GPU
 * and the device plugin may hand one pod several shares of the same GPU. A replica asking for more than one unit
 * there would run its tensor-parallel ranks on one device: refused, with the reason. One share is fine; its
 * memory is the share's (see accelerators/sharing.ts), which the HBM filter checks.
 */
export class GpuSharesFilter implements FilterPlugin {
  readonly name = NAME;
  readonly scope = 'shape' as const;

  filter(cycle: Cycle, node: NodeEntry): Verdict {
    const sharing = cycle.pool(node)?.sharing;
    const count = cycle.request.devices.count;
    if (!sharing || count <= 1) return FIT;
    const type = node.accelerators?.type ?? 'GPU';
    return unresolvable(
      `${type} GPUs here are shared (${sharing.strategy}, ${sharing.sharesPerDevice} shares per GPU): ${count} shares may be one GPU, `
      + 'so tensor parallelism across shares is refused; ask for 1 share or use nodes without GPU sharing',
    );
  }
}

export function create(): GpuSharesFilter {
  return new GpuSharesFilter();
}

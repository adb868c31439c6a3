import { clamp01, type Cycle, type ScorePlugin } from '../framework.js';
import type { NodeEntry } from '../state.js';

export const NAME = 'fragmentation';

/**
 * Device-count fragmentation: half the score is how full the node is after placement (fewest leftover
 * devices, i.e. pack), half is whether the leftover is a count a common request can still use. Serving
 * replicas use tensor-parallel sizes that are powers of two (vLLM requires heads % TP == 0, and every catalog
 * model has a power-of-two head count), so leaving 0, 1, 2, 4 or 8 devices strands nothing; leaving 3 or 6
 * strands a device that only a TP-1 replica can take.
 */
export class FragmentationScorer implements ScorePlugin {
  readonly name = NAME;
  readonly scope = 'node' as const;

  score(cycle: Cycle, node: NodeEntry): number {
    const pool = cycle.pool(node);
    if (!pool || pool.devices <= 0) return 0;
    const leftover = cycle.freeDevices(node, pool) - cycle.request.devices.count;
    if (leftover < 0) return 0;
    const packed = 1 - leftover / pool.devices;
    const usable = isPowerOfTwoOrZero(leftover) ? 1 : 0;
    return clamp01(0.5 * packed + 0.5 * usable);
  }
}

function isPowerOfTwoOrZero(n: number): boolean {
  return n === 0 || (n > 0 && (n & (n - 1)) === 0);
}

export function create(): FragmentationScorer {
  return new FragmentationScorer();
}

import { clamp01, type Cycle, type ScorePlugin } from '../framework.js';
import type { NodeEntry } from '../state.js';

export const NAME = 'hbm-best-fit';

/**
 * Least wasted memory: need ÷ usable HBM of the devices the pod would get. A 16 GiB model scores 0.74 on an
 * L4 and 0.15 on an H100, so small models stop filling big-memory GPUs (DESIGN.md, "two traps").
 * No memory need declared: neutral 1 on every node.
 */
export class HbmBestFitScorer implements ScorePlugin {
  readonly name = NAME;
  readonly scope = 'shape' as const;

  appliesTo(cycle: Cycle): boolean {
    return cycle.request.hbm !== undefined;
  }

  score(cycle: Cycle, node: NodeEntry): number {
    const { hbm, devices, memoryUtilization } = cycle.request;
    const pool = cycle.pool(node);
    if (!hbm || !pool || pool.hbmBytesPerDevice <= 0) return 1;
    return clamp01(hbm.totalBytes / (devices.count * pool.hbmBytesPerDevice * memoryUtilization));
  }
}

export function create(): HbmBestFitScorer {
  return new HbmBestFitScorer();
}

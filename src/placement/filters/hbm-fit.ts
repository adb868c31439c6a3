import { formatGiB } from '../../units/quantity.js';
import { FIT, unresolvable, type Cycle, type FilterPlugin, type Verdict } from '../framework.js';
import type { NodeEntry } from '../state.js';

export const NAME = 'hbm-fit';

/**
 * DESIGN.md's fit rule: devices × HBM per device × memory-utilization ≥ the replica's need (weights + KV for
 * max-model-len × kv-reserve-seqs + runtime overhead). Independent of what is free now, so a miss is unresolvable.
 */
export class HbmFitFilter implements FilterPlugin {
  readonly name = NAME;
  readonly scope = 'shape' as const;

  filter(cycle: Cycle, node: NodeEntry): Verdict {
    const { hbm, devices, memoryUtilization } = cycle.request;
    if (!hbm) return FIT;
    const pool = cycle.pool(node);
    if (!pool) return FIT; // the accelerator-type filter owns that rejection
    const type = node.accelerators?.type ?? 'unknown';
    if (pool.hbmBytesPerDevice <= 0) {
      return unresolvable(`memory of ${type} is unknown; label the node kinfer.dev/hbm-per-device (e.g. 80Gi)`);
    }
    const usable = devices.count * pool.hbmBytesPerDevice * memoryUtilization;
    if (usable >= hbm.totalBytes) return FIT;
    return unresolvable(`insufficient HBM: needs ${formatGiB(hbm.totalBytes)}, ${type} x${devices.count} gives ${formatGiB(usable)} usable`);
  }
}

export function create(): HbmFitFilter {
  return new HbmFitFilter();
}

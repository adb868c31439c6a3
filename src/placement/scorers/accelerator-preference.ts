import type { Cycle, ScorePlugin } from '../framework.js';
import type { NodeEntry } from '../state.js';

export const NAME = 'accelerator-preference';

/**
 * The order of `kinfer.dev/accelerators`: the first type scores 1, the last 1/n, linearly between.
 * No list: neutral 1 on every node.
 */
export class AcceleratorPreferenceScorer implements ScorePlugin {
  readonly name = NAME;
  readonly scope = 'shape' as const;

  appliesTo(cycle: Cycle): boolean {
    return (cycle.request.accelerators?.length ?? 0) > 1;
  }

  score(cycle: Cycle, node: NodeEntry): number {
    const accepted = cycle.request.accelerators;
    if (!accepted || accepted.length === 0) return 1;
    const index = accepted.indexOf(node.accelerators?.type ?? '');
    return index < 0 ? 0 : (accepted.length - index) / accepted.length;
  }
}

export function create(): AcceleratorPreferenceScorer {
  return new AcceleratorPreferenceScorer();
}

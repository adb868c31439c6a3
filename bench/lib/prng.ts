// Seeded choices for the benchmarks; the generator itself is src/random.ts (shared with kubectl inference bench).
import type { Rng } from '../../src/random.js';

export { mulberry32, type Rng } from '../../src/random.js';

export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick from an empty list');
  return items[Math.floor(rng() * items.length)]!;
}

/** Picks by weight: `[[item, weight], ...]`. */
export function weighted<T>(rng: Rng, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let x = rng() * total;
  for (const [item, w] of items) {
    x -= w;
    if (x < 0) return item;
  }
  return items[items.length - 1]![0];
}

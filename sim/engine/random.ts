// Seeded randomness for the simulator: the same seed gives the same sequence on every platform.

import { mulberry32, type Rng } from '../../src/random.js';

/** Draws from the project's one PRNG (src/random.ts, mulberry32) with the helpers the simulator samples with. */
export class SeededRandom {
  private readonly draw: Rng;

  constructor(seed: number) {
    this.draw = mulberry32(seed);
  }

  /** A float in [0, 1). */
  next(): number {
    return this.draw();
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** `length` lowercase hex digits. */
  hex(length: number): string {
    let out = '';
    while (out.length < length) out += Math.floor(this.next() * 0x100000000).toString(16).padStart(8, '0');
    return out.slice(0, length);
  }
}

/**
 * How long an output is.
 * - fixed: exactly max_tokens, as if every request ran with vLLM's `ignore_eos` (benchmarks' usual setting).
 * - uniform: a seeded draw in [minTokens, maxTokens], a crude stand-in for the model emitting EOS early.
 */
export type OutputLengthMode = 'fixed' | 'uniform';

export function outputLength(mode: OutputLengthMode, maxTokens: number, minTokens: number, random: SeededRandom, ignoreEos: boolean): number {
  if (mode === 'fixed' || ignoreEos) return maxTokens;
  return random.int(Math.min(Math.max(1, minTokens), maxTokens), maxTokens);
}

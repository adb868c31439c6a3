// Seeded randomness for the simulator: the same seed gives the same sequence on every platform.

/** mulberry32: a 32-bit-state PRNG (Tommy Ettinger, public domain); enough for sampling lengths, not for crypto. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
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

import { parseDurationFlag } from '../src/units/duration.js';
import { UsageError } from '../src/usage.js';

/** A duration flag (Go grammar: 1h30m, 90s, 250ms) in milliseconds, or a usage error naming the flag. */
export function durationFlag(flag: string, text: string, range: { minMs?: number; maxMs?: number } = {}): number {
  const parsed = parseDurationFlag(flag, text, range);
  if (!parsed.ok) throw new UsageError(parsed.error);
  return parsed.value;
}

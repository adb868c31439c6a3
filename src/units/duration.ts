import { err, ok, type Result } from '../result.js';

// One duration grammar for every binary and flag: Go's time.ParseDuration (what kubectl's --timeout and
// --request-timeout take, https://pkg.go.dev/time#ParseDuration): a sequence of decimal numbers, each with a unit,
// e.g. "300ms", "1.5h", "1h30m"; units ns, us (µs), ms, s, m, h. Go accepts a bare "0"; any other bare number is
// refused with a hint, since kinfer once read it as seconds in one place and milliseconds in another.

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** A Go duration as milliseconds; negative durations are refused (no flag wants one). */
export function parseDuration(text: string): Result<number> {
  const s = text.trim();
  if (s === '0') return ok(0);
  if (/^[-+]?\d+(?:\.\d*)?$/.test(s)) return err(`"${text}" has no unit: write ${s}s or ${s}ms (units: h, m, s, ms, us, ns; e.g. 1h30m, 250ms)`);
  if (s.startsWith('-')) return err(`"${text}": must not be negative`);
  const body = s.startsWith('+') ? s.slice(1) : s;
  if (body === '') return err(`"${text}" is not a duration (e.g. 1h30m, 90s, 250ms)`);
  let ms = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < body.length) {
    const at = TERM.lastIndex;
    const match = TERM.exec(body);
    if (!match || match.index !== at) return err(`"${text}" is not a duration (e.g. 1h30m, 90s, 250ms; units: h, m, s, ms, us, ns)`);
    ms += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return ok(ms);
}

/** The duration a flag names, checked against a range; the error names the flag. */
export function parseDurationFlag(flag: string, text: string, range: { minMs?: number; maxMs?: number } = {}): Result<number> {
  const parsed = parseDuration(text);
  if (!parsed.ok) return err(`${flag} ${parsed.error}`);
  const { minMs, maxMs } = range;
  if (minMs !== undefined && parsed.value < minMs) return err(`${flag} ${text}: must be at least ${formatDuration(minMs)}`);
  if (maxMs !== undefined && parsed.value > maxMs) return err(`${flag} ${text}: must be at most ${formatDuration(maxMs)}`);
  return ok(parsed.value);
}

/** Milliseconds the way Go prints them, for messages: 1h30m0s → "1h30m", 250 → "250ms", 1500 → "1.5s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

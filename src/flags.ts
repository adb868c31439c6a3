import { parseArgs } from 'node:util';
import { z } from 'zod';
import { err, ok, type Result } from './result.js';
import { parseDuration } from './units/duration.js';
import { UsageError } from './usage.js';

// The services' command lines (kinfer-picker, kinfer-sim, kinfer-extender) from one table each: every flag is
// declared once (name, short, value placeholder, zod schema from its text, default as it would be typed, help),
// and from that table come node:util parseArgs' options, the typed values or one UsageError naming the flag, and
// the flags part of --help. A value schema's error message follows the flag name: "--port 70000: not a port number".

/** One flag of a table; `R` is the type its value reads as. */
export interface Flag<R> {
  readonly kind: 'option' | 'list' | 'switch';
  readonly short?: string;
  /** The value's placeholder in the help (N, FILE, D); none for a switch. */
  readonly value?: string;
  readonly help: string;
  /** Starts a new section of the help at this flag. */
  readonly heading?: string;
  /** The default as typed on the command line, shown in the help and parsed like a given value. */
  readonly default?: string;
  /** The default in words, when the service decides it (e.g. it depends on another flag). */
  readonly defaultHelp?: string;
  readonly read: (raw: string | readonly string[] | boolean | undefined, flag: string) => R;
  /** Carries R for the typed result; never set. */
  readonly __type?: R;
}

export type FlagTable = Readonly<Record<string, Flag<unknown>>>;
export type FlagValues<T extends FlagTable> = { readonly [K in keyof T]: T[K] extends Flag<infer R> ? R : never };

interface FlagText {
  readonly short?: string;
  readonly help: string;
  readonly heading?: string;
  readonly defaultHelp?: string;
}

function decode<T>(schema: z.ZodType<T, string>, text: string, flag: string): T {
  const parsed = schema.safeParse(text);
  if (parsed.success) return parsed.data;
  throw new UsageError(`${flag} ${parsed.error.issues[0]?.message ?? `${text}: invalid value`}`);
}

/** A flag with one value; its default (the text a user would type) goes through the same schema. */
export function option<T>(value: string, schema: z.ZodType<T, string>, text: FlagText & { readonly default: string }): Flag<T>;
export function option<T>(value: string, schema: z.ZodType<T, string>, text: FlagText): Flag<T | undefined>;
export function option<T>(value: string, schema: z.ZodType<T, string>, text: FlagText & { readonly default?: string }): Flag<T | undefined> {
  return {
    ...text, kind: 'option', value,
    read: (raw, flag) => {
      const given = typeof raw === 'string' ? raw : text.default;
      return given === undefined ? undefined : decode(schema, given, flag);
    },
  };
}

/** A repeatable flag: every value, in order. */
export function list<T>(value: string, schema: z.ZodType<T, string>, text: FlagText): Flag<T[]> {
  return { ...text, kind: 'list', value, read: (raw, flag) => (Array.isArray(raw) ? raw : []).map((one) => decode(schema, one as string, flag)) };
}

/** A flag without a value: true when given. */
export function toggle(text: FlagText): Flag<boolean> {
  return { ...text, kind: 'switch', read: (raw) => raw === true };
}

// Value schemas, from the flag's text. Messages start with the text so they read after the flag name.

/** A zod schema from a Result-returning parser of the text. */
export function fromText<T>(parse: (text: string) => Result<T>): z.ZodType<T, string> {
  return z.string().transform((text, ctx) => {
    const parsed = parse(text);
    if (parsed.ok) return parsed.value;
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  });
}

export const text = z.string();

/** One of a list of words: "--mode grpc: use ext-proc or proxy". */
export function oneOf<const T extends string>(values: readonly T[]): z.ZodType<T, string> {
  const words = values.length > 1 ? `${values.slice(0, -1).join(', ')} or ${values.at(-1)!}` : String(values[0]);
  return fromText((s) => ((values as readonly string[]).includes(s) ? ok(s as T) : err(`${s}: use ${words}`)));
}

/** A TCP port, `min` to 65535. */
export function port(min = 0): z.ZodType<number, string> {
  return fromText((s) => {
    const n = Number(s);
    return s.trim() !== '' && Number.isInteger(n) && n >= min && n <= 65535 ? ok(n) : err(`${s}: not a port number`);
  });
}

/** A whole number above zero, digits only. */
export const wholeNumber = fromText((s) => {
  const n = Number(s);
  return /^\d+$/.test(s.trim()) && Number.isSafeInteger(n) && n > 0 ? ok(n) : err(`${s}: use a whole number above zero`);
});

export const bool = fromText((s) => (s === 'true' ? ok(true) : s === 'false' ? ok(false) : err(`${s}: use true or false`)));

/** A Go duration (src/units/duration.ts) in milliseconds, above zero; a bare number is refused with a hint. */
export const duration = fromText((s) => {
  const parsed = parseDuration(s);
  if (!parsed.ok) return parsed;
  return parsed.value > 0 ? parsed : err(`${s}: must be above zero`);
});

export type ParsedFlags<T extends FlagTable> =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly values: FlagValues<T>; readonly given: ReadonlySet<keyof T & string> };

const BUILT_IN = {
  help: toggle({ short: 'h', help: 'this help' }),
  version: toggle({ short: 'v', help: 'print the version' }),
};

/**
 * argv → the table's typed values, or { kind: 'help' | 'version' } (which win over any other flag's value), or
 * one UsageError naming the flag (an unknown flag, a missing value, a value its schema refuses).
 */
export function parseFlags<T extends FlagTable>(table: T, argv: readonly string[]): ParsedFlags<T> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, flag] of Object.entries({ ...table, ...BUILT_IN })) {
    options[name] = { type: flag.kind === 'switch' ? 'boolean' : 'string', ...(flag.short !== undefined ? { short: flag.short } : {}), ...(flag.kind === 'list' ? { multiple: true } : {}) };
  }
  let raw: Record<string, string | string[] | boolean | undefined>;
  try {
    raw = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as typeof raw;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (raw.help === true) return { kind: 'help' };
  if (raw.version === true) return { kind: 'version' };
  const values: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(table)) values[name] = flag.read(raw[name], `--${name}`);
  const given = new Set(Object.keys(table).filter((name) => raw[name] !== undefined));
  return { kind: 'run', values: values as FlagValues<T>, given: given as ReadonlySet<keyof T & string> };
}

const WIDTH = 118;

function wrap(words: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

/** The flags part of --help: sections as the table's headings say, each flag's help wrapped beside its name. */
export function flagsHelp(table: FlagTable, firstHeading = 'Flags:'): string {
  const entries = Object.entries({ ...table, ...BUILT_IN });
  const label = (name: string, flag: Flag<unknown>): string => `  ${flag.short !== undefined ? `-${flag.short}, ` : ''}--${name}${flag.value !== undefined ? ` ${flag.value}` : ''}`;
  const column = Math.min(36, Math.max(...entries.map(([name, flag]) => label(name, flag).length)) + 2);
  const out: string[] = [firstHeading];
  for (const [name, flag] of entries) {
    if (flag.heading !== undefined) out.push('', flag.heading);
    const shown = flag.defaultHelp !== undefined ? `: ${flag.defaultHelp}` : flag.default !== undefined ? ` ${flag.default}` : undefined;
    const lines = wrap(`${flag.help}${shown !== undefined ? ` (default${shown})` : ''}`, WIDTH - column);
    const head = label(name, flag);
    if (head.length + 1 > column) out.push(head);
    else out.push(`${head.padEnd(column)}${lines.shift()!}`);
    for (const line of lines) out.push(`${' '.repeat(column)}${line}`);
  }
  return `${out.join('\n')}\n`;
}

// Shell completion for `kubectl inference`, answered the way cobra programs answer kubectl's `__complete` request
// (kubectl ≥ 1.26 runs `kubectl_complete-inference ARGS…` for `kubectl inference ARGS…<TAB>`, kubernetes PR 105867):
// one candidate per line, `value<TAB>description`, then `:DIRECTIVE` (cobra's ShellCompDirective bit set,
// spf13/cobra completions.go). The same answer feeds the bash/zsh/fish scripts of `kubectl inference completion`.

/** cobra's ShellCompDirective bits (spf13/cobra completions.go). */
export const DIRECTIVE = { default: 0, error: 1, noSpace: 2, noFileComp: 4 } as const;

/** What completion needs to know about one flag. */
export interface FlagSpec {
  readonly name: string;
  readonly char?: string | undefined;
  /** A boolean takes no value; an option takes one. */
  readonly takesValue: boolean;
  readonly options?: readonly string[] | undefined;
  readonly summary?: string | undefined;
  readonly multiple?: boolean | undefined;
}

/** What completion needs to know about one command: its oclif id (`route:show`), flags and positional args. */
export interface CommandSpec {
  readonly id: string;
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  readonly args: ReadonlyArray<{ readonly name: string; readonly description?: string | undefined }>;
}

export interface Candidate {
  readonly value: string;
  readonly description?: string | undefined;
}

export interface Completion {
  readonly candidates: readonly Candidate[];
  readonly directive: number;
}

/** Values known without a cluster, by flag or argument name: `model` → catalog ids, `accelerator` → type names. */
export type DynamicValues = Readonly<Record<string, readonly Candidate[]>>;

/** Flags whose value is a path: the shell completes files there (directive default). */
const FILE_FLAGS = new Set(['kubeconfig', 'models-file', 'hf-config', 'prices', 'profiles', 'plot-file', 'file', 'config']);
/** Flags that take comma-separated lists: complete the item after the last comma. */
const LIST_FLAGS = new Set(['accelerator']);

const done = (candidates: readonly Candidate[], prefix: string, directive: number = DIRECTIVE.noFileComp): Completion => ({
  candidates: candidates.filter((c) => c.value.startsWith(prefix)),
  directive,
});

/**
 * Completes the last of `words` (the words after `inference`; the last is the one being typed, '' after a space).
 * Pure: everything it knows comes from `commands` and `values`.
 */
export function complete(words: readonly string[], commands: readonly CommandSpec[], values: DynamicValues): Completion {
  const typed = words.length > 0 ? words : [''];
  const current = typed[typed.length - 1]!;
  const before = typed.slice(0, -1);

  // The command: the longest run of leading words that names a command or topic.
  let path: string[] = [];
  let consumed = 0;
  for (const word of before) {
    const next = [...path, word].join(':');
    if (!commands.some((c) => c.id === next || c.id.startsWith(`${next}:`))) break;
    path = [...path, word];
    consumed++;
  }
  const id = path.join(':');
  const command = commands.find((c) => c.id === id);
  const subcommands = nextWords(commands, path);

  // A word that names no command: nothing to offer after it.
  if (!command) return done(consumed < before.length ? [] : subcommands, current);
  const flags = [...command.flags, { name: 'help', char: 'h', takesValue: false, summary: 'Show help.' }];
  const flagOf = (word: string): FlagSpec | undefined =>
    word.startsWith('--') ? flags.find((f) => f.name === word.slice(2)) : /^-[A-Za-z]$/.test(word) ? flags.find((f) => f.char === word[1]) : undefined;

  // The value of a flag: `--flag <TAB>` or `--flag=<TAB>`.
  const previous = before.length > consumed ? before[before.length - 1]! : undefined;
  const pending = previous !== undefined && !previous.includes('=') ? flagOf(previous) : undefined;
  if (pending?.takesValue) return flagValues(pending, current, '', values);
  const inline = /^(--[^=]+)=(.*)$/.exec(current);
  if (inline) {
    const flag = flagOf(inline[1]!);
    return flag?.takesValue ? flagValues(flag, inline[2]!, `${inline[1]}=`, values) : done([], current);
  }

  if (current.startsWith('-')) {
    const used = new Set(before.slice(consumed).map((w) => flagOf(w.split('=')[0]!)?.name).filter((n): n is string => n !== undefined));
    const names = flags.filter((f) => f.multiple || !used.has(f.name)).map((f) => ({ value: `--${f.name}`, description: f.summary }));
    return done(names, current);
  }

  // A positional argument: count the ones already given (a flag's separate value is not one).
  let position = 0;
  for (let i = consumed; i < before.length; i++) {
    const word = before[i]!;
    if (word.startsWith('-')) {
      if (!word.includes('=') && flagOf(word)?.takesValue) i++;
      continue;
    }
    position++;
  }
  const arg = command.args[position];
  const argValues = arg ? values[arg.name] ?? [] : [];
  // A command that is also a topic (`list` and `list nodes`) offers its subcommands in first position.
  return done([...(position === 0 ? subcommands : []), ...argValues], current);
}

/** The next word of every command id under `path`, with the command's summary when the word ends one. */
function nextWords(commands: readonly CommandSpec[], path: readonly string[]): Candidate[] {
  const prefix = path.length > 0 ? `${path.join(':')}:` : '';
  const seen = new Map<string, Candidate>();
  for (const c of commands) {
    if (!c.id.startsWith(prefix)) continue;
    const rest = c.id.slice(prefix.length).split(':');
    const word = rest[0]!;
    if (rest.length === 1 || !seen.has(word)) seen.set(word, { value: word, description: rest.length === 1 ? c.summary : `${word} commands` });
  }
  return [...seen.values()];
}

function flagValues(flag: FlagSpec, typed: string, prefix: string, values: DynamicValues): Completion {
  if (FILE_FLAGS.has(flag.name)) return { candidates: [], directive: DIRECTIVE.default };
  const known = flag.options?.map((value) => ({ value })) ?? values[flag.name] ?? [];
  if (LIST_FLAGS.has(flag.name)) {
    const head = typed.slice(0, typed.lastIndexOf(',') + 1);
    const chosen = new Set(head.split(',').filter(Boolean));
    const rest = known.filter((c) => !chosen.has(c.value)).map((c) => ({ ...c, value: `${prefix}${head}${c.value}` }));
    return done(rest, `${prefix}${typed}`);
  }
  return done(known.map((c) => ({ ...c, value: `${prefix}${c.value}` })), `${prefix}${typed}`);
}

/** cobra's `__complete` output: `value\tdescription` lines, then `:directive`. */
export function formatCompletion(completion: Completion): string {
  const lines = completion.candidates.map((c) => (c.description ? `${c.value}\t${c.description.split('\n')[0]}` : c.value));
  return [...lines, `:${completion.directive}`].join('\n') + '\n';
}

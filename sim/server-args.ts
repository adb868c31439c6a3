import { err, ok, type Result } from '../src/result.js';

// kinfer-sim as a drop-in for the model server a pod runs: the container's own command line
// (`vllm serve MODEL --tensor-parallel-size 8 ...`, `python3 -m sglang.launch_server --model-path M --tp 8 ...`)
// becomes kinfer-sim flags, so what `deploy` writes is what the simulation runs. Flags the sim has no use for are
// named in one warning; nothing about them is fatal, as the real server would accept them.

export type ServerDialect = 'vllm' | 'sglang';

export interface ServerCommandLine {
  readonly dialect: ServerDialect;
  /** kinfer-sim flags equivalent to the server's. */
  readonly simArgs: readonly string[];
  /** Server flags the simulation ignores (it serves metrics always, loads no weights, ...). */
  readonly ignored: readonly string[];
}

/** A server flag and the kinfer-sim flag it becomes; `value` maps the server's value (undefined: drop it). */
interface Mapping {
  readonly sim: string;
  readonly value?: (text: string) => Result<string | undefined>;
}

const same = (sim: string): Mapping => ({ sim });

/** vLLM `--quantization` methods, as weight precisions (methods that ship their own checkpoint format included). */
const QUANTIZATION: Readonly<Record<string, string>> = {
  fp8: 'fp8', fbgemm_fp8: 'fp8', modelopt: 'fp8', ptpc_fp8: 'fp8',
  awq: 'int4', awq_marlin: 'int4', gptq: 'int4', gptq_marlin: 'int4', marlin: 'int4',
  mxfp4: 'mxfp4', modelopt_fp4: 'fp4', nvfp4: 'fp4',
  w8a8_int8: 'int8', 'w8a8-int8': 'int8', bitsandbytes: 'int4',
};
/** Server `--dtype` (activations and unquantized weights): `auto` keeps the checkpoint's. */
const MODEL_DTYPE: Readonly<Record<string, string | undefined>> = {
  auto: undefined, bfloat16: 'bf16', bf16: 'bf16', float16: 'fp16', half: 'fp16', fp16: 'fp16',
};
/** `--kv-cache-dtype`: `auto` stores KV like the model. */
const KV_DTYPE: Readonly<Record<string, string | undefined>> = {
  auto: undefined, bfloat16: 'bf16', bf16: 'bf16', fp16: 'fp16', float16: 'fp16', fp8: 'fp8', fp8_e4m3: 'fp8', fp8_e5m2: 'fp8',
};

function lookup(flag: string, table: Readonly<Record<string, string | undefined>>): (text: string) => Result<string | undefined> {
  return (text) => (text in table ? ok(table[text]) : err(`${flag} ${text}: kinfer-sim simulates ${Object.keys(table).join(', ')}`));
}

const VLLM: Readonly<Record<string, Mapping>> = {
  '--model': same('--profile-model'),
  '--served-model-name': same('--model'),
  '--host': same('--host'),
  '--port': same('--port'),
  '--tensor-parallel-size': same('--tensor-parallel-size'),
  '-tp': same('--tensor-parallel-size'),
  '--pipeline-parallel-size': same('--pipeline-parallel-size'),
  '-pp': same('--pipeline-parallel-size'),
  '--max-num-seqs': same('--max-num-seqs'),
  '--max-model-len': same('--max-model-len'),
  '--max-num-batched-tokens': same('--max-num-batched-tokens'),
  '--gpu-memory-utilization': same('--gpu-memory-utilization'),
  '--block-size': same('--block-size'),
  '--num-gpu-blocks-override': same('--num-gpu-blocks'),
  '--seed': same('--seed'),
  '--kv-cache-dtype': { sim: '--kv-cache-dtype', value: lookup('--kv-cache-dtype', KV_DTYPE) },
  '--quantization': { sim: '--dtype', value: lookup('--quantization', QUANTIZATION) },
  '-q': { sim: '--dtype', value: lookup('--quantization', QUANTIZATION) },
  '--dtype': { sim: '--dtype', value: lookup('--dtype', MODEL_DTYPE) },
};
const VLLM_SWITCHES: Readonly<Record<string, readonly string[]>> = {
  '--enable-prefix-caching': [],
  '--no-enable-prefix-caching': ['--no-enable-prefix-caching'],
};

const SGLANG: Readonly<Record<string, Mapping>> = {
  '--model-path': same('--profile-model'),
  '--model': same('--profile-model'),
  '--served-model-name': same('--model'),
  '--host': same('--host'),
  '--port': same('--port'),
  '--tp-size': same('--tensor-parallel-size'),
  '--tp': same('--tensor-parallel-size'),
  '--tensor-parallel-size': same('--tensor-parallel-size'),
  '--pp-size': same('--pipeline-parallel-size'),
  '--context-length': same('--max-model-len'),
  '--max-running-requests': same('--max-num-seqs'),
  '--chunked-prefill-size': same('--max-num-batched-tokens'),
  '--mem-fraction-static': same('--gpu-memory-utilization'),
  '--page-size': same('--block-size'),
  '--random-seed': same('--seed'),
  '--kv-cache-dtype': { sim: '--kv-cache-dtype', value: lookup('--kv-cache-dtype', KV_DTYPE) },
  '--quantization': { sim: '--dtype', value: lookup('--quantization', QUANTIZATION) },
  '--dtype': { sim: '--dtype', value: lookup('--dtype', MODEL_DTYPE) },
};
const SGLANG_SWITCHES: Readonly<Record<string, readonly string[]>> = {
  '--disable-radix-cache': ['--no-enable-prefix-caching'],
  // kinfer-sim always serves /metrics.
  '--enable-metrics': [],
};

/**
 * Where a server command line starts in argv, and which server it is: `vllm serve …` (the command may be a path
 * ending in /vllm), or `serve …` alone (a container's args without its command), or
 * `python[3] -m sglang.launch_server …` / `-m sglang.launch_server …`. Undefined: argv is kinfer-sim's own.
 */
export function findServerCommand(argv: readonly string[]): { index: number; dialect: ServerDialect; argsFrom: number } | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if ((word === 'vllm' || word.endsWith('/vllm')) && argv[i + 1] === 'serve') return { index: i, dialect: 'vllm', argsFrom: i + 2 };
    if (word === 'serve' && (i === 0 || !argv[i - 1]!.startsWith('-') || isOwnSwitch(argv[i - 1]!))) return { index: i, dialect: 'vllm', argsFrom: i + 1 };
    if (/(^|\/)python3?$/.test(word) && argv[i + 1] === '-m' && argv[i + 2] === 'sglang.launch_server') return { index: i, dialect: 'sglang', argsFrom: i + 3 };
    if (word === '-m' && argv[i + 1] === 'sglang.launch_server') return { index: i, dialect: 'sglang', argsFrom: i + 2 };
  }
  return undefined;
}

/** kinfer-sim switches (flags without a value) that may come right before a bare `serve`. */
function isOwnSwitch(word: string): boolean {
  return word === '--no-enable-prefix-caching' || word === '--help' || word === '--version';
}

/** Translates a server's flags (after `vllm serve` / `-m sglang.launch_server`) to kinfer-sim's. */
export function translateServerArgs(dialect: ServerDialect, args: readonly string[]): Result<ServerCommandLine> {
  const table = dialect === 'vllm' ? VLLM : SGLANG;
  const switches = dialect === 'vllm' ? VLLM_SWITCHES : SGLANG_SWITCHES;
  const simArgs: string[] = ['--dialect', dialect];
  const ignored: string[] = [];
  let pipeline = 1;
  let tp: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (!word.startsWith('-')) {
      // vLLM's model is a positional (`vllm serve MODEL`); any other stray word is the server's business.
      if (dialect === 'vllm' && !simArgs.includes('--profile-model')) simArgs.push('--profile-model', word);
      else ignored.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const flag = eq > 0 ? word.slice(0, eq) : word;
    const switched = switches[flag];
    if (switched !== undefined && eq < 0) {
      simArgs.push(...switched);
      continue;
    }
    const mapping = table[flag];
    const next = args[i + 1];
    const hasNext = next !== undefined && !(next.startsWith('--') || (next.startsWith('-') && Number.isNaN(Number(next))));
    if (mapping === undefined) {
      // An unknown flag takes the next word as its value unless that word is a flag itself.
      ignored.push(flag);
      if (eq < 0 && hasNext) i++;
      continue;
    }
    const text = eq > 0 ? word.slice(eq + 1) : next;
    if (text === undefined || (eq < 0 && !hasNext)) return err(`${flag} needs a value`);
    if (eq < 0) i++;
    const value = mapping.value ? mapping.value(text) : ok(text);
    if (!value.ok) return value;
    if (value.value === undefined) continue;
    if (mapping.sim === '--pipeline-parallel-size') {
      pipeline = Number(value.value);
      if (!(Number.isInteger(pipeline) && pipeline >= 1)) return err(`${flag} ${text}: must be a whole number of at least 1`);
      continue;
    }
    if (mapping.sim === '--tensor-parallel-size') {
      tp = value.value;
      continue;
    }
    simArgs.push(mapping.sim, value.value);
  }
  // Pipeline stages multiply the devices one replica spans: the sim models them as one group of tp × pp.
  if (pipeline > 1) simArgs.push('--tensor-parallel-size', String(Number(tp ?? 1) * pipeline));
  else if (tp !== undefined) simArgs.push('--tensor-parallel-size', tp);
  if (!simArgs.includes('--profile-model')) return err(dialect === 'vllm' ? 'vllm serve: no model (vllm serve MODEL ...)' : 'sglang.launch_server: no --model-path');
  return ok({ dialect, simArgs, ignored });
}

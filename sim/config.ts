import { parseDtype, parseKvDtype } from '../src/models/dtype.js';
import { serverDefaultBatch } from '../src/servers/batch.js';
import { findServerCommand, translateServerArgs } from './server-args.js';
import type { z } from 'zod';
import { flagsHelp, fromText, oneOf, option, parseFlags, text, toggle } from '../src/flags.js';
import { DEFAULT_MAX_MODEL_LEN, DEFAULT_MEMORY_UTILIZATION } from '../src/models/memory.js';
import { err, ok, type Result } from '../src/result.js';
import { engineConfigProblem, type EngineConfig } from './engine/engine.js';
import type { OutputLengthMode } from './engine/random.js';
import { DEFAULT_BLOCK_SIZE, deriveProfile } from './engine/speed.js';
import { LOG_LEVELS, type LogLevel } from '../src/log.js';
import { DIALECTS, type Dialect } from './metrics.js';

const OUTPUT_LENGTHS: readonly OutputLengthMode[] = ['fixed', 'uniform'];
// vLLM v1's default --max-num-batched-tokens for the OpenAI server on GPUs with 70 GiB or more (arg_utils.py).
const DEFAULT_MAX_NUM_BATCHED_TOKENS = 8192;
const DEFAULT_ACCELERATOR = 'nvidia-h100-80gb';
const DEFAULT_PROFILE_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';


/** A number flag as kinfer-sim has always read it: whole numbers from `min`, or any number above / from zero. */
function numberOf(kind: 'int' | 'positive' | 'nonnegative', min = 1, max?: { value: number; message: string }): z.ZodType<number, string> {
  return fromText((text) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) return err(`${text}: not a number`);
    if (kind === 'int' && (!Number.isInteger(value) || value < min)) return err(`${text}: must be a whole number of at least ${min}`);
    if (kind === 'positive' && !(value > 0)) return err(`${text}: must be greater than 0`);
    if (kind === 'nonnegative' && !(value >= 0)) return err(`${text}: must be 0 or more`);
    if (max !== undefined && value > max.value) return err(`${text}: ${max.message}`);
    return ok(value);
  });
}

function dtypeOf<T>(parse: (text: string) => Result<T>): z.ZodType<T, string> {
  return fromText((text) => {
    const parsed = parse(text);
    return parsed.ok ? parsed : err(`${text}: ${parsed.error}`);
  });
}

/** kinfer-sim's own flags: names, values, defaults and help, written once. */
export const SIM_FLAGS = {
  port: option('N', numberOf('int', 0, { value: 65535, message: 'not a port number' }), { help: 'listen port', default: '8000' }),
  host: option('ADDR', text, { help: 'listen address', default: '0.0.0.0' }),
  model: option('NAME', text, { help: 'served model name', defaultHelp: 'the --profile-model' }),
  dialect: option('vllm|sglang', oneOf(DIALECTS), { help: 'metric names on /metrics', default: 'vllm' }),
  'log-level': option('LEVEL', oneOf(LOG_LEVELS), { help: 'debug|info|warn|error', default: 'info' }),
  'max-num-seqs': option('N', numberOf('int'), { heading: "Cache and batching (vLLM's flags where vLLM has one):", help: 'sequences running at once', defaultHelp: "the server's, see Drop-in" }),
  'max-num-batched-tokens': option('N', numberOf('int'), { help: 'tokens per step; longer prompts prefill in chunks', default: String(DEFAULT_MAX_NUM_BATCHED_TOKENS) }),
  'max-model-len': option('N', numberOf('int'), { help: 'prompt + output tokens per request', defaultHelp: `${DEFAULT_MAX_MODEL_LEN}, less if the KV cache holds less` }),
  'num-gpu-blocks': option('N', numberOf('int'), { help: 'KV blocks', defaultHelp: 'derived from the profile' }),
  'kv-cache-tokens': option('N', numberOf('int'), { help: 'KV size in tokens instead (rounded down to whole blocks)' }),
  'block-size': option('N', numberOf('int'), { help: 'tokens per KV block', default: String(DEFAULT_BLOCK_SIZE) }),
  'no-enable-prefix-caching': toggle({ help: 'turn the prefix cache off' }),
  'kv-cache-dtype': option('bf16|fp16|fp8', dtypeOf(parseKvDtype), { help: 'KV precision in the profile', defaultHelp: 'bf16' }),
  accelerator: option('TYPE', text, { heading: 'Speed (default: derived from the profile; each flag overrides one figure):', help: 'accelerator type from the catalog', default: DEFAULT_ACCELERATOR }),
  'profile-model': option('ID', text, { help: 'catalog model whose size sets speed and KV', default: DEFAULT_PROFILE_MODEL }),
  'tensor-parallel-size': option('N', numberOf('int'), { help: 'devices per replica in the profile', default: '1' }),
  dtype: option('DTYPE', dtypeOf(parseDtype), { help: 'weight precision in the profile: bf16, fp8, int8, fp4, mxfp4, int4', defaultHelp: "the checkpoint's" }),
  'gpu-memory-utilization': option('F', numberOf('positive', 1, { value: 1, message: 'must be at most 1' }), { help: 'fraction of device memory for weights + KV', default: String(DEFAULT_MEMORY_UTILIZATION) }),
  'prefill-tokens-per-second': option('N', numberOf('positive'), { help: 'forward tokens/s when compute-bound' }),
  'decode-base-ms': option('MS', numberOf('positive'), { help: 'memory time of a step without KV (reading the weights)' }),
  'decode-per-seq-ms': option('MS', numberOf('nonnegative'), { help: 'per-sequence cost added to every step' }),
  'decode-per-kv-token-us': option('US', numberOf('nonnegative'), { help: 'memory time per KV token a step reads' }),
  'output-length': option('fixed|uniform', oneOf(OUTPUT_LENGTHS), {
    heading: 'Outputs and time:', help: 'fixed: exactly max_tokens (as with ignore_eos); uniform: a seeded draw in [min_tokens, max_tokens]', default: 'fixed',
  }),
  seed: option('N', numberOf('int', 0), { help: 'seed for output lengths and ids', default: '0' }),
  speedup: option('F', numberOf('positive'), { help: 'run the clock F times faster than real time; latencies in /metrics are in simulated time', default: '1' }),
} as const;

export const HELP = `kinfer-sim: a simulated model server with vLLM's OpenAI-compatible API and metrics.
Continuous batching over a finite KV cache of 16-token blocks, a prefix cache with LRU eviction, and
preemption (recompute) when the cache runs out, timed by a roofline speed model. No GPU, no weights.

Usage: kinfer-sim [flags]
       kinfer-sim [flags] vllm serve MODEL [vLLM flags]
       kinfer-sim [flags] python3 -m sglang.launch_server --model-path MODEL [SGLang flags]

Drop-in: after kinfer-sim's own flags, a model server's command line as a pod runs it. vLLM's --served-model-name,
--host, --port, --tensor-parallel-size/-tp, --pipeline-parallel-size/-pp, --max-num-seqs, --max-model-len,
--max-num-batched-tokens, --gpu-memory-utilization, --block-size, --kv-cache-dtype, --quantization/-q, --dtype,
--[no-]enable-prefix-caching, --seed, and SGLang's --model-path, --served-model-name, --host, --port,
--tp/--tp-size, --pp-size, --context-length, --max-running-requests, --chunked-prefill-size, --mem-fraction-static,
--page-size, --kv-cache-dtype, --quantization, --dtype, --disable-radix-cache, --random-seed set the simulation;
other server flags are named in one warning and ignored. kinfer-sim's own flags given first win (a fake kubelet
passes the node's --accelerator and the pod's --host). Without a batch flag the server's own default applies:
vLLM 1024 sequences on GPUs of 70 GiB or more other than A100, else 256; SGLang min(KV tokens / 2, its pool).

${flagsHelp(SIM_FLAGS, 'Serving:')}
A simulated step takes max(base + KV tokens x per-KV-token, tokens / prefill rate) + sequences x per-seq.
Tokens are counted as one per 4 characters of text (chat messages in a ChatML frame); generated text is filler.
Endpoints: POST /v1/completions, POST /v1/chat/completions (stream or not), GET /v1/models, /health, /metrics.

Examples:
  kinfer-sim --port 8000 --model meta-llama/Llama-3.1-8B-Instruct
  kinfer-sim --accelerator nvidia-l4 --profile-model google/gemma-2-9b-it --model gemma
  kinfer-sim --model tiny --num-gpu-blocks 256 --decode-base-ms 20 --max-num-seqs 16 --dialect sglang
  kinfer-sim --accelerator nvidia-h100-80gb --host 127.0.0.1 vllm serve meta-llama/Llama-3.1-8B-Instruct \\
    --port 8000 --tensor-parallel-size 1 --max-model-len 8192 --gpu-memory-utilization 0.9
  curl -s localhost:8000/v1/completions -H 'content-type: application/json' \\
    -d '{"model": "meta-llama/Llama-3.1-8B-Instruct", "prompt": "Hello", "max_tokens": 32}'
`;

export interface SimConfig {
  readonly host: string;
  readonly port: number;
  readonly modelName: string;
  readonly dialect: Dialect;
  readonly logLevel: LogLevel;
  readonly outputLength: OutputLengthMode;
  readonly seed: number;
  readonly speedup: number;
  readonly gpuMemoryUtilization: number;
  readonly engine: EngineConfig;
  /** One line saying where the speed and KV figures came from, for the start-up log. */
  readonly profile: string;
  /** Where the batch cap came from: a flag, or the server's default rule for the accelerator. */
  readonly maxNumSeqsFrom: string;
  /** One line each for the start-up log: server flags ignored. */
  readonly warnings: readonly string[];
}

export type Parsed = { readonly kind: 'help' } | { readonly kind: 'version' } | { readonly kind: 'serve'; readonly config: SimConfig };

/** Parses kinfer-sim's command line; every problem is one line for the user (exit 2). */
export function parseSimArgs(argv: readonly string[]): Result<Parsed> {
  // A server command line: its flags translated first, kinfer-sim's own (given before it) after, so they win.
  const found = findServerCommand(argv);
  let args = [...argv];
  const warnings: string[] = [];
  if (found) {
    const server = translateServerArgs(found.dialect, argv.slice(found.argsFrom));
    if (!server.ok) return server;
    args = [...server.value.simArgs, ...argv.slice(0, found.index)];
    if (server.value.ignored.length > 0) warnings.push(`ignoring ${found.dialect} flags the simulation has no use for: ${server.value.ignored.join(' ')}`);
  }
  let parsed;
  try {
    parsed = parseFlags(SIM_FLAGS, args);
  } catch (error) {
    return err((error as Error).message);
  }
  if (parsed.kind !== 'run') return ok(parsed);
  const values = parsed.values;
  const n = {
    port: values.port, maxNumSeqs: values['max-num-seqs'], maxNumBatchedTokens: values['max-num-batched-tokens'], maxModelLen: values['max-model-len'],
    numGpuBlocks: values['num-gpu-blocks'], kvCacheTokens: values['kv-cache-tokens'], blockSize: values['block-size'], tp: values['tensor-parallel-size'],
    utilization: values['gpu-memory-utilization'], prefill: values['prefill-tokens-per-second'], base: values['decode-base-ms'],
    perSeq: values['decode-per-seq-ms'], perKv: values['decode-per-kv-token-us'], seed: values.seed, speedup: values.speedup,
  };
  if (n.numGpuBlocks !== undefined && n.kvCacheTokens !== undefined) return err('--num-gpu-blocks and --kv-cache-tokens say the same thing; give one');

  const { 'block-size': blockSize, 'gpu-memory-utilization': gpuMemoryUtilization, accelerator, 'profile-model': profileModel, dtype, 'kv-cache-dtype': kvCacheDtype } = values;
  const profile = deriveProfile({
    accelerator, model: profileModel, tensorParallelSize: n.tp, blockSize, memoryUtilization: gpuMemoryUtilization,
    ...(dtype ? { dtype } : {}), ...(kvCacheDtype ? { kvCacheDtype } : {}),
  });
  if (!profile.ok) return err(`profile ${profileModel} on ${accelerator}: ${profile.error}`);
  const derived = profile.value;
  const numGpuBlocks = n.numGpuBlocks ?? (n.kvCacheTokens !== undefined ? Math.floor(n.kvCacheTokens / blockSize) : derived.numGpuBlocks);
  if (numGpuBlocks < 1) return err(`--kv-cache-tokens ${n.kvCacheTokens}: less than one block of ${blockSize} tokens`);
  const maxModelLen = n.maxModelLen ?? Math.min(DEFAULT_MAX_MODEL_LEN, numGpuBlocks * blockSize);
  // vLLM refuses to start when one max-model-len sequence cannot fit in the KV cache.
  if (maxModelLen > numGpuBlocks * blockSize) {
    return err(`--max-model-len ${maxModelLen} does not fit in the KV cache (${numGpuBlocks} blocks x ${blockSize} = ${numGpuBlocks * blockSize} tokens)`);
  }
  const serverDefault = serverDefaultBatch(values.dialect, {
    accelerator: derived.accelerator.name, kind: derived.accelerator.kind, hbmBytesPerDevice: derived.accelerator.hbmBytesPerDevice,
    kvCapacityTokens: numGpuBlocks * blockSize, maxModelLen,
  });
  const engine: EngineConfig = {
    numGpuBlocks, blockSize, maxModelLen,
    maxNumSeqs: n.maxNumSeqs ?? serverDefault.maxBatch,
    maxNumBatchedTokens: n.maxNumBatchedTokens,
    enablePrefixCaching: !values['no-enable-prefix-caching'],
    speed: {
      prefillTokensPerSecond: n.prefill ?? derived.speed.prefillTokensPerSecond,
      decodeBaseMs: n.base ?? derived.speed.decodeBaseMs,
      decodePerSeqMs: n.perSeq ?? derived.speed.decodePerSeqMs,
      decodePerKvTokenUs: n.perKv ?? derived.speed.decodePerKvTokenUs,
    },
  };
  const problem = engineConfigProblem(engine);
  if (problem !== undefined) return err(problem);
  return ok({
    kind: 'serve',
    config: {
      host: values.host,
      port: n.port,
      modelName: values.model ?? profileModel,
      dialect: values.dialect,
      logLevel: values['log-level'],
      outputLength: values['output-length'],
      seed: n.seed,
      speedup: n.speedup,
      gpuMemoryUtilization,
      engine,
      profile: `${derived.model.id} on ${derived.tensorParallelSize} x ${derived.accelerator.name}`,
      maxNumSeqsFrom: n.maxNumSeqs !== undefined ? 'flag' : `${serverDefault.rule}, for ${derived.accelerator.name}`,
      warnings,
    },
  });
}

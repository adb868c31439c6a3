import { parseDtype, parseKvDtype, type Dtype, type KvDtype } from '../src/models/dtype.js';
import { serverDefaultBatch } from '../src/servers/batch.js';
import { findServerCommand, translateServerArgs } from './server-args.js';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_MODEL_LEN, DEFAULT_MEMORY_UTILIZATION } from '../src/models/memory.js';
import { err, ok, type Result } from '../src/result.js';
import { engineConfigProblem, type EngineConfig } from './engine/engine.js';
import type { OutputLengthMode } from './engine/random.js';
import { DEFAULT_BLOCK_SIZE, deriveProfile } from './engine/speed.js';
import { LOG_LEVELS, type LogLevel } from '../src/log.js';
import { DIALECTS, type Dialect } from './metrics.js';

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

Serving:
  --port N                        listen port (default 8000)
  --host ADDR                     listen address (default 0.0.0.0)
  --model NAME                    served model name (default: the --profile-model)
  --dialect vllm|sglang           metric names on /metrics (default vllm)
  --log-level LEVEL               debug|info|warn|error (default info)

Cache and batching (vLLM's flags where vLLM has one):
  --max-num-seqs N                sequences running at once (default: the server's, see Drop-in)
  --max-num-batched-tokens N      tokens per step; longer prompts prefill in chunks (default 8192)
  --max-model-len N               prompt + output tokens per request (default 8192)
  --num-gpu-blocks N              KV blocks (default: derived from the profile)
  --kv-cache-tokens N             KV size in tokens instead (rounded down to whole blocks)
  --block-size N                  tokens per KV block (default 16)
  --no-enable-prefix-caching      turn the prefix cache off
  --kv-cache-dtype bf16|fp16|fp8  KV precision in the profile (default bf16)

Speed (default: derived from the profile; each flag overrides one figure):
  --accelerator TYPE              accelerator type from the catalog (default nvidia-h100-80gb)
  --profile-model ID              catalog model whose size sets speed and KV (default meta-llama/Llama-3.1-8B-Instruct)
  --tensor-parallel-size N        devices per replica in the profile (default 1)
  --dtype DTYPE                   weight precision in the profile: bf16, fp8, int8, fp4, mxfp4, int4 (default: the checkpoint's)
  --gpu-memory-utilization F      fraction of device memory for weights + KV (default 0.92)
  --prefill-tokens-per-second N   forward tokens/s when compute-bound
  --decode-base-ms MS             memory time of a step without KV (reading the weights)
  --decode-per-seq-ms MS          per-sequence cost added to every step
  --decode-per-kv-token-us US     memory time per KV token a step reads
  A step takes max(base + KV tokens x per-KV-token, tokens / prefill rate) + sequences x per-seq.

Outputs and time:
  --output-length fixed|uniform   fixed: exactly max_tokens (as with ignore_eos; default);
                                  uniform: a seeded draw in [min_tokens, max_tokens]
  --seed N                        seed for output lengths and ids (default 0)
  --speedup F                     run the clock F times faster than real time (default 1);
                                  latencies in /metrics are in simulated time

  -h, --help                      this help
  -v, --version                   print the version

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

const OUTPUT_LENGTHS: readonly OutputLengthMode[] = ['fixed', 'uniform'];
// vLLM v1's default --max-num-batched-tokens for the OpenAI server on GPUs with 70 GiB or more (arg_utils.py).
const DEFAULT_MAX_NUM_BATCHED_TOKENS = 8192;
const DEFAULT_ACCELERATOR = 'nvidia-h100-80gb';
const DEFAULT_PROFILE_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

function number(flag: string, text: string | undefined, kind: 'int' | 'positive' | 'nonnegative', min = 1): Result<number | undefined> {
  if (text === undefined) return ok(undefined);
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) return err(`--${flag} ${text}: not a number`);
  if (kind === 'int' && (!Number.isInteger(value) || value < min)) return err(`--${flag} ${text}: must be a whole number of at least ${min}`);
  if (kind === 'positive' && !(value > 0)) return err(`--${flag} ${text}: must be greater than 0`);
  if (kind === 'nonnegative' && !(value >= 0)) return err(`--${flag} ${text}: must be 0 or more`);
  return ok(value);
}

function oneOf<T extends string>(flag: string, text: string | undefined, allowed: readonly T[], fallback: T): Result<T> {
  if (text === undefined) return ok(fallback);
  return (allowed as readonly string[]).includes(text) ? ok(text as T) : err(`--${flag} ${text}: use ${allowed.join(' or ')}`);
}

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
  let values;
  try {
    values = parseArgs({
      args, strict: true, allowPositionals: false,
      options: {
        port: { type: 'string' }, host: { type: 'string' }, model: { type: 'string' }, dialect: { type: 'string' },
        'log-level': { type: 'string' }, 'max-num-seqs': { type: 'string' }, 'max-num-batched-tokens': { type: 'string' },
        'max-model-len': { type: 'string' }, 'num-gpu-blocks': { type: 'string' }, 'kv-cache-tokens': { type: 'string' },
        'block-size': { type: 'string' }, 'no-enable-prefix-caching': { type: 'boolean' }, 'kv-cache-dtype': { type: 'string' },
        accelerator: { type: 'string' }, 'profile-model': { type: 'string' }, dtype: { type: 'string' }, 'tensor-parallel-size': { type: 'string' },
        'gpu-memory-utilization': { type: 'string' }, 'prefill-tokens-per-second': { type: 'string' },
        'decode-base-ms': { type: 'string' }, 'decode-per-seq-ms': { type: 'string' }, 'decode-per-kv-token-us': { type: 'string' },
        'output-length': { type: 'string' }, seed: { type: 'string' }, speedup: { type: 'string' },
        help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' },
      },
    }).values;
  } catch (error) {
    return err((error as Error).message);
  }
  if (values.help) return ok({ kind: 'help' });
  if (values.version) return ok({ kind: 'version' });

  const numbers = {
    port: number('port', values.port, 'int', 0),
    maxNumSeqs: number('max-num-seqs', values['max-num-seqs'], 'int'),
    maxNumBatchedTokens: number('max-num-batched-tokens', values['max-num-batched-tokens'], 'int'),
    maxModelLen: number('max-model-len', values['max-model-len'], 'int'),
    numGpuBlocks: number('num-gpu-blocks', values['num-gpu-blocks'], 'int'),
    kvCacheTokens: number('kv-cache-tokens', values['kv-cache-tokens'], 'int'),
    blockSize: number('block-size', values['block-size'], 'int'),
    tp: number('tensor-parallel-size', values['tensor-parallel-size'], 'int'),
    utilization: number('gpu-memory-utilization', values['gpu-memory-utilization'], 'positive'),
    prefill: number('prefill-tokens-per-second', values['prefill-tokens-per-second'], 'positive'),
    base: number('decode-base-ms', values['decode-base-ms'], 'positive'),
    perSeq: number('decode-per-seq-ms', values['decode-per-seq-ms'], 'nonnegative'),
    perKv: number('decode-per-kv-token-us', values['decode-per-kv-token-us'], 'nonnegative'),
    seed: number('seed', values.seed, 'int', 0),
    speedup: number('speedup', values.speedup, 'positive'),
  };
  const n: Record<string, number | undefined> = {};
  for (const [key, result] of Object.entries(numbers)) {
    if (!result.ok) return result;
    n[key] = result.value;
  }
  if (n.port !== undefined && n.port > 65535) return err(`--port ${n.port}: not a port number`);
  if (n.utilization !== undefined && n.utilization > 1) return err(`--gpu-memory-utilization ${n.utilization}: must be at most 1`);
  if (n.numGpuBlocks !== undefined && n.kvCacheTokens !== undefined) return err('--num-gpu-blocks and --kv-cache-tokens say the same thing; give one');
  const dialect = oneOf('dialect', values.dialect, DIALECTS, 'vllm');
  if (!dialect.ok) return dialect;
  const logLevel = oneOf('log-level', values['log-level'], LOG_LEVELS, 'info');
  if (!logLevel.ok) return logLevel;
  const outputLength = oneOf('output-length', values['output-length'], OUTPUT_LENGTHS, 'fixed');
  if (!outputLength.ok) return outputLength;

  const blockSize = n.blockSize ?? DEFAULT_BLOCK_SIZE;
  const gpuMemoryUtilization = n.utilization ?? DEFAULT_MEMORY_UTILIZATION;
  const accelerator = values.accelerator ?? DEFAULT_ACCELERATOR;
  const profileModel = values['profile-model'] ?? DEFAULT_PROFILE_MODEL;
  let dtype: Dtype | undefined;
  if (values.dtype !== undefined) {
    const parsed = parseDtype(values.dtype);
    if (!parsed.ok) return err(`--dtype ${values.dtype}: ${parsed.error}`);
    dtype = parsed.value;
  }
  let kvCacheDtype: KvDtype | undefined;
  if (values['kv-cache-dtype'] !== undefined) {
    const parsed = parseKvDtype(values['kv-cache-dtype']);
    if (!parsed.ok) return err(`--kv-cache-dtype ${values['kv-cache-dtype']}: ${parsed.error}`);
    kvCacheDtype = parsed.value;
  }
  const profile = deriveProfile({
    accelerator, model: profileModel, tensorParallelSize: n.tp ?? 1, blockSize, memoryUtilization: gpuMemoryUtilization,
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
  const serverDefault = serverDefaultBatch(dialect.value, {
    accelerator: derived.accelerator.name, kind: derived.accelerator.kind, hbmBytesPerDevice: derived.accelerator.hbmBytesPerDevice,
    kvCapacityTokens: numGpuBlocks * blockSize, maxModelLen,
  });
  const engine: EngineConfig = {
    numGpuBlocks, blockSize, maxModelLen,
    maxNumSeqs: n.maxNumSeqs ?? serverDefault.maxBatch,
    maxNumBatchedTokens: n.maxNumBatchedTokens ?? DEFAULT_MAX_NUM_BATCHED_TOKENS,
    enablePrefixCaching: values['no-enable-prefix-caching'] !== true,
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
      host: values.host ?? '0.0.0.0',
      port: n.port ?? 8000,
      modelName: values.model ?? profileModel,
      dialect: dialect.value,
      logLevel: logLevel.value,
      outputLength: outputLength.value,
      seed: n.seed ?? 0,
      speedup: n.speedup ?? 1,
      gpuMemoryUtilization,
      engine,
      profile: `${derived.model.id} on ${derived.tensorParallelSize} x ${derived.accelerator.name}`,
      maxNumSeqsFrom: n.maxNumSeqs !== undefined ? 'flag' : `${serverDefault.rule}, for ${derived.accelerator.name}`,
      warnings,
    },
  });
}

import type { Dtype, KvDtype } from '../models/dtype.js';
import { BATCH_FLAG } from './batch.js';
import type { Platform } from '../accelerators/resources.js';

/** Model servers `deploy` can run. */
export const SERVERS = ['vllm', 'sglang'] as const;
export type ServerKind = (typeof SERVERS)[number];

/** Which build of a server image an accelerator needs. */
export type { Platform } from '../accelerators/resources.js';

/** The port every template listens on (vLLM's and kinfer-sim's default; SGLang is told to use it). */
export const SERVER_PORT = 8000;

// Pinned images, one per server and platform. A pin, not `latest`, so a deploy today and a deploy next month
// run the same server; bump deliberately. Tags as published on Docker Hub by each project.
const IMAGES: Readonly<Record<ServerKind, Partial<Record<Platform, string>>>> = {
  vllm: {
    nvidia: 'vllm/vllm-openai:v0.18.2',
    amd: 'rocm/vllm:rocm6.4.1_vllm_0.9.0.1_20250605',
    tpu: 'vllm/vllm-tpu:nightly-20260330-2f76400-8c0b626',
  },
  sglang: {
    nvidia: 'lmsysorg/sglang:v0.5.18',
    amd: 'lmsysorg/sglang:v0.5.18-rocm720-mi30x',
  },
};

export function defaultImage(server: ServerKind, platform: Platform): string | undefined {
  return IMAGES[server][platform];
}

/** What the server is asked to serve, as flags. */
export interface ServeArgs {
  readonly modelId: string;
  readonly servedModelName: string;
  readonly tensorParallelSize: number;
  readonly maxModelLen: number;
  /** The server's batch cap (sequences one step runs); absent: the server's own default, no flag. */
  readonly maxBatch?: number;
  readonly memoryUtilization: number;
  readonly dtype: Dtype;
  readonly kvCacheDtype: KvDtype;
}

export interface ContainerSpec {
  readonly command: readonly string[];
  readonly args: readonly string[];
  /** Liveness and readiness; both servers answer 200 on /health once the model is loaded. */
  readonly healthPath: string;
  readonly metricsPath: string;
}

/** Weight-quantization flags: vLLM and SGLang load bf16 checkpoints as is and quantize fp8 on the fly. */
function quantization(dtype: Dtype): string | undefined {
  switch (dtype) {
    case 'bf16': case 'fp16': return undefined;
    case 'fp8': return 'fp8';
    // int8/int4/fp4 need a pre-quantized checkpoint; the servers read the method from its config.json.
    default: return undefined;
  }
}

/** vLLM's OpenAI server (`vllm serve`), flags as in its engine-args docs. */
function vllm(a: ServeArgs): ContainerSpec {
  const args = [
    'serve', a.modelId,
    '--served-model-name', a.servedModelName,
    '--port', String(SERVER_PORT),
    '--tensor-parallel-size', String(a.tensorParallelSize),
    '--max-model-len', String(a.maxModelLen),
    ...(a.maxBatch !== undefined ? [BATCH_FLAG.vllm, String(a.maxBatch)] : []),
    '--gpu-memory-utilization', String(a.memoryUtilization),
  ];
  const q = quantization(a.dtype);
  if (q) args.push('--quantization', q);
  if (a.kvCacheDtype === 'fp8') args.push('--kv-cache-dtype', 'fp8');
  return { command: ['vllm'], args, healthPath: '/health', metricsPath: '/metrics' };
}

/** SGLang's server (`python3 -m sglang.launch_server`), flags as in its server-arguments docs. */
function sglang(a: ServeArgs): ContainerSpec {
  const args = [
    '-m', 'sglang.launch_server',
    '--model-path', a.modelId,
    '--served-model-name', a.servedModelName,
    '--host', '0.0.0.0',
    '--port', String(SERVER_PORT),
    '--tp-size', String(a.tensorParallelSize),
    '--context-length', String(a.maxModelLen),
    ...(a.maxBatch !== undefined ? [BATCH_FLAG.sglang, String(a.maxBatch)] : []),
    '--mem-fraction-static', String(a.memoryUtilization),
    '--enable-metrics',
  ];
  const q = quantization(a.dtype);
  if (q) args.push('--quantization', q);
  if (a.kvCacheDtype === 'fp8') args.push('--kv-cache-dtype', 'fp8_e4m3');
  return { command: ['python3'], args, healthPath: '/health', metricsPath: '/metrics' };
}

export function containerSpec(server: ServerKind, args: ServeArgs): ContainerSpec {
  return server === 'vllm' ? vllm(args) : sglang(args);
}

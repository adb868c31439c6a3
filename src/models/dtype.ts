import { err, ok, type Result } from '../result.js';

/** Weight precisions a model pod may declare in `kinfer.dev/dtype` (DESIGN.md). */
export type Dtype = 'bf16' | 'fp16' | 'fp8' | 'int8' | 'fp4' | 'mxfp4' | 'int4';

/** KV-cache precisions a pod may declare in `kinfer.dev/kv-cache-dtype`: what vLLM's `--kv-cache-dtype` stores. */
export type KvDtype = 'bf16' | 'fp16' | 'fp8';

export const DTYPES = ['bf16', 'fp16', 'fp8', 'int8', 'fp4', 'mxfp4', 'int4'] as const satisfies readonly Dtype[];
export const KV_DTYPES = ['bf16', 'fp16', 'fp8'] as const satisfies readonly KvDtype[];

/**
 * Bytes one weight occupies in memory, block-scale overhead included where the format carries one.
 * - bf16/fp16: 2 bytes.
 * - fp8/int8: 1 byte. Their scales are per tensor or per output channel (vLLM fp8, compressed-tensors) or per
 *   128×128 block in fp32 (DeepSeek-V3: 4 bytes per 16,384 weights = 0.0002 byte/weight); all negligible.
 * - fp4: NVFP4 (NVIDIA ModelOpt, what vLLM and TensorRT-LLM serve as fp4): 4-bit E2M1 values plus one
 *   8-bit E4M3 scale per 16 values = 4.5 bits.
 * - mxfp4: OCP Microscaling spec v1.0: 4-bit E2M1 values plus one 8-bit E8M0 scale per 32 values = 4.25 bits
 *   (gpt-oss ships its MoE weights this way).
 * - int4: GPTQ/AWQ with group size 128 (their default): per group a 16-bit scale and a packed 4-bit zero point,
 *   4 + 20/128 = 4.15625 bits.
 */
const BYTES_PER_PARAM: Readonly<Record<Dtype, number>> = {
  bf16: 2,
  fp16: 2,
  fp8: 1,
  int8: 1,
  fp4: 4.5 / 8,
  mxfp4: 4.25 / 8,
  int4: (4 + 20 / 128) / 8,
};

export function bytesPerParam(dtype: Dtype): number {
  return BYTES_PER_PARAM[dtype];
}

/** Bytes one KV-cache element occupies (fp8 KV caches use one per-tensor scale: negligible). */
export function bytesPerKvElement(dtype: KvDtype): number {
  return BYTES_PER_PARAM[dtype];
}

/** True for the 16-bit float formats a checkpoint is trained and usually shipped in. */
export function isHalfPrecision(dtype: Dtype): boolean {
  return dtype === 'bf16' || dtype === 'fp16';
}

/**
 * Reads a weight dtype as users write it (`bf16`, `BF16`, `bfloat16`, `float16`, `fp8`, `nvfp4`, ...).
 * Unknown text is an error naming the accepted values, never a silent default.
 */
export function parseDtype(text: string): Result<Dtype> {
  const dtype = DTYPE_ALIASES[text.trim().toLowerCase()];
  if (dtype === undefined) return err(`"${text}" is not a dtype (expected one of ${DTYPES.join(', ')})`);
  return ok(dtype);
}

/** Reads a KV-cache dtype (`bf16`, `fp16`, `fp8`, and vLLM's spellings `fp8_e4m3`, `fp8_e5m2`). */
export function parseKvDtype(text: string): Result<KvDtype> {
  const dtype = DTYPE_ALIASES[text.trim().toLowerCase()];
  const kvDtype = KV_DTYPES.find((d) => d === dtype);
  if (kvDtype === undefined) return err(`"${text}" is not a KV-cache dtype (expected one of ${KV_DTYPES.join(', ')})`);
  return ok(kvDtype);
}

const DTYPE_ALIASES: Readonly<Record<string, Dtype>> = {
  bf16: 'bf16', bfloat16: 'bf16',
  fp16: 'fp16', float16: 'fp16', half: 'fp16',
  fp8: 'fp8', fp8_e4m3: 'fp8', fp8_e5m2: 'fp8', float8_e4m3fn: 'fp8',
  int8: 'int8', w8a8: 'int8',
  fp4: 'fp4', nvfp4: 'fp4',
  mxfp4: 'mxfp4',
  int4: 'int4', w4a16: 'int4',
};

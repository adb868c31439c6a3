import { frameworkBytesPerDevice, type AcceleratorType } from '../accelerators/catalog.js';
import type { Dtype, KvDtype } from '../models/dtype.js';
import { expertWeightsBytes, kvBytesPerToken, kvCapacityTokens, kvReplication, tensorParallelProblem, vllmDefaultMaxNumSeqs, weightsBytes } from '../models/memory.js';
import type { ModelSpec } from '../models/spec.js';
import { err, ok, type Result } from '../result.js';
import { pointAtRate, type PerfPoint, type WorkloadShape } from './profile.js';

// The estimated profile: a roofline model of one replica from the catalogs' peak figures.
//
// An engine step runs one forward pass over every scheduled token. Decode steps read all weights once and the KV
// cache of every running sequence, so they are bound by memory bandwidth; prefill computes 2 × active parameters
// FLOPs per prompt token, so it is bound by compute. Real kernels reach a fraction of either peak: the two
// efficiency factors below, which measured profiles on the same accelerator type replace (see `calibrate`).

/**
 * Fraction of peak HBM bandwidth decode reaches. Public single-stream figures (test/fixtures/measurements):
 * vLLM 0.21.0 decodes Llama 3.1 8B (16.06 GB of bf16 weights) on one H100 SXM at a TPOT p50 of 6.48 ms, 74% of
 * 3.35 TB/s; vLLM 0.23.0 on one A100 40GB at ~75 tokens/s, "roughly 77%" of its 1555 GB/s by its author's count.
 * Older servers reach less (vLLM 0.5.4: ~64% for the same model at a batch of a few). 0.75: the recent ones,
 * rounded down; the fixture holds it within ±15% of every single-device point.
 */
export const DECODE_BANDWIDTH_EFFICIENCY = 0.75;
/** Model FLOPs utilization of large prefills: vLLM and SGLang prefill at roughly 40–60% MFU on H100; the middle. */
export const PREFILL_FLOPS_EFFICIENCY = 0.5;
/**
 * Per-sequence CPU cost of a step (sampling, detokenization, output processing). vLLM v1 moved this off the
 * GPU's critical path, leaving on the order of 10 µs per sequence.
 */
export const DECODE_PER_SEQ_MS = 0.01;
/**
 * Tensor parallelism adds two all-reduces per layer to every step (after attention and after the MLP). A decode
 * step's activations are small, so each is latency-bound. NCCL's and vLLM's custom all-reduce kernels alone take
 * ~5–10 µs over NVLink, but what a step pays per all-reduce in a served model is more: the launch, the
 * synchronisation of every rank, and the wait for the slowest one, which grows with the number of ranks. Public
 * measurements on H100 SXM (test/fixtures/measurements/public-decode.json: LambdaLabsML/vllm-benchmark, vLLM 0.5.4)
 * leave, after the weight read at the single-device efficiency, ~20 µs per all-reduce at TP 2 (Llama 3 70B),
 * 19–34 µs at TP 4 (70B, 8B) and 29–37 µs at TP 8 (70B, 8B). So 20 µs at TP 2 and 6.5 µs more per doubling of the
 * group (26.5 µs at TP 4, 33 µs at TP 8), which holds every TP point of the fixture within ±20%; the former flat
 * 8 µs put 8B at TP 4 at 0.57 and at TP 8 at 0.43 of the measured time.
 */
export const ALL_REDUCE_MS = 0.02;
/** See ALL_REDUCE_MS: what each doubling of the tensor-parallel group adds to one all-reduce over NVLink. */
export const ALL_REDUCE_PER_DOUBLING_MS = 0.0065;
/**
 * The same all-reduce between cards without NVLink (L4, T4) crosses PCIe through host memory: NCCL's small-message
 * latency there is tens of µs, on top of the per-step synchronisation the NVLink figure already carries. 60 µs
 * each (no public measurement in the fixture; kept above the NVLink figure by NCCL's PCIe-vs-NVLink latency gap).
 */
export const ALL_REDUCE_PCIE_MS = 0.06;
/**
 * Fixed cost of every request outside the model's steps: the OpenAI server's HTTP handling and JSON, tokenizing the
 * prompt, scheduling it, and detokenizing and streaming the first token. Public figure: vLLM 0.21.0 serves
 * Llama 3.1 8B on one H100 at a TTFT p50 of 13.98 ms at concurrency 1 (yobitelcomm.github.io/bench, the fixture),
 * of which the prefill of a short chat prompt is one weight read (~7 ms): ~7 ms elsewhere. vLLM's own
 * benchmark_latency (no HTTP, no tokenizer) shows none of it. 5 ms: most of the rest, rounding down because part
 * of it is the first decode step's scheduling, which `firstPass` already counts.
 */
export const REQUEST_OVERHEAD_MS = 5;
/**
 * z for the 99th percentile of a normal distribution, used for the count of prefills a request shares its decode
 * with (Poisson with mean = concurrency, by Little's law).
 */
const Z99 = 2.326;

export interface Efficiency {
  /** Fraction of peak HBM bandwidth decode reaches. */
  readonly decodeBandwidth: number;
  /** Fraction of peak dense BF16 FLOP/s prefill reaches. */
  readonly prefillFlops: number;
}

export const DEFAULT_EFFICIENCY: Efficiency = { decodeBandwidth: DECODE_BANDWIDTH_EFFICIENCY, prefillFlops: PREFILL_FLOPS_EFFICIENCY };

/** The costs a step model is built from, for one replica. */
export interface StepCosts {
  /** Time to read all weights once over the group's bandwidth (the floor of a prefill, and of a dense decode step). */
  readonly weightsReadMs: number;
  /**
   * MoE: the part of `weightsReadMs` that is routed experts, and their count and use per token. A decode step
   * reads only the experts its batch touches (`decodeWeightsReadMs`).
   */
  readonly moe?: { readonly expertsReadMs: number; readonly routed: number; readonly perToken: number };
  /** Time to read one token's KV (all layers, as replicated over the TP group) once. */
  readonly kvReadUsPerToken: number;
  /** Forward tokens per second when compute-bound. */
  readonly prefillTokensPerSecond: number;
  readonly perSeqMs: number;
  /** All-reduce time per step (0 at TP 1). */
  readonly commMs: number;
}

type Speeds = Pick<AcceleratorType, 'hbmBandwidthBytesPerSecond' | 'bf16FlopsPerSecond' | 'interconnect'> & Partial<Pick<AcceleratorType, 'fp8FlopsPerSecond'>>;

/**
 * Peak dense FLOP/s a prefill runs at with weights in `dtype`: fp8 weights run fp8 GEMMs (W8A8) where the part has
 * an fp8 rate above its bf16 one (H100/H200/B200, MI300X, TPU7x); everything else computes at the bf16 rate —
 * weight-only formats (int4, fp4, mxfp4 on Hopper) dequantize to bf16, and a part without a faster fp8 path (A100,
 * TPU v5e/v5p/v6e) runs fp8 checkpoints at its bf16 rate.
 */
export function peakFlopsPerSecond(accelerator: Speeds, dtype: Dtype): number {
  if (dtype === 'fp8') return Math.max(accelerator.bf16FlopsPerSecond, accelerator.fp8FlopsPerSecond ?? 0);
  return accelerator.bf16FlopsPerSecond;
}

/**
 * Step costs of `model` on `tp` devices: memory terms divide bytes by the group's bandwidth; MoE models read all
 * their weights when a batch touches every expert, and compute only their active parameters.
 */
export function stepCosts(model: ModelSpec, accelerator: Speeds, tp: number, dtype: Dtype, kvDtype: KvDtype, efficiency: Efficiency = DEFAULT_EFFICIENCY): StepCosts {
  const bandwidth = tp * accelerator.hbmBandwidthBytesPerSecond * efficiency.decodeBandwidth;
  const flops = tp * peakFlopsPerSecond(accelerator, dtype) * efficiency.prefillFlops;
  const weightsReadMs = (weightsBytes(model, dtype) / bandwidth) * 1000;
  const share = moeShare(model, dtype);
  return {
    weightsReadMs,
    ...(share !== undefined && model.experts ? { moe: { expertsReadMs: weightsReadMs * share, routed: model.experts.routed, perToken: model.experts.perToken } } : {}),
    kvReadUsPerToken: ((kvBytesPerToken(model, kvDtype) * kvReplication(model, tp)) / bandwidth) * 1e6,
    prefillTokensPerSecond: flops / (2 * (model.activeParams ?? model.params)),
    perSeqMs: DECODE_PER_SEQ_MS,
    commMs: 2 * model.layers * allReduceMs(tp, accelerator.interconnect),
  };
}

/** One all-reduce of a decode step's activations across `tp` devices (0 at TP 1). */
export function allReduceMs(tp: number, interconnect: AcceleratorType['interconnect']): number {
  if (tp <= 1) return 0;
  return interconnect === 'pcie' ? ALL_REDUCE_PCIE_MS : ALL_REDUCE_MS + ALL_REDUCE_PER_DOUBLING_MS * (Math.log2(tp) - 1);
}

/**
 * The share of a MoE model's weight BYTES that are routed experts at `dtype` (src/models/memory.ts
 * expertWeightsBytes), undefined for dense models. Bytes, not parameters: gpt-oss ships its experts in mxfp4 and
 * the rest in bf16, so its always-read part is 1.9% of the parameters but 6.7% of the bytes of gpt-oss-120b.
 */
export function moeShare(model: ModelSpec, dtype: Dtype = model.nativeDtype): number | undefined {
  const experts = expertWeightsBytes(model, dtype);
  if (experts === undefined) return undefined;
  return Math.min(1, experts / weightsBytes(model, dtype));
}

/**
 * Weight read of one decode step of `batch` sequences. MoE: the dense part, plus the experts the batch touches.
 * With routing spread evenly, a layer's batch touches E × (1 − (1 − k/E)^B) distinct experts in expectation:
 * k at batch 1 (the active parameters), all of them once B is a few times E/k.
 */
export function decodeWeightsReadMs(costs: StepCosts, batch: number): number {
  if (!costs.moe) return costs.weightsReadMs;
  const { expertsReadMs, routed, perToken } = costs.moe;
  const touched = 1 - (1 - perToken / routed) ** Math.max(1, batch);
  return costs.weightsReadMs - expertsReadMs + expertsReadMs * touched;
}

/** Duration of a decode step of `batch` sequences that each hold `context` tokens of KV. */
export function decodeStepMs(costs: StepCosts, batch: number, context: number): number {
  const memoryMs = decodeWeightsReadMs(costs, batch) + (batch * context * costs.kvReadUsPerToken) / 1000;
  const computeMs = (batch * 1000) / costs.prefillTokensPerSecond;
  return Math.max(memoryMs, computeMs) + batch * costs.perSeqMs + costs.commMs;
}

/** Duration of one request's prefill: its prompt's compute, never less than one read of the weights. */
export function prefillMs(costs: StepCosts, promptTokens: number): number {
  return Math.max((promptTokens * 1000) / costs.prefillTokensPerSecond, costs.weightsReadMs) + costs.commMs;
}

export interface EstimateInput {
  readonly model: ModelSpec;
  readonly accelerator: AcceleratorType;
  readonly tp: number;
  readonly dtype: Dtype;
  readonly kvCacheDtype: KvDtype;
  readonly memoryUtilization: number;
  readonly workload: WorkloadShape;
  readonly maxBatch?: number;
  readonly efficiency?: Efficiency;
}

export interface Estimate {
  /** By concurrency: 1, 2, 4, … up to the largest batch the KV cache holds. */
  readonly points: PerfPoint[];
  /** Sequences of the workload's full length the KV cache holds at once (capped by the max batch). */
  readonly maxBatch: number;
  readonly kvCapacityTokens: number;
  readonly costs: StepCosts;
}

/**
 * The estimated latency-vs-throughput curve of one replica under a steady open-loop load of the workload shape.
 *
 * At concurrency B (B requests in flight, each with a prompt of I and an output of O tokens):
 * - a decode step of the B sequences, at their mean context I + O/2, takes t_d(B) (`decodeStepMs`);
 * - while one request decodes, the B requests that replace it (Little's law) are prefilled in between, t_p each,
 *   so a request lives L = TTFT + O × t_d(B) + B × t_p, and the replica completes B / L requests per second;
 * - NTPOT = (L − TTFT) / (O − 1); its p99 takes the 99th percentile of the prefill count (Poisson, mean B);
 * The batch is capped at vLLM's default max_num_seqs for the device (1024 on H100-class parts, 256 elsewhere).
 * - TTFT = the fixed per-request cost (REQUEST_OVERHEAD_MS) + its own prefill + the step in progress + waiting
 *   behind other prefills, an M/D/1 queue with load u = rate × t_p, whose wait quantiles are exact
 *   (`md1WaitQuantileMs`; Kingman's exponential approximation overstated the p99 by half at light load).
 * Beyond the largest batch the KV cache holds, requests queue without bound: the curve stops there.
 */
/**
 * The KV cache of `devices` devices and the server's default batch, as vLLM budgets them: from the memory the
 * framework sees, with the activation of its default max_num_seqs for the device. One replica's devices, whether on
 * one node or over several (src/profiles/multinode.ts).
 */
export function vllmKvBudget(input: Pick<EstimateInput, 'model' | 'accelerator' | 'dtype' | 'kvCacheDtype' | 'memoryUtilization'>, devices: number): { kvTokens: number; serverMaxSeqs: number } {
  const deviceBytes = frameworkBytesPerDevice(input.accelerator);
  const serverMaxSeqs = vllmDefaultMaxNumSeqs(input.accelerator.name, deviceBytes);
  return { kvTokens: kvCapacityTokens(input.model, input.dtype, input.kvCacheDtype, devices, deviceBytes, input.memoryUtilization, serverMaxSeqs), serverMaxSeqs };
}

export function estimateProfile(input: EstimateInput): Result<Estimate> {
  const { model, accelerator, tp, workload } = input;
  const tpProblem = tensorParallelProblem(model, tp);
  if (tpProblem) return err(tpProblem);
  if (!(workload.inputTokens >= 1 && workload.outputTokens >= 1)) return err('the workload needs at least 1 input and 1 output token');
  const costs = stepCosts(model, accelerator, tp, input.dtype, input.kvCacheDtype, input.efficiency);
  const { kvTokens, serverMaxSeqs } = vllmKvBudget(input, tp);
  const perRequest = workload.inputTokens + workload.outputTokens;
  const maxBatch = Math.min(input.maxBatch ?? serverMaxSeqs, Math.floor(kvTokens / perRequest));
  if (maxBatch < 1) {
    return err(kvTokens === 0
      ? `the weights leave no room for KV cache on ${tp} × ${accelerator.name}`
      : `the KV cache holds ${kvTokens} tokens, less than one request of ${perRequest}`);
  }
  const batches: number[] = [];
  for (let b = 1; b < maxBatch; b *= 2) batches.push(b);
  batches.push(maxBatch);
  const points = batches.map((b) => pointAt(costs, workload, b));
  return ok({ points, maxBatch, kvCapacityTokens: kvTokens, costs });
}

/** One point of the curve: concurrency `batch` on a replica with these step costs (see estimateProfile). */
export function pointAt(costs: StepCosts, workload: WorkloadShape, batch: number): PerfPoint {
  const { inputTokens: input, outputTokens: output } = workload;
  const step = decodeStepMs(costs, batch, input + output / 2);
  const prefill = prefillMs(costs, input);
  // The first pass is the request's prefill, or a decode step when that is longer (they run as one step).
  const firstPass = Math.max(prefill, step);
  const decodeMs = (prefills: number) => (output - 1) * step + prefills * prefill;
  // Lifetime and rate solved together: L = TTFT + decode(B); the wait in TTFT depends on the rate, which
  // depends on L. A few fixed-point rounds converge (the wait is a small part of L until u nears 1).
  let rate = (batch / (REQUEST_OVERHEAD_MS + firstPass + decodeMs(batch - 1))) * 1000;
  let utilization = 0;
  for (let i = 0; i < 8; i++) {
    utilization = Math.min(0.99, (rate * prefill) / 1000);
    // Pollaczek–Khinchine: the exact mean wait of M/D/1.
    const waitMean = (utilization * prefill) / (2 * (1 - utilization));
    rate = (batch / (REQUEST_OVERHEAD_MS + firstPass + step / 2 + waitMean + decodeMs(batch - 1))) * 1000;
  }
  const arrivalsPerMs = utilization / prefill;
  const waitQuantile = (q: number) => md1WaitQuantileMs(arrivalsPerMs, prefill, q);
  const perToken = (ttft: number, prefills: number) => (ttft + decodeMs(prefills)) / output;
  const ttftP50 = REQUEST_OVERHEAD_MS + firstPass + step / 2 + waitQuantile(0.5);
  const ttftP99 = REQUEST_OVERHEAD_MS + firstPass + step + waitQuantile(0.99);
  return {
    requestRate: rate,
    concurrency: batch,
    outputTokensPerSecond: rate * output,
    ttftP50Ms: ttftP50,
    ttftP99Ms: ttftP99,
    ntpotP50Ms: perToken(ttftP50, batch - 1),
    ntpotP99Ms: perToken(ttftP99, batch - 1 + Z99 * Math.sqrt(batch - 1)),
    itlP50Ms: step,
  };
}

/**
 * Past this many expected arrivals the alternating series of the M/D/1 wait loses precision in doubles: its
 * largest terms grow as e^{2λt} (e^16 ≈ 10^7 at 8, leaving 9 significant digits).
 */
const MD1_SERIES_ARRIVALS = 8;

/**
 * P(wait ≤ t) of an M/D/1 queue (Poisson arrivals at `arrivalsPerMs`, service `serviceMs`), exact (Erlang 1909,
 * the Crommelin form): (1 − ρ) Σ_{k=0}^{⌊t/D⌋} (λ(kD − t))^k / k! · e^{−λ(kD − t)}. Terms alternate in sign and
 * grow as e^{2λt}, so it is used for λt up to MD1_SERIES_ARRIVALS.
 */
export function md1WaitCdf(tMs: number, arrivalsPerMs: number, serviceMs: number): number {
  const rho = arrivalsPerMs * serviceMs;
  if (tMs < 0) return 0;
  if (!(rho > 0)) return 1;
  let sum = 0;
  let logFactorial = 0;
  for (let k = 0; k * serviceMs <= tMs; k++) {
    if (k > 0) logFactorial += Math.log(k);
    const u = arrivalsPerMs * (tMs - k * serviceMs);
    const magnitude = u === 0 ? (k === 0 ? 1 : 0) : Math.exp(k * Math.log(u) - logFactorial + u);
    sum += k % 2 === 0 ? magnitude : -magnitude;
  }
  return Math.min(1, Math.max(0, (1 - rho) * sum));
}

/**
 * The q-quantile of the M/D/1 wait in ms: 0 while q ≤ P(no wait) = 1 − ρ; else the exact CDF solved by bisection,
 * and past MD1_SERIES_ARRIVALS the tail continued at its exact asymptotic decay rate θ, the positive root of
 * λ(e^{θD} − 1) = θ (the M/G/1 tail of Cramér–Lundberg for deterministic service).
 */
export function md1WaitQuantileMs(arrivalsPerMs: number, serviceMs: number, q: number): number {
  const rho = arrivalsPerMs * serviceMs;
  if (!(rho > 0) || q <= 1 - rho) return 0;
  const seriesEnd = MD1_SERIES_ARRIVALS / arrivalsPerMs;
  const atEnd = md1WaitCdf(seriesEnd, arrivalsPerMs, serviceMs);
  if (atEnd < q) {
    const f = (theta: number) => arrivalsPerMs * Math.expm1(theta * serviceMs) - theta;
    let hi = 1 / serviceMs;
    while (f(hi) <= 0) hi *= 2;
    let lo = 0;
    for (let i = 0; i < 100; i++) {
      const mid = (lo + hi) / 2;
      if (f(mid) > 0) hi = mid; else lo = mid;
    }
    return seriesEnd + Math.log((1 - atEnd) / (1 - q)) / hi;
  }
  // The quantile is a few service times unless the load is heavy: bracket it by doubling, then bisect.
  let hi = serviceMs;
  while (hi < seriesEnd && md1WaitCdf(hi, arrivalsPerMs, serviceMs) < q) hi *= 2;
  hi = Math.min(hi, seriesEnd);
  let lo = hi / 2;
  if (md1WaitCdf(lo, arrivalsPerMs, serviceMs) >= q) lo = 0;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (md1WaitCdf(mid, arrivalsPerMs, serviceMs) >= q) hi = mid; else lo = mid;
  }
  return hi;
}

/** Calibrated efficiencies stay within these bounds: a measured curve far outside them is a different setup. */
const EFFICIENCY_BOUNDS = { min: 0.05, max: 1 } as const;

/** A measured curve and the estimate made, at the default efficiencies, for the same model, accelerator and TP. */
export interface CalibrationPair {
  readonly measured: readonly PerfPoint[];
  readonly estimated: readonly PerfPoint[];
}

/**
 * The efficiencies one measured curve implies, starting from `base`: at the lightest measured load, decode time
 * scales as 1 / bandwidth efficiency (ITL p50; NTPOT, which includes TTFT, stands in when a report has no ITL)
 * and prefill time as 1 / FLOPs efficiency (TTFT p50). A factor the curve says nothing of is undefined.
 */
export function impliedEfficiency({ measured, estimated }: CalibrationPair, base: Efficiency = DEFAULT_EFFICIENCY): Partial<Efficiency> {
  const light = measured[0];
  if (!light || estimated.length === 0) return {};
  const estimate = pointAtRate(estimated, light.requestRate);
  const decode = light.itlP50Ms && estimate.itlP50Ms
    ? estimate.itlP50Ms / light.itlP50Ms
    : light.ntpotP50Ms > 0 && estimate.ntpotP50Ms > 0 ? estimate.ntpotP50Ms / light.ntpotP50Ms : undefined;
  const prefill = light.ttftP50Ms > 0 && estimate.ttftP50Ms > 0 ? estimate.ttftP50Ms / light.ttftP50Ms : undefined;
  return {
    ...(decode !== undefined ? { decodeBandwidth: base.decodeBandwidth * decode } : {}),
    ...(prefill !== undefined ? { prefillFlops: base.prefillFlops * prefill } : {}),
  };
}

/**
 * Efficiencies that make estimates agree with measurements on one accelerator type: each factor the geometric
 * mean of what the profiles imply (`impliedEfficiency`), within EFFICIENCY_BOUNDS. Callers leave out profiles
 * that src/profiles/judgement.ts sets aside.
 */
export function calibrate(pairs: readonly CalibrationPair[], base: Efficiency = DEFAULT_EFFICIENCY): Efficiency {
  const implied = pairs.map((pair) => impliedEfficiency(pair, base));
  const scaled = (factor: number, values: readonly (number | undefined)[]) => {
    const known = values.filter((v): v is number => v !== undefined && v > 0);
    if (known.length === 0) return factor;
    const mean = Math.exp(known.reduce((sum, v) => sum + Math.log(v), 0) / known.length);
    return Math.min(EFFICIENCY_BOUNDS.max, Math.max(EFFICIENCY_BOUNDS.min, mean));
  };
  return {
    decodeBandwidth: scaled(base.decodeBandwidth, implied.map((i) => i.decodeBandwidth)),
    prefillFlops: scaled(base.prefillFlops, implied.map((i) => i.prefillFlops)),
  };
}

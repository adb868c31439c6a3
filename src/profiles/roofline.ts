import type { AcceleratorType } from '../accelerators/catalog.js';
import type { Dtype, KvDtype } from '../models/dtype.js';
import { kvBytesPerToken, kvCapacityTokens, kvReplication, tensorParallelProblem, weightsBytes } from '../models/memory.js';
import type { ModelSpec } from '../models/spec.js';
import { err, ok, type Result } from '../result.js';
import { pointAtRate, type ProfilePoint, type WorkloadShape } from './profile.js';

// The estimated profile: a roofline model of one replica from the catalogs' peak figures.
//
// An engine step runs one forward pass over every scheduled token. Decode steps read all weights once and the KV
// cache of every running sequence, so they are bound by memory bandwidth; prefill computes 2 × active parameters
// FLOPs per prompt token, so it is bound by compute. Real kernels reach a fraction of either peak: the two
// efficiency factors below, which measured profiles on the same accelerator type replace (see `calibrate`).

/**
 * Fraction of peak HBM bandwidth decode reaches. vLLM serves Llama-3.1-8B (16.1 GB of bf16 weights) on one
 * H100 SXM (3.35 TB/s) at about 7 ms per token at batch 1, where the weights alone take 4.8 ms at peak: ~0.7.
 */
export const DECODE_BANDWIDTH_EFFICIENCY = 0.7;
/** Model FLOPs utilization of large prefills: vLLM and SGLang prefill at roughly 40–60% MFU on H100; the middle. */
export const PREFILL_FLOPS_EFFICIENCY = 0.5;
/**
 * Per-sequence CPU cost of a step (sampling, detokenization, output processing). vLLM v1 moved this off the
 * GPU's critical path, leaving on the order of 10 µs per sequence.
 */
export const DECODE_PER_SEQ_MS = 0.01;
/**
 * Tensor parallelism adds two all-reduces per layer to every step (after attention and after the MLP). A decode
 * step's activations are small, so each is latency-bound: NCCL and vLLM's custom all-reduce take ~5–10 µs over
 * NVLink. 8 µs each.
 */
export const ALL_REDUCE_MS = 0.008;
/**
 * The same all-reduce between cards without NVLink (L4, T4) crosses PCIe through host memory: NCCL's small-message
 * latency there is tens of µs. 40 µs each.
 */
export const ALL_REDUCE_PCIE_MS = 0.04;
/** vLLM's default --max-num-seqs: the most sequences one step batches, whatever room the KV cache has. */
export const DEFAULT_MAX_BATCH = 256;
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

type Speeds = Pick<AcceleratorType, 'hbmBandwidthBytesPerSecond' | 'bf16FlopsPerSecond' | 'interconnect'>;

/**
 * Step costs of `model` on `tp` devices: memory terms divide bytes by the group's bandwidth; MoE models read all
 * their weights (true at serving batch sizes) but compute only their active parameters.
 */
export function stepCosts(model: ModelSpec, accelerator: Speeds, tp: number, dtype: Dtype, kvDtype: KvDtype, efficiency: Efficiency = DEFAULT_EFFICIENCY): StepCosts {
  const bandwidth = tp * accelerator.hbmBandwidthBytesPerSecond * efficiency.decodeBandwidth;
  const flops = tp * accelerator.bf16FlopsPerSecond * efficiency.prefillFlops;
  const weightsReadMs = (weightsBytes(model, dtype) / bandwidth) * 1000;
  return {
    weightsReadMs,
    ...(moeShare(model) !== undefined && model.experts ? { moe: { expertsReadMs: weightsReadMs * moeShare(model)!, routed: model.experts.routed, perToken: model.experts.perToken } } : {}),
    kvReadUsPerToken: ((kvBytesPerToken(model, kvDtype) * kvReplication(model, tp)) / bandwidth) * 1e6,
    prefillTokensPerSecond: flops / (2 * (model.activeParams ?? model.params)),
    perSeqMs: DECODE_PER_SEQ_MS,
    commMs: tp > 1 ? 2 * model.layers * (accelerator.interconnect === 'pcie' ? ALL_REDUCE_PCIE_MS : ALL_REDUCE_MS) : 0,
  };
}

/**
 * The share of a MoE model's weights that are routed experts: with E routed experts of which k serve each token,
 * total = dense + E × e and active = dense + k × e, so E × e = (total − active) × E ÷ (E − k). Undefined for dense
 * models (or without the expert counts). Bytes are taken in proportion to parameters, a fair average when experts
 * and the rest share a dtype (and close for gpt-oss, whose experts alone are 4-bit: they dominate both counts).
 */
export function moeShare(model: ModelSpec): number | undefined {
  if (!model.experts || model.activeParams === undefined || model.activeParams >= model.params) return undefined;
  const { routed, perToken } = model.experts;
  if (!(routed > perToken && perToken >= 1)) return undefined;
  return Math.min(1, ((model.params - model.activeParams) * routed) / (routed - perToken) / model.params);
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
  readonly points: ProfilePoint[];
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
 * - TTFT = its own prefill + the step in progress + waiting behind other prefills, an M/D/1 queue with load
 *   u = rate × t_p, whose wait has the exponential tail of Kingman's heavy-traffic approximation:
 *   P(wait > t) ≈ u · exp(−t · u / E[wait]), E[wait] = u · t_p / (2 (1 − u)).
 * Beyond the largest batch the KV cache holds, requests queue without bound: the curve stops there.
 */
export function estimateProfile(input: EstimateInput): Result<Estimate> {
  const { model, accelerator, tp, workload } = input;
  const tpProblem = tensorParallelProblem(model, tp);
  if (tpProblem) return err(tpProblem);
  if (!(workload.inputTokens >= 1 && workload.outputTokens >= 1)) return err('the workload needs at least 1 input and 1 output token');
  const costs = stepCosts(model, accelerator, tp, input.dtype, input.kvCacheDtype, input.efficiency);
  const kvTokens = kvCapacityTokens(model, input.dtype, input.kvCacheDtype, tp, accelerator.hbmBytesPerDevice, input.memoryUtilization);
  const perRequest = workload.inputTokens + workload.outputTokens;
  const maxBatch = Math.min(input.maxBatch ?? DEFAULT_MAX_BATCH, Math.floor(kvTokens / perRequest));
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
export function pointAt(costs: StepCosts, workload: WorkloadShape, batch: number): ProfilePoint {
  const { inputTokens: input, outputTokens: output } = workload;
  const step = decodeStepMs(costs, batch, input + output / 2);
  const prefill = prefillMs(costs, input);
  // The first pass is the request's prefill, or a decode step when that is longer (they run as one step).
  const firstPass = Math.max(prefill, step);
  const decodeMs = (prefills: number) => (output - 1) * step + prefills * prefill;
  // Lifetime and rate solved together: L = TTFT + decode(B); the wait in TTFT depends on the rate, which
  // depends on L. A few fixed-point rounds converge (the wait is a small part of L until u nears 1).
  let rate = (batch / (firstPass + decodeMs(batch - 1))) * 1000;
  let waitMean = 0;
  let utilization = 0;
  for (let i = 0; i < 8; i++) {
    utilization = Math.min(0.99, (rate * prefill) / 1000);
    waitMean = (utilization * prefill) / (2 * (1 - utilization));
    rate = (batch / (firstPass + step / 2 + waitMean + decodeMs(batch - 1))) * 1000;
  }
  const waitQuantile = (q: number) => (utilization > 1 - q ? (waitMean / utilization) * Math.log(utilization / (1 - q)) : 0);
  const perToken = (ttft: number, prefills: number) => (ttft + decodeMs(prefills)) / output;
  const ttftP50 = firstPass + step / 2 + waitQuantile(0.5);
  const ttftP99 = firstPass + step + waitQuantile(0.99);
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

/** Calibrated efficiencies stay within these bounds: a measured curve far outside them is a different setup. */
const EFFICIENCY_BOUNDS = { min: 0.05, max: 1 } as const;

/** A measured curve and the estimate made, at the default efficiencies, for the same model, accelerator and TP. */
export interface CalibrationPair {
  readonly measured: readonly ProfilePoint[];
  readonly estimated: readonly ProfilePoint[];
}

/**
 * Efficiencies that make estimates agree with measurements on one accelerator type. At the lightest measured
 * load, decode time scales as 1 / bandwidth efficiency (ITL p50) and prefill time as 1 / FLOPs efficiency
 * (TTFT p50), so each factor is scaled by estimated ÷ measured; over several profiles, the geometric mean.
 */
export function calibrate(pairs: readonly CalibrationPair[], base: Efficiency = DEFAULT_EFFICIENCY): Efficiency {
  const decode: number[] = [];
  const prefill: number[] = [];
  for (const { measured, estimated } of pairs) {
    const light = measured[0];
    if (!light || estimated.length === 0) continue;
    const estimate = pointAtRate(estimated, light.requestRate);
    // Inter-token latency is pure decode; NTPOT (which includes TTFT) stands in when a report has no ITL.
    if (light.itlP50Ms && estimate.itlP50Ms) decode.push(estimate.itlP50Ms / light.itlP50Ms);
    else if (light.ntpotP50Ms > 0 && estimate.ntpotP50Ms > 0) decode.push(estimate.ntpotP50Ms / light.ntpotP50Ms);
    if (light.ttftP50Ms > 0 && estimate.ttftP50Ms > 0) prefill.push(estimate.ttftP50Ms / light.ttftP50Ms);
  }
  const scaled = (factor: number, ratios: readonly number[]) => {
    if (ratios.length === 0) return factor;
    const mean = Math.exp(ratios.reduce((sum, r) => sum + Math.log(r), 0) / ratios.length);
    return Math.min(EFFICIENCY_BOUNDS.max, Math.max(EFFICIENCY_BOUNDS.min, factor * mean));
  };
  return { decodeBandwidth: scaled(base.decodeBandwidth, decode), prefillFlops: scaled(base.prefillFlops, prefill) };
}

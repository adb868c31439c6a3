import { tensorParallelProblem } from '../models/memory.js';
import type { ModelSpec } from '../models/spec.js';
import { err, ok, type Result } from '../result.js';
import type { TpuSliceShape } from '../accelerators/tpu-slices.js';
import { estimateProfile, pointAt, stepCosts, vllmKvBudget, type Estimate, type EstimateInput } from './roofline.js';

// A replica over several nodes, laid out as `deploy` writes it (vLLM's multi-node recipe, docs.vllm.ai
// "Distributed inference and serving"): tensor parallel within a node, one pipeline stage per node.
//
// Each stage holds 1/P of the layers, so a step's weight and KV reads, compute and in-stage all-reduces add up,
// over the P stages, to one node's worth of the whole model: the single-node step costs at TP = devices per node.
// Between stages the step's hidden states cross the network (P − 1 hops). vLLM keeps P micro-batches in flight
// (one per virtual engine), so while each sees the full step latency, the replica serves P of them at once.

/**
 * One hop's fixed cost: a send/recv of a small tensor between hosts. NCCL's point-to-point latency over
 * InfiniBand/RoCE is ~10 µs at the transport (nccl-tests sendrecv_perf, small messages); vLLM's stage handoff
 * (torch.distributed send/recv plus scheduling on each side) adds to it. 50 µs: an assumption of this estimate,
 * not a measurement; calibrate with a measured profile (`kubectl inference bench`) where it matters.
 */
export const INTER_NODE_HOP_MS = 0.05;
/**
 * Network bandwidth between two nodes for the activations: one 400 Gb/s NIC (50 GB/s), the per-GPU NIC of
 * NVIDIA DGX H100 (8 × ConnectX-7 400 Gb/s) and of GKE A3 Mega; a stage handoff uses one rank's link.
 */
export const INTER_NODE_BYTES_PER_SECOND = 50e9;
/** Hidden states cross the network in bf16 (vLLM's default activation dtype). */
const ACTIVATION_BYTES = 2;

/** Network time one stage boundary adds to a step that carries `tokens` tokens. */
export function pipelineHopMs(model: ModelSpec, tokens: number): number {
  return INTER_NODE_HOP_MS + ((tokens * model.hiddenSize * ACTIVATION_BYTES) / INTER_NODE_BYTES_PER_SECOND) * 1000;
}

/**
 * The estimated curve of a replica of `input.tp` devices over `hosts` nodes (TP = tp / hosts in a node, `hosts`
 * pipeline stages). Points are by total concurrency (hosts micro-batches of B); latencies are each request's,
 * throughput the replica's.
 */
export function estimateMultiNodeProfile(input: EstimateInput & { readonly hosts: number }): Result<Estimate> {
  const { model, accelerator, tp, hosts, workload } = input;
  if (!(Number.isInteger(hosts) && hosts >= 2 && tp % hosts === 0)) return err(`${tp} devices do not split evenly over ${hosts} nodes`);
  const perNode = tp / hosts;
  const tpProblem = tensorParallelProblem(model, perNode);
  if (tpProblem) return err(tpProblem);
  if (model.layers < hosts) return err(`${model.layers} layers cannot make ${hosts} pipeline stages`);
  if (!(workload.inputTokens >= 1 && workload.outputTokens >= 1)) return err('the workload needs at least 1 input and 1 output token');
  const costs = stepCosts(model, accelerator, perNode, input.dtype, input.kvCacheDtype, input.efficiency);
  const { kvTokens, serverMaxSeqs } = vllmKvBudget(input, tp);
  const perRequest = workload.inputTokens + workload.outputTokens;
  // The max batch (vLLM's --max-num-seqs) and the KV cache are the replica's, shared by its micro-batches.
  const microBatch = Math.floor(Math.min(input.maxBatch ?? serverMaxSeqs, Math.floor(kvTokens / perRequest)) / hosts);
  if (microBatch < 1) {
    return err(kvTokens === 0
      ? `the weights leave no room for KV cache on ${tp} × ${accelerator.name} over ${hosts} nodes`
      : `the KV cache holds ${kvTokens} tokens, too few for ${hosts} micro-batches of one ${perRequest}-token request`);
  }
  const batches: number[] = [];
  for (let b = 1; b < microBatch; b *= 2) batches.push(b);
  batches.push(microBatch);
  const points = batches.map((b) => {
    const point = pointAt({ ...costs, commMs: costs.commMs + (hosts - 1) * pipelineHopMs(model, b) }, workload, b);
    return { ...point, requestRate: point.requestRate * hosts, outputTokensPerSecond: point.outputTokensPerSecond * hosts, concurrency: b * hosts };
  });
  return ok({ points, maxBatch: microBatch * hosts, kvCapacityTokens: kvTokens, costs });
}

// A multi-host TPU slice serves as one tensor-parallel group over all its chips (the upstream LWS TPU recipe,
// sigs.k8s.io/lws@v0.9.0 docs/examples/vllm/TPU/lws.yaml: --tensor-parallel-size=16 on a 4x4 slice). ICI links the
// chips directly, across hosts too, so a host boundary adds no hop of its own and no pipeline stage: the step is
// the single-replica step at TP = chips, whose all-reduces span the slice. Their latency follows the per-doubling
// growth of roofline.ts's ALL_REDUCE_* figures (measured over NVLink; no public measurement of vLLM on a
// multi-host TPU slice is in test/fixtures/measurements, so on ICI that is an assumption). What the slice adds
// here is the all-reduces' bandwidth term over ICI, which a big batch or a long prefill makes count.

/**
 * ICI bandwidth per chip, bytes per second (Cloud TPU system architecture pages, "Interchip Interconnect BW" per
 * chip): v5e 1,600 Gb/s, v5p 4,800 Gb/s, v6e 3,584 Gb/s; TPU7x (Ironwood) 1.2 TB/s bidirectional (Google Cloud,
 * "Ironwood: the first Google TPU for the age of inference", 2025).
 */
export const ICI_BYTES_PER_SECOND: Readonly<Record<string, number>> = {
  'tpu-v5-lite-podslice': 1600e9 / 8,
  'tpu-v5p-slice': 4800e9 / 8,
  'tpu-v6e-slice': 3584e9 / 8,
  'tpu7x': 1.2e12,
};

/**
 * The bandwidth part of one step's all-reduces over a slice: 2 per layer, each a ring all-reduce moving
 * 2 (n − 1) / n of the step's activations (tokens × hidden size, bf16) through every chip's ICI. Sized by the
 * decode batch, as pipelineHopMs sizes a stage hop.
 */
export function sliceAllReduceBandwidthMs(model: ModelSpec, chips: number, iciBytesPerSecond: number, tokens: number): number {
  if (chips <= 1) return 0;
  const bytes = tokens * model.hiddenSize * ACTIVATION_BYTES;
  return ((2 * model.layers * 2 * ((chips - 1) / chips) * bytes) / iciBytesPerSecond) * 1000;
}

/** The estimated curve of a replica on one whole TPU slice: tensor parallel over every chip, ICI between them. */
export function estimateSliceProfile(input: EstimateInput & { readonly slice: TpuSliceShape }): Result<Estimate> {
  const { model, accelerator, slice, workload } = input;
  const ici = ICI_BYTES_PER_SECOND[accelerator.name];
  if (ici === undefined) return err(`kinfer has no ICI bandwidth for ${accelerator.name}`);
  const base = estimateProfile({ ...input, tp: slice.chips });
  if (!base.ok) return base;
  const { costs } = base.value;
  const points = base.value.points.map((p) => {
    const batch = p.concurrency ?? 1;
    return pointAt({ ...costs, commMs: costs.commMs + sliceAllReduceBandwidthMs(model, slice.chips, ici, batch) }, workload, batch);
  });
  return ok({ ...base.value, points });
}

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { acceleratorByName } from '../../../src/accelerators/catalog.js';
import { modelById } from '../../../src/models/catalog.js';
import { DTYPES, KV_DTYPES } from '../../../src/models/dtype.js';
import { decodeStepMs, prefillMs, REQUEST_OVERHEAD_MS, stepCosts, type StepCosts } from '../../../src/profiles/roofline.js';

// The public measurements of test/fixtures/measurements/public-decode.json and the roofline's estimate of each,
// reproduced under the same load the source describes. Shared by measurements.test.ts (which holds the estimate
// to them) and bench/estimate-accuracy.bench.ts (which prints the table in docs/recommend.md).

// dist/test/src/profiles/ -> test/fixtures/measurements/ in the repository (fixtures are not compiled).
const FIXTURE = new URL('../../../../test/fixtures/measurements/public-decode.json', import.meta.url);

const lengths = z.array(z.number().int().nonnegative()).min(1);

const loadSchema = z.discriminatedUnion('kind', [
  // N prompts sent at once (request rate inf): every request's TPOT comes from the batch that shrinks as they end.
  z.strictObject({ kind: z.literal('burst'), inputTokens: lengths, outputTokens: lengths }),
  // A closed loop of `concurrency` streams; lengths when the source states them, else the context assumed.
  z.strictObject({
    kind: z.literal('concurrency'), concurrency: z.number().int().positive(),
    inputTokens: z.number().int().positive().optional(), outputTokens: z.number().int().positive().optional(),
    contextTokens: z.number().int().positive().optional(),
  }),
  // vLLM's benchmark_latency: one batch prefilled together and decoded to the end, no server around it.
  z.strictObject({ kind: z.literal('offline-batch'), batch: z.number().int().positive(), inputTokens: z.number().int().positive(), outputTokens: z.number().int().positive() }),
]);

const pointSchema = z.strictObject({
  id: z.string().min(1),
  model: z.string().min(1),
  servedModel: z.string().min(1),
  accelerator: z.string().min(1),
  tp: z.number().int().positive(),
  dtype: z.enum(DTYPES),
  kvCacheDtype: z.enum(KV_DTYPES),
  server: z.string().min(1),
  serverVersion: z.string().min(1),
  load: loadSchema,
  metric: z.enum(['medianTpotMs', 'tpotP50Ms', 'outputTokensPerSecond', 'batchLatencyMs']),
  measured: z.number().positive(),
  quote: z.string().min(1),
  url: z.string().url(),
  measuredOn: z.string().min(4),
  read: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  notes: z.string().optional(),
});

export type MeasuredPoint = z.infer<typeof pointSchema>;

export function loadMeasurements(): MeasuredPoint[] {
  const doc = z.strictObject({ description: z.string(), points: z.array(pointSchema).min(1) }).parse(JSON.parse(readFileSync(FIXTURE, 'utf8')));
  return doc.points;
}

function costsFor(point: MeasuredPoint): StepCosts {
  const model = modelById(point.model);
  const accelerator = acceleratorByName(point.accelerator);
  if (!model || !accelerator) throw new Error(`${point.id}: ${point.model} or ${point.accelerator} is not in the catalog`);
  return stepCosts(model, accelerator, point.tp, point.dtype, point.kvCacheDtype);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Median TPOT of a burst as vLLM's benchmark_serving computes it (over requests with more than one output token,
 * (latency − TTFT) ÷ (output − 1)): decode step t runs the n(t) requests still generating, each at its own context.
 */
function burstMedianTpotMs(costs: StepCosts, inputs: readonly number[], outputs: readonly number[]): number {
  const tpots: number[] = [];
  for (let i = 0; i < outputs.length; i++) {
    const out = outputs[i]!;
    if (out <= 1) continue;
    let total = 0;
    for (let t = 1; t < out; t++) {
      const running = outputs.filter((o) => o > t).length;
      total += decodeStepMs(costs, running, inputs[i]! + t);
    }
    tpots.push(total / (out - 1));
  }
  return median(tpots);
}

/** The estimate of the point's metric, in the metric's own unit. */
export function estimateMeasured(point: MeasuredPoint): number {
  const costs = costsFor(point);
  const { load } = point;
  switch (load.kind) {
    case 'burst':
      return burstMedianTpotMs(costs, load.inputTokens, load.outputTokens);
    case 'offline-batch': {
      let total = prefillMs(costs, load.batch * load.inputTokens);
      for (let t = 1; t < load.outputTokens; t++) total += decodeStepMs(costs, load.batch, load.inputTokens + t);
      return total;
    }
    case 'concurrency': {
      const context = load.contextTokens ?? (load.inputTokens ?? 0) + (load.outputTokens ?? 0) / 2;
      const step = decodeStepMs(costs, load.concurrency, context);
      if (point.metric === 'tpotP50Ms') return step;
      if (point.metric === 'outputTokensPerSecond' && load.inputTokens !== undefined && load.outputTokens !== undefined && load.concurrency === 1) {
        const requestMs = REQUEST_OVERHEAD_MS + prefillMs(costs, load.inputTokens) + (load.outputTokens - 1) * step;
        return (load.outputTokens * 1000) / requestMs;
      }
      throw new Error(`${point.id}: no estimate for ${point.metric} under this load`);
    }
  }
}

/** Estimated time ÷ measured time: above 1 the estimate is slower than the world, below 1 faster. */
export function timeRatio(point: MeasuredPoint, estimate: number): number {
  return point.metric === 'outputTokensPerSecond' ? point.measured / estimate : estimate / point.measured;
}

/** The tolerance DESIGN.md sets: single-device decode within ±15%, tensor parallel within ±20%. */
export function tolerance(point: MeasuredPoint): number {
  return point.tp > 1 ? 0.2 : 0.15;
}

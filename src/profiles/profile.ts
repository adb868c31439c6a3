import { z } from 'zod';
import { SERVERS, type ServerKind } from '../servers/templates.js';
import { err, ok, type Result } from '../result.js';

// A performance profile: how one replica of (model, server, accelerator type, tensor-parallel size) behaves under
// one workload shape, as a curve of load points from light to saturated. Figures are per replica: a measured pool
// of N replicas is divided by N.

/** Where a profile's figures come from. Measured always wins over estimated. */
export type PerfSource = 'estimated' | 'measured';

/** The workload a profile is for: mean prompt and output lengths in tokens. */
export interface WorkloadShape {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface PerfProfileKey extends WorkloadShape {
  /** Hugging Face id, as in the model catalog. */
  readonly model: string;
  readonly server: ServerKind;
  /** Canonical accelerator type name, e.g. nvidia-h100-80gb. */
  readonly accelerator: string;
  /** Devices per replica. */
  readonly tp: number;
}

/** One load level. Latencies in milliseconds; rates per replica. */
export interface PerfPoint {
  /** Requests per second one replica completes at this load. */
  readonly requestRate: number;
  /** Requests in flight at once (mean), when known. */
  readonly concurrency?: number;
  readonly outputTokensPerSecond: number;
  readonly ttftP50Ms: number;
  readonly ttftP99Ms: number;
  /**
   * Normalized time per output token, per request: end-to-end latency ÷ output tokens (TTFT included), as
   * inference-perf's normalized_time_per_output_token and the Inference Extension's latency SLOs define it.
   */
  readonly ntpotP50Ms: number;
  readonly ntpotP99Ms: number;
  /** Inter-token latency (gap between consecutive tokens), median. */
  readonly itlP50Ms?: number;
  /** Requests that finished in the stage this point summarizes (the whole pool's), when known. */
  readonly completedRequests?: number;
}

export interface PerfProfile {
  readonly key: PerfProfileKey;
  readonly source: PerfSource;
  /** Sorted by request rate, lightest first. */
  readonly points: readonly PerfPoint[];
  /** One line on where it came from: "kubectl inference bench llama on 2 replicas", "inference-perf report …". */
  readonly origin: string;
  /** ISO 8601 time the measurement (or estimate) was made. */
  readonly createdAt: string;
}

const positive = z.number().finite().positive();
const nonNegative = z.number().finite().nonnegative();

export const profilePointSchema = z.strictObject({
  requestRate: nonNegative,
  concurrency: nonNegative.optional(),
  outputTokensPerSecond: nonNegative,
  ttftP50Ms: nonNegative,
  ttftP99Ms: nonNegative,
  ntpotP50Ms: nonNegative,
  ntpotP99Ms: nonNegative,
  itlP50Ms: nonNegative.optional(),
  completedRequests: z.number().int().nonnegative().optional(),
});

export const profileKeySchema = z.strictObject({
  model: z.string().min(1),
  server: z.enum(SERVERS),
  accelerator: z.string().min(1),
  tp: z.number().int().positive(),
  inputTokens: positive.int(),
  outputTokens: positive.int(),
});

export const profileSchema = z.strictObject({
  key: profileKeySchema,
  source: z.enum(['estimated', 'measured']),
  points: z.array(profilePointSchema).min(1),
  origin: z.string(),
  createdAt: z.string().min(1),
});

/** The JSON document `profiles export` writes and `profiles import` reads. */
export const PROFILES_KIND = 'KinferProfiles';
export const profilesDocumentSchema = z.strictObject({
  kind: z.literal(PROFILES_KIND),
  version: z.literal(1),
  profiles: z.array(profileSchema),
});

export function profilesDocument(profiles: readonly PerfProfile[]): z.infer<typeof profilesDocumentSchema> {
  return { kind: PROFILES_KIND, version: 1, profiles: profiles.map((p) => ({ ...p, points: [...p.points] })) as z.infer<typeof profileSchema>[] };
}

/** Parses a profiles document; the error names the first bad field by its path. */
export function parseProfilesDocument(value: unknown, what: string): Result<PerfProfile[]> {
  const parsed = profilesDocumentSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return err(`${what}: ${path}: ${issue.message}`);
  }
  return ok(parsed.data.profiles.map((p) => ({ ...p, points: sortPoints(p.points) })));
}

export function sortPoints(points: readonly PerfPoint[]): PerfPoint[] {
  return [...points].sort((a, b) => a.requestRate - b.requestRate || a.outputTokensPerSecond - b.outputTokensPerSecond);
}

/** A stable string for a key: the store's primary key and the map key of lookups. */
export function keyId(key: PerfProfileKey): string {
  return `${key.model}|${key.server}|${key.accelerator}|${key.tp}|${key.inputTokens}|${key.outputTokens}`;
}

export function describeKey(key: PerfProfileKey): string {
  return `${key.model} on ${key.tp} × ${key.accelerator} (${key.server}), ${key.inputTokens} in / ${key.outputTokens} out tokens`;
}

/** `a + (b − a) × f` for every figure of two points (optional ones only when both have them). */
export function lerpPoint(a: PerfPoint, b: PerfPoint, f: number): PerfPoint {
  const mix = (x: number, y: number) => x + (y - x) * f;
  return {
    requestRate: mix(a.requestRate, b.requestRate),
    ...(a.concurrency !== undefined && b.concurrency !== undefined ? { concurrency: mix(a.concurrency, b.concurrency) } : {}),
    outputTokensPerSecond: mix(a.outputTokensPerSecond, b.outputTokensPerSecond),
    ttftP50Ms: mix(a.ttftP50Ms, b.ttftP50Ms),
    ttftP99Ms: mix(a.ttftP99Ms, b.ttftP99Ms),
    ntpotP50Ms: mix(a.ntpotP50Ms, b.ntpotP50Ms),
    ntpotP99Ms: mix(a.ntpotP99Ms, b.ntpotP99Ms),
    ...(a.itlP50Ms !== undefined && b.itlP50Ms !== undefined ? { itlP50Ms: mix(a.itlP50Ms, b.itlP50Ms) } : {}),
  };
}

/** The curve's figures at a request rate, interpolated between the two points around it (clamped at the ends). */
export function pointAtRate(points: readonly PerfPoint[], rate: number): PerfPoint {
  const first = points[0]!;
  if (rate <= first.requestRate) return first;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (rate <= b.requestRate) return lerpPoint(a, b, b.requestRate === a.requestRate ? 1 : (rate - a.requestRate) / (b.requestRate - a.requestRate));
  }
  return points[points.length - 1]!;
}

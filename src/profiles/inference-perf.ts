import { err, ok, type Result } from '../result.js';
import { sortPoints, type PerfPoint, type WorkloadShape } from './profile.js';

// Imports an inference-perf report (github.com/kubernetes-sigs/inference-perf, the Kubernetes benchmarking tool
// for LLM serving) as profile points.
//
// Field names are inference-perf's own, from its inference_perf/reportgen/base.py (summarize, summarize_requests,
// ReportGenerator.generate_reports; read at commit 010d12fb, 2026) and docs/reports.md. That version writes:
//   summary_lifecycle_metrics.json    the whole run
//   stage_N_lifecycle_metrics.json    load stage N alone (N from 0)
// each {benchmark_time_seconds, load_summary, successes, failures, retries?}, where
//   load_summary   count, schedule_delay; stage files add send_duration, requested_rate, achieved_rate
//                  (all requests sent ÷ send duration) and, for a concurrent stage, its concurrency level
//   successes      count;
//                  latency.{request_latency, time_to_first_token, normalized_time_per_output_token,
//                  time_per_output_token, inter_token_latency}: {mean, min, max, median, p90, p99, …} in seconds,
//                  null when no request has the figure (TTFT, TPOT and ITL need streamed responses);
//                  throughput.{requests_per_sec, output_tokens_per_sec, …}: successes ÷ (last end − first start);
//                  prompt_tokens.mean and output_len.mean in tokens
//   failures       count, request_latency, by_label
// Earlier (2025) versions differ in ways this importer also reads: the 50th percentile is "p50" rather than
// "median", and the prompt length is prompt_len.mean rather than prompt_tokens.mean. The earliest wrote only
// p10/p50/p90, so they lack the p99 a point needs.
//
// inference-perf's normalized_time_per_output_token is request latency ÷ output tokens, TTFT included: the
// Gateway API Inference Extension's NTPOT, and what bench/ measures for ntpotP99Ms.

export interface InferencePerfFile {
  /** Base name of the file, e.g. stage_0_lifecycle_metrics.json. */
  readonly name: string;
  /** The file's parsed JSON. */
  readonly json: unknown;
}

export interface InferencePerfImport {
  /** Per replica, sorted by request rate. */
  readonly points: PerfPoint[];
  /** Mean prompt and output lengths of the successful requests, rounded to whole tokens. */
  readonly workload: WorkloadShape;
  /** Stage files the points come from; 0 when the only file was the summary. */
  readonly stages: number;
  readonly warnings: string[];
}

export const SUMMARY_FILE = 'summary_lifecycle_metrics.json';
const STAGE_FILE = /^stage_(\d+)_lifecycle_metrics\.json$/;

export type InferencePerfFileKind = { readonly kind: 'summary' } | { readonly kind: 'stage'; readonly stage: number };

/**
 * Which lifecycle report a file of an inference-perf report directory is, or undefined for the others (config.yaml,
 * per_request_lifecycle_metrics.json, *_prometheus_metrics.json, adapter_* reports …), so a caller holding a whole
 * directory can pick the files to pass.
 */
export function inferencePerfFileKind(name: string): InferencePerfFileKind | undefined {
  if (name === SUMMARY_FILE) return { kind: 'summary' };
  const stage = STAGE_FILE.exec(name);
  return stage ? { kind: 'stage', stage: Number(stage[1]) } : undefined;
}

/**
 * Turns inference-perf lifecycle reports of a pool of `replicas` replicas into per-replica profile points: one per
 * stage file, or a single one from the summary when no stage file is given. With stage files the summary is
 * ignored (it is their union, so it would only add a point blending every load level).
 */
export function importInferencePerf(files: readonly InferencePerfFile[], options: { replicas: number }): Result<InferencePerfImport> {
  const { replicas } = options;
  if (!Number.isInteger(replicas) || replicas < 1) return err(`replicas must be a positive integer, got ${replicas}`);
  if (files.length === 0) return err(`no inference-perf report files given: pass ${SUMMARY_FILE} or the stage_N_lifecycle_metrics.json files`);

  let summary: InferencePerfFile | undefined;
  const stages = new Map<number, InferencePerfFile>();
  for (const file of files) {
    const kind = inferencePerfFileKind(file.name);
    if (kind === undefined) {
      return err(`${file.name}: not an inference-perf lifecycle report (expected ${SUMMARY_FILE} or stage_N_lifecycle_metrics.json)`);
    }
    if (kind.kind === 'summary' ? summary !== undefined : stages.has(kind.stage)) return err(`${file.name}: given twice`);
    if (kind.kind === 'summary') summary = file;
    else stages.set(kind.stage, file);
  }

  const warnings: string[] = [];
  const stageIds = [...stages.keys()].sort((a, b) => a - b);
  let chosen: InferencePerfFile[];
  if (stageIds.length > 0) {
    chosen = stageIds.map((id) => stages.get(id)!);
    if (summary) warnings.push(`${SUMMARY_FILE} ignored: it is the union of the ${stageIds.length} stage files, which give one point per load level`);
    // inference-perf numbers stages from 0 and writes a file for every stage that sent requests.
    const missing = Array.from({ length: stageIds.at(-1)! + 1 }, (_, id) => id).filter((id) => !stages.has(id));
    if (missing.length === 1) warnings.push(`no file for stage ${missing[0]}: the curve lacks that load level`);
    if (missing.length > 1) warnings.push(`no file for stages ${missing.join(', ')}: the curve lacks those load levels`);
  } else {
    chosen = [summary!];
    warnings.push(`only ${SUMMARY_FILE} given: one point averaging every stage of the run; pass the stage_N_lifecycle_metrics.json files for a curve`);
  }

  const readings: Reading[] = [];
  for (const file of chosen) {
    const reading = readReport(file);
    if (!reading.ok) return reading;
    readings.push(reading.value);
    warnings.push(...reading.value.warnings);
  }

  // Workload: the means over every successful request, so each report weighs by its success count.
  const successes = readings.reduce((sum, r) => sum + r.successes, 0);
  const meanOf = (pick: (r: Reading) => number): number => Math.round(readings.reduce((sum, r) => sum + pick(r) * r.successes, 0) / successes);
  const workload: WorkloadShape = { inputTokens: meanOf((r) => r.promptTokens), outputTokens: meanOf((r) => r.outputTokens) };
  const names = chosen.map((f) => f.name).join(', ');
  if (workload.inputTokens < 1) return err(`${names}: successes.prompt_tokens.mean: the mean prompt is under half a token; a profile needs at least 1`);
  if (workload.outputTokens < 1) return err(`${names}: successes.output_len.mean: the mean output is under half a token; a profile needs at least 1`);

  const points = readings.map(({ pool, successes: completed }): PerfPoint => ({
    requestRate: pool.requestRate / replicas,
    ...(pool.concurrency === undefined ? {} : { concurrency: round(pool.concurrency / replicas, 3) }),
    outputTokensPerSecond: pool.outputTokensPerSecond / replicas,
    ttftP50Ms: pool.ttftP50Ms,
    ttftP99Ms: pool.ttftP99Ms,
    ntpotP50Ms: pool.ntpotP50Ms,
    ntpotP99Ms: pool.ntpotP99Ms,
    ...(pool.itlP50Ms === undefined ? {} : { itlP50Ms: pool.itlP50Ms }),
    completedRequests: completed,
  }));
  return ok({ points: sortPoints(points), workload, stages: stageIds.length, warnings });
}

/** What one report says, for the whole pool (rates not yet divided by the replicas). */
interface Reading {
  readonly pool: PerfPoint;
  readonly successes: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly warnings: string[];
}

/** Below this share of the requested rate, the point is at a visibly lighter load than the stage was set to. */
const ACHIEVED_RATE_SHORTFALL = 0.9;

function readReport(file: InferencePerfFile): Result<Reading> {
  if (!isObject(file.json)) return err(`${file.name}: (top level): expected a JSON object, got ${describe(file.json)}`);
  const r: Report = { file: file.name, root: file.json };
  const warnings: string[] = [];

  if (!isObject(lookup(r, 'successes'))) return fail(r, 'successes', 'missing: not an inference-perf lifecycle metrics report');
  const count = requiredNumber(r, 'successes.count');
  if (!count.ok) return count;
  if (!Number.isInteger(count.value)) return fail(r, 'successes.count', `expected a whole number, got ${count.value}`);
  const failures = optionalNumber(r, 'failures.count');
  if (!failures.ok) return failures;
  if (count.value === 0) return fail(r, 'successes.count', `no successful requests (${failures.value ?? 0} failed): nothing to profile`);
  if (failures.value) {
    warnings.push(`${r.file}: ${failures.value} of ${failures.value + count.value} requests failed; the point describes the ${count.value} that succeeded`);
  }

  if (!isObject(lookup(r, 'successes.latency'))) return fail(r, 'successes.latency', 'missing');
  const TTFT = 'successes.latency.time_to_first_token';
  if (lookup(r, TTFT) === undefined) {
    return fail(r, TTFT, 'missing: the run did not stream its responses, so it has no TTFT; run inference-perf with streaming enabled (api.streaming: true)');
  }
  const NTPOT = 'successes.latency.normalized_time_per_output_token';
  const ttftP50 = requiredPercentile(r, TTFT, 50);
  if (!ttftP50.ok) return ttftP50;
  const ttftP99 = requiredPercentile(r, TTFT, 99);
  if (!ttftP99.ok) return ttftP99;
  const ntpotP50 = requiredPercentile(r, NTPOT, 50);
  if (!ntpotP50.ok) return ntpotP50;
  const ntpotP99 = requiredPercentile(r, NTPOT, 99);
  if (!ntpotP99.ok) return ntpotP99;
  const itlP50 = optionalPercentile(r, 'successes.latency.inter_token_latency', 50);
  if (!itlP50.ok) return itlP50;

  // The rate requests complete at: successes over the report's span, the same span output_tokens_per_sec uses.
  // achieved_rate counts failed requests too and stops at the last send, so it is only the fallback.
  const completed = optionalNumber(r, 'successes.throughput.requests_per_sec');
  if (!completed.ok) return completed;
  const achieved = optionalNumber(r, 'load_summary.achieved_rate');
  if (!achieved.ok) return achieved;
  const requestRate = completed.value ?? achieved.value;
  if (requestRate === undefined) return fail(r, 'successes.throughput.requests_per_sec', 'missing, and so is load_summary.achieved_rate');
  if (completed.value === undefined) warnings.push(`${r.file}: no successes.throughput.requests_per_sec; the request rate is load_summary.achieved_rate`);
  const requested = optionalNumber(r, 'load_summary.requested_rate');
  if (!requested.ok) return requested;
  if (requested.value && achieved.value !== undefined && achieved.value < ACHIEVED_RATE_SHORTFALL * requested.value) {
    warnings.push(`${r.file}: sent ${achieved.value.toFixed(2)} req/s of the ${requested.value} requested: the load generator fell behind`);
  }
  const outputTokensPerSecond = requiredNumber(r, 'successes.throughput.output_tokens_per_sec');
  if (!outputTokensPerSecond.ok) return outputTokensPerSecond;

  // Concurrency: a concurrent stage's configured level; otherwise Little's law, completion rate × mean latency.
  const level = optionalNumber(r, 'load_summary.concurrency');
  if (!level.ok) return level;
  const meanLatency = optionalNumber(r, 'successes.latency.request_latency.mean');
  if (!meanLatency.ok) return meanLatency;
  const concurrency = level.value ?? (meanLatency.value === undefined ? undefined : requestRate * meanLatency.value);

  // Prompt tokens: prompt_tokens since 2026, prompt_len before. Output: output_len, the client-side count that
  // output_tokens_per_sec and NTPOT also use; output_tokens (the server's count) when it is absent.
  const prompt = firstNumber(r, ['successes.prompt_tokens.mean', 'successes.prompt_len.mean']);
  if (!prompt.ok) return prompt;
  const output = firstNumber(r, ['successes.output_len.mean', 'successes.output_tokens.mean']);
  if (!output.ok) return output;

  return ok({
    pool: {
      requestRate,
      ...(concurrency === undefined ? {} : { concurrency }),
      outputTokensPerSecond: outputTokensPerSecond.value,
      ttftP50Ms: milliseconds(ttftP50.value),
      ttftP99Ms: milliseconds(ttftP99.value),
      ntpotP50Ms: milliseconds(ntpotP50.value),
      ntpotP99Ms: milliseconds(ntpotP99.value),
      ...(itlP50.value === undefined ? {} : { itlP50Ms: milliseconds(itlP50.value) }),
    },
    successes: count.value,
    promptTokens: prompt.value,
    outputTokens: output.value,
    warnings,
  });
}

type Json = Readonly<Record<string, unknown>>;

/** One report being read: its name, for messages, and its top-level object. */
interface Report {
  readonly file: string;
  readonly root: Json;
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value at a dotted path; undefined when a step is absent or null (inference-perf writes null for an empty summary). */
function lookup(report: Report, path: string): unknown {
  let at: unknown = report.root;
  for (const key of path.split('.')) {
    if (!isObject(at)) return undefined;
    at = at[key];
  }
  return at ?? undefined;
}

function fail(report: Report, path: string, why: string): Result<never> {
  return err(`${report.file}: ${path}: ${why}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value;
}

/** A non-negative number at the path, or undefined when the path is absent. */
function optionalNumber(report: Report, path: string): Result<number | undefined> {
  const value = lookup(report, path);
  if (value === undefined) return ok(undefined);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return fail(report, path, `expected a non-negative number, got ${describe(value)}`);
  return ok(value);
}

function requiredNumber(report: Report, path: string): Result<number> {
  const value = optionalNumber(report, path);
  if (!value.ok) return value;
  return value.value === undefined ? fail(report, path, 'missing') : ok(value.value);
}

/** The first of several spellings present; the error names the newest. */
function firstNumber(report: Report, paths: readonly string[]): Result<number> {
  for (const path of paths) {
    const value = optionalNumber(report, path);
    if (!value.ok) return value;
    if (value.value !== undefined) return ok(value.value);
  }
  return fail(report, paths[0]!, 'missing');
}

/** Key names of a percentile in a summary block: inference-perf names the 50th "median" (early versions "p50"). */
const PERCENTILE_KEYS: Record<50 | 99, readonly string[]> = { 50: ['median', 'p50'], 99: ['p99'] };

function optionalPercentile(report: Report, block: string, p: 50 | 99): Result<number | undefined> {
  for (const key of PERCENTILE_KEYS[p]) {
    const value = optionalNumber(report, `${block}.${key}`);
    if (!value.ok || value.value !== undefined) return value;
  }
  return ok(undefined);
}

function requiredPercentile(report: Report, block: string, p: 50 | 99): Result<number> {
  if (lookup(report, block) === undefined) return fail(report, block, 'missing');
  const value = optionalPercentile(report, block, p);
  if (!value.ok) return value;
  if (value.value !== undefined) return ok(value.value);
  return fail(report, `${block}.${PERCENTILE_KEYS[p][0]}`, `missing: the report's percentiles (report.request_lifecycle.percentiles) must include ${p}`);
}

/** Seconds to milliseconds, to the microsecond: finer digits are float noise, not measurement. */
const milliseconds = (seconds: number): number => round(seconds * 1000, 3);

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

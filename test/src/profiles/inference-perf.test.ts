import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { importInferencePerf, inferencePerfFileKind, type InferencePerfFile, type InferencePerfImport } from '../../../src/profiles/inference-perf.js';
import type { PerfPoint } from '../../../src/profiles/profile.js';
import type { Result } from '../../../src/result.js';

// dist/test/src/profiles/ -> test/fixtures/inference-perf/ in the repository (fixtures are not compiled).
const FIXTURES = new URL('../../../../test/fixtures/inference-perf/', import.meta.url);
const RUN = 'vllm-llama-3.1-8b-h100';

/** Every file of a fixture report directory, as a caller hands them over. */
function reportDir(dir: string): InferencePerfFile[] {
  const url = new URL(`${dir}/`, FIXTURES);
  return readdirSync(url).sort().map((name) => ({ name, json: JSON.parse(readFileSync(new URL(name, url), 'utf8')) as unknown }));
}

function file(dir: string, name: string): InferencePerfFile {
  const found = reportDir(dir).find((f) => f.name === name);
  assert.ok(found, `${dir}/${name}`);
  return found;
}

const stage = (n: number): InferencePerfFile => file(RUN, `stage_${n}_lifecycle_metrics.json`);
const summary = (): InferencePerfFile => file(RUN, 'summary_lifecycle_metrics.json');

/** A copy of a report file with its JSON edited: each path set to a value, or deleted when the value is undefined. */
function edited(base: InferencePerfFile, edits: Record<string, unknown>, name = base.name): InferencePerfFile {
  const json = structuredClone(base.json) as Record<string, unknown>;
  for (const [path, value] of Object.entries(edits)) {
    const keys = path.split('/');
    let at = json;
    for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
    if (value === undefined) delete at[keys.at(-1)!];
    else at[keys.at(-1)!] = value;
  }
  return { name, json };
}

function imported(result: Result<InferencePerfImport>): InferencePerfImport {
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.value;
}

// The fixture run, pool-wide, as its stage files say: successes ÷ span, output tokens ÷ span, mean request latency (s).
const POOL = [
  { rps: 120 / 61.83054, otps: 30565 / 61.83054, latency: 2.034446496 },
  { rps: 300 / 62.74127, otps: 76602 / 62.74127, latency: 2.498148885 },
  { rps: 600 / 64.01893, otps: 152952 / 64.01893, latency: 3.50187962 },
];

/** The three points of the fixture run for a pool of two replicas: rates halved, seconds to milliseconds. */
const TWO_REPLICA_POINTS: PerfPoint[] = [
  { requestRate: POOL[0]!.rps / 2, concurrency: 1.974, outputTokensPerSecond: POOL[0]!.otps / 2,
    ttftP50Ms: 38.17, ttftP99Ms: 71.22, ntpotP50Ms: 7.96, ntpotP99Ms: 9.31, itlP50Ms: 7.74, completedRequests: 120 },
  { requestRate: POOL[1]!.rps / 2, concurrency: 5.973, outputTokensPerSecond: POOL[1]!.otps / 2,
    ttftP50Ms: 45.62, ttftP99Ms: 124.81, ntpotP50Ms: 9.77, ntpotP99Ms: 12.62, itlP50Ms: 9.41, completedRequests: 300 },
  { requestRate: POOL[2]!.rps / 2, concurrency: 16.41, outputTokensPerSecond: POOL[2]!.otps / 2,
    ttftP50Ms: 61.84, ttftP99Ms: 213.37, ntpotP50Ms: 13.69, ntpotP99Ms: 21.15, itlP50Ms: 13.02, completedRequests: 600 },
];

describe('importInferencePerf on a vLLM Llama-3.1-8B run (stages at 2, 5, 10 req/s)', () => {
  it('gives one per-replica point per stage, latencies in milliseconds', () => {
    const got = imported(importInferencePerf(reportDir(RUN), { replicas: 2 }));
    assert.deepEqual(got.points, TWO_REPLICA_POINTS);
    assert.equal(got.stages, 3);
  });

  it('concurrency is Little\'s law per replica: completion rate × mean request latency', () => {
    const got = imported(importInferencePerf(reportDir(RUN), { replicas: 2 }));
    POOL.forEach((pool, i) => assert.ok(Math.abs(got.points[i]!.concurrency! - (pool.rps / 2) * pool.latency) < 5e-4, `stage ${i}`));
  });

  it('workload is the mean prompt and output over all successes, weighted by each stage\'s count', () => {
    const got = imported(importInferencePerf(reportDir(RUN), { replicas: 2 }));
    // prompts (122356 + 307854 + 613482) ÷ 1020 = 1023.2; outputs (30565 + 76602 + 152952) ÷ 1020 = 255.0
    assert.deepEqual(got.workload, { inputTokens: 1023, outputTokens: 255 });
  });

  it('ignores the summary when stage files are given, and says so', () => {
    const got = imported(importInferencePerf(reportDir(RUN), { replicas: 2 }));
    assert.deepEqual(got.warnings, [
      'summary_lifecycle_metrics.json ignored: it is the union of the 3 stage files, which give one point per load level',
    ]);
    const stagesOnly = imported(importInferencePerf([stage(0), stage(1), stage(2)], { replicas: 2 }));
    assert.deepEqual(stagesOnly.points, got.points);
    assert.deepEqual(stagesOnly.warnings, []);
  });

  describe('divides rates by the replicas and leaves latencies alone', () => {
    for (const replicas of [1, 2, 3, 8]) {
      it(`${replicas} replica(s)`, () => {
        const got = imported(importInferencePerf(reportDir(RUN), { replicas }));
        got.points.forEach((point, i) => {
          assert.equal(point.requestRate, POOL[i]!.rps / replicas);
          assert.equal(point.outputTokensPerSecond, POOL[i]!.otps / replicas);
          assert.equal(point.ttftP99Ms, TWO_REPLICA_POINTS[i]!.ttftP99Ms);
          assert.equal(point.ntpotP50Ms, TWO_REPLICA_POINTS[i]!.ntpotP50Ms);
        });
      });
    }
  });

  describe('sorts points by request rate, whatever the order of files or stages', () => {
    const cases: ReadonlyArray<[string, InferencePerfFile[]]> = [
      ['files shuffled', [stage(2), summary(), stage(0), stage(1)]],
      // A run stepping load down: stage 0 is the heaviest.
      ['stages numbered heaviest first', [
        { ...stage(2), name: 'stage_0_lifecycle_metrics.json' }, stage(1), { ...stage(0), name: 'stage_2_lifecycle_metrics.json' },
      ]],
    ];
    for (const [name, files] of cases) {
      it(name, () => assert.deepEqual(imported(importInferencePerf(files, { replicas: 2 })).points, TWO_REPLICA_POINTS));
    }
  });

  it('a summary alone gives one point for the whole run', () => {
    const got = imported(importInferencePerf([summary()], { replicas: 2 }));
    assert.deepEqual(got.points, [{
      requestRate: 1020 / 190.37466 / 2, concurrency: 8.128, outputTokensPerSecond: (30565 + 76602 + 152952) / 190.37466 / 2,
      ttftP50Ms: 51.724, ttftP99Ms: 191.73, ntpotP50Ms: 11.552, ntpotP99Ms: 20.35, itlP50Ms: 10.679, completedRequests: 1020,
    }]);
    assert.deepEqual(got.workload, { inputTokens: 1023, outputTokens: 255 });
    assert.equal(got.stages, 0);
    assert.deepEqual(got.warnings, [
      'only summary_lifecycle_metrics.json given: one point averaging every stage of the run; pass the stage_N_lifecycle_metrics.json files for a curve',
    ]);
  });
});

describe('importInferencePerf on other shapes of report', () => {
  it('takes a concurrent stage\'s configured concurrency over Little\'s law', () => {
    const got = imported(importInferencePerf([edited(stage(0), { 'load_summary/concurrency': 8 })], { replicas: 2 }));
    assert.equal(got.points[0]!.concurrency, 4);
  });

  it('leaves concurrency out when there is neither a level nor a mean latency', () => {
    const got = imported(importInferencePerf([edited(stage(0), { 'successes/latency/request_latency': null })], { replicas: 2 }));
    assert.equal(got.points[0]!.concurrency, undefined);
    assert.ok(!('concurrency' in got.points[0]!));
  });

  it('leaves ITL out when the report has none', () => {
    const got = imported(importInferencePerf([edited(stage(0), { 'successes/latency/inter_token_latency': undefined })], { replicas: 2 }));
    assert.ok(!('itlP50Ms' in got.points[0]!));
    assert.equal(got.points[0]!.ttftP50Ms, 38.17);
  });

  it('reads the 2025 layout: "p50" for the median, prompt_len for the prompt', () => {
    type Successes = { prompt_tokens: unknown; latency: Record<string, Record<string, number>> };
    const old = (n: number): InferencePerfFile => {
      const base = stage(n);
      const { prompt_tokens, latency } = (base.json as { successes: Successes }).successes;
      const edits: Record<string, unknown> = {
        'successes/prompt_len': prompt_tokens, 'successes/prompt_tokens': undefined, 'successes/output_tokens': undefined,
      };
      for (const [block, summary] of Object.entries(latency)) {
        edits[`successes/latency/${block}/p50`] = summary.median;
        edits[`successes/latency/${block}/median`] = undefined;
      }
      return edited(base, edits);
    };
    const got = imported(importInferencePerf([old(0), old(1), old(2)], { replicas: 2 }));
    assert.deepEqual(got.points, TWO_REPLICA_POINTS);
    assert.deepEqual(got.workload, { inputTokens: 1023, outputTokens: 255 });
  });

  it('takes the server\'s output count when output_len is absent', () => {
    const got = imported(importInferencePerf([edited(stage(0), { 'successes/output_len': null })], { replicas: 1 }));
    assert.equal(got.workload.outputTokens, Math.round(30571 / 120));
  });

  it('falls back to load_summary.achieved_rate without throughput.requests_per_sec, and says so', () => {
    const got = imported(importInferencePerf([edited(stage(0), { 'successes/throughput/requests_per_sec': undefined })], { replicas: 2 }));
    assert.equal(got.points[0]!.requestRate, 120 / 59.47312 / 2);
    assert.deepEqual(got.warnings, [
      'stage_0_lifecycle_metrics.json: no successes.throughput.requests_per_sec; the request rate is load_summary.achieved_rate',
    ]);
  });

  describe('warns about what the point leaves out', () => {
    const cases: ReadonlyArray<[string, InferencePerfFile[], string]> = [
      ['failed requests', [stage(0), stage(1), edited(stage(2), { 'failures/count': 12 })],
        'stage_2_lifecycle_metrics.json: 12 of 612 requests failed; the point describes the 600 that succeeded'],
      ['a load generator that fell behind', [stage(0), stage(1), edited(stage(2), { 'load_summary/achieved_rate': 8.41 })],
        'stage_2_lifecycle_metrics.json: sent 8.41 req/s of the 10 requested: the load generator fell behind'],
      ['a stage with no file', [stage(0), stage(2)], 'no file for stage 1: the curve lacks that load level'],
      ['stages with no file', [stage(2)], 'no file for stages 0, 1: the curve lacks those load levels'],
    ];
    for (const [name, files, warning] of cases) {
      it(name, () => assert.deepEqual(imported(importInferencePerf(files, { replicas: 1 })).warnings, [warning]));
    }
  });
});

describe('importInferencePerf rejects', () => {
  const S0 = 'stage_0_lifecycle_metrics.json';
  // [case, files, replicas, the one-line error]
  const cases: ReadonlyArray<[string, InferencePerfFile[], number, string]> = [
    ['no files', [], 1,
      'no inference-perf report files given: pass summary_lifecycle_metrics.json or the stage_N_lifecycle_metrics.json files'],
    ['zero replicas', reportDir(RUN), 0, 'replicas must be a positive integer, got 0'],
    ['fractional replicas', reportDir(RUN), 1.5, 'replicas must be a positive integer, got 1.5'],
    ['NaN replicas', reportDir(RUN), NaN, 'replicas must be a positive integer, got NaN'],
    ['a Prometheus report', [{ ...stage(0), name: 'stage_0_prometheus_metrics.json' }], 1,
      'stage_0_prometheus_metrics.json: not an inference-perf lifecycle report (expected summary_lifecycle_metrics.json or stage_N_lifecycle_metrics.json)'],
    ['the per-request report', [{ name: 'per_request_lifecycle_metrics.json', json: [] }], 1,
      'per_request_lifecycle_metrics.json: not an inference-perf lifecycle report (expected summary_lifecycle_metrics.json or stage_N_lifecycle_metrics.json)'],
    ['a LoRA adapter\'s stage report', [{ ...stage(0), name: 'adapter_sql_stage_0_lifecycle_metrics.json' }], 1,
      'adapter_sql_stage_0_lifecycle_metrics.json: not an inference-perf lifecycle report (expected summary_lifecycle_metrics.json or stage_N_lifecycle_metrics.json)'],
    ['a stage given twice', [stage(0), stage(1), stage(0)], 1, `${S0}: given twice`],
    ['an array', [{ name: S0, json: [] }], 1, `${S0}: (top level): expected a JSON object, got an array`],
    ['null', [{ name: S0, json: null }], 1, `${S0}: (top level): expected a JSON object, got null`],
    ['a string', [{ name: S0, json: 'stage_0' }], 1, `${S0}: (top level): expected a JSON object, got "stage_0"`],
    ['no successes', [edited(stage(0), { successes: undefined })], 1,
      `${S0}: successes: missing: not an inference-perf lifecycle metrics report`],
    ['no success count', [edited(stage(0), { 'successes/count': undefined })], 1, `${S0}: successes.count: missing`],
    ['a fractional success count', [edited(stage(0), { 'successes/count': 1.5 })], 1, `${S0}: successes.count: expected a whole number, got 1.5`],
    ['zero successes', reportDir('all-failed'), 1,
      `${S0}: successes.count: no successful requests (120 failed): nothing to profile`],
    ['a non-streaming run', reportDir('non-streaming'), 1,
      `${S0}: successes.latency.time_to_first_token: missing: the run did not stream its responses, so it has no TTFT; run inference-perf with streaming enabled (api.streaming: true)`],
    ['no latency section', [edited(stage(0), { 'successes/latency': undefined })], 1, `${S0}: successes.latency: missing`],
    ['a negative latency', [edited(stage(0), { 'successes/latency/time_to_first_token/p99': -0.01 })], 1,
      `${S0}: successes.latency.time_to_first_token.p99: expected a non-negative number, got -0.01`],
    ['a NaN latency', [edited(stage(0), { 'successes/latency/normalized_time_per_output_token/median': NaN })], 1,
      `${S0}: successes.latency.normalized_time_per_output_token.median: expected a non-negative number, got NaN`],
    ['a rate as a string', [edited(stage(0), { 'successes/throughput/requests_per_sec': '1.94' })], 1,
      `${S0}: successes.throughput.requests_per_sec: expected a non-negative number, got "1.94"`],
    ['a negative concurrency', [edited(stage(0), { 'load_summary/concurrency': -4 })], 1,
      `${S0}: load_summary.concurrency: expected a non-negative number, got -4`],
    ['no p99 (the earliest reports kept p10/p50/p90)', [edited(stage(0), { 'successes/latency/time_to_first_token/p99': undefined })], 1,
      `${S0}: successes.latency.time_to_first_token.p99: missing: the report's percentiles (report.request_lifecycle.percentiles) must include 99`],
    ['no median', [edited(stage(0), { 'successes/latency/normalized_time_per_output_token/median': undefined })], 1,
      `${S0}: successes.latency.normalized_time_per_output_token.median: missing: the report's percentiles (report.request_lifecycle.percentiles) must include 50`],
    ['no NTPOT', [edited(stage(0), { 'successes/latency/normalized_time_per_output_token': null })], 1,
      `${S0}: successes.latency.normalized_time_per_output_token: missing`],
    ['no request rate at all', [edited(stage(0), { 'successes/throughput/requests_per_sec': undefined, 'load_summary/achieved_rate': undefined })], 1,
      `${S0}: successes.throughput.requests_per_sec: missing, and so is load_summary.achieved_rate`],
    ['no output token rate', [edited(stage(0), { 'successes/throughput/output_tokens_per_sec': undefined })], 1,
      `${S0}: successes.throughput.output_tokens_per_sec: missing`],
    ['no prompt length', [edited(stage(0), { 'successes/prompt_tokens': undefined })], 1, `${S0}: successes.prompt_tokens.mean: missing`],
    ['no output length', [edited(stage(0), { 'successes/output_len': null, 'successes/output_tokens': undefined })], 1,
      `${S0}: successes.output_len.mean: missing`],
    ['outputs that round to no token', [edited(stage(0), { 'successes/output_len/mean': 0.3 })], 1,
      `${S0}: successes.output_len.mean: the mean output is under half a token; a profile needs at least 1`],
    ['a bad stage among good ones', [stage(0), edited(stage(1), { 'successes/latency/time_to_first_token/median': -1 }), stage(2)], 1,
      'stage_1_lifecycle_metrics.json: successes.latency.time_to_first_token.median: expected a non-negative number, got -1'],
  ];
  for (const [name, files, replicas, message] of cases) {
    it(name, () => {
      const result = importInferencePerf(files, { replicas });
      assert.ok(!result.ok, `${name}: imported`);
      assert.equal(result.error, message);
      assert.ok(!result.error.includes('\n'), 'one line');
    });
  }
});

describe('inferencePerfFileKind', () => {
  const cases: ReadonlyArray<[string, ReturnType<typeof inferencePerfFileKind>]> = [
    ['summary_lifecycle_metrics.json', { kind: 'summary' }],
    ['stage_0_lifecycle_metrics.json', { kind: 'stage', stage: 0 }],
    ['stage_12_lifecycle_metrics.json', { kind: 'stage', stage: 12 }],
    ['summary_prometheus_metrics.json', undefined],
    ['stage_0_prometheus_metrics.json', undefined],
    ['per_request_lifecycle_metrics.json', undefined],
    ['adapter_sql_lifecycle_metrics.json', undefined],
    ['adapter_sql_stage_0_lifecycle_metrics.json', undefined],
    ['config.yaml', undefined],
    ['stage_x_lifecycle_metrics.json', undefined],
  ];
  for (const [name, want] of cases) it(name, () => assert.deepEqual(inferencePerfFileKind(name), want));
});

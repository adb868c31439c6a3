// bench's pure core (src/profiles/bench.ts): stage names, the closed-loop ramp, and the profile a sweep stores.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measuredProfile, rampMs, stageLabel, type BenchSubject } from '../../../src/profiles/bench.js';
import type { TimedRequest } from '../../../src/profiles/measure.js';
import type { PerfPoint } from '../../../src/profiles/profile.js';

const timed = (latencyMs: number, promptTokens?: number): TimedRequest => ({ ttftMs: 10, latencyMs, outputTokens: 4, gapsMs: [], ...(promptTokens !== undefined ? { promptTokens } : {}) });
const point = (requestRate: number): PerfPoint => ({ requestRate, outputTokensPerSecond: requestRate * 4, ttftP50Ms: 10, ttftP99Ms: 20, ntpotP50Ms: 5, ntpotP99Ms: 9 });
const SUBJECT: BenchSubject = { model: 'm', server: 'vllm', accelerator: 'nvidia-l4', tp: 1, replicas: 2 };
const ASKED = { inputTokens: 1000, outputTokens: 200 };

describe('stageLabel', () => {
  const cases = [
    { stage: { concurrency: 8 }, label: 'concurrency 8' },
    { stage: { rate: 2.5 }, label: 'rate 2.5 req/s' },
  ];
  for (const c of cases) it(c.label, () => assert.equal(stageLabel(c.stage), c.label));
});

describe('rampMs: the mean latency of the last 20 finished requests, at most a quarter of the stage', () => {
  const cases: { name: string; stageMs: number; timed: TimedRequest[]; ramp: number }[] = [
    { name: 'the first stage starts at once', stageMs: 30_000, timed: [], ramp: 0 },
    { name: 'the mean of what finished', stageMs: 30_000, timed: [timed(1000), timed(3000)], ramp: 2000 },
    { name: 'only the last 20 count', stageMs: 30_000, timed: [...Array.from({ length: 5 }, () => timed(100_000)), ...Array.from({ length: 20 }, () => timed(400))], ramp: 400 },
    { name: 'capped at a quarter of the stage', stageMs: 4000, timed: [timed(5000)], ramp: 1000 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(rampMs(c.stageMs, c.timed), c.ramp));
});

describe('measuredProfile', () => {
  const cases: { name: string; timed: TimedRequest[]; inputTokens: number; outputTokens: number }[] = [
    { name: 'keyed by the shape the server counted', timed: [timed(100, 900), timed(100, 1100)], inputTokens: 1000, outputTokens: 4 },
    { name: 'keyed by the asked shape when the server counted no prompt', timed: [timed(100)], inputTokens: 1000, outputTokens: 200 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = measuredProfile(SUBJECT, [point(4), point(1)], c.timed, ASKED, 'kubectl inference bench m', '2026-01-01T00:00:00.000Z');
      assert.deepEqual(p, {
        key: { model: 'm', server: 'vllm', accelerator: 'nvidia-l4', tp: 1, inputTokens: c.inputTokens, outputTokens: c.outputTokens },
        source: 'measured', points: [point(1), point(4)], origin: 'kubectl inference bench m', createdAt: '2026-01-01T00:00:00.000Z',
      });
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32 } from '../../../src/random.js';
import { KSIM_H100_SCRAPES, KSIM_L4_SCRAPES, LLMD_8192_SCRAPES, LLMD_SCRAPES, type Row } from './fixtures/prefill-scrapes.js';
import { decodeSpeed, MIN_DECODE_GAPS, prefillFit, PREFILL_POINT_SPACING_MS, PREFILL_WINDOW_MS, ratePerSecond, thinHistory, TOKEN_RATE_WINDOW_MS, trimToWindow, type PrefillFit, type PrefillPoint } from '../../../src/servers/rate.js';

const at = (atMs: number, value?: number) => ({ atMs, ...(value !== undefined ? { value } : {}) });
type Point = ReturnType<typeof at>;

describe('trimToWindow', () => {
  const cases: { name: string; points: Point[]; windowMs: number; want: number[] }[] = [
    { name: 'empty', points: [], windowMs: 1000, want: [] },
    { name: 'all inside the window', points: [at(0), at(500), at(900)], windowMs: 1000, want: [0, 500, 900] },
    { name: 'keeps the newest point at or before the start as the base', points: [at(0), at(1000), at(2000), at(2500), at(3000)], windowMs: 1000, want: [2000, 2500, 3000] },
    { name: 'a gap longer than the window keeps the point before it', points: [at(0), at(5000)], windowMs: 1000, want: [0, 5000] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(trimToWindow(c.points, c.windowMs).map((p) => p.atMs), c.want));
});

describe('thinHistory', () => {
  const every = (fromMs: number, toMs: number, stepMs: number): Point[] => Array.from({ length: Math.floor((toMs - fromMs) / stepMs) + 1 }, (_, i) => at(fromMs + i * stepMs));
  const cases: { name: string; points: Point[]; windowMs: number; keepAllMs: number; spacingMs: number; want: number[] }[] = [
    { name: 'empty', points: [], windowMs: 10_000, keepAllMs: 1000, spacingMs: 500, want: [] },
    { name: 'all within keepAllMs: all kept', points: every(0, 900, 100), windowMs: 10_000, keepAllMs: 1000, spacingMs: 500, want: [0, 100, 200, 300, 400, 500, 600, 700, 800, 900] },
    { name: 'older points spacingMs apart, the last second whole', points: every(0, 2000, 250), windowMs: 10_000, keepAllMs: 1000, spacingMs: 500, want: [0, 500, 1000, 1250, 1500, 1750, 2000] },
    { name: 'trimmed to the window first (its base point kept)', points: every(0, 4000, 500), windowMs: 2000, keepAllMs: 500, spacingMs: 1000, want: [2000, 3000, 4000] },
    { name: 'thinning what was thinned keeps it', points: [at(0), at(500), at(1000), at(1250), at(1500), at(1750), at(2000)], windowMs: 10_000, keepAllMs: 1000, spacingMs: 500, want: [0, 500, 1000, 1250, 1500, 1750, 2000] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(thinHistory(c.points, c.windowMs, c.keepAllMs, c.spacingMs).map((p) => p.atMs), c.want));
});

describe('ratePerSecond', () => {
  const value = (p: Point) => p.value;
  const cases: { name: string; points: Point[]; want: number | undefined }[] = [
    { name: 'first to last point', points: [at(0, 0), at(1000, 0), at(2000, 400)], want: 200 },
    { name: 'one point: no rate', points: [at(0, 10)], want: undefined },
    { name: 'no time between the points', points: [at(0, 0), at(0, 10)], want: undefined },
    { name: 'counter absent at the end', points: [at(0, 0), at(1000)], want: undefined },
    { name: 'a restart (value went down): from the restart on', points: [at(0, 900), at(1000, 5), at(2000, 105)], want: 100 },
    { name: 'a restart at the last point: no rate', points: [at(0, 900), at(1000, 5)], want: undefined },
    { name: 'counter absent in the middle: from the point after it', points: [at(0, 0), at(1000), at(2000, 50), at(3000, 150)], want: 100 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(ratePerSecond(c.points, value), c.want));
});

describe('decodeSpeed: 1 / the mean inter-token gap over the window', () => {
  const itl = (atMs: number, seconds?: number, gaps?: number) => ({ atMs, itlSecondsTotal: seconds, itlGapsTotal: gaps });
  const cases: { name: string; points: ReturnType<typeof itl>[]; want: number | undefined }[] = [
    // An H100 that answered one 200-token request in 1 s and idled the other 9 s: 200 tokens/s, not 20.
    { name: 'a replica that idled most of the window reads its speed while it ran', points: [itl(0, 10, 2000), itl(5000, 11, 2200), itl(10_000, 11, 2200)], want: 200 },
    { name: 'an L4-like replica, busy throughout', points: [itl(0, 0, 0), itl(10_000, 20, 380)], want: 19 },
    { name: `under ${MIN_DECODE_GAPS} gaps: none`, points: [itl(0, 0, 0), itl(10_000, 0.1, MIN_DECODE_GAPS - 1)], want: undefined },
    { name: 'a restart (the sums went down): none', points: [itl(0, 50, 5000), itl(10_000, 1, 100)], want: undefined },
    { name: 'no inter-token histogram: none', points: [itl(0), itl(10_000)], want: undefined },
    { name: 'one point: none', points: [itl(0, 1, 100)], want: undefined },
  ];
  for (const c of cases) it(c.name, () => assert.equal(decodeSpeed(c.points), c.want));
});

/** A replica's true prefill cost: `fixed + c / speed` (llm-d-inference-sim) or `max(fixed, c / speed)` (one engine step bound by memory or compute: kinfer-sim, vLLM). */
interface Truth {
  readonly fixedMs: number;
  readonly tokensPerSecond: number;
  readonly shape: 'sum' | 'max';
}
interface FinishedRequest {
  readonly promptTokens: number;
  readonly cachedTokens: number;
  readonly admitMs: number;
  readonly finishMs: number;
}
const prefillSeconds = (t: Truth, computed: number): number =>
  (t.shape === 'sum' ? t.fixedMs / 1000 + computed / t.tokensPerSecond : Math.max(t.fixedMs / 1000, computed / t.tokensPerSecond));

/** The cumulative sums a scraper reads every `everyMs`: prefill sums at each request's finish, prefix-cache counters at its admission. */
function scrapes(truth: Truth, requests: readonly FinishedRequest[], everyMs = 100): PrefillPoint[] {
  const endMs = Math.max(...requests.map((r) => r.finishMs)) + everyMs;
  const out: PrefillPoint[] = [];
  for (let t = 0; t <= endMs; t += everyMs) {
    const done = requests.filter((r) => r.finishMs <= t);
    const admitted = requests.filter((r) => r.admitMs <= t);
    out.push({
      atMs: t,
      prefillSecondsTotal: done.reduce((a, r) => a + prefillSeconds(truth, r.promptTokens - r.cachedTokens), 0),
      prefillRequestsTotal: done.length,
      requestPromptTokensTotal: done.reduce((a, r) => a + r.promptTokens, 0),
      prefixCacheQueriesTotal: admitted.reduce((a, r) => a + r.promptTokens, 0),
      prefixCacheHitsTotal: admitted.reduce((a, r) => a + r.cachedTokens, 0),
    });
  }
  return out;
}

/**
 * `count` requests, one admitted every `gapMs`, finishing `lagMs` later: a shared system prompt of `systemTokens`
 * (cached but for the first) and a question drawn from `questionTokens`; `cachedTurnShare` of them are follow-up
 * turns whose whole prompt but `turnTokens` is cached.
 */
function workload(o: { seed: number; count: number; gapMs: number; lagMs: number; systemTokens: number; questionTokens: [number, number]; cachedTurnShare: number; turnTokens: number }): FinishedRequest[] {
  const random = mulberry32(o.seed);
  return Array.from({ length: o.count }, (_, i) => {
    const question = Math.round(o.questionTokens[0] + random() * (o.questionTokens[1] - o.questionTokens[0]));
    const promptTokens = o.systemTokens + question;
    const turn = random() < o.cachedTurnShare;
    const cachedTokens = i === 0 ? 0 : turn ? promptTokens - o.turnTokens : o.systemTokens;
    return { promptTokens, cachedTokens, admitMs: i * o.gapMs, finishMs: i * o.gapMs + o.lagMs + random() * o.lagMs };
  });
}

/** The old figure: prompt tokens × (1 − hit share) ÷ prefill seconds over the whole span, one fixed cost per request folded in. */
function ratioOfSums(points: readonly PrefillPoint[]): number {
  const a = points[0] as PrefillPoint;
  const b = points.at(-1) as PrefillPoint;
  const d = (f: (p: PrefillPoint) => number | undefined) => (f(b) ?? 0) - (f(a) ?? 0);
  return (d((p) => p.requestPromptTokensTotal) * (1 - d((p) => p.prefixCacheHitsTotal) / d((p) => p.prefixCacheQueriesTotal))) / d((p) => p.prefillSecondsTotal);
}

describe('prefillFit: a fixed cost per request and a per-token speed, from windows built from known truths', () => {
  // Truths (docs/benchmarks.md, "Beside the upstream EPP"): kinfer-sim H100 (Llama 3.1 8B) ~30,000 tokens/s with a
  // ~7 ms step (16 GB of weights at 3.35 TB/s × 0.7); kinfer-sim L4 ~3,770 tokens/s with a ~76 ms step (300 GB/s);
  // llm-d-inference-sim's 8b-h100-balanced-per-token profile, 250 µs per token after a fixed prefill overhead.
  const h100: Truth = { fixedMs: 7, tokensPerSecond: 30_000, shape: 'max' };
  const l4: Truth = { fixedMs: 76, tokensPerSecond: 3770, shape: 'max' };
  const llmd: Truth = { fixedMs: 30, tokensPerSecond: 4000, shape: 'sum' };
  const chat = { seed: 1, count: 40, gapMs: 700, lagMs: 3000, systemTokens: 300, questionTokens: [20, 3000] as [number, number], cachedTurnShare: 0.3, turnTokens: 20 };
  // Each case replays the scrapes every 100 ms and holds the last fit over the scraper's 60 s window, as
  // picker/scrape.ts does; every figure held after the first fit must be within `within` of the truth. Cases marked
  // `oldWasOffBy` also check that the old figure (the ratio of the sums over a 30 s window) was that far off.
  const cases: { name: string; truth: Truth; requests: FinishedRequest[]; oldWasOffBy?: number }[] = [
    { name: 'kinfer-sim H100, questions over shared system prompts', truth: h100, requests: workload(chat) },
    { name: 'kinfer-sim L4, questions over shared system prompts', truth: l4, requests: workload({ ...chat, seed: 2 }), oldWasOffBy: 1.9 },
    { name: 'llm-d-inference-sim, questions over shared system prompts', truth: llmd, requests: workload({ ...chat, seed: 3 }), oldWasOffBy: 1.9 },
    {
      // The 29–244 tokens/s read for the L4s: most requests are follow-up turns costing one 76 ms step for 20 tokens.
      name: 'kinfer-sim L4, mostly cached follow-up turns', truth: l4, requests: workload({ ...chat, seed: 4, cachedTurnShare: 0.85 }), oldWasOffBy: 3,
    },
    {
      // The 94,498–170,879 tokens/s read for the H100s past capacity: hits are counted at admission, the sums at
      // finish 20 s later; the requests finishing were admitted cold, those admitted since hit the cache.
      name: 'kinfer-sim H100, hits counted at admission 20 s before the sums', truth: h100,
      requests: [
        ...workload({ ...chat, seed: 6, count: 20, cachedTurnShare: 0, systemTokens: 0, questionTokens: [600, 3000] }),
        ...workload({ ...chat, seed: 7, count: 20, cachedTurnShare: 1, lagMs: 20_000 }).map((r) => ({ ...r, admitMs: r.admitMs + 1000, finishMs: r.finishMs + 1000 })),
      ],
      oldWasOffBy: 10,
    },
  ];
  const within = 1.6;
  for (const c of cases) {
    it(c.name, () => {
      const points = scrapes(c.truth, c.requests);
      const held: number[] = [];
      const heldOld: number[] = [];
      for (let i = 1; i < points.length; i++) {
        const fit = prefillFit(trimToWindow(points.slice(0, i + 1), PREFILL_WINDOW_MS));
        if (fit !== undefined) held.push(fit.tokensPerSecond / c.truth.tokensPerSecond);
        else if (held.length > 0) held.push(held.at(-1) as number);
        const old = ratioOfSums(trimToWindow(points.slice(0, i + 1), 30_000)) / c.truth.tokensPerSecond;
        if (Number.isFinite(old) && old > 0) heldOld.push(old);
      }
      assert.ok(held.length > 0, 'a fit');
      const [low, high] = [Math.min(...held), Math.max(...held)];
      assert.ok(low >= 1 / within && high <= within, `held figures ${low.toFixed(2)}–${high.toFixed(2)}× the truth`);
      if (c.oldWasOffBy !== undefined) {
        const [oldLow, oldHigh] = [Math.min(...heldOld), Math.max(...heldOld)];
        assert.ok(oldLow <= 1 / c.oldWasOffBy || oldHigh >= c.oldWasOffBy, `the case reproduces the old failure: ${oldLow.toFixed(2)}–${oldHigh.toFixed(2)}×`);
      }
    });
  }

  const p = (atMs: number, seconds?: number, requests?: number, prompt?: number): PrefillPoint => ({
    atMs,
    ...(seconds !== undefined ? { prefillSecondsTotal: seconds } : {}),
    ...(requests !== undefined ? { prefillRequestsTotal: requests } : {}),
    ...(prompt !== undefined ? { requestPromptTokensTotal: prompt } : {}),
  });
  const edges: { name: string; points: PrefillPoint[]; want: PrefillFit | undefined }[] = [
    { name: 'every request computed alike: the ratio of the sums, no fixed cost', points: [p(0, 0, 0, 0), p(100, 0.1, 1, 1000), p(200, 0.2, 2, 2000), p(300, 0.3, 3, 3000), p(400, 0.4, 4, 4000)], want: { tokensPerSecond: 10_000, fixedSeconds: 0 } },
    { name: 'fewer than 4 requests: no fit', points: [p(0, 0, 0, 0), p(100, 0.5, 1, 5000), p(200, 1, 2, 8000), p(300, 1.5, 3, 9000)], want: undefined },
    { name: 'fewer than 2,000 prompt tokens: no fit', points: [p(0, 0, 0, 0), p(100, 0.1, 2, 500), p(200, 0.2, 4, 1000), p(300, 0.3, 6, 1500)], want: undefined },
    { name: 'no _count (a server without the histogram count): no fit', points: [p(0, 0, undefined, 0), p(100, 1, undefined, 9000)], want: undefined },
    { name: 'a restart (sums went down): only what follows it', points: [p(0, 90, 400, 900_000), p(100, 0.1, 1, 1000), p(200, 0.2, 2, 2000)], want: undefined },
    { name: 'one point', points: [p(0, 2, 4, 5000)], want: undefined },
    {
      // A scrape between vLLM's two observations of one request: the prefill _count leads once; the sums are still read
      // over aligned intervals, not against the cache counters (still at 0 here: read against them, no fit).
      name: 'a prefill _count that leads at one point only: the finish-time reading',
      points: [p(0, 0, 0, 0), p(100, 0.1, 1, 1000), { ...p(200, 0.2, 2, 1000), requestPromptRequestsTotal: 1 }, p(300, 0.3, 3, 3000), p(400, 0.4, 4, 4000), p(500, 0.5, 5, 5000)]
        .map((point) => ({ ...point, prefixCacheQueriesTotal: 0, prefixCacheHitsTotal: 0 })),
      want: { tokensPerSecond: 10_000, fixedSeconds: 0 },
    },
    { name: 'no points', points: [], want: undefined },
  ];
  for (const c of edges) it(c.name, () => assert.deepEqual(prefillFit(c.points), c.want));
});

describe('prefillFit on scrapes of real servers (fixtures/prefill-scrapes.ts), window by window as picker/scrape.ts holds it', () => {
  const point = ([atMs, seconds, requests, prompt, promptRequests, queries, hits]: Row, withPromptCount: boolean): PrefillPoint => ({
    atMs,
    ...(seconds !== null ? { prefillSecondsTotal: seconds } : {}),
    ...(requests !== null ? { prefillRequestsTotal: requests } : {}),
    ...(prompt !== null ? { requestPromptTokensTotal: prompt } : {}),
    ...(promptRequests !== null && withPromptCount ? { requestPromptRequestsTotal: promptRequests } : {}),
    ...(queries !== null ? { prefixCacheQueriesTotal: queries } : {}),
    ...(hits !== null ? { prefixCacheHitsTotal: hits } : {}),
  });
  // Truths: llm-d-inference-sim's profile prefills at 250 µs per computed token, x1 idle to x2 at 4 running
  // (8b-h100-balanced-per-token.yaml, time-factor-under-load 2.0): 2,000-4,000 tokens/s. kinfer-sim L4: ~3,770
  // tokens/s, kinfer-sim H100 ~30,000 (the synthetic cases above).
  const cases: { name: string; rows: readonly Row[]; withPromptCount: boolean; minShare: number; low: number; high: number }[] = [
    { name: 'llm-d-inference-sim: computed tokens from the cache counters, most windows fit', rows: LLMD_SCRAPES, withPromptCount: true, minShare: 0.6, low: 2000 / 1.6, high: 4000 * 1.6 },
    { name: 'llm-d-inference-sim read without the prompt _count (the reading before): no window fits', rows: LLMD_SCRAPES, withPromptCount: false, minShare: 0, low: 0, high: 0 },
    { name: 'llm-d-inference-sim serving all 90 (--max-model-len 8192): about half the windows fit, within its range', rows: LLMD_8192_SCRAPES, withPromptCount: true, minShare: 0.45, low: 2000 / 1.6, high: 4000 * 1.6 },
    { name: 'kinfer-sim L4: most windows fit, near its speed', rows: KSIM_L4_SCRAPES, withPromptCount: true, minShare: 0.9, low: 3770 / 1.25, high: 3770 * 1.25 },
    { name: 'kinfer-sim H100: most windows fit, near its speed (no millions of tokens/s)', rows: KSIM_H100_SCRAPES, withPromptCount: true, minShare: 0.9, low: 30_000 / 1.25, high: 30_000 * 1.25 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const points = c.rows.map((r) => point(r, c.withPromptCount));
      const fits: number[] = [];
      let history: PrefillPoint[] = [];
      for (const p of points) {
        history = thinHistory([...history, p], PREFILL_WINDOW_MS, TOKEN_RATE_WINDOW_MS, PREFILL_POINT_SPACING_MS);
        const fit = prefillFit(history);
        if (fit !== undefined) fits.push(fit.tokensPerSecond);
      }
      if (c.minShare === 0) return assert.deepEqual(fits, []);
      assert.ok(fits.length >= c.minShare * points.length, `${fits.length} of ${points.length} windows fit`);
      const [low, high] = [Math.min(...fits), Math.max(...fits)];
      assert.ok(low >= c.low && high <= c.high, `fits ${low.toFixed(0)}–${high.toFixed(0)} tokens/s, want ${c.low.toFixed(0)}–${c.high.toFixed(0)}`);
    });
  }
});

describe('prefillFit refuses a speed the scatter cannot carry', () => {
  // One 76 ms engine step per request whatever its prompt (kinfer-sim L4 on mostly cached prompts), plus a
  // microsecond of jitter that grows with the prompt: least squares reads millions of tokens per second.
  const steps = (perTokenSeconds: number): PrefillPoint[] => {
    const prompts = [400, 1800, 700, 2500, 900, 1200, 3000, 600];
    let [seconds, requests, prompt] = [0, 0, 0];
    return [{ atMs: 0, prefillSecondsTotal: 0, prefillRequestsTotal: 0, requestPromptTokensTotal: 0 }, ...prompts.map((p, i) => {
      seconds += 0.076 + p * perTokenSeconds + (i % 2) * 1e-6;
      requests += 1;
      prompt += p;
      return { atMs: (i + 1) * 1000, prefillSecondsTotal: seconds, prefillRequestsTotal: requests, requestPromptTokensTotal: prompt };
    })];
  };
  const cases: { name: string; perTokenSeconds: number; want: 'fit' | 'none' }[] = [
    { name: 'tokens make 0.1% of a request\'s prefill (19,000,000 tokens/s): refused', perTokenSeconds: 1 / 19_000_000, want: 'none' },
    { name: 'tokens make 2% of it (715,000 tokens/s): refused', perTokenSeconds: 1 / 715_000, want: 'none' },
    { name: 'tokens make a third of it (the L4\'s 3,770 tokens/s on computed prompts): kept', perTokenSeconds: 1 / 3770, want: 'fit' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(prefillFit(steps(c.perTokenSeconds)) === undefined ? 'none' : 'fit', c.want));
});

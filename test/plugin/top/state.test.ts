import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildSnapshot, filterRows, nextSortKey, rememberScrapes, severity, sortRows, SORT_KEYS,
  type ReplicaRow,
} from '../../../plugin/top/state.js';
import type { Scrape } from '../../../plugin/top/scrape.js';
import { failed, ok, row, target, ttft } from './builders.js';

const A = target('a');
const B = target('b');
const T0 = 1_000_000;

describe('buildSnapshot: one replica, previous scrape → current scrape', () => {
  const cases: { name: string; before?: Scrape; now: Scrape; want: Partial<ReplicaRow> }[] = [
    {
      name: 'first scrape: gauges only, no rates',
      now: ok(A, T0, { kvCacheUsage: 0.5, running: 3, waiting: 1, generationTokensTotal: 100, preemptionsTotal: 2 }),
      want: { reachable: true, kvCacheUsage: 0.5, running: 3, waiting: 1, preemptionsTotal: 2 },
    },
    {
      name: 'tokens/s from counter deltas over the seconds between scrapes',
      before: ok(A, T0, { generationTokensTotal: 1000, promptTokensTotal: 50 }),
      now: ok(A, T0 + 2000, { generationTokensTotal: 1600, promptTokensTotal: 450 }),
      want: { generationTokensPerSecond: 300, promptTokensPerSecond: 200 },
    },
    {
      name: 'counter reset (server restarted): no rate rather than a negative one',
      before: ok(A, T0, { generationTokensTotal: 5000 }),
      now: ok(A, T0 + 2000, { generationTokensTotal: 100 }),
      want: {},
    },
    {
      name: 'TTFT quantiles over the interval only: the old slow requests do not count',
      // before: 10 requests all in (0.1, 0.5]; in the interval: 10 more, all in (0, 0.05].
      before: ok(A, T0, { ttftSeconds: ttft([0, 0, 10, 10]) }),
      now: ok(A, T0 + 2000, { ttftSeconds: ttft([10, 10, 20, 20]) }),
      want: { ttftP50Ms: 25, ttftP99Ms: 49.5 },
    },
    {
      name: 'no first token in the interval: no TTFT',
      before: ok(A, T0, { ttftSeconds: ttft([1, 2, 3, 3]) }),
      now: ok(A, T0 + 2000, { ttftSeconds: ttft([1, 2, 3, 3]) }),
      want: {},
    },
    {
      name: 'prefix-cache hit rate: hit tokens / queried tokens in the interval',
      before: ok(A, T0, { prefixCacheQueriesTotal: 1000, prefixCacheHitsTotal: 900 }),
      now: ok(A, T0 + 2000, { prefixCacheQueriesTotal: 2000, prefixCacheHitsTotal: 1150 }),
      want: { prefixCacheHitRate: 0.25 },
    },
    {
      name: 'no queries in the interval: no hit rate',
      before: ok(A, T0, { prefixCacheQueriesTotal: 1000, prefixCacheHitsTotal: 900 }),
      now: ok(A, T0 + 2000, { prefixCacheQueriesTotal: 1000, prefixCacheHitsTotal: 900 }),
      want: {},
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const previous = new Map(c.before ? [[A.id, [c.before]]] : []);
      const { rows } = buildSnapshot([c.now], previous, c.now.atMs);
      const { id, namespace, name, node, accelerator, pool, dialect, reachable, ...figures } = rows[0]!;
      assert.deepEqual({ id, namespace, name, node, accelerator, pool, dialect, reachable }, {
        id: 'ml/a', namespace: 'ml', name: 'a', node: 'node-a', accelerator: 'nvidia-h100-80gb', pool: 'ml/llama', dialect: 'vllm', reachable: true,
      });
      const want = Object.fromEntries(Object.entries(c.want).filter(([k]) => k !== 'reachable'));
      assert.deepEqual(figures, want);
    });
  }

  it('a failed scrape is an unreachable row with the reason', () => {
    const { rows, pools } = buildSnapshot([failed(A, T0, 'no answer in 1.5s'), ok(B, T0, { kvCacheUsage: 0.2, running: 1, waiting: 0 })], new Map(), T0);
    assert.deepEqual(rows[0], {
      id: 'ml/a', namespace: 'ml', name: 'a', node: 'node-a', accelerator: 'nvidia-h100-80gb', pool: 'ml/llama',
      dialect: 'unknown', reachable: false, reason: 'no answer in 1.5s',
    });
    assert.deepEqual(pools, [{ pool: 'ml/llama', replicas: 2, unreachable: 1, kvCacheMean: 0.2, kvCacheMax: 0.2, running: 1, waiting: 0 }]);
  });

  it('an endpoint (no deployment label) is pooled by the model name on its page', () => {
    const e = target('127.0.0.1:8000', '', { namespace: '', id: 'http://127.0.0.1:8000/metrics' });
    assert.equal(buildSnapshot([ok(e, T0)], new Map(), T0).rows[0]!.pool, 'meta-llama/Llama-3.1-8B-Instruct');
  });
});

describe('pool summaries', () => {
  it('sum counts and rates, spread KV, merge TTFT histograms before taking quantiles', () => {
    const before = new Map([
      [A.id, [ok(A, T0, { generationTokensTotal: 0, ttftSeconds: ttft([0, 0, 0, 0]), prefixCacheQueriesTotal: 0, prefixCacheHitsTotal: 0 })]],
      [B.id, [ok(B, T0, { generationTokensTotal: 0, ttftSeconds: ttft([0, 0, 0, 0]), prefixCacheQueriesTotal: 0, prefixCacheHitsTotal: 0 })]],
    ]);
    const now = [
      // a: 99 fast first tokens; b: 1 slow one. Merged p99 lands at the top of a's bucket, not an average of both p99s.
      ok(A, T0 + 1000, { kvCacheUsage: 0.2, running: 4, waiting: 0, generationTokensTotal: 100, ttftSeconds: ttft([99, 99, 99, 99]), prefixCacheQueriesTotal: 100, prefixCacheHitsTotal: 100 }),
      ok(B, T0 + 1000, { kvCacheUsage: 0.9, running: 6, waiting: 3, generationTokensTotal: 300, ttftSeconds: ttft([0, 0, 1, 1]), prefixCacheQueriesTotal: 300, prefixCacheHitsTotal: 0 }),
    ];
    const { pools } = buildSnapshot(now, before, T0 + 1000);
    assert.deepEqual(pools, [{
      pool: 'ml/llama', replicas: 2, unreachable: 0, kvCacheMean: 0.55, kvCacheMax: 0.9, running: 10, waiting: 3,
      generationTokensPerSecond: 400, ttftP50Ms: 50 * 50 / 99, ttftP99Ms: 50, prefixCacheHitRate: 0.25,
    }]);
  });

  it('one line per pool, in name order', () => {
    const z = target('z', 'zeta');
    const { pools } = buildSnapshot([ok(z, T0), ok(A, T0)], new Map(), T0);
    assert.deepEqual(pools.map((p) => p.pool), ['ml/llama', 'ml/zeta']);
  });
});

describe('rememberScrapes', () => {
  it('keeps the last good scrape of each replica still present', () => {
    const good = ok(A, T0, { generationTokensTotal: 1 });
    const next = rememberScrapes(new Map([[A.id, [good]], [B.id, [ok(B, T0)]]]), [failed(A, T0 + 1000, 'connection refused')]);
    assert.deepEqual([...next.entries()], [[A.id, [good]]]);
  });

  it('so a replica that comes back gets its rate over the whole gap', () => {
    let previous = rememberScrapes(new Map(), [ok(A, T0, { generationTokensTotal: 0 })]);
    previous = rememberScrapes(previous, [failed(A, T0 + 1000, 'x')]);
    const { rows } = buildSnapshot([ok(A, T0 + 4000, { generationTokensTotal: 400 })], previous, T0 + 4000);
    assert.equal(rows[0]!.generationTokensPerSecond, 100);
  });
});

describe('tokens/s over a window of scrapes', () => {
  // A server that adds a request's tokens when it finishes (llm-d-inference-sim, TGI): 2 s refreshes, one request of
  // 400 tokens finishing every 4 s, i.e. 100 tokens/s. Between two refreshes the counter moves by 0 or 400.
  const steps = [0, 0, 400, 400, 800, 800, 1200, 1200, 1600];
  const refresh = (n: number): number | undefined => {
    let previous = new Map<string, readonly ReturnType<typeof ok>[]>();
    let last: number | undefined;
    for (let i = 0; i <= n; i++) {
      const scrape = ok(A, T0 + i * 2000, { generationTokensTotal: steps[i]! });
      last = buildSnapshot([scrape], previous, scrape.atMs).rows[0]!.generationTokensPerSecond;
      previous = rememberScrapes(previous, [scrape]);
    }
    return last;
  };
  const cases: { name: string; refreshes: number; want: number | undefined }[] = [
    { name: 'first refresh: no rate yet', refreshes: 0, want: undefined },
    { name: 'window not full: the rate since the first scrape', refreshes: 2, want: 400 / 4 },
    { name: 'a step right after a flat refresh is not a 200 tokens/s spike', refreshes: 4, want: 800 / 8 },
    { name: 'full window (10 s): 3 steps in 10 s, within one request / window (40 tokens/s) of the truth', refreshes: 6, want: 1200 / 10 },
    { name: 'sliding on', refreshes: 8, want: (1600 - 400) / 10 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(refresh(c.refreshes), c.want));

  it('never the 0 or 200 tokens/s a rate between two refreshes would show, once two steps are in the window', () => {
    for (let n = 2; n < steps.length; n++) {
      const r = refresh(n)!;
      assert.ok(Math.abs(r - 100) <= 400 / 10 + 1e-9, `refresh ${n}: ${r} tokens/s`);
    }
  });

  it('a restarted server (counter went down) rates from the restart on', () => {
    let previous = rememberScrapes(new Map(), [ok(A, T0, { generationTokensTotal: 5000 })]);
    previous = rememberScrapes(previous, [ok(A, T0 + 2000, { generationTokensTotal: 10 })]);
    const { rows } = buildSnapshot([ok(A, T0 + 4000, { generationTokensTotal: 210 })], previous, T0 + 4000);
    assert.equal(rows[0]!.generationTokensPerSecond, 100);
  });
});

describe('severity (row colors)', () => {
  const cases: [Partial<ReplicaRow>, string][] = [
    [{ kvCacheUsage: 0.8 }, 'ok'], [{ kvCacheUsage: 0.81 }, 'warning'], [{ kvCacheUsage: 0.95 }, 'warning'],
    [{ kvCacheUsage: 0.951 }, 'critical'], [{ reachable: false }, 'critical'], [{}, 'ok'],
  ];
  for (const [r, want] of cases) it(`${JSON.stringify(r)} → ${want}`, () => assert.equal(severity(row('x', r)), want));
});

describe('sort and filter', () => {
  const rows = [
    row('c', { kvCacheUsage: 0.5, waiting: 0, generationTokensPerSecond: 10, ttftP99Ms: 300 }),
    row('a', { kvCacheUsage: 0.9, waiting: 2, generationTokensPerSecond: 5 }),
    row('b', { reachable: false, reason: 'connection refused', node: 'gpu-node-7' }),
    row('d', { kvCacheUsage: 0.1, waiting: 7, generationTokensPerSecond: 50, ttftP99Ms: 900, pool: 'ml/qwen', accelerator: 'nvidia-l4' }),
  ];
  const cases: { key: (typeof SORT_KEYS)[number]; want: string[] }[] = [
    { key: 'name', want: ['a', 'b', 'c', 'd'] },
    { key: 'kv', want: ['a', 'c', 'd', 'b'] },
    { key: 'waiting', want: ['d', 'a', 'c', 'b'] },
    { key: 'tokens', want: ['d', 'c', 'a', 'b'] },
    { key: 'ttft', want: ['d', 'c', 'a', 'b'] },
  ];
  for (const c of cases) it(`by ${c.key}`, () => assert.deepEqual(sortRows(rows, c.key).map((r) => r.name), c.want));

  it('s cycles through every column and back', () => {
    const seen: (typeof SORT_KEYS)[number][] = [SORT_KEYS[0]];
    for (let i = 0; i < SORT_KEYS.length; i++) seen.push(nextSortKey(seen.at(-1)!));
    assert.deepEqual(seen, [...SORT_KEYS, 'name']);
  });

  const filters: [string, string[]][] = [
    ['', ['c', 'a', 'b', 'd']], ['QWEN', ['d']], ['l4', ['d']], ['refused', ['b']], ['gpu-node', ['b']], ['nothing', []],
  ];
  for (const [text, want] of filters) it(`filter ${JSON.stringify(text)}`, () => assert.deepEqual(filterRows(rows, text).map((r) => r.name), want));
});

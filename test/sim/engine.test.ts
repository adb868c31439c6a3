import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Engine } from '../../sim/engine/engine.js';
import { SeededRandom } from '../../sim/engine/random.js';
import { engineConfig, mustSubmit, recordedEngine, request, tokens, ttftMs } from './fixtures.js';

describe('sim engine: KV cache follows the load', () => {
  const cases = [1, 2, 4, 8].map((concurrency) => ({ concurrency }));
  const usageAt = new Map<number, number>();
  for (const c of cases) {
    it(`${c.concurrency} concurrent long requests raise KV use`, () => {
      const { engine } = recordedEngine(engineConfig({ numGpuBlocks: 1000 }));
      for (let i = 0; i < c.concurrency; i++) mustSubmit(engine, request(`r${i}`, tokens(1000, `r${i}`), 500));
      engine.runUntil(500);
      const snap = engine.snapshot();
      assert.equal(snap.running, c.concurrency);
      assert.equal(snap.waiting, 0);
      // Each holds at least its 1000-token prompt: 63 of the 1000 blocks.
      assert.ok(snap.kvCacheUsage >= (c.concurrency * 63) / 1000, `usage ${snap.kvCacheUsage}`);
      const fewer = usageAt.get(c.concurrency / 2);
      if (fewer !== undefined) assert.ok(snap.kvCacheUsage > fewer * 1.8, `usage ${snap.kvCacheUsage} vs ${fewer} at half the load`);
      usageAt.set(c.concurrency, snap.kvCacheUsage);
      engine.runUntilIdle();
      assert.equal(engine.snapshot().kvCacheUsage, 0, 'every block is free once the requests finish');
    });
  }

  it('waiting > 0 when the cache is full, and the queue drains as requests finish', () => {
    // 20 blocks of 16 = 320 tokens; a 100-token prompt needs 7 blocks, so two fit and two wait.
    const { engine, finished } = recordedEngine(engineConfig({ numGpuBlocks: 20, maxModelLen: 320 }));
    for (let i = 0; i < 4; i++) mustSubmit(engine, request(`r${i}`, tokens(100, `r${i}`), 20));
    engine.runUntil(1);
    assert.deepEqual({ running: engine.snapshot().running, waiting: engine.snapshot().waiting }, { running: 2, waiting: 2 });
    engine.runUntilIdle();
    assert.equal(finished.size, 4);
    assert.equal(engine.snapshot().waiting, 0);
  });

  it('preempts (recompute) when running sequences outgrow the cache, and still finishes every request in full', () => {
    // Two 100+200-token requests each need 19 blocks at the end; 20 blocks hold one.
    const { engine, finished, tokens: events } = recordedEngine(engineConfig({ numGpuBlocks: 20, maxModelLen: 320 }));
    for (let i = 0; i < 2; i++) mustSubmit(engine, request(`r${i}`, tokens(100, `r${i}`), 200));
    engine.runUntilIdle();
    const snap = engine.snapshot();
    assert.ok(snap.preemptionsTotal > 0, 'at least one preemption');
    assert.equal(finished.get('r1')?.preemptions, snap.preemptionsTotal, 'the later request is the one preempted');
    assert.equal(finished.get('r0')?.preemptions, 0);
    for (const id of ['r0', 'r1']) {
      assert.equal(finished.get(id)?.outputTokens, 200);
      assert.deepEqual(events.filter((e) => e.requestId === id).map((e) => e.index), Array.from({ length: 200 }, (_, i) => i));
    }
    assert.equal(snap.usedBlocks, 0);
  });

  it('frees an aborted request\'s blocks at once', () => {
    const { engine, finished } = recordedEngine(engineConfig());
    mustSubmit(engine, request('a', tokens(800), 400));
    engine.runUntil(300);
    assert.ok(engine.snapshot().kvCacheUsage > 0);
    assert.equal(engine.abort('a'), true);
    assert.equal(engine.snapshot().kvCacheUsage, 0);
    assert.equal(engine.snapshot().running, 0);
    assert.equal(finished.get('a')?.reason, 'aborted');
    assert.equal(engine.abort('a'), false, 'a second abort finds nothing');
  });
});

describe('sim engine: prefix cache', () => {
  const cases = [
    { name: 'no shared prefix', shared: 0 },
    { name: '256 shared tokens', shared: 256 },
    { name: '1008 shared tokens', shared: 1008 },
  ];
  const ttfts: number[] = [];
  for (const c of cases) {
    it(`${c.name}: the second request's TTFT falls with the cached prefix`, () => {
      const { engine, finished } = recordedEngine(engineConfig());
      const base = tokens(1024, 'doc');
      mustSubmit(engine, request('first', base, 4));
      engine.runUntilIdle();
      const second = [...base.slice(0, c.shared), ...tokens(1024 - c.shared, 'other')];
      mustSubmit(engine, request('second', second, 4), engine.nowMs + 1000);
      engine.runUntilIdle();
      const snap = engine.snapshot();
      assert.equal(finished.get('second')?.cachedPromptTokens, c.shared);
      assert.equal(snap.prefixCacheHitsTotal, c.shared);
      assert.equal(snap.prefixCacheQueriesTotal, 2048);
      ttfts.push(ttftMs(finished.get('second')));
      if (ttfts.length > 1) assert.ok((ttfts.at(-1) as number) < (ttfts.at(-2) as number), `TTFTs ${ttfts.join(', ')} must fall`);
    });
  }

  it('a fully cached prompt still computes its last block (a hit is capped at length - 1 tokens)', () => {
    const { engine, finished } = recordedEngine(engineConfig());
    mustSubmit(engine, request('a', tokens(64), 1));
    mustSubmit(engine, request('b', tokens(64), 1), 1000);
    engine.runUntilIdle();
    assert.equal(finished.get('b')?.cachedPromptTokens, 48);
  });

  it('evicts the least recently used free prefix first', () => {
    // 16 blocks. Prefixes A and B (4 blocks each) are cached; A is used again after B; then a 12-block prompt
    // needs every free uncached block plus four cached ones: B's, the least recently used.
    const { engine, finished } = recordedEngine(engineConfig({ numGpuBlocks: 16, maxModelLen: 256 }));
    const run = (id: string, prompt: number[]): void => {
      mustSubmit(engine, request(id, prompt, 1), engine.nowMs + 10);
      engine.runUntilIdle();
    };
    run('a1', tokens(64, 'A'));
    run('b1', tokens(64, 'B'));
    run('a2', tokens(64, 'A'));
    assert.equal(finished.get('a2')?.cachedPromptTokens, 48);
    run('c', tokens(192, 'C'));
    run('a3', tokens(64, 'A'));
    run('b2', tokens(64, 'B'));
    assert.equal(finished.get('a3')?.cachedPromptTokens, 48, 'A was used recently: still cached');
    assert.equal(finished.get('b2')?.cachedPromptTokens, 0, 'B was least recently used: evicted');
  });

  it('caches nothing when prefix caching is off', () => {
    const { engine, finished } = recordedEngine(engineConfig({ enablePrefixCaching: false }));
    mustSubmit(engine, request('a', tokens(256), 1));
    mustSubmit(engine, request('b', tokens(256), 1), 1000);
    engine.runUntilIdle();
    assert.equal(finished.get('b')?.cachedPromptTokens, 0);
    assert.equal(engine.snapshot().prefixCacheQueriesTotal, 0);
  });
});

describe('sim engine: when a request is first scheduled (prefill time = first token − scheduled)', () => {
  // One slot: the second request waits until the first finishes, then is scheduled.
  const cases = [
    { name: 'idle engine: scheduled on arrival', maxNumSeqs: 2, wantWaitMs: (_first: number) => 0 },
    { name: 'no free slot: scheduled when the first request finishes', maxNumSeqs: 1, wantWaitMs: (firstFinishMs: number) => firstFinishMs },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { engine, finished } = recordedEngine(engineConfig({ maxNumSeqs: c.maxNumSeqs }));
      mustSubmit(engine, request('a', tokens(256, 'a'), 4));
      mustSubmit(engine, request('b', tokens(256, 'b'), 4));
      engine.runUntilIdle();
      const a = finished.get('a');
      const b = finished.get('b');
      assert.equal(a?.scheduledMs, 0);
      assert.equal((b?.scheduledMs ?? Number.NaN) - (b?.arrivalMs ?? 0), c.wantWaitMs(a?.finishMs ?? Number.NaN));
      assert.ok((b?.firstTokenMs ?? 0) > (b?.scheduledMs ?? Number.POSITIVE_INFINITY), 'the first token comes after scheduling');
    });
  }
});

describe('sim engine: time', () => {
  /** A seeded open-loop trace: Poisson-ish arrivals, prompts sharing one of three prefixes, random lengths. */
  function replay(seed: number): string[] {
    const random = new SeededRandom(seed);
    const { engine, tokens: events, finished } = recordedEngine(engineConfig({ numGpuBlocks: 200, maxModelLen: 3200 }));
    let at = 0;
    for (let i = 0; i < 60; i++) {
      at += -Math.log(1 - random.next()) * 40;
      const prompt = [...tokens(random.int(0, 3) * 64, `sys${random.int(0, 2)}`), ...tokens(random.int(1, 400), `q${i}`)];
      mustSubmit(engine, request(`r${i}`, prompt, random.int(1, 300)), at);
    }
    engine.runUntilIdle();
    assert.equal(finished.size, 60);
    return events.map((e) => `${e.requestId}#${e.index}@${e.timeMs.toFixed(6)}`);
  }

  it('the same seeded trace gives the same timestamps; another seed does not', () => {
    const a = replay(7);
    assert.deepEqual(replay(7), a);
    assert.notDeepEqual(replay(8), a);
  });

  it('throughput grows with the batch until the KV cache limits it', () => {
    // Each request ends at 128 tokens = 8 blocks; 64 blocks hold 8 such sequences at once.
    const throughput = (concurrency: number): number => {
      const { engine } = recordedEngine(engineConfig({ numGpuBlocks: 64, maxModelLen: 512 }));
      for (let i = 0; i < concurrency; i++) mustSubmit(engine, request(`r${i}`, tokens(32, `r${i}`), 96));
      const endMs = engine.runUntilIdle();
      return (engine.snapshot().generationTokensTotal / endMs) * 1000;
    };
    const figures = [1, 2, 4, 8, 16, 32].map((c) => ({ c, tokensPerSecond: throughput(c) }));
    const at = (c: number): number => figures.find((f) => f.c === c)?.tokensPerSecond as number;
    for (const [small, large] of [[1, 2], [2, 4], [4, 8]] as const) {
      assert.ok(at(large) > at(small) * 1.5, `throughput ${at(small)} at ${small} -> ${at(large)} at ${large}`);
    }
    for (const c of [16, 32]) assert.ok(at(c) < at(8) * 1.25, `KV-limited: ${at(c)} at ${c} vs ${at(8)} at 8`);
  });

  it('prefills a prompt longer than the step budget in chunks', () => {
    const { engine, finished } = recordedEngine(engineConfig({ maxNumBatchedTokens: 512 }));
    mustSubmit(engine, request('long', tokens(2000), 1));
    engine.runUntilIdle();
    assert.equal(engine.snapshot().stepsTotal, 4);
    assert.ok(ttftMs(finished.get('long')) > 4 * 10);
  });

  it('events carry virtual timestamps: arrivals in the future wait for their time', () => {
    const { engine, tokens: events } = recordedEngine(engineConfig());
    mustSubmit(engine, request('late', tokens(16), 2), 5000);
    engine.runUntil(4999);
    assert.equal(events.length, 0);
    assert.equal(engine.nextEventMs(), 5000);
    engine.runUntil(6000);
    assert.equal(events.length, 2);
    assert.ok((events[0]?.timeMs as number) > 5000);
    assert.equal(events[1]?.sinceLastMs, (events[1]?.timeMs as number) - (events[0]?.timeMs as number));
    assert.equal(engine.nextEventMs(), undefined, 'idle');
  });
});

describe('sim engine: rejects what it can never serve', () => {
  const engine = new Engine(engineConfig({ numGpuBlocks: 10, maxModelLen: 200 }));
  mustSubmit(engine, request('dup', tokens(10), 1));
  const cases = [
    { name: 'empty prompt', req: request('a', [], 1), error: /prompt is empty/ },
    { name: 'no output', req: request('a', tokens(4), 0), error: /output length 0/ },
    { name: 'longer than max-model-len', req: request('a', tokens(150), 60), error: /210 tokens exceed the maximum context length of 200/ },
    { name: 'more blocks than the cache', req: request('a', tokens(150), 20), error: /170 tokens need 11 KV blocks; the cache has 10/ },
    { name: 'duplicate id', req: request('dup', tokens(4), 1), error: /already in the engine/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = engine.submit(c.req);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.error, c.error);
    });
  }
  it('an arrival in the past', () => {
    engine.runUntil(100);
    const result = engine.submit(request('b', tokens(4), 1), { atMs: 50 });
    assert.equal(result.ok, false);
  });
  it('a bad configuration', () => {
    assert.throws(() => new Engine(engineConfig({ maxNumSeqs: 0 })), /max-num-seqs 0 must be a positive integer/);
    assert.throws(() => new Engine(engineConfig({ speed: { prefillTokensPerSecond: 1, decodeBaseMs: 0, decodePerSeqMs: 0, decodePerKvTokenUs: 0 } })), /decode base 0 ms/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockPool, blockHashes } from '../../sim/engine/kv-cache.js';
import { outputLength, SeededRandom } from '../../sim/engine/random.js';
import { deriveProfile, stepDurationMs } from '../../sim/engine/speed.js';
import { DECODE_BANDWIDTH_EFFICIENCY } from '../../src/profiles/roofline.js';
import { countTokens, fillerText, renderChat, tokenize } from '../../sim/engine/tokens.js';
import { buckets125 } from '../../sim/metrics.js';
import { SPEED, tokens } from './fixtures.js';

describe('sim tokens: 4 characters per token, shared prefixes share ids', () => {
  const cases = [
    { text: '', count: 0 }, { text: 'abc', count: 1 }, { text: 'abcd', count: 1 }, { text: 'abcde', count: 2 }, { text: 'x'.repeat(4000), count: 1000 },
  ];
  for (const c of cases) {
    it(`${c.text.length} characters -> ${c.count} tokens`, () => {
      assert.equal(tokenize(c.text).length, c.count);
      assert.equal(countTokens(c.text), c.count);
    });
  }
  it('two chats with the same first turns share their tokens up to the divergence', () => {
    const a = tokenize(renderChat([{ role: 'system', content: 'S'.repeat(100) }, { role: 'user', content: 'first' }]));
    const b = tokenize(renderChat([{ role: 'system', content: 'S'.repeat(100) }, { role: 'user', content: 'second' }]));
    let shared = 0;
    while (a[shared] === b[shared]) shared++;
    assert.equal(shared, Math.floor(('<|im_start|>system\n'.length + 100 + '<|im_end|>\n<|im_start|>user\n'.length) / 4));
  });
  it('filler text has one word per token', () => {
    assert.equal(fillerText(25).trim().split(' ').length, 25);
  });
});

describe('sim KV block pool', () => {
  it('hash chains: equal blocks after different prefixes hash differently', () => {
    const x = tokens(16, 'x');
    const [a] = blockHashes([...tokens(16, 'a'), ...x], 16).slice(1);
    const [b] = blockHashes([...tokens(16, 'b'), ...x], 16).slice(1);
    assert.notEqual(a, b);
    assert.equal(blockHashes(tokens(47), 16).length, 2, 'a partial block has no hash');
  });

  it('allocate / release / usage; allocation fails whole when short', () => {
    const pool = new BlockPool(10, 16);
    const a = pool.allocate(6);
    assert.equal(a?.length, 6);
    assert.equal(pool.usage, 0.6);
    assert.equal(pool.allocate(5), undefined);
    assert.equal(pool.freeBlocks, 4, 'a failed allocation takes nothing');
    pool.release(a ?? []);
    assert.equal(pool.usage, 0);
  });

  it('a registered block is found, held (leaving the free queue) and evicted when reallocated', () => {
    const pool = new BlockPool(2, 16);
    const [h1] = blockHashes(tokens(16), 16) as [string];
    const blocks = pool.allocate(1) ?? [];
    pool.register(blocks[0] as never, h1);
    pool.release(blocks);
    assert.equal(pool.usage, 0, 'a cached free block counts as free');
    const hit = pool.lookup([h1]);
    assert.equal(hit.length, 1);
    assert.equal(pool.available(hit), 1);
    pool.hold(hit);
    assert.equal(pool.usage, 0.5);
    pool.release(hit);
    pool.allocate(2);
    assert.equal(pool.lookup([h1]).length, 0, 'evicted by allocation');
    assert.equal(pool.cachedBlocks, 0);
  });
});

describe('sim speed model', () => {
  const cases = [
    { name: 'one decode, memory-bound', work: { tokens: 1, sequences: 1, kvTokens: 1000 }, ms: 10 + 1 + 0.1 },
    { name: 'a batch of 100 decodes', work: { tokens: 100, sequences: 100, kvTokens: 100_000 }, ms: 10 + 100 + 10 },
    { name: 'a 2000-token prefill, compute-bound', work: { tokens: 2000, sequences: 1, kvTokens: 2000 }, ms: 200 + 0.1 },
  ];
  for (const c of cases) it(c.name, () => assert.ok(Math.abs(stepDurationMs(SPEED, c.work) - c.ms) < 1e-9));

  it('derives an H100 + Llama-3.1-8B profile from the catalogs', () => {
    const p = deriveProfile({ accelerator: 'nvidia-h100-80gb', model: 'meta-llama/Llama-3.1-8B-Instruct' });
    assert.ok(p.ok);
    if (!p.ok) return;
    // 8.03e9 params x 2 bytes / (3.35 TB/s x 0.7)
    assert.ok(Math.abs(p.value.speed.decodeBaseMs - (8_030_261_248 * 2 / (3.35e12 * DECODE_BANDWIDTH_EFFICIENCY)) * 1000) < 1e-9);
    // 128 KiB of bf16 KV per token (32 layers x 8 heads x 128 x 2 x 2 bytes)
    assert.ok(Math.abs(p.value.speed.decodePerKvTokenUs - (131072 / (3.35e12 * DECODE_BANDWIDTH_EFFICIENCY)) * 1e6) < 1e-9);
    assert.ok(p.value.speed.prefillTokensPerSecond > 20_000 && p.value.speed.prefillTokensPerSecond < 40_000);
    assert.ok(p.value.numGpuBlocks > 25_000 && p.value.numGpuBlocks < 30_000, `${p.value.numGpuBlocks} blocks`);
  });

  it('more devices: a faster step and more KV', () => {
    const one = deriveProfile({ accelerator: 'nvidia-h100-80gb', model: 'meta-llama/Llama-3.1-8B-Instruct' });
    const two = deriveProfile({ accelerator: 'nvidia-h100-80gb', model: 'meta-llama/Llama-3.1-8B-Instruct', tensorParallelSize: 2 });
    assert.ok(one.ok && two.ok);
    if (!one.ok || !two.ok) return;
    assert.ok(Math.abs(two.value.speed.decodeBaseMs * 2 - one.value.speed.decodeBaseMs) < 1e-9);
    assert.ok(two.value.numGpuBlocks > 2 * one.value.numGpuBlocks);
  });

  const errors = [
    { req: { accelerator: 'nope', model: 'meta-llama/Llama-3.1-8B-Instruct' }, error: /unknown accelerator nope/ },
    { req: { accelerator: 'nvidia-l4', model: 'acme/unknown' }, error: /unknown model acme\/unknown/ },
    { req: { accelerator: 'nvidia-l4', model: 'meta-llama/Llama-3.1-70B-Instruct' }, error: /does not fit on 1 x nvidia-l4/ },
    { req: { accelerator: 'nvidia-h100-80gb', model: 'meta-llama/Llama-3.1-8B-Instruct', tensorParallelSize: 3 }, error: /not divisible by 3/ },
  ];
  for (const c of errors) {
    it(`rejects ${c.req.model} on ${c.req.accelerator}${c.req.tensorParallelSize ? ` x${c.req.tensorParallelSize}` : ''}`, () => {
      const p = deriveProfile(c.req);
      assert.equal(p.ok, false);
      if (!p.ok) assert.match(p.error, c.error);
    });
  }
});

describe('sim seeded randomness and metric buckets', () => {
  it('the same seed draws the same lengths; fixed mode and ignore_eos give max_tokens', () => {
    const draw = (seed: number) => { const r = new SeededRandom(seed); return Array.from({ length: 20 }, () => outputLength('uniform', 100, 10, r, false)); };
    assert.deepEqual(draw(1), draw(1));
    assert.notDeepEqual(draw(1), draw(2));
    for (const n of draw(3)) assert.ok(n >= 10 && n <= 100);
    assert.equal(outputLength('fixed', 100, 0, new SeededRandom(1), false), 100);
    assert.equal(outputLength('uniform', 100, 0, new SeededRandom(1), true), 100);
  });
  it("vLLM's 1-2-5 buckets", () => {
    assert.deepEqual(buckets125(100), [1, 2, 5, 10, 20, 50, 100]);
    assert.deepEqual(buckets125(8192).slice(-3), [1000, 2000, 5000]);
  });
});

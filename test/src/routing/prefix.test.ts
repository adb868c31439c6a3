import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockHashes, estimateTokens, PrefixIndex } from '../../../src/routing/prefix.js';

describe('blockHashes', () => {
  const text = 'abcdefgh'.repeat(20); // 160 characters

  it('hashes whole blocks only, as a chain', () => {
    const cases: { name: string; text: string; blockSize: number; count: number }[] = [
      { name: 'two and a half blocks', text, blockSize: 64, count: 2 },
      { name: 'shorter than a block', text: 'short', blockSize: 64, count: 0 },
      { name: 'exact blocks', text, blockSize: 16, count: 10 },
    ];
    for (const c of cases) assert.equal(blockHashes(c.text, c.blockSize).length, c.count, c.name);
  });

  it('equal prefixes give equal leading hashes; a change changes every hash from there', () => {
    const a = blockHashes(`${text}tail one`, 16);
    const b = blockHashes(`${text.slice(0, 40)}X${text.slice(41)}tail two`, 16);
    assert.deepEqual(a.slice(0, 2), b.slice(0, 2));
    for (let i = 2; i < b.length; i++) assert.notEqual(a[i], b[i]);
  });

  it('identical blocks at different positions hash differently (the chain), and the model seeds it', () => {
    const hashes = blockHashes(text, 8);
    assert.equal(new Set(hashes).size, hashes.length);
    assert.notEqual(blockHashes(text, 64, 'model-a')[0], blockHashes(text, 64, 'model-b')[0]);
  });

  it('gives the same hashes as ever (a picker restarted on a new version still matches what it indexed)', () => {
    const cases: { text: string; blockSize: number; seed: string; want: string[] }[] = [
      { text, blockSize: 64, seed: 'model-a', want: ['a4861c9a55591378', 'aa1e2ca3291a05c9'] },
      { text: 'You are a helpful assistant. '.repeat(5), blockSize: 16, seed: '', want: ['33e515d0d6f1d58a', '6e0d503ae9794461', '6d6b84f7655bf960'] },
    ];
    for (const c of cases) assert.deepEqual(blockHashes(c.text, c.blockSize, c.seed).slice(0, c.want.length), c.want, `${c.blockSize} ${c.seed}`);
  });

  it('stops at maxBlocks and rejects a bad block size', () => {
    assert.equal(blockHashes(text, 8, '', 3).length, 3);
    assert.throws(() => blockHashes(text, 0), RangeError);
  });

  it('estimates 4 characters per token', () => {
    assert.equal(estimateTokens('abcdefghi'), 3);
  });
});

describe('PrefixIndex', () => {
  it('matches the longest leading run per server', () => {
    const index = new PrefixIndex(100);
    index.add('a', ['h1', 'h2', 'h3']);
    index.add('b', ['h1', 'x2']);
    const cases: [string, string[], number][] = [
      ['a', ['h1', 'h2', 'h3', 'h4'], 3],
      ['b', ['h1', 'h2', 'h3'], 1],
      ['a', ['h2', 'h3'], 2],
      ['a', ['x1', 'h2'], 0],
      ['c', ['h1'], 0],
    ];
    for (const [address, hashes, want] of cases) assert.equal(index.matchLength(address, hashes), want, `${address} ${hashes.join(',')}`);
  });

  it('evicts the least recently routed blocks beyond capacity; routing refreshes, lookups do not', () => {
    const index = new PrefixIndex(3);
    index.add('a', ['h1', 'h2', 'h3']);
    index.matchLength('a', ['h1']); // no refresh
    index.add('a', ['h2']); // refresh h2: order h1, h3, h2
    index.add('a', ['h4']); // evicts h1
    assert.equal(index.size('a'), 3);
    assert.equal(index.matchLength('a', ['h1']), 0);
    assert.equal(index.matchLength('a', ['h2']), 1);
    index.add('a', ['h5', 'h6']); // evicts h3, h2
    assert.equal(index.matchLength('a', ['h2']), 0);
    assert.equal(index.matchLength('a', ['h4']), 1);
  });

  it('takes a per-call capacity (autoTune) and forgets removed servers', () => {
    const index = new PrefixIndex(100);
    index.add('a', ['h1', 'h2', 'h3', 'h4'], 2);
    assert.equal(index.size('a'), 2);
    assert.equal(index.matchLength('a', ['h3', 'h4']), 2);
    index.remove('a');
    assert.equal(index.size('a'), 0);
    assert.throws(() => new PrefixIndex(0), RangeError);
  });

  it('matchLengths: per server holding the first hash, its longest leading run', () => {
    const index = new PrefixIndex(100);
    index.add('a', ['h1', 'h2', 'h3']);
    index.add('b', ['h1', 'x2']);
    index.add('c', ['h2', 'h3']);
    index.add('d', ['h1', 'h3']); // holds h3 but not h2: the run stops at h2
    const cases: { hashes: string[]; want: Record<string, number> }[] = [
      { hashes: ['h1', 'h2', 'h3', 'h4'], want: { a: 3, b: 1, d: 1 } },
      { hashes: ['h1', 'x2', 'h3'], want: { a: 1, b: 2, d: 1 } },
      { hashes: ['h2', 'h3'], want: { a: 2, c: 2 } },
      { hashes: ['h1'], want: { a: 1, b: 1, d: 1 } },
      { hashes: ['x1', 'h2'], want: {} },
      { hashes: [], want: {} },
    ];
    for (const c of cases) {
      const lengths = index.matchLengths(c.hashes);
      assert.deepEqual(Object.fromEntries(lengths), c.want, c.hashes.join(','));
      for (const [address, n] of lengths) assert.equal(index.matchLength(address, c.hashes), n, `${address} ${c.hashes.join(',')}`);
    }
  });

  it('matchLengths memoizes its last answer until the index changes', () => {
    const hashes = ['h1', 'h2', 'h3'];
    const cases: { name: string; between: (index: PrefixIndex) => void; ask: string[]; reused: boolean; want: Record<string, number> }[] = [
      { name: 'the same array again', between: () => {}, ask: hashes, reused: true, want: { a: 3, b: 1 } },
      { name: 'equal hashes in another array (a sliced chain)', between: () => {}, ask: [...hashes], reused: true, want: { a: 3, b: 1 } },
      { name: 'a lookup in between (lookups change nothing)', between: (index) => index.matchLength('a', hashes), ask: hashes, reused: true, want: { a: 3, b: 1 } },
      { name: 'other hashes', between: () => {}, ask: ['h1', 'h2'], reused: false, want: { a: 2, b: 1 } },
      { name: 'an add in between', between: (index) => index.add('b', ['h1', 'h2']), ask: hashes, reused: false, want: { a: 3, b: 2 } },
      { name: 'an add of nothing new (it refreshes the LRU)', between: (index) => index.add('a', ['h1']), ask: hashes, reused: false, want: { a: 3, b: 1 } },
      { name: 'a remove in between', between: (index) => index.remove('a'), ask: hashes, reused: false, want: { b: 1 } },
      { name: 'a remove of an unknown server', between: (index) => index.remove('z'), ask: hashes, reused: true, want: { a: 3, b: 1 } },
    ];
    for (const c of cases) {
      const index = new PrefixIndex(100);
      index.add('a', hashes);
      index.add('b', ['h1', 'x2']);
      const first = index.matchLengths(hashes);
      c.between(index);
      const second = index.matchLengths(c.ask);
      assert.equal(second === first, c.reused, c.name);
      assert.deepEqual(Object.fromEntries(second), c.want, c.name);
    }
  });
});

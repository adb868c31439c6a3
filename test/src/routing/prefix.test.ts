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
});

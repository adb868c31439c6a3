// Prefix hashing and the prefix index: how the picker guesses which replica still holds a prompt's KV blocks.
//
// The caller splits the prompt text into blocks of `blockSize` characters and hashes them as a chain
// (hash(i) = H(block i, hash(i-1)), the first seeded with the model name), as the Inference Extension's
// prefix-cache-scorer does (pkg/epp/scheduling/framework/plugins/multi/prefix): equal hashes mean equal whole
// prefixes. A trailing partial block has no hash. The picker never sees tokens, so blocks are in characters.

import { fnv1a32, mix32 } from '../hash.js';

/**
 * Characters per token, OpenAI's rule of thumb for English BPE text ("one token generally corresponds to ~4
 * characters", help.openai.com, "What are tokens"); the same rule kinfer-sim tokenizes by.
 */
export const CHARS_PER_TOKEN = 4;
/** vLLM's default KV block (16 tokens) in characters: the Inference Extension's default prefix block size (64). */
export const DEFAULT_PREFIX_BLOCK_SIZE = 64;
/** Inference Extension default: prompts longer than 256 blocks match on their first 256 only. */
export const DEFAULT_MAX_PREFIX_BLOCKS = 256;
/**
 * Inference Extension default LRU entries per server, derived there from Llama-3-8B on one H100-80GB: 64 GB left
 * for KV at 128 KiB per token is ~500K tokens; at 16 tokens per block, 31,250 blocks.
 */
export const DEFAULT_LRU_CAPACITY_PER_SERVER = 31_250;

/** The estimate of a prompt's length in tokens the picker uses (characters / 4, rounded up). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * Hash chain of the full `blockSize`-character blocks of `text` (at most `maxBlocks`), seeded with `seed`
 * (the model name, so that different models never share blocks). 64 bits as two 32-bit FNV-1a lanes,
 * 16 hex digits: a picker indexing ~10^6 blocks sees a collision with probability ~10^-7.
 */
export function blockHashes(text: string, blockSize: number = DEFAULT_PREFIX_BLOCK_SIZE, seed = '', maxBlocks = DEFAULT_MAX_PREFIX_BLOCKS): string[] {
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`blockSize ${blockSize} must be a positive integer`);
  const hashes: string[] = [];
  let a = fnv(seed, 0x811c9dc5);
  let b = fnv(seed, 0x01000193 ^ 0x5bd1e995);
  for (let start = 0; start + blockSize <= text.length && hashes.length < maxBlocks; start += blockSize) {
    const block = text.slice(start, start + blockSize);
    a = fnv(block, mix32(a ^ 0x9e3779b9));
    b = fnv(block, mix32(b + 0x7f4a7c15));
    // join, not +: V8 makes a 16-character concatenation a rope (ConsString), which every Map lookup in the prefix
    // index then hashes and compares the slow way; join makes a flat string (picks measured ~25% faster).
    hashes.push([hex8(a), hex8(b)].join(''));
  }
  return hashes;
}

function fnv(text: string, seed: number): number {
  return mix32(fnv1a32(text, seed));
}

function hex8(x: number): string {
  return x.toString(16).padStart(8, '0');
}

/**
 * Which block hashes each server has recently been sent, least recently used evicted first, at most `capacity`
 * per server: an approximation of each replica's prefix cache (vLLM evicts LRU too). Lookups do not refresh;
 * only routing a request does, as only that makes the replica compute (or reuse) the blocks.
 *
 * Two maps kept in step: per server an LRU of hashes (eviction order), and per hash the servers holding it, so a
 * lookup walks the request's hashes once for all servers (cost: the servers matched, not servers × blocks).
 */
export class PrefixIndex {
  private readonly servers = new Map<string, Map<string, true>>();
  private readonly holders = new Map<string, Set<string>>();
  /** Bumped by every add and remove: a memoized match is valid only at the version it was computed at. */
  private version = 0;
  /** The last matchLengths answer: plugins sharing this index ask it the same question once per pick each. */
  private memo: { readonly hashes: readonly string[]; readonly version: number; readonly lengths: ReadonlyMap<string, number> } | undefined;
  /** Scratch for matchLengths' walk, reused so that a pick allocates no array per block (stale past its count). */
  private readonly alive: string[] = [];

  constructor(readonly capacityPerServer: number) {
    if (!Number.isInteger(capacityPerServer) || capacityPerServer < 1) throw new RangeError(`capacity ${capacityPerServer} must be a positive integer`);
  }

  /** Records that `address` computed these blocks; `capacity` overrides the per-server bound (autoTune). */
  add(address: string, hashes: readonly string[], capacity = this.capacityPerServer): void {
    this.version++;
    let lru = this.servers.get(address);
    if (lru === undefined) {
      lru = new Map();
      this.servers.set(address, lru);
    }
    for (const hash of hashes) {
      if (lru.delete(hash)) {
        lru.set(hash, true);
        continue;
      }
      lru.set(hash, true);
      let set = this.holders.get(hash);
      if (set === undefined) {
        set = new Set();
        this.holders.set(hash, set);
      }
      set.add(address);
    }
    for (const oldest of lru.keys()) {
      if (lru.size <= capacity) break;
      lru.delete(oldest);
      this.forget(oldest, address);
    }
  }

  /**
   * Per server holding at least the first hash: how many of `hashes`, from the first, it holds. Asked again with
   * equal hashes and no add or remove since, it returns the same map without walking (so it is read-only).
   */
  matchLengths(hashes: readonly string[]): ReadonlyMap<string, number> {
    const memo = this.memo;
    if (memo !== undefined && memo.version === this.version && sameHashes(memo.hashes, hashes)) return memo.lengths;
    const lengths = this.walk(hashes);
    this.memo = { hashes, version: this.version, lengths };
    return lengths;
  }

  /** matchLengths' walk: the servers still matching (`alive`) are compacted in place, block after block. */
  private walk(hashes: readonly string[]): Map<string, number> {
    const lengths = new Map<string, number>();
    const first = hashes.length > 0 ? this.holders.get(hashes[0] as string) : undefined;
    if (first === undefined) return lengths;
    const alive = this.alive;
    let n = 0;
    for (const address of first) alive[n++] = address;
    let i = 1;
    for (; i < hashes.length && n > 0; i++) {
      const set = this.holders.get(hashes[i] as string);
      if (set === undefined) break;
      let kept = 0;
      for (let j = 0; j < n; j++) {
        const address = alive[j] as string;
        if (set.has(address)) alive[kept++] = address;
        else lengths.set(address, i);
      }
      n = kept;
    }
    for (let j = 0; j < n; j++) lengths.set(alive[j] as string, i);
    return lengths;
  }

  /** How many of `hashes`, from the first, `address` holds (the longest prefix match, in blocks). */
  matchLength(address: string, hashes: readonly string[]): number {
    const lru = this.servers.get(address);
    if (lru === undefined) return 0;
    let n = 0;
    while (n < hashes.length && lru.has(hashes[n] as string)) n++;
    return n;
  }

  /** Blocks indexed for `address`. */
  size(address: string): number {
    return this.servers.get(address)?.size ?? 0;
  }

  /** Forgets a server (it left the pool). */
  remove(address: string): void {
    const lru = this.servers.get(address);
    if (lru === undefined) return;
    this.version++;
    for (const hash of lru.keys()) this.forget(hash, address);
    this.servers.delete(address);
  }

  private forget(hash: string, address: string): void {
    const set = this.holders.get(hash);
    if (set === undefined) return;
    set.delete(address);
    if (set.size === 0) this.holders.delete(hash);
  }
}

/** Equal chains: the same array, or the same hashes in the same order. */
function sameHashes(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * What a prefix plugin's index holds, as a key: the first `maxBlocks` hashes of every routed request, `capacity` per
 * server. Two plugins with equal keys, told of the same routed requests, hold equal indexes.
 */
export function prefixIndexKey(maxBlocks: number, capacity: number): string {
  return `${maxBlocks} blocks, ${capacity} per server`;
}

/** The first `max` hashes of a chain: what a prefix plugin matches and learns (`maxPrefixBlocksToMatch`). */
export function leadingHashes(hashes: readonly string[], max: number): readonly string[] {
  return hashes.length > max ? hashes.slice(0, max) : hashes;
}

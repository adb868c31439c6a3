import { blockHash } from './hash.js';

// The KV cache as vLLM's v1 block pool keeps it (vllm/v1/core/block_pool.py, kv_cache_manager.py):
// - a fixed number of blocks of `blockSize` tokens; a sequence holds ceil(tokens / blockSize) of them;
// - a full block that has been computed is registered under its hash (a chain over the prefix), so a later
//   prompt with the same prefix reuses it instead of recomputing it;
// - blocks no sequence holds sit in a free queue in the order they were freed (a sequence's blocks go in
//   tail first, so its prefix outlives its end); allocation takes from the front and evicts the hash of a
//   cached block it takes: least recently used cached blocks go first;
// - usage counts held blocks only: a free block that still caches a prefix is free (vLLM's `get_usage`).

export interface Block {
  readonly id: number;
  refCount: number;
  /** Set while the block is registered in the prefix cache. */
  hash: string | undefined;
}

/** Hashes of the full blocks of `tokenIds` (a trailing partial block has none). */
export function blockHashes(tokenIds: readonly number[], blockSize: number): string[] {
  const hashes: string[] = [];
  let parent: string | undefined;
  for (let start = 0; start + blockSize <= tokenIds.length; start += blockSize) {
    parent = blockHash(parent, tokenIds.slice(start, start + blockSize));
    hashes.push(parent);
  }
  return hashes;
}

export class BlockPool {
  private readonly blocks: Block[];
  /** Blocks with refCount 0, least recently freed first (Map keeps insertion order; delete is O(1)). */
  private readonly free = new Map<number, Block>();
  private readonly cached = new Map<string, Block>();

  constructor(readonly numBlocks: number, readonly blockSize: number) {
    if (!Number.isInteger(numBlocks) || numBlocks < 1) throw new RangeError(`numBlocks ${numBlocks} must be a positive integer`);
    if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`blockSize ${blockSize} must be a positive integer`);
    this.blocks = Array.from({ length: numBlocks }, (_, id) => ({ id, refCount: 0, hash: undefined }));
    for (const block of this.blocks) this.free.set(block.id, block);
  }

  get freeBlocks(): number {
    return this.free.size;
  }

  get usedBlocks(): number {
    return this.numBlocks - this.free.size;
  }

  /** Fraction of blocks held by sequences, 0..1 (`vllm:kv_cache_usage_perc`). */
  get usage(): number {
    return this.usedBlocks / this.numBlocks;
  }

  /** Blocks registered in the prefix cache (held or free). */
  get cachedBlocks(): number {
    return this.cached.size;
  }

  /** The longest run of cached blocks matching `hashes` from the start. Does not take them. */
  lookup(hashes: readonly string[]): Block[] {
    const hit: Block[] = [];
    for (const hash of hashes) {
      const block = this.cached.get(hash);
      if (block === undefined) break;
      hit.push(block);
    }
    return hit;
  }

  /** Free blocks an allocation could take if `reserved` (cache hits about to be held) were held first. */
  available(reserved: readonly Block[]): number {
    return this.free.size - reserved.filter((b) => b.refCount === 0).length;
  }

  /** Holds blocks found by `lookup` (one more reference each). */
  hold(blocks: readonly Block[]): void {
    for (const block of blocks) {
      if (block.refCount === 0) this.free.delete(block.id);
      block.refCount++;
    }
  }

  /** `count` new blocks, or undefined (nothing taken) when fewer are free. Evicts the cached prefixes it takes. */
  allocate(count: number): Block[] | undefined {
    if (count > this.free.size) return undefined;
    const taken: Block[] = [];
    for (const block of this.free.values()) {
      if (taken.length === count) break;
      taken.push(block);
    }
    for (const block of taken) {
      this.free.delete(block.id);
      if (block.hash !== undefined) {
        if (this.cached.get(block.hash) === block) this.cached.delete(block.hash);
        block.hash = undefined;
      }
      block.refCount = 1;
    }
    return taken;
  }

  /** Drops one reference to each of a sequence's blocks; freed ones queue tail first (the prefix is evicted last). */
  release(blocks: readonly Block[]): void {
    for (let i = blocks.length - 1; i >= 0; i--) {
      const block = blocks[i] as Block;
      block.refCount--;
      if (block.refCount === 0) this.free.set(block.id, block);
    }
  }

  /** Registers a computed full block under its prefix hash (a block already cached under that hash wins). */
  register(block: Block, hash: string): void {
    if (block.hash !== undefined || this.cached.has(hash)) return;
    block.hash = hash;
    this.cached.set(hash, block);
  }
}

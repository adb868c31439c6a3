// Small deterministic hashes for the simulator: token ids from text chunks and the prefix-cache block hash chain.
// Not cryptographic; 64 bits (two independent 32-bit lanes) so that a cache of ~10^5 blocks sees collisions with
// probability ~10^-9 (birthday bound n²/2^65), where one 32-bit lane would collide about once in a few runs.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over a string's UTF-16 code units, 32 bits. */
export function fnv1a32(text: string, seed = FNV_OFFSET): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** murmur3's 32-bit finalizer: spreads every input bit over the output. */
function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The hash of one KV block given its parent's hash and its token ids, as vLLM's prefix cache chains them
 * (hash(parent_hash, block_token_ids)): equal hashes mean equal whole prefixes, not just equal blocks.
 */
export function blockHash(parent: string | undefined, tokenIds: readonly number[]): string {
  let a = parent === undefined ? 0x9e3779b9 : Number.parseInt(parent.slice(0, 8), 16);
  let b = parent === undefined ? 0x7f4a7c15 : Number.parseInt(parent.slice(8, 16), 16);
  for (const id of tokenIds) {
    a = mix32((a ^ id) + 0x6a09e667);
    b = mix32(Math.imul(b ^ id, 0x27d4eb2f) + 0x165667b1);
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

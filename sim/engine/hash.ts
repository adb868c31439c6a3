// Small deterministic hashes for the simulator: token ids from text chunks and the prefix-cache block hash chain.
// Not cryptographic; 64 bits (two independent 32-bit lanes) so that a cache of ~10^5 blocks sees collisions with
// probability ~10^-9 (birthday bound n²/2^65), where one 32-bit lane would collide about once in a few runs.

import { fnv1a32, mix32 } from '../../src/hash.js';

export { fnv1a32 };

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

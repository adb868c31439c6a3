import type { PrefixIndexSharing } from '../framework.js';
import { leadingHashes, PrefixIndex, prefixIndexKey } from '../prefix.js';
import type { InferenceRequest } from '../types.js';

/** What a plugin that keeps a prefix index is configured with. */
export interface PrefixIndexParameters {
  /** Characters per hashed block. */
  readonly blockSize: number;
  /** Blocks of a prompt that take part in matching. */
  readonly maxPrefixBlocksToMatch: number;
  /** Blocks remembered per server (LRU). */
  readonly lruCapacityPerServer: number;
}

/**
 * The prefix index part the prefix-cache and predicted-latency scorers share: their own index until the picker
 * hands them another plugin's equal one (PrefixIndexSharing), the block size callers hash with, and the hashes a
 * request is matched and learned on.
 */
export abstract class PrefixIndexPlugin<P extends PrefixIndexParameters> implements PrefixIndexSharing {
  private current: PrefixIndex;
  /** False once the index is another plugin's (adoptPrefixIndex): that plugin adds to it. */
  protected learns = true;

  constructor(readonly name: string, readonly params: P) {
    this.current = new PrefixIndex(params.lruCapacityPerServer);
  }

  get index(): PrefixIndex {
    return this.current;
  }

  get prefixIndexKey(): string | undefined {
    return prefixIndexKey(this.params.maxPrefixBlocksToMatch, this.params.lruCapacityPerServer);
  }

  adoptPrefixIndex(index: PrefixIndex): void {
    this.current = index;
    this.learns = false;
  }

  /** The hash block size requests must be hashed with (characters). */
  get blockSize(): number {
    return this.params.blockSize;
  }

  protected hashesOf(request: InferenceRequest): readonly string[] {
    return leadingHashes(request.prefixHashes, this.params.maxPrefixBlocksToMatch);
  }
}

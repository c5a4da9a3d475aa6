import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { StateUnavailableError } from './store.js';

/**
 * Where the DPoP proofs' `jti` values are remembered for as long as the proof could be accepted
 * (identity/sender-binding.ts). `claim` answers true the first time a key is claimed within
 * `ttlMs` and false after; it throws or rejects StateUnavailableError when it cannot tell, and the
 * caller then refuses (state.on_state_error: fail_closed) or asks the local memory (degrade).
 * The shared store's is Redis `SET NX PX` (ControlStore.once), shared by every replica.
 */
export interface ProofReplayStore {
  claim(key: string, ttlMs: number, nowMs: number): boolean | Promise<boolean>;
}

/**
 * One replica's memory of proofs seen: a bounded LRU whose entries expire by the injected clock.
 * Full of live entries, it refuses to claim rather than evict one: an evicted `jti` could be
 * replayed inside its window. 100,000 live proofs within a minute is ~1,700 DPoP requests a second
 * on one replica; beyond that, the shared store is the answer.
 */
export class MemoryProofReplay implements ProofReplayStore {
  private readonly seen: LRUCache<string, true>;

  constructor(
    now: () => number,
    private readonly max = 100_000,
  ) {
    this.seen = new LRUCache({ max, ttl: 60_000, ttlAutopurge: false, ttlResolution: 0, perf: { now } });
  }

  claim(key: string, ttlMs: number): boolean {
    // Hashed: the store's size does not depend on what clients choose to send as jti.
    const k = hash('sha256', key, 'base64url');
    if (this.seen.has(k)) return false;
    if (this.seen.size >= this.max) {
      this.seen.purgeStale();
      if (this.seen.size >= this.max) throw new StateUnavailableError(`the DPoP replay memory holds ${this.max} unexpired proofs`);
    }
    this.seen.set(k, true, { ttl: ttlMs });
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}

import { LruCache } from '../core/lru.js';

/**
 * The cache of decoded credential public keys, with an admission policy built around one fact:
 * a decoded key (`KeyObject`) holds about 2.9 KB of native memory that V8 does not see, and that
 * memory is freed only when V8 collects the object. A key that dies young goes with the next
 * minor collection; a key that lived in the cache long enough to reach the old generation waits
 * for a full collection, which V8, not seeing the memory, runs rarely.
 *
 * - A key is admitted on its second use among the last `seenLimit` first uses, so a key used
 *   once dies young.
 * - Once the cache is full, at most `admissionsPerSecond` keys are admitted a second. Every
 *   admission then evicts an old-generation key, so this bounds the native memory left waiting
 *   for a full collection. Without it, sign-ins spread evenly over a million users replaced a
 *   sixth of the cache's keys per sign-in (the second-use window keeps catching repeats of
 *   50,000 keys) and the process grew by tens of MB per minute.
 */
export class DecodedKeyCache<V> {
  readonly #entries: LruCache<string, V>;
  readonly #seen: LruCache<string, true>;
  readonly #limit: number;
  readonly #admissionsPerSecond: number;
  readonly #now: () => number;
  #second = Number.NaN;
  #admittedThisSecond = 0;

  constructor(opts: {
    limit: number;
    seenLimit: number;
    admissionsPerSecond: number;
    /** Milliseconds; a monotonic clock. */
    now?: () => number;
  }) {
    this.#limit = opts.limit;
    this.#entries = new LruCache(opts.limit);
    this.#seen = new LruCache(opts.seenLimit);
    this.#admissionsPerSecond = opts.admissionsPerSecond;
    this.#now = opts.now ?? (() => performance.now());
  }

  get size(): number {
    return this.#entries.size;
  }

  get(cacheKey: string): V | undefined {
    return this.#entries.get(cacheKey);
  }

  /** Offers a freshly decoded key; true if it was cached. */
  offer(cacheKey: string, value: V): boolean {
    if (!this.#seen.delete(cacheKey)) {
      this.#seen.set(cacheKey, true);
      return false;
    }
    if (this.#entries.size >= this.#limit) {
      const second = Math.floor(this.#now() / 1000);
      if (second !== this.#second) {
        this.#second = second;
        this.#admittedThisSecond = 0;
      }
      if (this.#admittedThisSecond >= this.#admissionsPerSecond) {
        // Still a repeat: it stays first in line for the next second's budget.
        this.#seen.set(cacheKey, true);
        return false;
      }
      this.#admittedThisSecond++;
    }
    this.#entries.set(cacheKey, value);
    return true;
  }
}

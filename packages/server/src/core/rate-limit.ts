import type { Store } from '../storage/store.js';
import { AuthError } from './errors.js';

export interface Limit {
  /** Most hits allowed in one window. */
  max: number;
  windowMs: number;
}

/**
 * Counts a hit on each key and refuses with `rate_limited` (429 + Retry-After) when any is over
 * its limit. The counters live in the database, so every node enforces the same budget.
 */
export async function enforceRateLimits(
  store: Store,
  now: number,
  checks: { key: string; limit: Limit }[],
): Promise<void> {
  for (const { key, limit } of checks) {
    const { count, resetAt } = await store.rateLimits.hit(key, limit.windowMs, now);
    if (count > limit.max) {
      throw new AuthError('rate_limited', 'Too many attempts. Wait a little and try again.', {
        retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
        detail: key,
      });
    }
  }
}

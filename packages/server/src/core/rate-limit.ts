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
  who?: { ip: string | null; userAgent: string | null },
): Promise<void> {
  for (const { key, limit } of checks) {
    const { count, resetAt } = await store.rateLimits.hit(key, limit.windowMs, now);
    if (count > limit.max) {
      // Audited once per window (the first refused hit), so a flood cannot flood the audit log.
      if (count === limit.max + 1) {
        await store.audit
          .record({
            at: now,
            type: 'rate_limited',
            ip: who?.ip ?? null,
            userAgent: who?.userAgent ?? null,
            detail: key.slice(0, 200),
          })
          .catch(() => undefined);
      }
      throw new AuthError('rate_limited', 'Too many attempts. Wait a little and try again.', {
        retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
        detail: key,
      });
    }
  }
}

/** The per-account budget for ceremonies (options and verify), when rate limits are on. */
export async function limitAccount(
  ctx: {
    store: Store;
    clock: { now(): number };
    config: { rateLimits: { account: Limit } | null };
  },
  account: string,
  who: { ip: string | null; userAgent: string | null } | null,
): Promise<void> {
  if (ctx.config.rateLimits === null) return;
  await enforceRateLimits(
    ctx.store,
    ctx.clock.now(),
    [{ key: `account:${account}`, limit: ctx.config.rateLimits.account }],
    who ?? undefined,
  );
}

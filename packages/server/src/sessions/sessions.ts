import type { Config } from '../config/config.js';
import { type Clock, type RandomSource, timeOrderedBytes } from '../core/clock.js';
import { sha256, toBase64Url } from '../core/encoding.js';
import type { SessionKind, SessionRecord, UserRecord } from '../storage/records.js';
import type { Store } from '../storage/store.js';

/**
 * Sessions are opaque 256-bit random tokens held in an HttpOnly cookie; only SHA-256(token) is
 * stored, so a database leak yields no usable session. Lookup is by hash, so no secret is ever
 * compared byte by byte. Lifetime is absolute (`sessionTtlMs`), and a session unused for `sessionIdleMs` ends too;
 * `lastSeenAt` is refreshed at most
 * every few minutes so reads stay reads.
 */
const TOKEN_BYTES = 32;
const TOUCH_INTERVAL_MS = 5 * 60_000;
/** Longest cookie value we will hash: a real token is 43 characters. */
const MAX_TOKEN_LENGTH = 128;
/** Long enough to enrol a new passkey after using a recovery code, short enough to be no account. */
export const RECOVERY_SESSION_TTL_MS = 15 * 60_000;

export interface SessionDeps {
  store: Store;
  clock: Clock;
  random: RandomSource;
  config: Pick<Config, 'sessionTtlMs' | 'sessionIdleMs'>;
}

export function newSession(
  deps: SessionDeps,
  input: {
    userId: string;
    credentialId: Uint8Array | null;
    userVerified: boolean;
    userAgent: string | null;
    /** A recovery session: short-lived and limited to enrolling a passkey. */
    kind?: SessionKind;
  },
): { record: SessionRecord; token: string } {
  const now = deps.clock.now();
  const token = toBase64Url(deps.random(TOKEN_BYTES));
  return {
    token,
    record: {
      // Time-ordered: a new session is an append to the id index (6 bytes of time, 80 random bits).
      id: toBase64Url(timeOrderedBytes(now, deps.random, 16)),
      userId: input.userId,
      tokenHash: sha256(token),
      credentialId: input.credentialId,
      createdAt: now,
      expiresAt:
        now + (input.kind === 'recovery' ? RECOVERY_SESSION_TTL_MS : deps.config.sessionTtlMs),
      lastSeenAt: now,
      verifiedAt: input.userVerified ? now : 0,
      userAgent: input.userAgent === null ? null : input.userAgent.slice(0, 512),
      kind: input.kind ?? 'standard',
    },
  };
}

/**
 * Unused for longer than the idle timeout: ended, though its row stays until it is presented or
 * reaches its absolute expiry (the purge only looks at that), so lists leave it out.
 */
export function isIdle(session: SessionRecord, now: number, idleMs: number): boolean {
  return now - session.lastSeenAt > idleMs;
}

/** The live session behind a cookie token, or null for anything unknown, expired or malformed. */
export async function readSession(
  deps: SessionDeps,
  token: string | undefined,
): Promise<{ session: SessionRecord; user: UserRecord } | null> {
  if (token === undefined || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
  const now = deps.clock.now();
  const found = await deps.store.sessions.findByTokenHash(sha256(token), now);
  if (found === null) return null;
  // Idle timeout (ASVS 7.3.1), enforced here: a session unused for longer ends for good.
  if (isIdle(found.session, now, deps.config.sessionIdleMs)) {
    await deps.store.sessions.deleteByTokenHash(found.session.tokenHash);
    return null;
  }
  if (now - found.session.lastSeenAt > TOUCH_INTERVAL_MS) {
    await deps.store.sessions.touch(found.session.id, now);
    found.session.lastSeenAt = now;
  }
  return found;
}

export async function endSession(deps: SessionDeps, token: string | undefined): Promise<void> {
  if (token === undefined || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return;
  await deps.store.sessions.deleteByTokenHash(sha256(token));
}

import type { Clock, RandomSource } from '../core/clock.js';
import { sha256, toBase64Url } from '../core/encoding.js';
import type { OneTimeTokenPurpose, OneTimeTokenRecord } from '../storage/records.js';
import type { Store } from '../storage/store.js';

/** 256-bit tokens (ASVS asks for ≥128); only their SHA-256 is stored. */
const TOKEN_BYTES = 32;
const MAX_TOKEN_LENGTH = 128;

/** Issues a one-time token of a purpose for a user; returns the token, shown once. */
export async function issueOneTimeToken(
  deps: { store: Store; clock: Clock; random: RandomSource },
  input: {
    purpose: OneTimeTokenPurpose;
    userId: string;
    ttlMs: number;
    credentialId?: Uint8Array | null;
    userVerified?: boolean;
  },
): Promise<{ token: string; expiresAt: number }> {
  const now = deps.clock.now();
  const token = toBase64Url(deps.random(TOKEN_BYTES));
  await deps.store.oneTimeTokens.create({
    tokenHash: sha256(token),
    purpose: input.purpose,
    userId: input.userId,
    credentialId: input.credentialId ?? null,
    userVerified: input.userVerified ?? false,
    createdAt: now,
    expiresAt: now + input.ttlMs,
    usedAt: null,
  });
  return { token, expiresAt: now + input.ttlMs };
}

export function hashToken(token: string): Uint8Array | null {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
  return sha256(token);
}

/** Uses a token once (atomically); null for unknown, used, expired or another purpose's token. */
export async function redeemOneTimeToken(
  deps: { store: Store; clock: Clock },
  purpose: OneTimeTokenPurpose,
  token: string,
): Promise<OneTimeTokenRecord | null> {
  const hash = hashToken(token);
  return hash === null ? null : deps.store.oneTimeTokens.consume(hash, purpose, deps.clock.now());
}

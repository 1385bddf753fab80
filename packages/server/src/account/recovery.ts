import { scrypt as scryptCallback } from 'node:crypto';
import { promisify } from 'node:util';
import {
  type CeremonyContext,
  type ClientInfo,
  lockSignedInUser,
  lockUser,
} from '../ceremonies/context.js';
import type { SignedIn } from '../ceremonies/sign-up.js';
import { normalizeUsername } from '../ceremonies/usernames.js';
import { constantTimeEqual, toBase64Url } from '../core/encoding.js';
import { AuthError } from '../core/errors.js';
import { enforceRateLimits, type Limit } from '../core/rate-limit.js';
import { newSession } from '../sessions/sessions.js';
import type { RecoveryCodeRecord, SessionRecord } from '../storage/records.js';
import { requireStepUp } from './step-up.js';

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Uint8Array,
  keylen: number,
  options: object,
) => Promise<Buffer>;

export const RECOVERY_CODE_COUNT = 10;
/** Crockford's base32: no I, L, O or U, so codes survive being read aloud or written down. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 16 characters × 5 bits = 80 bits per code (ASVS asks for at least 64 for lookup secrets). */
const CODE_CHARS = 16;
/** scrypt N=2^14, r=8: ~50 ms and 16 MiB per guess, on the thread pool, not the event loop. */
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/**
 * Attempt budgets: per account (stops guessing one account) and per IP (stops spraying). Every
 * attempt counts, right codes included: the budget is spent before the code is checked, so an
 * attempt over budget is refused before its scrypt (~50 ms, 16 MiB) runs, whatever it carries.
 */
export const RECOVERY_LIMITS: { account: Limit; ip: Limit } = {
  account: { max: 5, windowMs: 15 * 60_000 },
  ip: { max: 20, windowMs: 15 * 60_000 },
};

function formatCode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return (out.slice(0, CODE_CHARS).match(/.{4}/g) ?? []).join('-');
}

/** Accepts what people type: any case, spaces or hyphens, and O/I/L for 0/1/1. Null if malformed. */
export function normalizeRecoveryCode(input: string): string | null {
  const cleaned = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (cleaned.length !== CODE_CHARS || [...cleaned].some((ch) => !ALPHABET.includes(ch)))
    return null;
  return cleaned;
}

async function hashCode(normalized: string, salt: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await scrypt(normalized, salt, 32, SCRYPT));
}

/** A fresh set of codes (shown once) replacing the old set; only slow hashes are stored. */
export async function regenerateRecoveryCodes(
  ctx: CeremonyContext,
  session: SessionRecord,
  client: ClientInfo,
): Promise<string[]> {
  requireStepUp(ctx, session, { allowRecovery: true });
  const now = ctx.clock.now();
  // One salt per set: checking a guess costs one scrypt, not one per code.
  const salt = ctx.random(16);
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => formatCode(ctx.random(10)));
  const records: RecoveryCodeRecord[] = [];
  for (const code of codes) {
    records.push({
      id: toBase64Url(ctx.random(12)),
      userId: session.userId,
      codeHash: await hashCode(normalizeRecoveryCode(code) as string, salt),
      salt,
      createdAt: now,
      usedAt: null,
    });
  }
  await ctx.store.transaction(async (tx) => {
    // Disabled or deleted since this request was authenticated: nothing to give codes to.
    await lockSignedInUser(tx, session.userId);
    await tx.recoveryCodes.replace(session.userId, records);
    await tx.audit.record({
      at: now,
      type: 'recovery_codes_created',
      userId: session.userId,
      ip: client.ip,
      userAgent: client.userAgent,
    });
  });
  return codes;
}

export async function countRecoveryCodes(
  ctx: CeremonyContext,
  session: SessionRecord,
): Promise<number> {
  return (await ctx.store.recoveryCodes.listUnused(session.userId)).length;
}

const DUMMY_SALT = new Uint8Array(16);

/**
 * Signs in with a recovery code: a *recovery session* that can only enrol a new passkey and
 * manage codes. The code is consumed atomically with the session's creation. Unknown users and
 * wrong codes cost the same scrypt and get the same answer, so neither can be told apart.
 * A disabled account is refused with `user_disabled` only once its code matched, so that status
 * is never shown to someone without a valid code; the code stays unused and no session is made.
 */
export async function recoverWithCode(
  ctx: CeremonyContext,
  input: { username: string; code: string },
  client: ClientInfo,
): Promise<SignedIn> {
  const now = ctx.clock.now();
  const accountKey = input.username.trim().normalize('NFKC').toLowerCase().slice(0, 64);
  // Counted before the code is checked: see RECOVERY_LIMITS.
  await enforceRateLimits(ctx.store, now, [
    { key: `recover:ip:${client.ip ?? 'unknown'}`, limit: RECOVERY_LIMITS.ip },
    { key: `recover:account:${accountKey}`, limit: RECOVERY_LIMITS.account },
  ]);
  const refuse = (): never => {
    throw new AuthError('invalid_recovery_code', 'That username and recovery code do not match.');
  };
  const refuseDisabled = (): never => {
    throw new AuthError('user_disabled', 'This account is disabled.');
  };
  const auditFailure = async (userId: string | null, detail: string): Promise<void> => {
    await ctx.store.audit
      .record({
        at: now,
        type: 'recovery_failed',
        userId,
        ip: client.ip,
        userAgent: client.userAgent,
        detail,
      })
      .catch(() => undefined);
  };
  let username: string | null = null;
  try {
    username = normalizeUsername(input.username);
  } catch {
    username = null;
  }
  const user = username === null ? null : await ctx.store.users.findByUsername(username);
  const codes = user === null ? [] : await ctx.store.recoveryCodes.listUnused(user.id);
  const normalized = normalizeRecoveryCode(input.code);
  const digest = await hashCode(normalized ?? 'not-a-code', codes[0]?.salt ?? DUMMY_SALT);
  const match =
    normalized === null ? undefined : codes.find((c) => constantTimeEqual(c.codeHash, digest));
  if (user === null || match === undefined) {
    await auditFailure(user?.id ?? null, 'invalid_recovery_code');
    return refuse();
  }
  // Like sign-in (ceremonies/assertion.ts): a disabled user gets no session by any route. Checked
  // only now, after the code matched, and before anything is consumed.
  if (user.disabledAt !== null) {
    await auditFailure(user.id, 'user_disabled');
    return refuseDisabled();
  }
  const session = newSession(ctx, {
    userId: user.id,
    credentialId: null,
    userVerified: false,
    userAgent: client.userAgent,
    kind: 'recovery',
  });
  try {
    await ctx.store.transaction(async (tx) => {
      // An admin may disable the user after the read above: read it again under its lock.
      const current = await lockUser(tx, user.id);
      if (current === null) return refuse();
      if (current.disabledAt !== null) return refuseDisabled();
      if (!(await tx.recoveryCodes.consume(match.id, now))) refuse();
      await tx.sessions.create(session.record);
      await tx.audit.record({
        at: now,
        type: 'recovery_code_used',
        userId: user.id,
        ip: client.ip,
        userAgent: client.userAgent,
      });
    });
  } catch (err) {
    if (err instanceof AuthError && err.code === 'user_disabled')
      await auditFailure(user.id, 'user_disabled');
    throw err;
  }
  return { user, session: session.record, token: session.token };
}

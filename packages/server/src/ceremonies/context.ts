import type { Provider } from '../account/aaguids.js';
import type { Config } from '../config/config.js';
import type { Clock, RandomSource } from '../core/clock.js';
import { fromBase64Url } from '../core/encoding.js';
import { AuthError } from '../core/errors.js';
import { topLevelKeys } from '../core/json.js';
import type { UserRecord } from '../storage/records.js';
import type { Store } from '../storage/store.js';
import {
  CeremonyMismatch,
  type CeremonyType,
  type ChallengeCodec,
  type OpenedChallenge,
} from './challenge.js';
import type { RelyingParty } from './webauthn-lib.js';

/** Everything a ceremony needs, injected: no HTTP, no globals. */
export interface CeremonyContext {
  config: Config;
  rp: RelyingParty;
  store: Store;
  challenges: ChallengeCodec;
  clock: Clock;
  random: RandomSource;
  /** Authenticator provider names and icons by AAGUID. */
  providers: (aaguid: string) => Provider;
  /** Keyed pseudorandom bytes (HMAC with the server secret), stable per label and input. */
  prf: (label: string, input: string) => Uint8Array;
}

/** Who is asking, for the audit log and the session list. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export function relyingParty(config: Config): RelyingParty {
  return {
    rpId: config.rpId,
    rpName: config.rpName,
    origins: config.origins,
    topOrigins: config.topOrigins,
    requireUserVerification: config.userVerification === 'required',
    timeoutMs: config.challengeTtlMs,
  };
}

interface ClientData {
  type?: unknown;
  challenge?: unknown;
  origin?: unknown;
  crossOrigin?: unknown;
  topOrigin?: unknown;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * §7.1 steps 5–6 / §7.2 steps 9–10: decode clientDataJSON as UTF-8 (a BOM is dropped) and parse
 * it as JSON, just enough to find the challenge, which must be authenticated before anything
 * costly (signature checks) runs. The library parses it again for its own checks.
 */
export function readClientData(clientDataJSON: string): ClientData & { challenge: string } {
  const bytes = fromBase64Url(clientDataJSON);
  if (bytes === null)
    throw new AuthError('invalid_request', 'response.clientDataJSON is not base64url.');
  let parsed: unknown;
  let text: string;
  try {
    text = utf8.decode(bytes);
    parsed = JSON.parse(text);
  } catch {
    throw new AuthError('invalid_request', 'response.clientDataJSON is not UTF-8 JSON.');
  }
  // Browsers never repeat a member; JSON.parse would silently keep the last one (§5.8.1.2).
  const keys = topLevelKeys(text);
  if (keys !== null && new Set(keys).size !== keys.length) {
    throw new AuthError('invalid_request', 'response.clientDataJSON repeats a member.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AuthError('invalid_request', 'response.clientDataJSON is not a JSON object.');
  }
  const data = parsed as ClientData;
  if (typeof data.challenge !== 'string')
    throw new AuthError('invalid_request', 'clientDataJSON has no challenge.');
  return data as ClientData & { challenge: string };
}

/**
 * §7.1 steps 10–11 / §7.2 steps 13–14 (the library does not check these for registration):
 * a ceremony run inside a cross-origin iframe is refused unless its top origin is configured.
 */
export function checkCrossOrigin(rp: RelyingParty, data: ClientData): void {
  const crossOrigin = data.crossOrigin === true;
  if (data.crossOrigin !== undefined && typeof data.crossOrigin !== 'boolean') {
    throw new AuthError('invalid_request', 'clientDataJSON.crossOrigin must be a boolean.');
  }
  if (data.topOrigin !== undefined) {
    if (
      !crossOrigin ||
      typeof data.topOrigin !== 'string' ||
      !rp.topOrigins.includes(data.topOrigin)
    ) {
      throw new AuthError(
        'cross_origin_not_allowed',
        'Cross-origin ceremonies are not allowed here.',
      );
    }
  } else if (crossOrigin) {
    throw new AuthError(
      'cross_origin_not_allowed',
      'Cross-origin ceremonies are not allowed here.',
    );
  }
}

/**
 * Opens a response's challenge for this ceremony. One issued for another kind of ceremony is
 * burnt before the refusal, like every failed attempt (checklist R03): a sign-in challenge sent to
 * the sign-up endpoint cannot be taken back to sign in with.
 */
export async function openChallenge<T extends CeremonyType>(
  ctx: CeremonyContext,
  challenge: string,
  type: T,
): Promise<OpenedChallenge<T>> {
  try {
    return ctx.challenges.open(challenge, type);
  } catch (err) {
    if (err instanceof CeremonyMismatch) {
      const burnt = await ctx.store.challenges.consume(err.nonce, err.expiresAt).catch(() => true);
      if (!burnt)
        throw new AuthError('challenge_used', 'This response was already used. Start again.');
    }
    throw err;
  }
}

/**
 * Runs the rest of a ceremony with an authentic challenge. If it fails for any reason, the
 * challenge is burnt anyway, so a failed attempt cannot be followed by a second try with the
 * same challenge (checklist C02); success burns it inside the ceremony's own transaction.
 */
export async function withChallenge<T extends CeremonyType, R>(
  ctx: CeremonyContext,
  opened: OpenedChallenge<T>,
  fn: () => Promise<R>,
): Promise<R> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AuthError && err.code === 'challenge_used') throw err;
    const burnt = await ctx.store.challenges
      .consume(opened.nonce, opened.expiresAt)
      .catch(() => true);
    // Already used: this is a replay, whatever check tripped first (a replayed assertion also
    // fails the counter check, and must not raise a false clone alarm).
    if (!burnt)
      throw new AuthError('challenge_used', 'This response was already used. Start again.');
    throw err;
  }
}

/**
 * Inside a transaction: locks the user's row (PostgreSQL; SQLite's write transaction is already
 * exclusive) and reads it again. A disable or delete that committed first is seen here, and one
 * that comes later waits for this transaction, whose sessions and passkeys it then removes: none
 * can outlive a disable or point at a deleted user.
 */
export async function lockUser(store: Store, userId: string): Promise<UserRecord | null> {
  await store.users.lock(userId);
  return store.users.findById(userId);
}

/**
 * `lockUser` for a request whose session was already read: a user disabled or deleted since then
 * has no session left, so the request is answered as signed out.
 */
export async function lockSignedInUser(store: Store, userId: string): Promise<UserRecord> {
  const user = await lockUser(store, userId);
  if (user === null || user.disabledAt !== null) {
    throw new AuthError('unauthenticated', 'You are not signed in.');
  }
  return user;
}

/** Inside the ceremony's transaction: claims the challenge or fails as a replay. */
export async function claimChallenge(
  store: Store,
  opened: OpenedChallenge<CeremonyType>,
): Promise<void> {
  if (!(await store.challenges.consume(opened.nonce, opened.expiresAt))) {
    throw new AuthError('challenge_used', 'This response was already used. Start again.');
  }
}

import { createHmac } from 'node:crypto';
import { type Clock, type RandomSource, timeOrderedBytes } from '../core/clock.js';
import { constantTimeEqual, fromBase64Url, toBase64Url } from '../core/encoding.js';
import { AuthError } from '../core/errors.js';

/**
 * Self-authenticating challenges: the options call writes nothing to the database. Everything the
 * verify step must trust (ceremony type, expiry, the pending user) travels inside the challenge,
 * under an HMAC keyed by a server secret; single use is enforced at verify time by recording the
 * nonce in the database (`ChallengeStore.consume`), so a challenge still verifies at most once.
 *
 * Layout: version(1) | type(1) | expiresAt ms(6, big-endian) | nonce(32) | context JSON | mac(32)
 */
export type CeremonyType = 'sign-up' | 'sign-in' | 'add-passkey' | 'reauth' | 'enroll';

const VERSION = 1;
const TYPE_BYTE: Record<CeremonyType, number> = {
  'sign-up': 1,
  'sign-in': 2,
  'add-passkey': 3,
  reauth: 4,
  enroll: 5,
};
/**
 * Issue time (6 bytes) then 26 random bytes: WebAuthn §13.4.3 asks for at least 16 random bytes,
 * and the time prefix makes the used-challenge key of each sign-in an append to its index.
 */
const NONCE_BYTES = 32;
const MAC_BYTES = 32;
const HEADER_BYTES = 1 + 1 + 6 + NONCE_BYTES;
/** Bounds the context so a forged challenge cannot make us MAC or parse a large buffer. */
const MAX_CHALLENGE_BYTES = 1024;

export interface SignUpContext {
  /** Base64url WebAuthn user handle chosen for the new account. */
  userHandle: string;
  username: string;
  displayName: string;
}

export interface SignInContext {
  /** Set when the ceremony started from a username: only that user's passkeys may answer. */
  userId?: string;
}

/** Ceremonies run inside a session are bound to that session and its user. */
export interface SessionBoundContext {
  userId: string;
  sessionId: string;
}

export interface ContextOf {
  'sign-up': SignUpContext;
  'sign-in': SignInContext;
  'add-passkey': SessionBoundContext;
  reauth: SessionBoundContext;
  enroll: EnrollContext;
}

/** Enrolment without a session: bound to the user and the enrolment token's hash. */
export interface EnrollContext {
  userId: string;
  tokenHash: string;
}

export interface OpenedChallenge<T extends CeremonyType> {
  type: T;
  nonce: Uint8Array;
  expiresAt: number;
  context: ContextOf[T];
}

/**
 * An authentic challenge presented to another kind of ceremony. It carries what is needed to burn
 * it (`openChallenge` in context.ts does), since any failed attempt uses its challenge up.
 */
export class CeremonyMismatch extends AuthError {
  constructor(
    readonly nonce: Uint8Array,
    readonly expiresAt: number,
  ) {
    super('ceremony_mismatch', 'This challenge was issued for a different kind of ceremony.');
  }
}

export interface ChallengeCodec {
  issue<T extends CeremonyType>(
    type: T,
    context: ContextOf[T],
  ): { challenge: string; expiresAt: number };
  /**
   * Checks MAC, type and expiry; throws AuthError (CeremonyMismatch for another ceremony's
   * challenge). Does not check single use: ceremonies call `openChallenge`, which also burns.
   */
  open<T extends CeremonyType>(challenge: string, expected: T): OpenedChallenge<T>;
}

export function createChallengeCodec(opts: {
  secret: Uint8Array;
  ttlMs: number;
  clock: Clock;
  random: RandomSource;
}): ChallengeCodec {
  const mac = (data: Uint8Array): Uint8Array =>
    new Uint8Array(createHmac('sha256', opts.secret).update(data).digest());

  return {
    issue(type, context) {
      const now = opts.clock.now();
      const expiresAt = now + opts.ttlMs;
      const contextBytes = Buffer.from(JSON.stringify(context), 'utf8');
      const body = new Uint8Array(HEADER_BYTES + contextBytes.length);
      body[0] = VERSION;
      body[1] = TYPE_BYTE[type];
      Buffer.from(body.buffer).writeUIntBE(expiresAt, 2, 6);
      body.set(timeOrderedBytes(now, opts.random, NONCE_BYTES), 8);
      body.set(contextBytes, HEADER_BYTES);
      const full = new Uint8Array(body.length + MAC_BYTES);
      full.set(body);
      full.set(mac(body), body.length);
      return { challenge: toBase64Url(full), expiresAt };
    },

    open(challenge, expected) {
      const notFound = (): never => {
        throw new AuthError(
          'challenge_not_found',
          'This sign-in attempt is not known to the server. Start again.',
        );
      };
      if (challenge.length > Math.ceil((MAX_CHALLENGE_BYTES * 4) / 3)) notFound();
      const full = fromBase64Url(challenge);
      if (full === null || full.length < HEADER_BYTES + MAC_BYTES || full[0] !== VERSION)
        return notFound();
      // §7.1 step 8 / §7.2 step 11 compare the challenge as a string: a spelling with other
      // spare bits in its last character decodes to the same bytes but is not the one issued.
      if (toBase64Url(full) !== challenge) return notFound();
      const body = full.subarray(0, full.length - MAC_BYTES);
      if (!constantTimeEqual(mac(body), full.subarray(full.length - MAC_BYTES))) return notFound();

      // Authentic from here on: the fields below were written by this server.
      const expiresAt = Buffer.from(body.buffer, body.byteOffset, body.byteLength).readUIntBE(2, 6);
      if (body[1] !== TYPE_BYTE[expected]) {
        throw new CeremonyMismatch(body.slice(8, HEADER_BYTES), expiresAt);
      }
      if (opts.clock.now() >= expiresAt) {
        throw new AuthError('challenge_expired', 'This sign-in attempt has expired. Start again.');
      }
      return {
        type: expected,
        nonce: body.slice(8, HEADER_BYTES),
        expiresAt,
        context: JSON.parse(Buffer.from(body.subarray(HEADER_BYTES)).toString('utf8')),
      };
    },
  };
}

import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors, jwtVerify } from 'jose';
import { readToken, type TokenSource } from './bearer.js';
import { PasskiTokenError, type PasskiTokenErrorCode } from './errors.js';

/** JWT `typ` of Passki session tokens (the server's `SESSION_JWT_TYPE`). */
export const SESSION_JWT_TYPE = 'passki-session+jwt';

/** What a verified Passki session JWT says. */
export interface PasskiClaims {
  /** `sub`: the Passki user id. */
  userId: string;
  /** `sid`: the Passki session the token was minted from. */
  sessionId: string;
  username: string;
  /** `iat` */
  issuedAt: Date;
  /** `exp` */
  expiresAt: Date;
  /** The user's public metadata: every claim that is not one of Passki's own. */
  metadata: Record<string, unknown>;
  /** The whole verified payload. */
  raw: Readonly<JWTPayload>;
}

export interface VerifierOptions {
  /** Passki's public URL (`PASSKI_PUBLIC_URL`), e.g. `https://auth.example.com`: the `iss` claim. */
  issuer: string;
  /** Your app (`PASSKI_JWT_AUDIENCE`; the issuer when that is unset): the `aud` claim. */
  audience: string;
  /** Defaults to `${issuer}/.well-known/jwks.json`. */
  jwksUrl?: string;
  /** Allowed clock skew between Passki and this process, in seconds. Default 5. */
  clockToleranceSeconds?: number;
  /**
   * After a JWKS fetch, how long a token with an unknown `kid` is refused without fetching again,
   * in seconds. Default 10. It bounds the fetches that forged `kid`s can cause.
   */
  jwksCooldownSeconds?: number;
  /** Fetch implementation for the JWKS (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** Current time in milliseconds (default `Date.now()`), for tests. */
  clock?: { now(): number };
}

export interface PasskiVerifier {
  /**
   * Verifies a Passki session JWT: a JWT string, or the `Authorization: Bearer` header of a Fetch
   * `Request` or a Node `IncomingMessage`. Throws `PasskiTokenError` when it cannot be trusted.
   */
  verifyToken(source: TokenSource): Promise<PasskiClaims>;
}

/**
 * Keys are cached as long as Passki tells browsers to cache its JWKS (`Cache-Control:
 * max-age=300`); a rotated key reaches this process sooner through the refetch on an unknown kid.
 */
const JWKS_MAX_AGE_MS = 300_000;
/** A JWKS fetch that takes longer fails the verification with `jwks_unavailable`. */
const JWKS_TIMEOUT_MS = 5_000;
/** Claims Passki itself sets; every other claim is the user's public metadata. */
const STANDARD_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'sid']);
const PASSKI_CLAIMS = new Set(['username', 'amr']);

/**
 * Creates a verifier for Passki session JWTs. Keys come only from the configured JWKS: `jku`,
 * `jwk`, `x5u` and `x5c` in a token's header are never used (ASVS 9.1.3).
 *
 * @example
 * const verifier = createVerifier({
 *   issuer: 'https://auth.example.com',
 *   audience: 'https://app.example.com',
 * });
 * const { userId, username } = await verifier.verifyToken(request);
 */
export function createVerifier(options: VerifierOptions): PasskiVerifier {
  const issuer = requireUrl('issuer', options.issuer).replace(/\/+$/, '');
  if (typeof options.audience !== 'string' || options.audience.length === 0) {
    throw new TypeError('createVerifier: `audience` must be a non-empty string');
  }
  const audience = options.audience;
  const jwksUrl = new URL(
    options.jwksUrl === undefined
      ? `${issuer}/.well-known/jwks.json`
      : requireUrl('jwksUrl', options.jwksUrl),
  );
  const tolerance = seconds('clockToleranceSeconds', options.clockToleranceSeconds, 5);
  const cooldown = seconds('jwksCooldownSeconds', options.jwksCooldownSeconds, 10);
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new TypeError('createVerifier: `fetch` must be a function');
  }
  const now = (): number => options.clock?.now() ?? Date.now();

  const remote = createRemoteJWKSet(jwksUrl, {
    cacheMaxAge: JWKS_MAX_AGE_MS,
    cooldownDuration: cooldown * 1000,
    timeoutDuration: JWKS_TIMEOUT_MS,
    ...(options.fetch === undefined ? {} : { [customFetch]: options.fetch }),
  });

  // Key lookups fail for two different reasons: the token names a key the JWKS does not have
  // (the token's fault, 401), or the JWKS cannot be had (ours, 503). Classify them here, where
  // the two are still apart.
  //
  // jose starts its refetch cooldown only after a fetch that worked, so while the JWKS endpoint
  // fails, every unknown kid (and, once the cache is old, every token) would fetch again: a
  // flood against a Passki already in trouble. A failed fetch starts the cooldown here too; in
  // it, tokens are checked against the keys last fetched, if any, and nothing is fetched.
  let failedAt = Number.NEGATIVE_INFINITY;
  const lookUp = async (
    header: Parameters<JWTVerifyGetKey>[0],
    token: Parameters<JWTVerifyGetKey>[1],
  ): Promise<Awaited<ReturnType<JWTVerifyGetKey>>> => {
    if (Date.now() - failedAt < cooldown * 1000) {
      const known = remote.jwks();
      if (known === undefined) throw new Error('the JWKS could not be fetched a moment ago');
      return createLocalJWKSet(known)(header, token);
    }
    try {
      return await remote(header, token);
    } catch (err) {
      if (
        !(err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
      )
        failedAt = Date.now();
      throw err;
    }
  };
  const key: JWTVerifyGetKey = async (header, token) => {
    if (typeof header.kid !== 'string' || header.kid.length === 0) {
      throw new PasskiTokenError('unknown_key', 'The token names no signing key.');
    }
    try {
      return await lookUp(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
        throw new PasskiTokenError('unknown_key', undefined, { cause: err });
      throw new PasskiTokenError('jwks_unavailable', undefined, { cause: err });
    }
  };

  return {
    async verifyToken(source: TokenSource): Promise<PasskiClaims> {
      const token = readToken(source);
      const at = now();
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, {
          // ASVS 9.1.2: an allowlist of one. `none`, and HS256 keyed with the public key's bytes,
          // are refused before any key is looked at.
          algorithms: ['ES256'],
          // ASVS 9.2.2: a JWT of another kind signed by the same key is not a session token.
          typ: SESSION_JWT_TYPE,
          issuer,
          audience,
          requiredClaims: ['exp', 'iat', 'sub', 'sid'],
          clockTolerance: tolerance,
          currentDate: new Date(at),
        }));
      } catch (err) {
        throw classify(err);
      }
      return toClaims(payload, at, tolerance);
    },
  };
}

/** Maps jose's errors to our codes; jose's own wording stays in `cause`. */
function classify(err: unknown): Error {
  if (err instanceof PasskiTokenError) return err;
  const code = codeOf(err);
  if (code === null) return err instanceof Error ? err : new Error(String(err));
  return new PasskiTokenError(
    code,
    err instanceof errors.JOSEAlgNotAllowed ? 'The token is not signed with ES256.' : undefined,
    { cause: err },
  );
}

function codeOf(err: unknown): PasskiTokenErrorCode | null {
  if (err instanceof errors.JWTExpired) return 'token_expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return 'wrong_issuer';
    if (err.claim === 'aud') return 'wrong_audience';
    if (err.claim === 'typ') return 'wrong_token_type';
    if (err.claim === 'nbf' && err.reason === 'check_failed') return 'token_not_yet_valid';
    return 'malformed_token';
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return 'invalid_signature';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'invalid_signature';
  // JWSInvalid, JWTInvalid, JOSENotSupported (an unknown `crit` extension), …: the token's shape.
  if (err instanceof errors.JOSEError) return 'malformed_token';
  // Anything else is a bug, not bad input: let it surface as itself.
  return null;
}

function toClaims(payload: JWTPayload, at: number, tolerance: number): PasskiClaims {
  const { sub, sid, username, iat, exp } = payload;
  if (
    typeof sub !== 'string' ||
    sub.length === 0 ||
    typeof sid !== 'string' ||
    typeof username !== 'string' ||
    typeof iat !== 'number' ||
    typeof exp !== 'number'
  ) {
    throw new PasskiTokenError('malformed_token');
  }
  // jose checks `iat` only against a maximum age; a token issued in the future was minted by a
  // clock we do not share, so treat it like an `nbf` in the future.
  if (iat > Math.floor(at / 1000) + tolerance) throw new PasskiTokenError('token_not_yet_valid');
  const metadata: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (!STANDARD_CLAIMS.has(name) && !PASSKI_CLAIMS.has(name)) metadata[name] = value;
  }
  return {
    userId: sub,
    sessionId: sid,
    username,
    issuedAt: new Date(iat * 1000),
    expiresAt: new Date(exp * 1000),
    metadata,
    raw: payload,
  };
}

function requireUrl(name: string, value: unknown): string {
  if (
    typeof value !== 'string' ||
    !URL.canParse(value) ||
    !/^https?:$/.test(new URL(value).protocol)
  )
    throw new TypeError(`createVerifier: \`${name}\` must be an http(s) URL`);
  return value;
}

function seconds(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new TypeError(`createVerifier: \`${name}\` must be a non-negative number of seconds`);
  return value;
}

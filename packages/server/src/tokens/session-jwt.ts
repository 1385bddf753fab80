import { SignJWT } from 'jose';
import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import { AuthError } from '../core/errors.js';
import type { SessionRecord, UserRecord } from '../storage/records.js';
import type { KeyRing } from './signing-keys.js';

/** JWT `typ` of Passki session tokens, so a verifier can refuse any other kind of JWT. */
export const SESSION_JWT_TYPE = 'passki-session+jwt';

/**
 * Claims only Passki sets: every JWT registered claim name (RFC 7519 §4.1), whether Passki uses it
 * or not, and Passki's own. A same-named public metadata key is left out of the token, never
 * merged: `nbf` in the future would make every token of that user "not yet valid", `jti` would
 * collide in a verifier's replay cache, and `iss`/`sub`/`aud`/`exp` are what verifiers trust.
 * The backend SDK (`packages/node`, `verify-token.ts`) reads every other claim as metadata.
 */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  // RFC 7519 §4.1: Registered Claim Names.
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  // Passki's own.
  'sid',
  'username',
  'amr',
]);

/** The user's public metadata without the reserved claim names. */
function metadataClaims(metadata: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(metadata).filter(([name]) => !RESERVED_CLAIMS.has(name)),
  );
}

/**
 * Mints a short-lived session JWT (ES256) from a live session. A revoked session mints no new
 * token; tokens already minted stay valid until their `exp` (PASSKI_JWT_TTL, 5 minutes by default).
 */
export async function mintSessionJwt(
  deps: { config: Config; clock: Clock; keys: KeyRing },
  session: SessionRecord,
  user: UserRecord,
): Promise<{ token: string; expiresAt: number }> {
  if (session.kind !== 'standard') {
    throw new AuthError(
      'recovery_session_limited',
      'A recovery session cannot mint tokens. Add a passkey and sign in with it.',
    );
  }
  const now = deps.clock.now();
  const iat = Math.floor(now / 1000);
  const exp = iat + Math.floor(deps.config.jwtTtlMs / 1000);
  const { kid, key } = await deps.keys.signingKey();
  const token = await new SignJWT({
    // Reserved names are dropped rather than overwritten, so `nbf` and `jti` (which SignJWT is
    // not told to set) cannot pass through either.
    ...metadataClaims(user.publicMetadata),
    sid: session.id,
    username: user.username,
    // How the session began: a passkey, or an admin-issued sign-in token (a session with no
    // credential); a backend that reads `amr` must not be told a passkey was used when not.
    amr: session.credentialId === null ? ['sign_in_token'] : ['passkey'],
  })
    .setProtectedHeader({ alg: 'ES256', kid, typ: SESSION_JWT_TYPE })
    .setIssuer(deps.config.jwtIssuer)
    .setAudience(deps.config.jwtAudience)
    .setSubject(user.id)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key);
  return { token, expiresAt: exp * 1000 };
}

// Passki, as this site's server sees it. Read from the environment at run time (not at build
// time), so that one build runs against any Passki.
import { createVerifier, type PasskiVerifier } from '@passki/node';

/** Passki's public URL (`PASSKI_PUBLIC_URL`): the JWT issuer and where the browser SDK calls. */
export function passkiUrl(): string {
  const url = process.env.PASSKI_URL;
  if (url === undefined || url === '') {
    throw new Error('PASSKI_URL is not set: see examples/astro-passkey-only/README.md');
  }
  return url.replace(/\/+$/, '');
}

let verifier: PasskiVerifier | undefined;

/**
 * Verifies Passki session JWTs: ES256 against Passki's JWKS (cached, refetched on an unknown key),
 * `iss` = PASSKI_URL, `aud` = PASSKI_AUDIENCE (Passki's PASSKI_JWT_AUDIENCE; like Passki, this
 * defaults to Passki's own URL), `exp`.
 */
export function passkiVerifier(): PasskiVerifier {
  verifier ??= createVerifier({
    issuer: passkiUrl(),
    audience: process.env.PASSKI_AUDIENCE || passkiUrl(),
  });
  return verifier;
}

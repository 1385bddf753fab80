import { createPublicKey } from 'node:crypto';
import { decodePartialCBOR } from '@levischuck/tiny-cbor';
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { cose, decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';
import { bytesEqual, fromBase64Url, toBase64Url } from '../core/encoding.js';
import { AuthError, type ErrorCode } from '../core/errors.js';
import type { CredentialDeviceType } from '../storage/records.js';
import { verifyAssertionFast } from './fast-assertion.js';

/**
 * The one module that talks to `@simplewebauthn/server`: it does the cryptography and the
 * byte-level checks; Passki keeps the policy. Its plain `Error`s (whose messages echo expected
 * and received values) become `AuthError`s with stable codes and messages that echo nothing.
 */

/** COSE algorithms offered and accepted (§5.8.3): ES256, EdDSA, RS256. Verification accepts only these. */
export const SUPPORTED_ALGORITHMS = [-7, -8, -257];

export interface RelyingParty {
  rpId: string;
  rpName: string;
  origins: string[];
  topOrigins: string[];
  requireUserVerification: boolean;
  timeoutMs: number;
}

export async function creationOptions(
  rp: RelyingParty,
  input: {
    challenge: Uint8Array;
    userHandle: Uint8Array;
    username: string;
    displayName: string;
    exclude: { id: Uint8Array; transports: string[] }[];
  },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpId,
    userID: new Uint8Array(input.userHandle),
    userName: input.username,
    userDisplayName: input.displayName,
    challenge: new Uint8Array(input.challenge),
    timeout: rp.timeoutMs,
    attestationType: 'none',
    excludeCredentials: input.exclude.map((c) => ({
      id: toBase64Url(c.id),
      transports: c.transports as AuthenticatorTransport[],
    })),
    authenticatorSelection: {
      residentKey: 'required',
      userVerification: rp.requireUserVerification ? 'required' : 'preferred',
    },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  });
}

/**
 * Request options (§5.5), built here rather than by `generateAuthenticationOptions`: the challenge
 * is already base64url, and the library would decode it to bytes and encode it again in plain
 * JavaScript, which cost more than the rest of a sign-in options call put together.
 * `webauthn-lib.test.ts` holds the result to the library's, key for key.
 */
export function requestOptions(
  rp: RelyingParty,
  input: { challenge: string; allow: { id: Uint8Array; transports: string[] }[] },
): PublicKeyCredentialRequestOptionsJSON {
  return {
    rpId: rp.rpId,
    challenge: input.challenge,
    allowCredentials: input.allow.map((c) => ({
      id: toBase64Url(c.id),
      transports: c.transports as AuthenticatorTransport[],
      type: 'public-key' as const,
    })),
    timeout: rp.timeoutMs,
    userVerification: rp.requireUserVerification ? 'required' : 'preferred',
  };
}

export interface VerifiedRegistration {
  credentialId: Uint8Array;
  publicKey: Uint8Array;
  algorithm: number;
  signCount: number;
  transports: string[];
  deviceType: CredentialDeviceType;
  backedUp: boolean;
  userVerified: boolean;
  aaguid: string;
}

export async function verifyRegistration(
  rp: RelyingParty,
  response: RegistrationResponseJSON,
  expectedChallenge: string,
): Promise<VerifiedRegistration> {
  checkAttestationObject(response.response.attestationObject);
  const result = await callLibrary(() =>
    verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      expectedType: 'webauthn.create',
      requireUserPresence: true,
      requireUserVerification: rp.requireUserVerification,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    }),
  );
  if (!result.verified)
    throw new AuthError('verification_failed', 'The passkey response could not be verified.');
  const info = result.registrationInfo;
  // §7.1 steps 25–26 apply to the credential ID in the attested credential data, which is what
  // gets stored; the library takes it from there and never compares it with `rawId`, which the
  // callers length-checked. One mismatch would store an ID the client never saw, or one over
  // 1023 bytes.
  const credentialId = fromBase64Url(info.credential.id);
  const rawId = fromBase64Url(response.rawId);
  if (credentialId === null || rawId === null || !bytesEqual(credentialId, rawId)) {
    throw new AuthError('verification_failed', 'The passkey response could not be verified.', {
      detail: 'rawId is not the attested credential ID',
    });
  }
  const algorithm = checkCredentialPublicKey(info.credential.publicKey);
  return {
    credentialId,
    publicKey: new Uint8Array(info.credential.publicKey),
    algorithm,
    signCount: info.credential.counter,
    transports: response.response.transports ?? [],
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    userVerified: info.userVerified,
    aaguid: info.aaguid,
  };
}

export interface VerifiedAuthentication {
  signCount: number;
  deviceType: CredentialDeviceType;
  backedUp: boolean;
  userVerified: boolean;
}

/** What an assertion is checked against: the stored credential. */
export interface AssertingCredential {
  id: Uint8Array;
  publicKey: Uint8Array;
  signCount: number;
  transports: string[];
  algorithm: number;
}

export async function verifyAuthentication(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  expectedChallenge: string,
  credential: AssertingCredential,
): Promise<VerifiedAuthentication> {
  checkSignatureEncoding(credential.algorithm, response);
  try {
    return verifyAssertionFast({
      response,
      expectedChallenge,
      origins: rp.origins,
      topOrigins: rp.topOrigins,
      rpId: rp.rpId,
      requireUserVerification: rp.requireUserVerification,
      credential,
    });
  } catch (err) {
    throw libraryError(err);
  }
}

/**
 * The same check done entirely by @simplewebauthn/server: the reference the fast path is held to
 * (see test/security/differential.test.ts). Not used on the request path.
 */
export async function verifyAuthenticationReference(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  expectedChallenge: string,
  credential: AssertingCredential,
): Promise<VerifiedAuthentication> {
  checkSignatureEncoding(credential.algorithm, response);
  const result = await callLibrary(() =>
    verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      expectedType: 'webauthn.get',
      ...(rp.topOrigins.length > 0 ? { expectedTopOrigin: rp.topOrigins } : {}),
      requireUserVerification: rp.requireUserVerification,
      credential: {
        id: toBase64Url(credential.id),
        publicKey: new Uint8Array(credential.publicKey),
        counter: credential.signCount,
        transports: credential.transports as AuthenticatorTransport[],
      },
    }),
  );
  // §7.2 step 21: the library reports a bad signature as `verified: false`, not as an error.
  if (result.verified !== true) {
    throw new AuthError('verification_failed', 'The passkey response could not be verified.');
  }
  const info = result.authenticationInfo;
  return {
    signCount: info.newCounter,
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    userVerified: info.userVerified,
  };
}

/**
 * §6.5.5: ES256 signatures are DER. The library unwraps DER leniently (trailing bytes, long-form
 * lengths), so any encoding but the one canonical form is refused first (checklist A10).
 */
function checkSignatureEncoding(algorithm: number, response: AuthenticationResponseJSON): void {
  if (algorithm === -7 && !isStrictDerEcdsaSignature(fromBase64Url(response.response.signature))) {
    throw new AuthError('verification_failed', 'The passkey response could not be verified.', {
      detail: 'signature is not strict DER',
    });
  }
}

/**
 * §7.1 step 20 and checklist I07: the credential public key must be a well-formed key of the
 * algorithm it claims — P-256 for ES256, Ed25519 for EdDSA, RSA of at least 2048 bits with a sane
 * exponent for RS256 — and importable (an EC point off the curve is refused here, not at the first
 * sign-in). Returns its COSE algorithm.
 */
export function checkCredentialPublicKey(coseKey: Uint8Array): number {
  const invalid = (): never => {
    throw new AuthError(
      'unsupported_algorithm',
      "The passkey's public key is not a valid key of a supported algorithm.",
    );
  };
  let key: ReturnType<typeof decodeCredentialPublicKey>;
  try {
    key = decodeCredentialPublicKey(new Uint8Array(coseKey));
  } catch {
    return invalid();
  }
  const get = (label: number): unknown => (key as unknown as Map<number, unknown>).get(label);
  const kty = get(cose.COSEKEYS.kty);
  const alg = Number(get(cose.COSEKEYS.alg));
  const b64 = (value: unknown): string =>
    value instanceof Uint8Array ? Buffer.from(value).toString('base64url') : invalid();
  let jwk: Record<string, string>;
  if (kty === 2 && alg === -7 && get(-1) === 1) {
    jwk = { kty: 'EC', crv: 'P-256', x: b64(get(-2)), y: b64(get(-3)) };
  } else if (kty === 1 && alg === -8 && get(-1) === 6) {
    jwk = { kty: 'OKP', crv: 'Ed25519', x: b64(get(-2)) };
  } else if (kty === 3 && alg === -257) {
    const n = get(-1);
    const e = get(-2);
    if (!(n instanceof Uint8Array) || !(e instanceof Uint8Array)) return invalid();
    const modulusBits = significantBits(n);
    const exponent = e.reduce((acc, byte) => acc * 256 + byte, 0);
    if (modulusBits < 2048 || exponent < 3 || exponent % 2 === 0) return invalid();
    jwk = { kty: 'RSA', n: b64(n), e: b64(e) };
  } else {
    return invalid();
  }
  try {
    createPublicKey({ key: jwk, format: 'jwk' });
  } catch {
    return invalid();
  }
  return alg;
}

/** Bits of a big-endian unsigned integer, leading zeros (any number of bytes) not counted. */
function significantBits(bytes: Uint8Array): number {
  let first = 0;
  while (first < bytes.length && bytes[first] === 0) first++;
  if (first === bytes.length) return 0;
  return (bytes.length - first - 1) * 8 + (32 - Math.clz32(bytes[first] as number));
}

/**
 * §7.1 step 13: the attestation object is one CBOR map and nothing after it. The library decodes
 * the first item and ignores leftover bytes, so they are refused here (checklist RV9).
 */
function checkAttestationObject(attestationObject: string): void {
  const bytes = fromBase64Url(attestationObject);
  let consumed = -1;
  try {
    if (bytes !== null) consumed = decodePartialCBOR(new Uint8Array(bytes), 0)[1];
  } catch {
    consumed = -1;
  }
  if (bytes === null || consumed !== bytes.length) {
    throw new AuthError('verification_failed', 'The passkey response could not be verified.', {
      detail: 'attestationObject is not exactly one CBOR item',
    });
  }
}

/** DER `SEQUENCE { INTEGER r, INTEGER s }` for P-256: short-form lengths, minimal positive integers, nothing after. */
export function isStrictDerEcdsaSignature(sig: Uint8Array | null): boolean {
  if (
    sig === null ||
    sig.length < 8 ||
    sig.length > 72 ||
    sig[0] !== 0x30 ||
    sig[1] !== sig.length - 2
  )
    return false;
  let offset = 2;
  for (let i = 0; i < 2; i++) {
    if (sig[offset] !== 0x02) return false;
    const length = sig[offset + 1] as number;
    const start = offset + 2;
    if (length < 1 || length > 33 || start + length > sig.length) return false;
    const first = sig[start] as number;
    if (first & 0x80) return false; // negative
    if (first === 0 && (length === 1 || ((sig[start + 1] as number) & 0x80) === 0)) return false; // not minimal
    offset = start + length;
  }
  return offset === sig.length;
}

const MESSAGE_CODES: [RegExp, ErrorCode, string][] = [
  [
    /top origin|cross-origin/i,
    'cross_origin_not_allowed',
    'Cross-origin ceremonies are not allowed here.',
  ],
  [
    /origin/i,
    'origin_mismatch',
    'The passkey response came from a page this server does not serve.',
  ],
  [/RP ID/i, 'rp_id_mismatch', 'The passkey belongs to a different site.'],
  [
    /presence|not present/i,
    'user_presence_required',
    'The authenticator did not confirm user presence.',
  ],
  [
    /verification/i,
    'user_verification_required',
    'The authenticator did not verify the user (PIN or biometric).',
  ],
  [
    /public key alg|key algorithm/i,
    'unsupported_algorithm',
    'The passkey uses an algorithm this server does not accept.',
  ],
  [
    /counter value/i,
    'counter_regression',
    'The passkey counter went backwards; the authenticator may have been cloned.',
  ],
  [/response type/i, 'ceremony_mismatch', 'The response is for a different kind of ceremony.'],
];

async function callLibrary<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw libraryError(err);
  }
}

/** Maps an error thrown by the library to our code; its message is kept for logs only. */
export function libraryError(err: unknown): AuthError {
  if (err instanceof AuthError) return err;
  const message = err instanceof Error ? err.message : String(err);
  for (const [pattern, code, publicMessage] of MESSAGE_CODES) {
    if (pattern.test(message))
      return new AuthError(code, publicMessage, { detail: message, cause: err });
  }
  return new AuthError('verification_failed', 'The passkey response could not be verified.', {
    detail: message,
    cause: err,
  });
}

import {
  constants,
  createHash,
  createPublicKey,
  type JsonWebKey,
  type KeyObject,
  verify,
} from 'node:crypto';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import {
  cose,
  decodeCredentialPublicKey,
  isoBase64URL,
  parseAuthenticatorData,
} from '@simplewebauthn/server/helpers';
import { AuthError, type ErrorCode } from '../core/errors.js';
import type { CredentialDeviceType } from '../storage/records.js';
import { DecodedKeyCache } from './key-cache.js';

/**
 * The assertion check of `verifyAuthenticationResponse` (@simplewebauthn/server 14), step for step
 * and with the library's own parsers, but with the signature verified synchronously by
 * node:crypto against a cached `KeyObject`. The library re-imports the public key through
 * WebCrypto and waits on the thread pool on every call, which costs about 6× the verification
 * itself. The library stays the reference: `test/security/differential.test.ts` feeds
 * thousands of valid, forged and corrupted responses to both and requires the same decision.
 */

export interface FastAssertionInput {
  response: AuthenticationResponseJSON;
  expectedChallenge: string;
  origins: string[];
  topOrigins: string[];
  rpId: string;
  requireUserVerification: boolean;
  credential: { publicKey: Uint8Array; signCount: number };
}

export interface FastAssertionResult {
  signCount: number;
  deviceType: CredentialDeviceType;
  backedUp: boolean;
  userVerified: boolean;
}

/**
 * A decoded key costs about as much to make as one verification and holds about 2.9 KB of native
 * memory: 2,048 of them (about 6 MB) keep returning users' sign-ins cheap. How keys get in, and
 * why it matters for memory at a million users, is in key-cache.ts.
 */
const keyCache = new DecodedKeyCache<{ key: KeyObject; alg: number }>({
  limit: 2048,
  seenLimit: 8192,
  admissionsPerSecond: 64,
});
/**
 * Decodes like the library (through a TextDecoder, which drops a leading BOM), with node's own
 * base64url, which is faster than the library's; the HTTP layer has already checked the alphabet.
 */
const utf8 = new TextDecoder();

interface ClientData {
  type: string;
  challenge: string;
  origin: string;
  crossOrigin?: boolean;
  topOrigin?: string;
  tokenBinding?: unknown;
}
const rpIdHashes = new Map<string, Buffer>();

const refuse = (code: ErrorCode, detail: string): never => {
  const messages: Partial<Record<ErrorCode, string>> = {
    ceremony_mismatch: 'The response is for a different kind of ceremony.',
    origin_mismatch: 'The passkey response came from a page this server does not serve.',
    cross_origin_not_allowed: 'Cross-origin ceremonies are not allowed here.',
    rp_id_mismatch: 'The passkey belongs to a different site.',
    user_presence_required: 'The authenticator did not confirm user presence.',
    user_verification_required: 'The authenticator did not verify the user (PIN or biometric).',
    counter_regression:
      'The passkey counter went backwards; the authenticator may have been cloned.',
  };
  throw new AuthError(code, messages[code] ?? 'The passkey response could not be verified.', {
    detail,
  });
};

/**
 * The encoding every authenticator we know of gives an ES256 key (CTAP2 canonical CBOR):
 * {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x (32 bytes), -3: y (32 bytes)}. Read at its
 * fixed offsets it skips the CBOR decoder, which was 4–6 µs of the ~65 µs a cache miss costs;
 * any other bytes (another order, length, curve or algorithm) go through the library's decoder.
 */
const ES256_HEAD = Buffer.from('a5010203262001215820', 'hex');
const ES256_Y_HEAD = Buffer.from('225820', 'hex');
const ES256_LENGTH = ES256_HEAD.length + 32 + ES256_Y_HEAD.length + 32;

/** The coordinates of a key in that encoding, or null for any other bytes. */
function canonicalEs256(coseKey: Uint8Array): { x: Buffer; y: Buffer } | null {
  const bytes = Buffer.from(coseKey.buffer, coseKey.byteOffset, coseKey.byteLength);
  const yAt = ES256_HEAD.length + 32;
  if (
    bytes.length !== ES256_LENGTH ||
    !bytes.subarray(0, ES256_HEAD.length).equals(ES256_HEAD) ||
    !bytes.subarray(yAt, yAt + ES256_Y_HEAD.length).equals(ES256_Y_HEAD)
  ) {
    return null;
  }
  return {
    x: bytes.subarray(ES256_HEAD.length, yAt),
    y: bytes.subarray(yAt + ES256_Y_HEAD.length),
  };
}

/** The JWK and COSE algorithm of a stored credential public key (COSE_Key bytes). */
export function jwkOfCoseKey(coseKey: Uint8Array): { jwk: JsonWebKey; alg: number } {
  const point = canonicalEs256(coseKey);
  if (point !== null) {
    const [x, y] = [point.x.toString('base64url'), point.y.toString('base64url')];
    return { jwk: { kty: 'EC', crv: 'P-256', x, y }, alg: -7 };
  }
  const map = decodeCredentialPublicKey(new Uint8Array(coseKey)) as unknown as Map<number, unknown>;
  const alg = map.get(cose.COSEKEYS.alg);
  if (typeof alg !== 'number')
    refuse('verification_failed', 'Credential public key was missing numeric alg');
  const b64 = (label: number): string =>
    Buffer.from(map.get(label) as Uint8Array).toString('base64url');
  const kty = map.get(cose.COSEKEYS.kty);
  const crv = map.get(cose.COSEKEYS.crv);
  if ((kty === 2 && crv !== 1) || (kty === 1 && crv !== 6))
    refuse('verification_failed', `Unsupported curve ${String(crv)} for key type ${String(kty)}`);
  const jwk: JsonWebKey =
    kty === 2
      ? { kty: 'EC', crv: 'P-256', x: b64(-2), y: b64(-3) }
      : kty === 1
        ? { kty: 'OKP', crv: 'Ed25519', x: b64(-2) }
        : { kty: 'RSA', n: b64(-1), e: b64(-2) };
  return { jwk, alg: alg as number };
}

/**
 * The DER SubjectPublicKeyInfo of a P-256 key up to its 64 coordinate bytes: SEQUENCE {
 * AlgorithmIdentifier { id-ecPublicKey, prime256v1 }, BIT STRING { 0x04 (uncompressed) … } }.
 */
const P256_SPKI_HEAD = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d03010703420004', 'hex');

/**
 * How a P-256 key is imported on a cache miss, which at a million users is nearly every sign-in.
 * With OpenSSL 3.0 (Node 20) a JWK costs about 70 µs here, most of it a full scalar
 * multiplication to check the point's order, plus about 15 µs more at its first verification;
 * DER costs more still (100–120 µs). With OpenSSL 3.5 (Node 22 and 24) DER costs 13–18 µs and
 * a JWK 20–30 µs. Either way OpenSSL refuses a point that is not on the curve.
 */
export const SPKI_IMPORT = opensslAtLeast(process.versions.openssl ?? '0', 3, 5);
let spkiImport = SPKI_IMPORT;

/** For tests: the import a cache miss uses, so either can be held to the library on any Node. */
export function setSpkiImport(spki: boolean): void {
  spkiImport = spki;
}

export function opensslAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  return a > major || (a === major && b >= minor);
}

/**
 * A stored COSE key as a node:crypto KeyObject; `spki` picks the import (see SPKI_IMPORT). Only
 * the canonical ES256 encoding, whose coordinates are 32 bytes each by its layout, is imported as
 * DER, straight from its bytes; any other key goes through the library's decoder and a JWK.
 */
export function importCoseKey(
  coseKey: Uint8Array,
  spki = SPKI_IMPORT,
): { key: KeyObject; alg: number } {
  const point = spki ? canonicalEs256(coseKey) : null;
  if (point !== null) {
    const der = Buffer.concat([P256_SPKI_HEAD, point.x, point.y]);
    return { key: createPublicKey({ key: der, format: 'der', type: 'spki' }), alg: -7 };
  }
  const { jwk, alg } = jwkOfCoseKey(coseKey);
  return { key: createPublicKey({ key: jwk, format: 'jwk' }), alg };
}

/** The stored COSE key as a node:crypto KeyObject, decoded once per key. */
function publicKeyOf(coseKey: Uint8Array): { key: KeyObject; alg: number } {
  const cacheKey = Buffer.from(coseKey.buffer, coseKey.byteOffset, coseKey.byteLength).toString(
    'base64url',
  );
  const cached = keyCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const entry = importCoseKey(coseKey, spkiImport);
  keyCache.offer(cacheKey, entry);
  return entry;
}

function verifySignature(alg: number, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    if (alg === -7) return verify('sha256', data, { key, dsaEncoding: 'der' }, signature);
    if (alg === -8) return verify(null, data, key, signature);
    if (alg === -257)
      return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  return false;
}

function rpIdHash(rpId: string): Buffer {
  let hash = rpIdHashes.get(rpId);
  if (hash === undefined) {
    hash = createHash('sha256').update(rpId).digest();
    rpIdHashes.set(rpId, hash);
  }
  return hash;
}

export function verifyAssertionFast(input: FastAssertionInput): FastAssertionResult {
  const { response, credential } = input;
  const { id, rawId, type: credentialType, response: assertion } = response;
  if (!id) refuse('verification_failed', 'Missing credential ID');
  if (id !== rawId) refuse('verification_failed', 'Credential ID was not base64url-encoded');
  if (credentialType !== 'public-key') refuse('verification_failed', 'Unexpected credential type');
  if (typeof assertion?.clientDataJSON !== 'string')
    refuse('verification_failed', 'clientDataJSON was not a string');

  // §7.2 steps 9–14: client data.
  const clientDataBytes = Buffer.from(assertion.clientDataJSON, 'base64url');
  const clientData = JSON.parse(utf8.decode(clientDataBytes)) as ClientData;
  const { type, origin, challenge, tokenBinding, crossOrigin, topOrigin } = clientData;
  if (type !== 'webauthn.get')
    refuse('ceremony_mismatch', `Unexpected authentication response type "${type}"`);
  if (challenge !== input.expectedChallenge)
    refuse('verification_failed', 'Unexpected authentication response challenge');
  if (crossOrigin) {
    if (topOrigin && (input.topOrigins.length === 0 || !input.topOrigins.includes(topOrigin))) {
      refuse('cross_origin_not_allowed', `Unexpected top origin "${topOrigin}"`);
    }
  } else if (topOrigin) {
    refuse(
      'cross_origin_not_allowed',
      `Unexpected top origin "${topOrigin}" in a same-origin response`,
    );
  }
  if (!input.origins.includes(origin))
    refuse('origin_mismatch', `Unexpected authentication response origin "${origin}"`);
  if (!isoBase64URL.isBase64URL(assertion.authenticatorData))
    refuse('verification_failed', 'authenticatorData was not base64url');
  if (!isoBase64URL.isBase64URL(assertion.signature))
    refuse('verification_failed', 'signature was not base64url');
  if (assertion.userHandle && typeof assertion.userHandle !== 'string')
    refuse('verification_failed', 'userHandle was not a string');
  if (tokenBinding) {
    if (typeof tokenBinding !== 'object')
      refuse('verification_failed', 'tokenBinding was not an object');
    if (
      !['present', 'supported', 'notSupported'].includes(
        (tokenBinding as { status?: string }).status ?? '',
      )
    )
      refuse('verification_failed', 'Unexpected tokenBinding status');
  }

  // §7.2 steps 15–17: authenticator data.
  const authData = new Uint8Array(Buffer.from(assertion.authenticatorData, 'base64url'));
  const parsed = parseAuthenticatorData(authData);
  const { flags, counter } = parsed;
  if (!Buffer.from(parsed.rpIdHash).equals(rpIdHash(input.rpId)))
    refuse('rp_id_mismatch', 'Unexpected RP ID hash');
  if (!flags.up) refuse('user_presence_required', 'User not present during authentication');
  if (input.requireUserVerification && !flags.uv)
    refuse(
      'user_verification_required',
      'User verification required, but user could not be verified',
    );

  const { key, alg } = publicKeyOf(credential.publicKey);
  // §7.2 steps 18–19: BE=0 with BS=1 is impossible.
  if (!flags.be && flags.bs)
    refuse('verification_failed', 'Single-device credential indicated that it was backed up');

  // §7.2 steps 20–21: the signature over authData ‖ SHA-256(clientDataJSON).
  const clientDataHash = createHash('sha256').update(clientDataBytes).digest();
  const signed = Buffer.concat([authData, clientDataHash]);
  if (!verifySignature(alg, key, signed, Buffer.from(assertion.signature, 'base64url'))) {
    refuse('verification_failed', 'Signature verification failed');
  }
  // §7.2 step 22, after the signature (the library checks it before): an unsigned counter is
  // anyone's to write, and answering it with `counter_regression` would let whoever knows a
  // credential ID read the stored count and raise clone alarms against its owner.
  if ((counter > 0 || credential.signCount > 0) && counter <= credential.signCount) {
    refuse(
      'counter_regression',
      `Response counter value ${counter} was lower than expected ${credential.signCount}`,
    );
  }
  return {
    signCount: counter,
    deviceType: flags.be ? 'multiDevice' : 'singleDevice',
    backedUp: flags.bs,
    userVerified: flags.uv,
  };
}

import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { cose, decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';
import { fromBase64Url, toBase64Url } from '../core/encoding.js';
import { AuthError, type ErrorCode } from '../core/errors.js';
import type { CredentialDeviceType } from '../storage/records.js';

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

export async function requestOptions(
  rp: RelyingParty,
  input: { challenge: Uint8Array; allow: { id: Uint8Array; transports: string[] }[] },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.rpId,
    challenge: new Uint8Array(input.challenge),
    timeout: rp.timeoutMs,
    userVerification: rp.requireUserVerification ? 'required' : 'preferred',
    allowCredentials: input.allow.map((c) => ({
      id: toBase64Url(c.id),
      transports: c.transports as AuthenticatorTransport[],
    })),
  });
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
  const algorithm = coseAlgorithm(info.credential.publicKey);
  return {
    credentialId: fromBase64Url(info.credential.id) ?? new Uint8Array(),
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

export async function verifyAuthentication(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  expectedChallenge: string,
  credential: { id: Uint8Array; publicKey: Uint8Array; signCount: number; transports: string[] },
): Promise<VerifiedAuthentication> {
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

/** The COSE `alg` of a public key the library has already decoded and checked. */
function coseAlgorithm(coseKey: Uint8Array): number {
  return Number(decodeCredentialPublicKey(new Uint8Array(coseKey)).get(cose.COSEKEYS.alg) ?? 0);
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

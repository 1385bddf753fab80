import { randomBytes } from 'node:crypto';
import { type AuthenticatorTransport, generateAuthenticationOptions } from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from '../core/encoding.js';
import {
  isStrictDerEcdsaSignature,
  libraryError,
  type RelyingParty,
  requestOptions,
} from './webauthn-lib.js';

describe('libraryError maps @simplewebauthn/server messages to stable codes and hides them', () => {
  it.each([
    [
      'Unexpected registration response origin "https://evil", expected "http://localhost"',
      'origin_mismatch',
    ],
    [
      'Unexpected cross-origin authentication response top origin of "x", expected one of: y',
      'cross_origin_not_allowed',
    ],
    ['Unexpected RP ID hash', 'rp_id_mismatch'],
    ['User presence was required, but user was not present', 'user_presence_required'],
    ['User not present during authentication', 'user_presence_required'],
    ['User verification required, but user could not be verified', 'user_verification_required'],
    ['Unexpected public key alg "-35", expected one of "-7, -8, -257"', 'unsupported_algorithm'],
    ['Response counter value 4 was lower than expected 9', 'counter_regression'],
    [
      'Unexpected authentication response type "webauthn.create", expected "webauthn.get"',
      'ceremony_mismatch',
    ],
    ['Leftover bytes detected while parsing authenticator data', 'verification_failed'],
  ])('%s → %s', (message, code) => {
    const err = libraryError(new Error(message));
    expect(err.code).toBe(code);
    expect(err.detail).toBe(message);
    expect(err.message).not.toContain('expected');
    expect(err.message).not.toContain('evil');
  });
});

describe('isStrictDerEcdsaSignature', () => {
  const der = (r: number[], s: number[]) =>
    new Uint8Array([0x30, r.length + s.length + 4, 0x02, r.length, ...r, 0x02, s.length, ...s]);
  it('accepts canonical DER and refuses every other encoding', () => {
    const r = [0x01, ...Array(31).fill(0x22)];
    const sHigh = [0x00, 0x80, ...Array(31).fill(0x33)];
    expect(isStrictDerEcdsaSignature(der(r, sHigh))).toBe(true);
    expect(isStrictDerEcdsaSignature(der([0x05], [0x7f]))).toBe(true);
    expect(isStrictDerEcdsaSignature(new Uint8Array([...der(r, sHigh), 0x00]))).toBe(false); // trailing byte
    expect(isStrictDerEcdsaSignature(der([0x00, 0x05], [0x7f]))).toBe(false); // non-minimal integer
    expect(isStrictDerEcdsaSignature(der([0x85], [0x7f]))).toBe(false); // negative integer
    expect(isStrictDerEcdsaSignature(der([], [0x7f]))).toBe(false); // empty integer
    const longForm = new Uint8Array([0x30, 0x81, 6, 0x02, 1, 5, 0x02, 1, 7]);
    expect(isStrictDerEcdsaSignature(longForm)).toBe(false); // BER long-form length
    expect(isStrictDerEcdsaSignature(new Uint8Array(64).fill(1))).toBe(false); // raw r||s
    expect(isStrictDerEcdsaSignature(null)).toBe(false);
  });
});

describe('requestOptions', () => {
  const rp: RelyingParty = {
    rpId: 'example.com',
    rpName: 'Example',
    origins: ['https://example.com'],
    topOrigins: [],
    requireUserVerification: false,
    timeoutMs: 120_000,
  };
  const challenge = (bytes: number) => toBase64Url(randomBytes(bytes));

  it.each([
    ['no credentials, UV preferred', rp, []],
    [
      'two credentials, UV required',
      { ...rp, requireUserVerification: true },
      [
        { id: randomBytes(16), transports: ['internal', 'hybrid'] },
        { id: randomBytes(255), transports: [] },
      ],
    ],
  ])(
    'serialises exactly as generateAuthenticationOptions does: %s',
    async (_, relyingParty, allow) => {
      for (const size of [31, 32, 101, 103, 104, 300]) {
        const encoded = challenge(size);
        const ours = requestOptions(relyingParty, { challenge: encoded, allow });
        const library = await generateAuthenticationOptions({
          rpID: relyingParty.rpId,
          challenge: new Uint8Array(fromBase64Url(encoded) as Uint8Array),
          timeout: relyingParty.timeoutMs,
          userVerification: relyingParty.requireUserVerification ? 'required' : 'preferred',
          allowCredentials: allow.map((c) => ({
            id: toBase64Url(c.id),
            transports: c.transports as AuthenticatorTransport[],
          })),
        });
        expect(JSON.stringify(ours)).toBe(JSON.stringify(library));
      }
    },
  );
});

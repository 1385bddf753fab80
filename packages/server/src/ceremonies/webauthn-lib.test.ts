import { describe, expect, it } from 'vitest';
import { libraryError } from './webauthn-lib.js';

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

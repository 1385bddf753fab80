import { createPublicKey } from 'node:crypto';
import { decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import { freshKeyPair } from '../../../../test/helpers/keys.js';
import { jwkOfCoseKey } from './fast-assertion.js';

/** A COSE_Key for a P-256 key, with its five entries in the given label order. */
function coseKey(labels: number[]): { bytes: Uint8Array; jwk: { x: string; y: string } } {
  const jwk = freshKeyPair('P-256').publicKey.export({ format: 'jwk' }) as { x: string; y: string };
  const entry: Record<number, number[]> = {
    1: [0x01, 0x02],
    3: [0x03, 0x26],
    [-1]: [0x20, 0x01],
    [-2]: [0x21, 0x58, 0x20, ...Buffer.from(jwk.x, 'base64url')],
    [-3]: [0x22, 0x58, 0x20, ...Buffer.from(jwk.y, 'base64url')],
  };
  const bytes = new Uint8Array([0xa5, ...labels.flatMap((label) => entry[label] ?? [])]);
  return { bytes, jwk };
}

describe('jwkOfCoseKey', () => {
  it('reads the canonical ES256 encoding and agrees with the library decoder', () => {
    const { bytes, jwk } = coseKey([1, 3, -1, -2, -3]);
    expect(
      (decodeCredentialPublicKey(new Uint8Array(bytes)) as unknown as Map<number, unknown>).get(-2),
    ).toEqual(new Uint8Array(Buffer.from(jwk.x, 'base64url')));
    const read = jwkOfCoseKey(bytes);
    expect(read).toEqual({ jwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, alg: -7 });
    expect(createPublicKey({ key: read.jwk, format: 'jwk' }).asymmetricKeyType).toBe('ec');
  });

  it('gives the same key for another order of the same map, through the library', () => {
    const canonical = coseKey([1, 3, -1, -2, -3]);
    const { bytes, jwk } = coseKey([3, 1, -1, -3, -2]);
    expect(bytes.length).toBe(canonical.bytes.length);
    expect(jwkOfCoseKey(bytes)).toEqual({
      jwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y },
      alg: -7,
    });
  });

  it('reads a key that sits inside a larger buffer (as rows from the database do)', () => {
    const { bytes, jwk } = coseKey([1, 3, -1, -2, -3]);
    const padded = new Uint8Array(bytes.length + 16);
    padded.set(bytes, 8);
    expect(jwkOfCoseKey(padded.subarray(8, 8 + bytes.length)).jwk).toMatchObject(jwk);
  });

  it('refuses a key without a numeric algorithm', () => {
    // {1: 2, -1: 1}: no alg.
    expect(() => jwkOfCoseKey(new Uint8Array([0xa2, 0x01, 0x02, 0x20, 0x01]))).toThrow(
      /could not be verified/,
    );
  });
});

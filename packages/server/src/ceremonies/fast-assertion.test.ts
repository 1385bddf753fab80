import { createPublicKey, type JsonWebKey, sign, verify } from 'node:crypto';
import { decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import { freshKeyPair } from '../../../../test/helpers/keys.js';
import { importCoseKey, jwkOfCoseKey, opensslAtLeast } from './fast-assertion.js';

/** A COSE_Key for a P-256 key, with its five entries in the given label order. */
function coseKey(
  labels: number[],
  keyPair = freshKeyPair('P-256'),
): { bytes: Uint8Array; jwk: { x: string; y: string } } {
  const jwk = keyPair.publicKey.export({ format: 'jwk' }) as { x: string; y: string };
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

/** What the library's decoder reads from the bytes, as the JWK the fast path must match. */
function libraryReading(bytes: Uint8Array): { jwk: JsonWebKey; alg: number } {
  const map = decodeCredentialPublicKey(new Uint8Array(bytes)) as unknown as Map<number, unknown>;
  const b64 = (label: number) => Buffer.from(map.get(label) as Uint8Array).toString('base64url');
  expect([map.get(1), map.get(-1)]).toEqual([2, 1]);
  return {
    jwk: { kty: 'EC', crv: 'P-256', x: b64(-2), y: b64(-3) },
    alg: map.get(3) as number,
  };
}

describe('jwkOfCoseKey', () => {
  it('reads the canonical ES256 encoding exactly as the library decoder does', () => {
    const { bytes, jwk } = coseKey([1, 3, -1, -2, -3]);
    const read = jwkOfCoseKey(bytes);
    expect(read).toEqual({ jwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, alg: -7 });
    expect(read).toEqual(libraryReading(bytes));
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

  it('reads lookalikes of the canonical bytes as the library does, never as ES256 by offset', () => {
    const { bytes } = coseKey([1, 3, -1, -2, -3]);
    const patched = (at: number, value: number): Uint8Array => {
      const copy = new Uint8Array(bytes);
      copy[at] = value;
      return copy;
    };
    // alg -8 (0x27) in place of -7: same length and layout, another algorithm.
    const otherAlg = patched(4, 0x27);
    expect(jwkOfCoseKey(otherAlg)).toEqual(libraryReading(otherAlg));
    expect(jwkOfCoseKey(otherAlg).alg).toBe(-8);
    // A trailing byte: the library ignores it, and so does the fallback.
    const trailing = new Uint8Array([...bytes, 0x00]);
    expect(jwkOfCoseKey(trailing)).toEqual(libraryReading(trailing));
    // P-384 (crv 2) with P-256-sized coordinates: refused, not read as P-256.
    expect(() => jwkOfCoseKey(patched(6, 0x02))).toThrow(/could not be verified/);
    // kty OKP (1) with an EC layout: refused (no Ed25519 curve).
    expect(() => jwkOfCoseKey(patched(2, 0x01))).toThrow(/could not be verified/);
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

describe('importCoseKey', () => {
  const message = Buffer.from('authenticator data and client data hash');

  it('imports the same key through DER and through a JWK', () => {
    for (let i = 0; i < 20; i++) {
      const pair = freshKeyPair('P-256');
      const signature = sign('sha256', message, pair.privateKey);
      for (const labels of [
        [1, 3, -1, -2, -3],
        [3, 1, -1, -3, -2],
      ]) {
        const { bytes } = coseKey(labels, pair);
        const viaDer = importCoseKey(bytes, true);
        const viaJwk = importCoseKey(bytes, false);
        expect(viaDer.alg).toBe(-7);
        expect(viaJwk.alg).toBe(-7);
        expect(viaDer.key.export({ format: 'jwk' })).toEqual(viaJwk.key.export({ format: 'jwk' }));
        expect(verify('sha256', message, viaDer.key, signature)).toBe(true);
        expect(verify('sha256', message, viaJwk.key, signature)).toBe(true);
      }
    }
  });

  it('refuses a point off the curve either way', () => {
    const { bytes } = coseKey([1, 3, -1, -2, -3]);
    const offCurve = new Uint8Array(bytes);
    const last = offCurve.length - 1;
    offCurve[last] = (offCurve[last] ?? 0) ^ 0x01;
    expect(() => importCoseKey(offCurve, true)).toThrow();
    expect(() => importCoseKey(offCurve, false)).toThrow();
  });
});

describe('opensslAtLeast', () => {
  it('compares major and minor numerically', () => {
    expect(opensslAtLeast('3.0.19', 3, 5)).toBe(false);
    expect(opensslAtLeast('3.5.9', 3, 5)).toBe(true);
    expect(opensslAtLeast('3.10.1', 3, 5)).toBe(true);
    expect(opensslAtLeast('4.0.0', 3, 5)).toBe(true);
    expect(opensslAtLeast('3.5.0+quic', 3, 5)).toBe(true);
    expect(opensslAtLeast('', 3, 5)).toBe(false);
  });
});

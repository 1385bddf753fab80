import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

/**
 * A new key pair whose `KeyObject`s share nothing with the job that generated it. On Node 20 a
 * `KeyObject` straight from `generateKeyPairSync` shares a lock with the finished key-generation
 * job: exporting it (as JWK, DER, or through jose) allocates while holding that lock, and if the
 * allocation runs a GC that collects the job, the job's destructor waits on the same lock and the
 * process hangs at 0% CPU. The key is generated already encoded (inside the job) and imported
 * afresh instead.
 */
export function freshKeyPair(kind: 'P-256' | 'Ed25519' | 'RSA-2048' | 'RSA-1024'): {
  privateKey: KeyObject;
  publicKey: KeyObject;
} {
  const jwk = { publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'jwk' } };
  const pair =
    kind === 'P-256'
      ? generateJwkPair('ec', { namedCurve: 'P-256', ...jwk })
      : kind === 'Ed25519'
        ? generateJwkPair('ed25519', jwk)
        : generateJwkPair('rsa', {
            modulusLength: kind === 'RSA-2048' ? 2048 : 1024,
            publicExponent: 0x10001,
            ...jwk,
          });
  return {
    privateKey: createPrivateKey({ key: pair.privateKey, format: 'jwk' }),
    publicKey: createPublicKey({ key: pair.publicKey, format: 'jwk' }),
  };
}

/** Node supports JWK encodings here; @types/node has no overload for them. */
const generateJwkPair = generateKeyPairSync as unknown as (
  type: 'ec' | 'ed25519' | 'rsa',
  options: object,
) => { privateKey: JsonWebKey; publicKey: JsonWebKey };

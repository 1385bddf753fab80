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
type KeyKind = 'P-256' | 'Ed25519' | 'RSA-2048' | 'RSA-1024';

export function freshKeyPair(kind: KeyKind): { privateKey: KeyObject; publicKey: KeyObject } {
  const pair = generateJwk(kind);
  return {
    privateKey: createPrivateKey({ key: pair.privateKey, format: 'jwk' }),
    publicKey: createPublicKey({ key: pair.publicKey, format: 'jwk' }),
  };
}

/** Only the private half, as `freshKeyPair` makes it: half the imports, for key pools. */
export function freshPrivateKey(kind: KeyKind): KeyObject {
  return createPrivateKey({ key: generateJwk(kind).privateKey, format: 'jwk' });
}

function generateJwk(kind: KeyKind): { privateKey: JsonWebKey; publicKey: JsonWebKey } {
  const jwk = { publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'jwk' } };
  if (kind === 'P-256') return generateJwkPair('ec', { namedCurve: 'P-256', ...jwk });
  if (kind === 'Ed25519') return generateJwkPair('ed25519', jwk);
  const modulusLength = kind === 'RSA-2048' ? 2048 : 1024;
  return generateJwkPair('rsa', { modulusLength, publicExponent: 0x10001, ...jwk });
}

/** Node supports JWK encodings here; @types/node has no overload for them. */
const generateJwkPair = generateKeyPairSync as unknown as (
  type: 'ec' | 'ed25519' | 'rsa',
  options: object,
) => { privateKey: JsonWebKey; publicKey: JsonWebKey };

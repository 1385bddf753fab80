/**
 * A lean ES256 software authenticator for load generation.
 *
 * test/helpers/soft-authenticator.ts is the complete one (every tweak a security test needs); this
 * one does only the honest path, with everything that does not depend on the challenge computed
 * once, so the load generator spends its core on HTTP and one ECDSA signature per sign-in.
 *
 * Responses are what Chrome posts: Chrome-shaped clientDataJSON, real authenticator data, DER
 * signatures, attestation 'none'. Sign counts stay 0 (like synced passkeys), so concurrent
 * ceremonies of one user never look like a cloned authenticator.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { freshPrivateKey } from '../test/helpers/keys.js';

export const ES256 = -7;

/** Authenticator data flags (WebAuthn §6.1). */
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

export interface PoolKey {
  privateKey: KeyObject;
  /** COSE_Key (EC2, P-256, alg -7) exactly as written in attested credential data. */
  cose: Buffer;
  /** SubjectPublicKeyInfo DER as base64url, the `publicKey` member browsers add. */
  spkiBase64url: string;
}

/** One passkey the authenticator can use: a pool key under a distinct credential ID and user. */
export interface Passkey {
  key: PoolKey;
  credentialId: Buffer;
  userHandle: Buffer;
}

export interface AuthenticationResponse {
  id: string;
  rawId: string;
  type: 'public-key';
  authenticatorAttachment: 'platform';
  clientExtensionResults: Record<string, never>;
  response: {
    clientDataJSON: string;
    authenticatorData: string;
    signature: string;
    userHandle: string;
  };
}

export interface RegistrationResponse {
  id: string;
  rawId: string;
  type: 'public-key';
  authenticatorAttachment: 'platform';
  clientExtensionResults: Record<string, never>;
  response: {
    clientDataJSON: string;
    attestationObject: string;
    authenticatorData: string;
    transports: string[];
    publicKeyAlgorithm: number;
    publicKey: string;
  };
}

/** Generates `size` ES256 key pairs (about 0.2 ms each). */
export function generateKeyPool(size: number): PoolKey[] {
  // freshPrivateKey: a key straight from generateKeyPairSync can deadlock Node 20 when exported.
  return Array.from({ length: size }, () => poolKey(freshPrivateKey('P-256')));
}

/** PKCS#8 DER (base64) of each key, to hand a seeded pool to another process. */
export function exportKeyPool(pool: PoolKey[]): string[] {
  return pool.map((k) => k.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'));
}

export function importKeyPool(encoded: string[]): PoolKey[] {
  return encoded.map((der) =>
    poolKey(createPrivateKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'pkcs8' })),
  );
}

function poolKey(privateKey: KeyObject): PoolKey {
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    privateKey,
    cose: coseP256(Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')),
    spkiBase64url: publicKey.export({ format: 'der', type: 'spki' }).toString('base64url'),
  };
}

/**
 * COSE_Key for an EC2 P-256 key (RFC 9053 §7.1.1) in CTAP2 canonical order:
 * {1: 2 (kty EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}.
 */
export function coseP256(x: Buffer, y: Buffer): Buffer {
  if (x.length !== 32 || y.length !== 32) throw new Error('P-256 coordinates are 32 bytes');
  return Buffer.concat([
    Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]),
    x,
    Buffer.from([0x22, 0x58, 0x20]),
    y,
  ]);
}

export function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
}

export class BenchAuthenticator {
  readonly origin: string;
  readonly rpIdHash: Buffer;
  /** rpIdHash ‖ flags (UP|UV) ‖ signCount 0: the whole authenticator data of an assertion. */
  readonly #assertionAuthData: Buffer;
  readonly #assertionAuthDataB64: string;

  constructor(opts: { origin: string; rpId: string }) {
    this.origin = opts.origin;
    this.rpIdHash = sha256(opts.rpId);
    this.#assertionAuthData = Buffer.concat([this.rpIdHash, Buffer.from([UP | UV, 0, 0, 0, 0])]);
    this.#assertionAuthDataB64 = this.#assertionAuthData.toString('base64url');
  }

  /** navigator.credentials.get(): sign authData ‖ SHA-256(clientDataJSON) with the passkey. */
  authenticate(challenge: string, passkey: Passkey): AuthenticationResponse {
    const clientDataJSON = this.#clientData('webauthn.get', challenge);
    const signature = sign(
      'sha256',
      Buffer.concat([this.#assertionAuthData, sha256(clientDataJSON)]),
      passkey.key.privateKey,
    );
    const id = passkey.credentialId.toString('base64url');
    return {
      id,
      rawId: id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: this.#assertionAuthDataB64,
        signature: signature.toString('base64url'),
        userHandle: passkey.userHandle.toString('base64url'),
      },
    };
  }

  /** navigator.credentials.create() with attestation 'none' (§8.7) for a new credential ID. */
  register(challenge: string, key: PoolKey, credentialId: Buffer): RegistrationResponse {
    const clientDataJSON = this.#clientData('webauthn.create', challenge);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    // authData: rpIdHash ‖ flags ‖ signCount ‖ AAGUID (zeros) ‖ L ‖ credentialId ‖ COSE key.
    const authData = Buffer.concat([
      this.rpIdHash,
      Buffer.from([UP | UV | AT, 0, 0, 0, 0]),
      Buffer.alloc(16),
      idLength,
      credentialId,
      key.cose,
    ]);
    const id = credentialId.toString('base64url');
    return {
      id,
      rawId: id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: noneAttestation(authData).toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        transports: ['internal', 'hybrid'],
        publicKeyAlgorithm: ES256,
        publicKey: key.spkiBase64url,
      },
    };
  }

  /** CollectedClientData as Chrome serialises it (§5.8.1.1). */
  #clientData(type: string, challenge: string): Buffer {
    return Buffer.from(
      `{"type":"${type}","challenge":"${challenge}","origin":"${this.origin}","crossOrigin":false}`,
    );
  }
}

/** CBOR {"fmt": "none", "attStmt": {}, "authData": bytes} in CTAP2 canonical key order. */
function noneAttestation(authData: Buffer): Buffer {
  const head =
    authData.length < 24
      ? Buffer.from([0x40 | authData.length])
      : authData.length < 256
        ? Buffer.from([0x58, authData.length])
        : Buffer.from([0x59, authData.length >> 8, authData.length & 0xff]);
  return Buffer.concat([
    Buffer.from([0xa3, 0x63]),
    Buffer.from('fmt'),
    Buffer.from([0x64]),
    Buffer.from('none'),
    Buffer.from([0x67]),
    Buffer.from('attStmt'),
    Buffer.from([0xa0, 0x68]),
    Buffer.from('authData'),
    head,
    authData,
  ]);
}

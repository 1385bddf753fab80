import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import type { Clock, RandomSource } from '../core/clock.js';
import { toBase64Url } from '../core/encoding.js';
import type { SigningKeyRecord } from '../storage/records.js';
import type { Store } from '../storage/store.js';

/**
 * ES256 signing keys for session JWTs, shared by every node through the database. The newest
 * published key signs; older keys stay in the JWKS until every token they signed has expired.
 * Private keys are encrypted at rest (AES-256-GCM) when a key-encryption key is configured.
 */
export interface KeyRing {
  /** The key to sign with now (created on first use when the database has none). */
  signingKey(): Promise<{ kid: string; key: KeyObject }>;
  /** Public JWKs of every published key. */
  jwks(): Promise<{ keys: Record<string, string>[] }>;
  /**
   * Publishes a new signing key, which signs from `activeAt` (5 minutes later); the others sign
   * until then and stay published until `retireAt`, when every token they signed has expired.
   */
  rotate(): Promise<{ kid: string; activeAt: number; retiring: string[]; retireAt: number }>;
}

/** How long a node trusts its cached view of the keys; rotation reaches every node within it. */
const CACHE_MS = 30_000;
/** Margin for clock skew between nodes and JWT verifiers. */
const SKEW_MS = 60_000;
/**
 * A rotated-in key is published at once but signs only after this long: the JWKS is served with
 * max-age=300, so every verifier that caches it has seen the new kid before a token carries it.
 */
export const ACTIVATION_DELAY_MS = 5 * 60_000;
const ENCRYPTED_PREFIX = Buffer.from('passki-aes-256-gcm-v1:');

export function createKeyRing(opts: {
  store: Store;
  clock: Clock;
  random: RandomSource;
  /** Longest lifetime of a token signed with these keys. */
  tokenTtlMs: number;
  /** 32-byte key-encryption key, or null to store private keys unencrypted. */
  encryptionKey: Uint8Array | null;
}): KeyRing {
  let cache: { at: number; keys: SigningKeyRecord[] } | null = null;
  const decrypted = new Map<string, KeyObject>();

  // An old key signs until its successor activates, and must then stay published for as long as
  // a token it signed can live, counting the time other nodes may take to notice the rotation.
  const retirementDelay = (): number => ACTIVATION_DELAY_MS + opts.tokenTtlMs + CACHE_MS + SKEW_MS;

  const seal = (der: Uint8Array): Uint8Array => {
    if (opts.encryptionKey === null) return der;
    const iv = opts.random(12);
    const cipher = createCipheriv('aes-256-gcm', opts.encryptionKey, iv);
    const body = Buffer.concat([cipher.update(der), cipher.final()]);
    return new Uint8Array(Buffer.concat([ENCRYPTED_PREFIX, iv, cipher.getAuthTag(), body]));
  };

  const open = (stored: Uint8Array): KeyObject => {
    const data = Buffer.from(stored);
    if (data.subarray(0, ENCRYPTED_PREFIX.length).equals(ENCRYPTED_PREFIX)) {
      if (opts.encryptionKey === null) {
        throw new TypeError(
          'Signing keys are encrypted: set PASSKI_KEY_ENCRYPTION_KEY to the key they were encrypted with.',
        );
      }
      const rest = data.subarray(ENCRYPTED_PREFIX.length);
      const decipher = createDecipheriv('aes-256-gcm', opts.encryptionKey, rest.subarray(0, 12));
      decipher.setAuthTag(rest.subarray(12, 28));
      const der = Buffer.concat([decipher.update(rest.subarray(28)), decipher.final()]);
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    }
    return createPrivateKey({ key: data, format: 'der', type: 'pkcs8' });
  };

  const generate = async (activateAt: number): Promise<SigningKeyRecord> => {
    // Encoded inside the generation job, and the public half re-imported: on Node 20, exporting
    // a KeyObject fresh from generateKeyPairSync can deadlock (the export holds the key's lock
    // while allocating; a GC then destroys the finished job, whose destructor waits on that lock).
    const { privateKey, publicKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      publicKeyEncoding: { format: 'der', type: 'spki' },
      privateKeyEncoding: { format: 'der', type: 'pkcs8' },
    });
    const jwk = createPublicKey({ key: publicKey, format: 'der', type: 'spki' }).export({
      format: 'jwk',
    });
    const record: SigningKeyRecord = {
      kid: toBase64Url(opts.random(12)),
      alg: 'ES256',
      publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x as string, y: jwk.y as string },
      privateKey: seal(new Uint8Array(privateKey)),
      createdAt: opts.clock.now(),
      activateAt,
      retireAt: null,
    };
    await opts.store.signingKeys.create(record);
    cache = null;
    return record;
  };

  const published = async (fresh = false): Promise<SigningKeyRecord[]> => {
    const now = opts.clock.now();
    if (!fresh && cache !== null && now - cache.at < CACHE_MS) return cache.keys;
    const keys = await opts.store.signingKeys.listPublished(now);
    cache = { at: now, keys };
    return keys;
  };

  return {
    async signingKey() {
      const pick = (keys: SigningKeyRecord[]): SigningKeyRecord | undefined => {
        const now = opts.clock.now();
        // Never sign with a key that will leave the JWKS before the token expires.
        const usable = keys.filter(
          (k) => k.retireAt === null || k.retireAt > now + opts.tokenTtlMs,
        );
        const active = usable.filter((k) => k.activateAt <= now);
        // A rotated-in key signs only once verifiers' cached JWKS have had time to include it;
        // until then the key it replaces (the latest to have activated) goes on signing.
        return (
          active.find((k) => k.retireAt === null) ??
          active.sort((a, b) => b.activateAt - a.activateAt)[0] ??
          usable[0]
        );
      };
      let current = pick(await published());
      if (current === undefined) current = pick(await published(true));
      // First start: nothing has signed yet, so no verifier can have a stale JWKS.
      if (current === undefined) current = await generate(opts.clock.now());
      let key = decrypted.get(current.kid);
      if (key === undefined) {
        key = open(current.privateKey);
        decrypted.set(current.kid, key);
      }
      return { kid: current.kid, key };
    },

    async jwks() {
      const keys = await published();
      return { keys: keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: 'ES256', use: 'sig' })) };
    },

    async rotate() {
      const fresh = await generate(opts.clock.now() + ACTIVATION_DELAY_MS);
      const retireAt = opts.clock.now() + retirementDelay();
      const before = await opts.store.signingKeys.listPublished(opts.clock.now());
      await opts.store.signingKeys.retireOthers(fresh.kid, retireAt);
      cache = null;
      return {
        kid: fresh.kid,
        activeAt: fresh.activateAt,
        retiring: before
          .filter((k) => k.kid !== fresh.kid && k.retireAt === null)
          .map((k) => k.kid),
        retireAt,
      };
    },
  };
}

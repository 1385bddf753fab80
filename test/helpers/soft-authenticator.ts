/**
 * A software WebAuthn authenticator + client for HTTP-level tests.
 *
 * It holds real private keys and answers server-issued options with the same JSON a browser posts
 * (`RegistrationResponseJSON` / `AuthenticationResponseJSON`): real CBOR, real authenticator data,
 * Chrome-shaped clientDataJSON and real signatures. Every byte the security checklist (§d) attacks
 * can be forged through one optional "tweak" object per call, so negative tests start from an
 * honest response and change exactly one thing.
 *
 * Fields of the returned JSON (`id`, `rawId`, `type`, `transports`, …) are plain values: edit them
 * directly. Tweaks exist for what sits inside encoded or signed bytes.
 *
 * @example
 * const auth = new SoftAuthenticator({ alg: 'ES256', origin: 'http://localhost:8787' });
 * const reg = auth.register(creationOptions);
 * const login = auth.authenticate(requestOptions, { flags: { uv: false } });
 */
import { createHash, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  AuthenticatorAttachment,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { freshKeyPair } from './keys.js';

export type Alg = 'ES256' | 'EdDSA' | 'RS256';

/** Any value `isoCBOR.encode` accepts (Maps, not plain objects, for CBOR maps). */
export type CborValue = Parameters<typeof isoCBOR.encode>[0];

/** COSE algorithm identifiers (IANA COSE Algorithms registry; WebAuthn §5.8.5). */
export const COSE_ALG: Readonly<Record<Alg, number>> = { ES256: -7, EdDSA: -8, RS256: -257 };

/** Authenticator data flag bits (WebAuthn §6.1). Bits 1 and 5 are reserved (RFU). */
export const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40, ED: 0x80 } as const;

/** Byte offsets inside authenticator data (§6.1), for `rewriteAuthData` / `tamperAuthData`. */
export const AUTH_DATA_OFFSET = {
  rpIdHash: 0,
  flags: 32,
  signCount: 33,
  attestedData: 37,
} as const;

/** Individual flag bits; unset fields keep their honest value. */
export interface FlagBits {
  up?: boolean;
  uv?: boolean;
  be?: boolean;
  bs?: boolean;
  at?: boolean;
  ed?: boolean;
}

/** Forgeries of CollectedClientData (§5.8.1) and its JSON serialisation (§5.8.1.1). */
export interface ClientDataTweaks {
  /** `C.type`, e.g. 'webauthn.get' on a create or 'payment.get' (§7.1 step 7, §7.2 step 10). */
  type?: string;
  /** Challenge string, used verbatim (normally base64url of the options' challenge bytes). */
  challenge?: string;
  origin?: string;
  /** Default false (top-level, same-origin page). */
  crossOrigin?: boolean;
  /** Adds a `topOrigin` member after `crossOrigin` (§5.8.1; browsers add it only in iframes). */
  topOrigin?: string;
  /**
   * Members merged in after the standard ones. A standard name keeps its position but takes this
   * value, e.g. `{ crossOrigin: 'true' }` for type confusion.
   */
  extra?: Record<string, unknown>;
  /** Member names to drop, e.g. `['crossOrigin']`. */
  omit?: string[];
  /** Serialise these members first, in this order; the rest follow (RPs must not template-match). */
  order?: string[];
  /** Prefix a UTF-8 BOM; §7.1 step 5 decodes with "UTF-8 decode", which strips it. */
  bom?: boolean;
  /**
   * Replace the serialisation: fixed text/bytes, or a function of the JSON text built from the
   * other tweaks (e.g. to insert a duplicate `challenge` key). Applied before `bom`.
   */
  raw?: string | Uint8Array | ((json: string) => string | Uint8Array);
}

/**
 * Forgeries shared by both ceremonies: clientDataJSON, and authenticator data (§6.1) before it is
 * attested or signed.
 */
export interface CeremonyTweaks {
  clientData?: ClientDataTweaks;
  /** Hash this RP ID into rpIdHash instead of the real one (§7.1 step 14, §7.2 step 15). */
  rpId?: string;
  /** Use these bytes as rpIdHash verbatim (any length); wins over `rpId`. */
  rpIdHash?: Uint8Array;
  /** A number replaces the whole flags byte; an object overrides single bits. */
  flags?: number | FlagBits;
  /** signCount to write (uint32, big-endian). The held signCount is left unchanged. */
  counter?: number;
  /** Authenticator extension outputs appended as a CBOR map; sets ED (unless `flags` clears it). */
  extensions?: Map<string, CborValue>;
  /** Bytes appended after the last field ("leftover bytes", §6.1; FIDO-CT Resp-3). */
  trailingBytes?: Uint8Array;
  /** Last rewrite of authData before it is attested/signed (so any signature still verifies). */
  rewriteAuthData?: (authData: Uint8Array) => Uint8Array;
}

export interface RegistrationTweaks extends CeremonyTweaks {
  /** Generate a key of this algorithm even if `pubKeyCredParams` does not offer it (§7.1 step 20). */
  alg?: Alg;
  /** Value claimed under COSE key label 3 (alg), e.g. -257 on an EC2 key, or -65535 (RS1). */
  coseAlg?: number;
  /** Raw bytes placed where the COSE public key goes (the held key is still generated). */
  cosePublicKey?: Uint8Array;
  /** Explicit credential ID (any length up to 65535, the width of the length field). */
  credentialId?: Uint8Array;
  /** Random credential ID of this many bytes (default 32); e.g. 0, 1023, 1024 (§7.1 step 25). */
  credentialIdLength?: number;
  aaguid?: Uint8Array;
  /** Attestation statement format; default 'none' (§8.7). */
  fmt?: string;
  /** Attestation statement; default an empty map (§8.7 requires it empty for 'none'). */
  attStmt?: Map<string, CborValue>;
  /** Bytes appended after the attestationObject's CBOR map (§7.1 step 13). */
  attestationObjectTrailingBytes?: Uint8Array;
  /** Register even if a held credential is listed in excludeCredentials (browsers refuse, §5.4). */
  ignoreExcludeCredentials?: boolean;
  /** Client-side discoverable credential; default from authenticatorSelection (true unless discouraged). */
  discoverable?: boolean;
  /** Keep the new credential for later `authenticate` calls (default true). */
  keep?: boolean;
}

export interface AuthenticationTweaks extends CeremonyTweaks {
  /**
   * Use this held credential (bytes or base64url), bypassing allowCredentials and RP ID scoping, as
   * an attacker-controlled client would (W3C webauthn issue 753).
   */
  credentialId?: Uint8Array | string;
  /** userHandle to send: bytes, a base64url string verbatim, or null to omit (§7.2 step 6). */
  userHandle?: Uint8Array | string | null;
  /** Counter step for this call (default: the authenticator's `counterStep`); 0 repeats the value. */
  increment?: number;
  /** Sign with another key: a fresh one of the credential's algorithm, or this private key. */
  signWith?: 'fresh' | KeyObject;
  /** ES256 only: DER (what WebAuthn §6.5.5 requires and browsers send) or raw r||s. */
  ecdsaEncoding?: 'der' | 'ieee-p1363';
  /** Replace the signature, or transform the real one (flip a byte, truncate, append). */
  signature?: Uint8Array | ((signature: Uint8Array) => Uint8Array);
  /** Change authData after signing (the signature no longer covers it). */
  tamperAuthData?: (authData: Uint8Array) => Uint8Array;
  /** Change clientDataJSON bytes after signing. */
  tamperClientDataJSON?: (clientDataJSON: Uint8Array) => Uint8Array;
}

export interface SoftAuthenticatorOptions {
  /** Algorithm for new credentials (default 'ES256'); must be offered in pubKeyCredParams. */
  alg?: Alg;
  /** Origin the "browser" reports (default 'http://localhost:8787', Passki's dev origin). */
  origin?: string;
  /** RP ID when the options carry none (default: the origin's host name, as browsers do). */
  rpId?: string;
  /** AAGUID (default 16 zero bytes, what 'none' attestation typically yields). */
  aaguid?: Uint8Array;
  /** BE flag for new credentials (default false); fixed for the credential's life (§6.1.3). */
  backupEligible?: boolean;
  /** BS flag for new credentials (default false). */
  backupState?: boolean;
  /** UV flag (default true). */
  userVerified?: boolean;
  /** Counter increment per assertion (default 1; 0 behaves like a synced passkey, §6.1.1). */
  counterStep?: number;
  /** Default 'platform'. */
  attachment?: AuthenticatorAttachment;
  /** Default ['internal', 'hybrid']. */
  transports?: string[];
}

/** A credential held by the authenticator. Mutable on purpose (e.g. `signCount`) for tests. */
export interface HeldCredential {
  id: Uint8Array;
  /** `id` as base64url (the JSON `id`/`rawId`). */
  idBase64url: string;
  rpId: string;
  /** user.id from the creation options, returned as userHandle by discoverable credentials. */
  userHandle: Uint8Array;
  alg: Alg;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The COSE key exactly as written into the attested credential data. */
  cosePublicKey: Uint8Array;
  signCount: number;
  discoverable: boolean;
  backupEligible: boolean;
  backupState: boolean;
}

const DEFAULT_ORIGIN = 'http://localhost:8787';
const DEFAULT_CREDENTIAL_ID_LENGTH = 32;
const UTF8_BOM = Uint8Array.of(0xef, 0xbb, 0xbf);

export class SoftAuthenticator {
  /** Credentials in registration order. */
  credentials: HeldCredential[] = [];

  readonly alg: Alg;
  readonly origin: string;
  readonly rpId: string;
  readonly aaguid: Uint8Array;
  readonly backupEligible: boolean;
  readonly backupState: boolean;
  readonly userVerified: boolean;
  readonly counterStep: number;
  readonly attachment: AuthenticatorAttachment;
  readonly transports: string[];

  constructor(opts: SoftAuthenticatorOptions = {}) {
    this.alg = opts.alg ?? 'ES256';
    this.origin = opts.origin ?? DEFAULT_ORIGIN;
    this.rpId = opts.rpId ?? new URL(this.origin).hostname;
    this.aaguid = opts.aaguid ?? new Uint8Array(16);
    this.backupEligible = opts.backupEligible ?? false;
    this.backupState = opts.backupState ?? false;
    this.userVerified = opts.userVerified ?? true;
    this.counterStep = opts.counterStep ?? 1;
    this.attachment = opts.attachment ?? 'platform';
    this.transports = opts.transports ?? ['internal', 'hybrid'];
    if (this.aaguid.length !== 16) throw new TypeError('aaguid must be 16 bytes');
  }

  /**
   * Answer creation options like navigator.credentials.create() with attestation 'none'
   * (§5.1.3 client steps, §6.3.2 authenticatorMakeCredential).
   */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    tweak: RegistrationTweaks = {},
  ): RegistrationResponseJSON {
    const rpId = options.rp.id ?? this.rpId;
    const alg = tweak.alg ?? this.alg;
    if (
      tweak.alg === undefined &&
      !options.pubKeyCredParams.some((p) => p.type === 'public-key' && p.alg === COSE_ALG[alg])
    ) {
      throw new DOMException(`authenticator supports only ${alg}`, 'NotSupportedError');
    }
    if (!tweak.ignoreExcludeCredentials) {
      const excluded = new Set((options.excludeCredentials ?? []).map((d) => d.id));
      if (this.credentials.some((c) => c.rpId === rpId && excluded.has(c.idBase64url))) {
        throw new DOMException('credential already registered', 'InvalidStateError');
      }
    }

    const { privateKey, publicKey } = generateKey(alg);
    const cosePublicKey = tweak.cosePublicKey ?? coseKey(publicKey, alg, tweak.coseAlg);
    const id =
      tweak.credentialId ?? randomBytesU8(tweak.credentialIdLength ?? DEFAULT_CREDENTIAL_ID_LENGTH);
    if (id.length > 0xffff) throw new RangeError('credential ID length must fit in 16 bits');
    const selection = options.authenticatorSelection;
    const credential: HeldCredential = {
      id,
      idBase64url: b64url(id),
      rpId,
      userHandle: fromB64url(options.user.id),
      alg,
      privateKey,
      publicKey,
      cosePublicKey,
      signCount: 0,
      discoverable:
        tweak.discoverable ??
        (selection?.requireResidentKey === true || selection?.residentKey !== 'discouraged'),
      backupEligible: this.backupEligible,
      backupState: this.backupState,
    };

    // Attested credential data (§6.5.2): AAGUID ‖ L (uint16 BE) ‖ credentialId ‖ COSE key.
    const attested = concat(tweak.aaguid ?? this.aaguid, uint16(id.length), id, cosePublicKey);
    const authData = this.authData(
      credential,
      tweak.counter ?? credential.signCount,
      attested,
      tweak,
    );
    const clientDataJSON = clientData('webauthn.create', options.challenge, this.origin, tweak);

    // CTAP2 canonical key order (shorter keys first): fmt, attStmt, authData.
    const attObj = new Map<string, CborValue>([
      ['fmt', tweak.fmt ?? 'none'],
      ['attStmt', tweak.attStmt ?? new Map<string, CborValue>()],
      ['authData', authData],
    ]);
    const attestationObject = concat(
      isoCBOR.encode(attObj),
      tweak.attestationObjectTrailingBytes ?? new Uint8Array(),
    );

    if (tweak.keep ?? true) this.credentials.push(credential);

    return {
      id: credential.idBase64url,
      rawId: credential.idBase64url,
      type: 'public-key',
      authenticatorAttachment: this.attachment,
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        authenticatorData: b64url(authData),
        transports: [...this.transports],
        // The browser reports the alg found in the COSE key, so a forged claim shows here too.
        publicKeyAlgorithm: tweak.coseAlg ?? COSE_ALG[alg],
        publicKey: b64url(publicKey.export({ type: 'spki', format: 'der' })),
      },
    };
  }

  /**
   * Answer request options like navigator.credentials.get() (§5.1.4, §6.3.3
   * authenticatorGetAssertion). Signs `authData ‖ SHA-256(clientDataJSON)` (§6.3.3 step 11).
   */
  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    tweak: AuthenticationTweaks = {},
  ): AuthenticationResponseJSON {
    const rpId = options.rpId ?? this.rpId;
    const credential = this.pick(rpId, options, tweak.credentialId);

    let counter = credential.signCount;
    if (tweak.counter === undefined) {
      counter = credential.signCount + (tweak.increment ?? this.counterStep);
      credential.signCount = counter;
    } else {
      counter = tweak.counter;
    }
    let authData = this.authData(credential, counter, undefined, tweak);
    let clientDataJSON = clientData('webauthn.get', options.challenge, this.origin, tweak);

    const signer =
      tweak.signWith === 'fresh' ? generateKey(credential.alg).privateKey : tweak.signWith;
    const signed = concat(authData, sha256(clientDataJSON));
    let signature = signWith(signer ?? credential.privateKey, signed, tweak.ecdsaEncoding ?? 'der');
    if (typeof tweak.signature === 'function') signature = tweak.signature(signature);
    else if (tweak.signature) signature = tweak.signature;
    if (tweak.tamperAuthData) authData = tweak.tamperAuthData(authData);
    if (tweak.tamperClientDataJSON) clientDataJSON = tweak.tamperClientDataJSON(clientDataJSON);

    // Authenticators return user.id only for discoverable credentials (§6.3.3 step 12).
    let userHandle: string | undefined;
    if (tweak.userHandle === undefined) {
      userHandle = credential.discoverable ? b64url(credential.userHandle) : undefined;
    } else if (tweak.userHandle !== null) {
      userHandle =
        typeof tweak.userHandle === 'string' ? tweak.userHandle : b64url(tweak.userHandle);
    }

    return {
      id: credential.idBase64url,
      rawId: credential.idBase64url,
      type: 'public-key',
      authenticatorAttachment: this.attachment,
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle === undefined ? {} : { userHandle }),
      },
    };
  }

  /** The held credential with this ID (bytes or base64url). */
  find(id: Uint8Array | string): HeldCredential | undefined {
    const wanted = typeof id === 'string' ? id : b64url(id);
    return this.credentials.find((c) => c.idBase64url === wanted);
  }

  /**
   * An independent copy with the same keys and counters: a cloned authenticator for signCount
   * regression tests (§6.1.1). Counters then advance separately.
   */
  clone(): SoftAuthenticator {
    const copy = new SoftAuthenticator({
      alg: this.alg,
      origin: this.origin,
      rpId: this.rpId,
      aaguid: this.aaguid,
      backupEligible: this.backupEligible,
      backupState: this.backupState,
      userVerified: this.userVerified,
      counterStep: this.counterStep,
      attachment: this.attachment,
      transports: this.transports,
    });
    copy.credentials = this.credentials.map((c) => ({ ...c }));
    return copy;
  }

  /** Choose the credential like a client would: allowCredentials first, else discoverable ones. */
  private pick(
    rpId: string,
    options: PublicKeyCredentialRequestOptionsJSON,
    forced: Uint8Array | string | undefined,
  ): HeldCredential {
    if (forced !== undefined) {
      const found = this.find(forced);
      if (!found) throw new Error('tweak.credentialId is not held by this authenticator');
      return found;
    }
    const scoped = this.credentials.filter((c) => c.rpId === rpId);
    const allow = options.allowCredentials ?? [];
    const found =
      allow.length > 0
        ? scoped.find((c) => allow.some((d) => d.id === c.idBase64url))
        : scoped.find((c) => c.discoverable);
    if (!found) throw new DOMException('no matching credential', 'NotAllowedError');
    return found;
  }

  /** authenticatorData (§6.1): rpIdHash ‖ flags ‖ signCount ‖ [attested data] ‖ [extensions]. */
  private authData(
    credential: HeldCredential,
    counter: number,
    attested: Uint8Array | undefined,
    tweak: CeremonyTweaks,
  ): Uint8Array {
    const extensions = tweak.extensions ? isoCBOR.encode(tweak.extensions) : new Uint8Array();
    let flags =
      FLAG.UP |
      (this.userVerified ? FLAG.UV : 0) |
      (credential.backupEligible ? FLAG.BE : 0) |
      (credential.backupState ? FLAG.BS : 0) |
      (attested ? FLAG.AT : 0) |
      (tweak.extensions ? FLAG.ED : 0);
    flags = applyFlags(flags, tweak.flags);
    const rpIdHash = tweak.rpIdHash ?? sha256(utf8(tweak.rpId ?? credential.rpId));
    const data = concat(
      rpIdHash,
      Uint8Array.of(flags),
      uint32(counter),
      attested ?? new Uint8Array(),
      extensions,
      tweak.trailingBytes ?? new Uint8Array(),
    );
    return tweak.rewriteAuthData ? tweak.rewriteAuthData(data) : data;
  }
}

/** Copy of `bytes` with the byte at `index` (negative counts from the end) XORed with `mask`. */
export function flipByte(bytes: Uint8Array, index = -1, mask = 0xff): Uint8Array {
  const out = Uint8Array.from(bytes);
  const i = index < 0 ? out.length + index : index;
  if (i < 0 || i >= out.length) throw new RangeError('index out of range');
  out[i] = (out[i] ?? 0) ^ mask;
  return out;
}

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/**
 * The high-S twin of a DER ECDSA P-256 signature: (r, n − s) verifies just like (r, s), so RPs
 * that do not enforce low-S (WebAuthn does not require it) accept it. For checklist test A10.
 */
export function ecdsaHighS(der: Uint8Array): Uint8Array {
  const [r, s] = parseDerSignature(der);
  return encodeDerSignature(r, s > P256_N / 2n ? s : P256_N - s);
}

function parseDerSignature(der: Uint8Array): [bigint, bigint] {
  // SEQUENCE { INTEGER r, INTEGER s }; P-256 signatures always use short-form lengths.
  if (der[0] !== 0x30 || der[1] !== der.length - 2) throw new Error('not a DER ECDSA signature');
  const ints: bigint[] = [];
  let p = 2;
  while (p < der.length) {
    const len = der[p + 1] ?? 0;
    if (der[p] !== 0x02) throw new Error('not a DER ECDSA signature');
    ints.push(BigInt(`0x${Buffer.from(der.subarray(p + 2, p + 2 + len)).toString('hex')}`));
    p += 2 + len;
  }
  const [r, s] = ints;
  if (ints.length !== 2 || r === undefined || s === undefined) throw new Error('bad signature');
  return [r, s];
}

function encodeDerSignature(r: bigint, s: bigint): Uint8Array {
  const body = concat(derInteger(r), derInteger(s));
  return concat(Uint8Array.of(0x30, body.length), body);
}

function derInteger(n: bigint): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes: Uint8Array = Uint8Array.from(Buffer.from(hex, 'hex'));
  // DER INTEGER is two's complement: a set top bit needs a leading zero to stay positive.
  if ((bytes[0] ?? 0) & 0x80) bytes = concat(Uint8Array.of(0), bytes);
  return concat(Uint8Array.of(0x02, bytes.length), bytes);
}

function applyFlags(honest: number, override: number | FlagBits | undefined): number {
  if (override === undefined) return honest;
  if (typeof override === 'number') return override & 0xff;
  let flags = honest;
  const bits: [keyof FlagBits, number][] = [
    ['up', FLAG.UP],
    ['uv', FLAG.UV],
    ['be', FLAG.BE],
    ['bs', FLAG.BS],
    ['at', FLAG.AT],
    ['ed', FLAG.ED],
  ];
  for (const [name, bit] of bits) {
    const value = override[name];
    if (value === true) flags |= bit;
    if (value === false) flags &= ~bit;
  }
  return flags;
}

/**
 * clientDataJSON as Chrome serialises it (§5.8.1.1): type, challenge, origin, crossOrigin
 * [, topOrigin], no whitespace.
 */
function clientData(
  type: string,
  optionsChallenge: string,
  origin: string,
  tweak: CeremonyTweaks,
): Uint8Array {
  const t = tweak.clientData ?? {};
  // The browser decodes the options' challenge to bytes and re-encodes it as unpadded base64url.
  const members = new Map<string, unknown>([
    ['type', t.type ?? type],
    ['challenge', t.challenge ?? b64url(fromB64url(optionsChallenge))],
    ['origin', t.origin ?? origin],
    ['crossOrigin', t.crossOrigin ?? false],
  ]);
  if (t.topOrigin !== undefined) members.set('topOrigin', t.topOrigin);
  for (const [k, v] of Object.entries(t.extra ?? {})) members.set(k, v);
  for (const k of t.omit ?? []) members.delete(k);
  const ordered = new Map<string, unknown>();
  for (const k of t.order ?? []) if (members.has(k)) ordered.set(k, members.get(k));
  for (const [k, v] of members) if (!ordered.has(k)) ordered.set(k, v);

  const json = JSON.stringify(Object.fromEntries(ordered));
  const raw = typeof t.raw === 'function' ? t.raw(json) : (t.raw ?? json);
  const bytes = typeof raw === 'string' ? utf8(raw) : raw;
  return t.bom ? concat(UTF8_BOM, bytes) : bytes;
}

function generateKey(alg: Alg): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case 'ES256':
      return freshKeyPair('P-256');
    case 'EdDSA':
      return freshKeyPair('Ed25519');
    case 'RS256':
      return freshKeyPair('RSA-2048');
  }
}

/** COSE_Key (RFC 9052 §7, RFC 9053 §7.1–7.2, RFC 8230 §4) as a CBOR map with integer labels. */
function coseKey(publicKey: KeyObject, alg: Alg, claimedAlg?: number): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  const label = claimedAlg ?? COSE_ALG[alg];
  const field = (v: string | undefined): Uint8Array => fromB64url(v ?? '');
  let key: Map<number, CborValue>;
  switch (alg) {
    case 'ES256': // kty EC2, crv P-256
      key = new Map<number, CborValue>([
        [1, 2],
        [3, label],
        [-1, 1],
        [-2, field(jwk.x)],
        [-3, field(jwk.y)],
      ]);
      break;
    case 'EdDSA': // kty OKP, crv Ed25519
      key = new Map<number, CborValue>([
        [1, 1],
        [3, label],
        [-1, 6],
        [-2, field(jwk.x)],
      ]);
      break;
    case 'RS256': // kty RSA
      key = new Map<number, CborValue>([
        [1, 3],
        [3, label],
        [-1, field(jwk.n)],
        [-2, field(jwk.e)],
      ]);
      break;
  }
  return isoCBOR.encode(key);
}

function signWith(
  key: KeyObject,
  data: Uint8Array,
  ecdsaEncoding: 'der' | 'ieee-p1363',
): Uint8Array {
  switch (key.asymmetricKeyType) {
    case 'ec': // ES256: ECDSA P-256 with SHA-256, DER-encoded (§6.5.5)
      return new Uint8Array(sign('sha256', data, { key, dsaEncoding: ecdsaEncoding }));
    case 'ed25519': // EdDSA signs the message itself, no pre-hash (RFC 8032)
      return new Uint8Array(sign(null, data, key));
    case 'rsa': // RS256: RSASSA-PKCS1-v1_5 (node's default RSA padding) with SHA-256
      return new Uint8Array(sign('sha256', data, key));
    default:
      throw new TypeError(`unsupported key type ${key.asymmetricKeyType}`);
  }
}

function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function fromB64url(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

function randomBytesU8(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

function uint16(n: number): Uint8Array {
  return Uint8Array.of((n >>> 8) & 0xff, n & 0xff);
}

function uint32(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError('counter is uint32');
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

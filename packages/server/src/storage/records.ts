/** The records Passki keeps, as the core sees them (bytes as Uint8Array, times as epoch ms). */

export interface UserRecord {
  id: string;
  username: string;
  displayName: string;
  /** WebAuthn user handle (§5.4.3): random, never derived from the username. */
  userHandle: Uint8Array;
  createdAt: number;
  /** The host app's own id for this user (mode 2: passkeys added to an existing account system). */
  externalId: string | null;
  /** Disabled users cannot sign in or mint tokens; their sessions are ended when disabled. */
  disabledAt: number | null;
  /** Goes into session JWTs. */
  publicMetadata: Record<string, unknown>;
  /** Never leaves the admin API. */
  privateMetadata: Record<string, unknown>;
}

export type CredentialDeviceType = 'singleDevice' | 'multiDevice';

export interface CredentialRecord {
  id: Uint8Array;
  userId: string;
  publicKey: Uint8Array;
  algorithm: number;
  signCount: number;
  transports: string[];
  deviceType: CredentialDeviceType;
  backupEligible: boolean;
  backedUp: boolean;
  uvInitialized: boolean;
  aaguid: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface SessionRecord {
  id: string;
  userId: string;
  /** SHA-256 of the cookie token; the token itself is never stored. */
  tokenHash: Uint8Array;
  /** The passkey that signed this session in; deleting it ends the session. */
  credentialId: Uint8Array | null;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
  /** When the user last passed user verification in this session (for step-up). */
  verifiedAt: number;
  userAgent: string | null;
  /** 'recovery' sessions come from a recovery code and may only enrol a passkey and manage codes. */
  kind: SessionKind;
}

export type SessionKind = 'standard' | 'recovery';

export interface RecoveryCodeRecord {
  id: string;
  userId: string;
  /** scrypt(code, salt): codes are never stored in the clear. */
  codeHash: Uint8Array;
  salt: Uint8Array;
  createdAt: number;
  usedAt: number | null;
}

export interface AuditEvent {
  at: number;
  type: string;
  userId?: string | null;
  credentialId?: Uint8Array | null;
  ip?: string | null;
  userAgent?: string | null;
  /** A short, non-secret reason code or note. */
  detail?: string | null;
}

export interface StoredAuditEvent extends Required<AuditEvent> {
  id: number;
}

/** Raised by a store when a uniqueness rule rejects a write; `field` names the rule. */
export class UniqueViolation extends Error {
  readonly field: 'username' | 'user_handle' | 'credential_id' | 'external_id' | 'other';
  constructor(field: UniqueViolation['field'], opts?: { cause?: unknown }) {
    super(`unique constraint violated: ${field}`, opts);
    this.name = 'UniqueViolation';
    this.field = field;
  }
}

/** Raised when the database cannot be reached or answer in time; maps to 503. */
export class DatabaseUnavailable extends Error {
  constructor(opts?: { cause?: unknown }) {
    super('database unavailable', opts);
    this.name = 'DatabaseUnavailable';
  }
}

export interface ApiKeyRecord {
  /** Public part of the key, shown in lists (e.g. `pk_7Hq2...`). */
  id: string;
  /** SHA-256 of the secret part; the key is 256-bit random, so a fast hash is enough. */
  secretHash: Uint8Array;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface SigningKeyRecord {
  kid: string;
  alg: 'ES256';
  /** The public JWK (kty, crv, x, y), as published in the JWKS. */
  publicJwk: Record<string, string>;
  /** PKCS#8 DER, or its AES-256-GCM encryption when a key-encryption key is configured. */
  privateKey: Uint8Array;
  createdAt: number;
  /** When it may start signing: at once for the first key, later for a rotated-in one. */
  activateAt: number;
  /** Set when a newer key replaces it: published until then, so tokens it signed still verify. */
  retireAt: number | null;
}

export type OneTimeTokenPurpose = 'sign_in' | 'enrollment' | 'sign_in_result';

export interface OneTimeTokenRecord {
  /** SHA-256 of the token; the token itself is shown once and never stored. */
  tokenHash: Uint8Array;
  purpose: OneTimeTokenPurpose;
  userId: string;
  credentialId: Uint8Array | null;
  userVerified: boolean;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

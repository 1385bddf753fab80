/** The records Passki keeps, as the core sees them (bytes as Uint8Array, times as epoch ms). */

export interface UserRecord {
  id: string;
  username: string;
  displayName: string;
  /** WebAuthn user handle (§5.4.3): random, never derived from the username. */
  userHandle: Uint8Array;
  createdAt: number;
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
  readonly field: 'username' | 'user_handle' | 'credential_id' | 'other';
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

import type {
  ApiKeyRecord,
  AuditEvent,
  CredentialRecord,
  OneTimeTokenPurpose,
  OneTimeTokenRecord,
  RecoveryCodeRecord,
  SessionRecord,
  SigningKeyRecord,
  StoredAuditEvent,
  UserRecord,
} from './records.js';

/**
 * The storage contract. Each capability has a few intention-named methods; every implementation
 * (SQLite, PostgreSQL) runs the same contract suite (`store-contract.ts`).
 */
export interface UserStore {
  /** @throws UniqueViolation('username' | 'user_handle') */
  create(user: UserRecord): Promise<void>;
  findById(id: string): Promise<UserRecord | null>;
  findByUsername(username: string): Promise<UserRecord | null>;
  count(): Promise<number>;
  /**
   * Inside a transaction: serialises writers that act on one user's rows (the last-passkey guard,
   * the passkey limit). PostgreSQL locks the user row; SQLite's write transaction already does.
   */
  lock(id: string): Promise<void>;
  findByExternalId(externalId: string): Promise<UserRecord | null>;
  /** Changes only the given fields. @throws UniqueViolation('external_id') */
  update(
    id: string,
    patch: Partial<
      Pick<
        UserRecord,
        'displayName' | 'externalId' | 'publicMetadata' | 'privateMetadata' | 'disabledAt'
      >
    >,
  ): Promise<UserRecord | null>;
  /** Deletes the user and, by cascade, its passkeys, sessions, codes and tokens. */
  delete(id: string): Promise<boolean>;
  /** Newest first, after `cursor` (a user id from a previous page); `query` matches a username prefix or an exact external id. */
  list(opts: { limit: number; cursor?: string; query?: string }): Promise<UserRecord[]>;
}

export interface CredentialStore {
  /** @throws UniqueViolation('credential_id'): a credential ID is never registered twice (§7.1 step 26). */
  create(credential: CredentialRecord): Promise<void>;
  findById(id: Uint8Array): Promise<CredentialRecord | null>;
  /** The credential and its user in one read: a sign-in needs both, and one read is cheaper. */
  findWithOwner(
    id: Uint8Array,
  ): Promise<{ credential: CredentialRecord; owner: UserRecord } | null>;
  listByUser(userId: string): Promise<CredentialRecord[]>;
  /**
   * Records a verified assertion with compare-and-set on the counter (§6.1.1): the stored counter
   * only moves forward, or stays 0 for authenticators that do not count. Returns false (and writes
   * nothing) when a concurrent or cloned assertion already moved it past `signCount`.
   */
  recordUse(use: {
    id: Uint8Array;
    signCount: number;
    backedUp: boolean;
    at: number;
  }): Promise<boolean>;
  countByUser(userId: string): Promise<number>;
  /** Acts only on a credential of this user; false when there is none. */
  rename(userId: string, id: Uint8Array, name: string): Promise<boolean>;
  /** Acts only on a credential of this user; sessions it signed in end with it. */
  delete(userId: string, id: Uint8Array): Promise<boolean>;
  count(): Promise<number>;
}

export interface SessionStore {
  create(session: SessionRecord): Promise<void>;
  /** The live session for a token hash and its user, or null (unknown, expired). */
  findByTokenHash(
    tokenHash: Uint8Array,
    now: number,
  ): Promise<{ session: SessionRecord; user: UserRecord } | null>;
  touch(id: string, at: number): Promise<void>;
  deleteByTokenHash(tokenHash: Uint8Array): Promise<boolean>;
  listByUser(userId: string, now: number): Promise<SessionRecord[]>;
  /** Acts only on a session of this user; false when there is none. */
  deleteById(userId: string, id: string): Promise<boolean>;
  /** Ends every session of the user except `keepId`; returns how many ended. */
  deleteOthers(userId: string, keepId: string): Promise<number>;
  markVerified(id: string, at: number): Promise<void>;
  deleteByUser(userId: string): Promise<number>;
  deleteExpired(now: number): Promise<number>;
  count(): Promise<number>;
}

export interface ChallengeStore {
  /**
   * Marks a challenge as used, atomically: of any number of concurrent calls with one nonce,
   * exactly one returns true. Rows are kept until `expiresAt`, after which the challenge's own
   * MAC-checked expiry already rejects it.
   */
  consume(nonce: Uint8Array, expiresAt: number): Promise<boolean>;
  deleteExpired(now: number): Promise<number>;
  count(): Promise<number>;
}

export interface RecoveryCodeStore {
  /** Replaces the user's whole set: the old codes stop working in the same transaction. */
  replace(userId: string, codes: RecoveryCodeRecord[]): Promise<void>;
  listUnused(userId: string): Promise<RecoveryCodeRecord[]>;
  /** Atomically marks one code used; of concurrent calls exactly one returns true. */
  consume(id: string, at: number): Promise<boolean>;
}

export interface RateLimitStore {
  /**
   * Counts one hit on `key` in a fixed window of `windowMs`, atomically (shared by all nodes),
   * and returns the count so far in the window and when the window ends.
   */
  hit(key: string, windowMs: number, now: number): Promise<{ count: number; resetAt: number }>;
  deleteExpired(now: number): Promise<number>;
}

export interface ApiKeyStore {
  create(key: ApiKeyRecord): Promise<void>;
  findById(id: string): Promise<ApiKeyRecord | null>;
  list(): Promise<ApiKeyRecord[]>;
  touch(id: string, at: number): Promise<void>;
  revoke(id: string, at: number): Promise<boolean>;
}

export interface SigningKeyStore {
  create(key: SigningKeyRecord): Promise<void>;
  /** Keys not yet retired at `now`: active keys first (newest first), then retiring ones. */
  listPublished(now: number): Promise<SigningKeyRecord[]>;
  /** Schedules the retirement of every key but `keepKid` that has none yet. */
  retireOthers(keepKid: string, retireAt: number): Promise<number>;
  deleteRetired(now: number): Promise<number>;
}

export interface OneTimeTokenStore {
  create(token: OneTimeTokenRecord): Promise<void>;
  /** The live token, without using it. */
  peek(
    tokenHash: Uint8Array,
    purpose: OneTimeTokenPurpose,
    now: number,
  ): Promise<OneTimeTokenRecord | null>;
  /** Uses a live token of this purpose, atomically: of concurrent calls exactly one gets it. */
  consume(
    tokenHash: Uint8Array,
    purpose: OneTimeTokenPurpose,
    now: number,
  ): Promise<OneTimeTokenRecord | null>;
  deleteExpired(now: number): Promise<number>;
  /** Every token of the user, used or not, of every purpose (disabling a user ends them). */
  deleteByUser(userId: string): Promise<number>;
}

export interface SecretStore {
  /** The named secret, created with `generate()` by whichever node asks first. */
  getOrCreate(name: string, generate: () => Uint8Array, now: number): Promise<Uint8Array>;
}

export interface AuditStore {
  record(event: AuditEvent): Promise<void>;
  /** Newest first; `before` is an event id (cursor), `since` a time. */
  list(opts: {
    limit: number;
    type?: string;
    userId?: string;
    before?: number;
    since?: number;
  }): Promise<StoredAuditEvent[]>;
  /** Retention: drops events older than `at`. */
  deleteBefore(at: number): Promise<number>;
}

export interface Store {
  users: UserStore;
  credentials: CredentialStore;
  sessions: SessionStore;
  challenges: ChallengeStore;
  secrets: SecretStore;
  audit: AuditStore;
  recoveryCodes: RecoveryCodeStore;
  rateLimits: RateLimitStore;
  apiKeys: ApiKeyStore;
  signingKeys: SigningKeyStore;
  oneTimeTokens: OneTimeTokenStore;
  /** Runs `fn` in one write transaction: all of it commits, or none of it. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

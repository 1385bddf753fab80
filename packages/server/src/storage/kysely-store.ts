import { type Generated, type Kysely, sql, type Transaction } from 'kysely';
import type {
  ApiKeyRecord,
  AuditEvent,
  CredentialDeviceType,
  CredentialRecord,
  OneTimeTokenPurpose,
  OneTimeTokenRecord,
  RecoveryCodeRecord,
  SessionRecord,
  SigningKeyRecord,
  StoredAuditEvent,
  UserRecord,
} from './records.js';
import type { Store } from './store.js';

/** Column types shared by both dialects: bytes are Buffers, times integer epoch ms, flags 0/1. */
export interface Database {
  users: {
    id: string;
    username: string;
    display_name: string;
    user_handle: Uint8Array;
    created_at: number;
    external_id: string | null;
    disabled_at: number | null;
    public_metadata: string;
    private_metadata: string;
  };
  credentials: {
    id: Uint8Array;
    user_id: string;
    public_key: Uint8Array;
    algorithm: number;
    sign_count: number;
    transports: string;
    device_type: string;
    backup_eligible: number;
    backed_up: number;
    uv_initialized: number;
    aaguid: string;
    name: string;
    created_at: number;
    last_used_at: number | null;
  };
  sessions: {
    id: string;
    token_hash: Uint8Array;
    user_id: string;
    credential_id: Uint8Array | null;
    created_at: number;
    expires_at: number;
    last_seen_at: number;
    verified_at: number;
    user_agent: string | null;
    kind: string;
  };
  recovery_codes: {
    id: string;
    user_id: string;
    code_hash: Uint8Array;
    salt: Uint8Array;
    created_at: number;
    used_at: number | null;
  };
  rate_limits: { key: string; window_start: number; count: number };
  api_keys: {
    id: string;
    secret_hash: Uint8Array;
    name: string;
    created_at: number;
    last_used_at: number | null;
    revoked_at: number | null;
  };
  signing_keys: {
    kid: string;
    alg: string;
    public_jwk: string;
    private_key: Uint8Array;
    created_at: number;
    activate_at: number;
    retire_at: number | null;
  };
  one_time_tokens: {
    token_hash: Uint8Array;
    purpose: string;
    user_id: string;
    credential_id: Uint8Array | null;
    user_verified: number;
    created_at: number;
    expires_at: number;
    used_at: number | null;
  };
  used_challenges: { nonce: Uint8Array; expires_at: number };
  server_secrets: { name: string; value: Uint8Array; created_at: number };
  audit_events: {
    id: Generated<number>;
    at: number;
    type: string;
    user_id: string | null;
    credential_id: Uint8Array | null;
    ip: string | null;
    user_agent: string | null;
    detail: string | null;
  };
}

type Db = Kysely<Database> | Transaction<Database>;

/** How a dialect differs: error classification and transaction start; queries are shared. */
export interface DialectHooks {
  /** Maps a driver error to a domain error (UniqueViolation, DatabaseUnavailable) or returns it. */
  translateError(err: unknown): unknown;
  /** PostgreSQL takes row locks (`FOR NO KEY UPDATE`); SQLite's write transaction is already exclusive. */
  rowLocks: boolean;
}

const bytes = (value: Uint8Array): Uint8Array => new Uint8Array(value);
const num = (value: number | bigint | string): number => Number(value);

export function toUser(row: Database['users']): UserRecord {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    userHandle: bytes(row.user_handle),
    createdAt: num(row.created_at),
    externalId: row.external_id,
    disabledAt: row.disabled_at === null ? null : num(row.disabled_at),
    publicMetadata: JSON.parse(row.public_metadata) as Record<string, unknown>,
    privateMetadata: JSON.parse(row.private_metadata) as Record<string, unknown>,
  };
}

function toApiKey(row: Database['api_keys']): ApiKeyRecord {
  return {
    id: row.id,
    secretHash: bytes(row.secret_hash),
    name: row.name,
    createdAt: num(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : num(row.last_used_at),
    revokedAt: row.revoked_at === null ? null : num(row.revoked_at),
  };
}

function toSigningKey(row: Database['signing_keys']): SigningKeyRecord {
  return {
    kid: row.kid,
    alg: 'ES256',
    publicJwk: JSON.parse(row.public_jwk) as Record<string, string>,
    privateKey: bytes(row.private_key),
    createdAt: num(row.created_at),
    activateAt: num(row.activate_at),
    retireAt: row.retire_at === null ? null : num(row.retire_at),
  };
}

function toOneTimeToken(row: Database['one_time_tokens']): OneTimeTokenRecord {
  return {
    tokenHash: bytes(row.token_hash),
    purpose: row.purpose as OneTimeTokenPurpose,
    userId: row.user_id,
    credentialId: row.credential_id === null ? null : bytes(row.credential_id),
    userVerified: Boolean(row.user_verified),
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at),
    usedAt: row.used_at === null ? null : num(row.used_at),
  };
}

export function toCredential(row: Database['credentials']): CredentialRecord {
  return {
    id: bytes(row.id),
    userId: row.user_id,
    publicKey: bytes(row.public_key),
    algorithm: num(row.algorithm),
    signCount: num(row.sign_count),
    transports: JSON.parse(row.transports) as string[],
    deviceType: row.device_type as CredentialDeviceType,
    backupEligible: Boolean(row.backup_eligible),
    backedUp: Boolean(row.backed_up),
    uvInitialized: Boolean(row.uv_initialized),
    aaguid: row.aaguid,
    name: row.name,
    createdAt: num(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : num(row.last_used_at),
  };
}

export function toSession(row: Database['sessions']): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    tokenHash: bytes(row.token_hash),
    credentialId: row.credential_id === null ? null : bytes(row.credential_id),
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at),
    lastSeenAt: num(row.last_seen_at),
    verifiedAt: num(row.verified_at),
    userAgent: row.user_agent,
    kind: row.kind === 'recovery' ? 'recovery' : 'standard',
  };
}

/**
 * The user columns a row joined on `user_id` carries: all but `id` (the row's `user_id`) and
 * `created_at` (as `user_created_at`, as the other table has its own).
 */
export const JOINED_USER_COLUMNS = [
  'users.username',
  'users.display_name',
  'users.user_handle',
  'users.created_at as user_created_at',
  'users.external_id',
  'users.disabled_at',
  'users.public_metadata',
  'users.private_metadata',
] as const;

type JoinedUserRow = Omit<Database['users'], 'id' | 'created_at'> & {
  user_id: string;
  user_created_at: number;
};

function joinedUser(row: JoinedUserRow): UserRecord {
  return toUser({
    id: row.user_id,
    username: row.username,
    display_name: row.display_name,
    user_handle: row.user_handle,
    created_at: row.user_created_at,
    external_id: row.external_id,
    disabled_at: row.disabled_at,
    public_metadata: row.public_metadata,
    private_metadata: row.private_metadata,
  });
}

/** A session row joined with its user's columns. */
export type SessionWithUserRow = Database['sessions'] & JoinedUserRow;

export function toSessionWithUser(row: SessionWithUserRow): {
  session: SessionRecord;
  user: UserRecord;
} {
  return { session: toSession(row), user: joinedUser(row) };
}

/** A credential row joined with its owner's columns. */
export type CredentialWithOwnerRow = Database['credentials'] & JoinedUserRow;

export function toCredentialWithOwner(row: CredentialWithOwnerRow): {
  credential: CredentialRecord;
  owner: UserRecord;
} {
  return { credential: toCredential(row), owner: joinedUser(row) };
}

function toRecoveryCode(row: Database['recovery_codes']): RecoveryCodeRecord {
  return {
    id: row.id,
    userId: row.user_id,
    codeHash: bytes(row.code_hash),
    salt: bytes(row.salt),
    createdAt: num(row.created_at),
    usedAt: row.used_at === null ? null : num(row.used_at),
  };
}

/**
 * Audit fields come partly from clients (user agents): control characters are escaped as \\uXXXX
 * so a crafted value cannot forge log lines or terminal escapes where the log is read.
 */
export function escapeControl(value: string | null): string | null {
  return value === null
    ? null
    : value.replace(/\p{Cc}/gu, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const buf = (value: Uint8Array): Buffer =>
  Buffer.from(value.buffer, value.byteOffset, value.byteLength);

async function countRows(db: Db, table: keyof Database): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return num(row.n);
}

/** The storage contract on Kysely; `db` is the root handle or an open transaction. */
export function createKyselyStore(
  db: Db,
  hooks: DialectHooks,
  root: {
    transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
    close(): Promise<void>;
  } | null,
): Store {
  // Every method goes through `run` so driver errors become domain errors in one place.
  const run = async <T>(op: () => Promise<T>): Promise<T> => {
    try {
      return await op();
    } catch (err) {
      throw hooks.translateError(err);
    }
  };

  const store: Store = {
    users: {
      create: (user) =>
        run(async () => {
          await db
            .insertInto('users')
            .values({
              id: user.id,
              username: user.username,
              display_name: user.displayName,
              user_handle: buf(user.userHandle),
              created_at: user.createdAt,
              external_id: user.externalId,
              disabled_at: user.disabledAt,
              public_metadata: JSON.stringify(user.publicMetadata),
              private_metadata: JSON.stringify(user.privateMetadata),
            })
            .execute();
        }),
      findById: (id) =>
        run(async () => {
          const row = await db
            .selectFrom('users')
            .selectAll()
            .where('id', '=', id)
            .executeTakeFirst();
          return row ? toUser(row) : null;
        }),
      findByUsername: (username) =>
        run(async () => {
          const row = await db
            .selectFrom('users')
            .selectAll()
            .where('username', '=', username)
            .executeTakeFirst();
          return row ? toUser(row) : null;
        }),
      count: () => run(() => countRows(db, 'users')),
      lock: (id) =>
        run(async () => {
          if (hooks.rowLocks) {
            // NO KEY UPDATE still serialises the user's passkey changes, but unlike FOR UPDATE it
            // does not block the KEY SHARE lock a session insert's foreign key takes: a sign-in
            // holding the credential row could otherwise deadlock with a passkey deletion.
            await db
              .selectFrom('users')
              .select('id')
              .where('id', '=', id)
              .forNoKeyUpdate()
              .execute();
          }
        }),
      findByExternalId: (externalId) =>
        run(async () => {
          const row = await db
            .selectFrom('users')
            .selectAll()
            .where('external_id', '=', externalId)
            .executeTakeFirst();
          return row ? toUser(row) : null;
        }),
      update: (id, patch) =>
        run(async () => {
          const set: Partial<Database['users']> = {};
          if (patch.displayName !== undefined) set.display_name = patch.displayName;
          if (patch.externalId !== undefined) set.external_id = patch.externalId;
          if (patch.disabledAt !== undefined) set.disabled_at = patch.disabledAt;
          if (patch.publicMetadata !== undefined)
            set.public_metadata = JSON.stringify(patch.publicMetadata);
          if (patch.privateMetadata !== undefined)
            set.private_metadata = JSON.stringify(patch.privateMetadata);
          if (Object.keys(set).length > 0)
            await db.updateTable('users').set(set).where('id', '=', id).execute();
          const row = await db
            .selectFrom('users')
            .selectAll()
            .where('id', '=', id)
            .executeTakeFirst();
          return row ? toUser(row) : null;
        }),
      delete: (id) =>
        run(async () => {
          const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
          return num(result.numDeletedRows) === 1;
        }),
      list: (opts) =>
        run(async () => {
          let query = db.selectFrom('users').selectAll().orderBy('id').limit(opts.limit);
          if (opts.cursor !== undefined) query = query.where('id', '>', opts.cursor);
          if (opts.query !== undefined && opts.query.length > 0) {
            const exact = opts.query;
            // Folded like usernames are (trim, NFKC, lower case), so ａｌｉ finds alice; a query
            // that folds to nothing is no username prefix (it would match everyone).
            const folded = exact.trim().normalize('NFKC').toLowerCase();
            const prefix = folded.replace(/[\\%_]/g, (ch) => `\\${ch}`);
            query = query.where((eb) =>
              folded.length === 0
                ? eb('external_id', '=', exact)
                : eb.or([
                    eb('username', 'like', sql<string>`${`${prefix}%`} ESCAPE '\\'`),
                    eb('external_id', '=', exact),
                  ]),
            );
          }
          return (await query.execute()).map(toUser);
        }),
    },

    credentials: {
      create: (c) =>
        run(async () => {
          await db
            .insertInto('credentials')
            .values({
              id: buf(c.id),
              user_id: c.userId,
              public_key: buf(c.publicKey),
              algorithm: c.algorithm,
              sign_count: c.signCount,
              transports: JSON.stringify(c.transports),
              device_type: c.deviceType,
              backup_eligible: c.backupEligible ? 1 : 0,
              backed_up: c.backedUp ? 1 : 0,
              uv_initialized: c.uvInitialized ? 1 : 0,
              aaguid: c.aaguid,
              name: c.name,
              created_at: c.createdAt,
              last_used_at: c.lastUsedAt,
            })
            .execute();
        }),
      findById: (id) =>
        run(async () => {
          const row = await db
            .selectFrom('credentials')
            .selectAll()
            .where('id', '=', buf(id))
            .executeTakeFirst();
          return row ? toCredential(row) : null;
        }),
      findWithOwner: (id) =>
        run(async () => {
          const row = await db
            .selectFrom('credentials')
            .innerJoin('users', 'users.id', 'credentials.user_id')
            .selectAll('credentials')
            .select(JOINED_USER_COLUMNS)
            .where('credentials.id', '=', buf(id))
            .executeTakeFirst();
          return row ? toCredentialWithOwner(row) : null;
        }),
      listByUser: (userId) =>
        run(async () => {
          const rows = await db
            .selectFrom('credentials')
            .selectAll()
            .where('user_id', '=', userId)
            .orderBy('created_at')
            .execute();
          return rows.map(toCredential);
        }),
      recordUse: (use) =>
        run(async () => {
          // §6.1.1: move forward only; 0 → 0 is allowed for authenticators without a counter.
          const result = await db
            .updateTable('credentials')
            .set({
              sign_count: use.signCount,
              backed_up: use.backedUp ? 1 : 0,
              last_used_at: use.at,
            })
            .where('id', '=', buf(use.id))
            // Decided here rather than in SQL: PostgreSQL would type a bare parameter compared
            // with a literal as `integer`, and a counter past 2^31 would fail there.
            .where('sign_count', use.signCount === 0 ? '=' : '<', use.signCount)
            .executeTakeFirst();
          return num(result.numUpdatedRows) === 1;
        }),
      countByUser: (userId) =>
        run(async () => {
          const row = await db
            .selectFrom('credentials')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('user_id', '=', userId)
            .executeTakeFirstOrThrow();
          return num(row.n);
        }),
      rename: (userId, id, name) =>
        run(async () => {
          const result = await db
            .updateTable('credentials')
            .set({ name })
            .where('id', '=', buf(id))
            .where('user_id', '=', userId)
            .executeTakeFirst();
          return num(result.numUpdatedRows) === 1;
        }),
      delete: (userId, id) =>
        run(async () => {
          const result = await db
            .deleteFrom('credentials')
            .where('id', '=', buf(id))
            .where('user_id', '=', userId)
            .executeTakeFirst();
          return num(result.numDeletedRows) === 1;
        }),
      count: () => run(() => countRows(db, 'credentials')),
    },

    sessions: {
      create: (s) =>
        run(async () => {
          await db
            .insertInto('sessions')
            .values({
              id: s.id,
              token_hash: buf(s.tokenHash),
              user_id: s.userId,
              credential_id: s.credentialId === null ? null : buf(s.credentialId),
              created_at: s.createdAt,
              expires_at: s.expiresAt,
              last_seen_at: s.lastSeenAt,
              verified_at: s.verifiedAt,
              user_agent: s.userAgent,
              kind: s.kind,
            })
            .execute();
        }),
      findByTokenHash: (tokenHash, now) =>
        run(async () => {
          const row = await db
            .selectFrom('sessions')
            .innerJoin('users', 'users.id', 'sessions.user_id')
            .selectAll('sessions')
            .select(JOINED_USER_COLUMNS)
            .where('sessions.token_hash', '=', buf(tokenHash))
            .where('sessions.expires_at', '>', now)
            .where('users.disabled_at', 'is', null)
            .executeTakeFirst();
          return row ? toSessionWithUser(row) : null;
        }),
      touch: (id, at) =>
        run(async () => {
          await db.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
        }),
      deleteByTokenHash: (tokenHash) =>
        run(async () => {
          const result = await db
            .deleteFrom('sessions')
            .where('token_hash', '=', buf(tokenHash))
            .executeTakeFirst();
          return num(result.numDeletedRows) > 0;
        }),
      listByUser: (userId, now) =>
        run(async () => {
          const rows = await db
            .selectFrom('sessions')
            .selectAll()
            .where('user_id', '=', userId)
            .where('expires_at', '>', now)
            .orderBy('created_at', 'desc')
            .execute();
          return rows.map(toSession);
        }),
      deleteById: (userId, id) =>
        run(async () => {
          const result = await db
            .deleteFrom('sessions')
            .where('id', '=', id)
            .where('user_id', '=', userId)
            .executeTakeFirst();
          return num(result.numDeletedRows) === 1;
        }),
      deleteOthers: (userId, keepId) =>
        run(async () => {
          const result = await db
            .deleteFrom('sessions')
            .where('user_id', '=', userId)
            .where('id', '!=', keepId)
            .executeTakeFirst();
          return num(result.numDeletedRows);
        }),
      deleteByUser: (userId) =>
        run(async () => {
          const result = await db
            .deleteFrom('sessions')
            .where('user_id', '=', userId)
            .executeTakeFirst();
          return num(result.numDeletedRows);
        }),
      markVerified: (id, at) =>
        run(async () => {
          await db.updateTable('sessions').set({ verified_at: at }).where('id', '=', id).execute();
        }),
      deleteExpired: (now) =>
        run(async () => {
          const result = await db
            .deleteFrom('sessions')
            .where('expires_at', '<=', now)
            .executeTakeFirst();
          return num(result.numDeletedRows);
        }),
      count: () => run(() => countRows(db, 'sessions')),
    },

    challenges: {
      consume: (nonce, expiresAt) =>
        run(async () => {
          // One statement: the primary key lets exactly one of any concurrent inserts through.
          const result = await db
            .insertInto('used_challenges')
            .values({ nonce: buf(nonce), expires_at: expiresAt })
            .onConflict((oc) => oc.column('nonce').doNothing())
            .executeTakeFirst();
          return num(result.numInsertedOrUpdatedRows ?? 0n) === 1;
        }),
      deleteExpired: (now) =>
        run(async () => {
          const result = await db
            .deleteFrom('used_challenges')
            .where('expires_at', '<=', now)
            .executeTakeFirst();
          return num(result.numDeletedRows);
        }),
      count: () => run(() => countRows(db, 'used_challenges')),
    },

    recoveryCodes: {
      replace: (userId, codes) =>
        run(async () => {
          await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
          if (codes.length === 0) return;
          await db
            .insertInto('recovery_codes')
            .values(
              codes.map((c) => ({
                id: c.id,
                user_id: userId,
                code_hash: buf(c.codeHash),
                salt: buf(c.salt),
                created_at: c.createdAt,
                used_at: c.usedAt,
              })),
            )
            .execute();
        }),
      listUnused: (userId) =>
        run(async () => {
          const rows = await db
            .selectFrom('recovery_codes')
            .selectAll()
            .where('user_id', '=', userId)
            .where('used_at', 'is', null)
            .execute();
          return rows.map(toRecoveryCode);
        }),
      consume: (id, at) =>
        run(async () => {
          const result = await db
            .updateTable('recovery_codes')
            .set({ used_at: at })
            .where('id', '=', id)
            .where('used_at', 'is', null)
            .executeTakeFirst();
          return num(result.numUpdatedRows) === 1;
        }),
    },

    rateLimits: {
      hit: (key, windowMs, now) =>
        run(async () => {
          // One statement: a fresh window starts at 1, a live one counts up; all nodes share it.
          const windowStart = now - windowMs;
          const row = await db
            .insertInto('rate_limits')
            .values({ key, window_start: now, count: 1 })
            .onConflict((oc) =>
              oc.column('key').doUpdateSet({
                count: sql`CASE WHEN rate_limits.window_start <= ${windowStart} THEN 1 ELSE rate_limits.count + 1 END`,
                window_start: sql`CASE WHEN rate_limits.window_start <= ${windowStart} THEN ${now} ELSE rate_limits.window_start END`,
              }),
            )
            .returning(['count', 'window_start'])
            .executeTakeFirstOrThrow();
          return { count: num(row.count), resetAt: num(row.window_start) + windowMs };
        }),
      deleteExpired: (now) =>
        run(async () => {
          const result = await db
            .deleteFrom('rate_limits')
            .where('window_start', '<=', now)
            .executeTakeFirst();
          return num(result.numDeletedRows);
        }),
    },

    apiKeys: {
      create: (key) =>
        run(async () => {
          await db
            .insertInto('api_keys')
            .values({
              id: key.id,
              secret_hash: buf(key.secretHash),
              name: key.name,
              created_at: key.createdAt,
              last_used_at: key.lastUsedAt,
              revoked_at: key.revokedAt,
            })
            .execute();
        }),
      findById: (id) =>
        run(async () => {
          const row = await db
            .selectFrom('api_keys')
            .selectAll()
            .where('id', '=', id)
            .executeTakeFirst();
          return row ? toApiKey(row) : null;
        }),
      list: () =>
        run(async () =>
          (await db.selectFrom('api_keys').selectAll().orderBy('created_at').execute()).map(
            toApiKey,
          ),
        ),
      touch: (id, at) =>
        run(async () => {
          await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
        }),
      revoke: (id, at) =>
        run(async () => {
          const result = await db
            .updateTable('api_keys')
            .set({ revoked_at: at })
            .where('id', '=', id)
            .where('revoked_at', 'is', null)
            .executeTakeFirst();
          return num(result.numUpdatedRows) === 1;
        }),
    },

    signingKeys: {
      create: (key) =>
        run(async () => {
          await db
            .insertInto('signing_keys')
            .values({
              kid: key.kid,
              alg: key.alg,
              public_jwk: JSON.stringify(key.publicJwk),
              private_key: buf(key.privateKey),
              created_at: key.createdAt,
              activate_at: key.activateAt,
              retire_at: key.retireAt,
            })
            .execute();
        }),
      listPublished: (now) =>
        run(async () => {
          const rows = await db
            .selectFrom('signing_keys')
            .selectAll()
            .where((eb) => eb.or([eb('retire_at', 'is', null), eb('retire_at', '>', now)]))
            // Active keys (not being retired) first: the newest of them signs. Clocks of the nodes
            // that created the keys may differ, so retirement, not time, decides.
            .orderBy(sql`CASE WHEN retire_at IS NULL THEN 0 ELSE 1 END`)
            .orderBy('created_at', 'desc')
            .orderBy('kid', 'desc')
            .execute();
          return rows.map(toSigningKey);
        }),
      retireOthers: (keepKid, retireAt) =>
        run(async () => {
          const result = await db
            .updateTable('signing_keys')
            .set({ retire_at: retireAt })
            .where('kid', '!=', keepKid)
            .where('retire_at', 'is', null)
            .executeTakeFirst();
          return num(result.numUpdatedRows);
        }),
      deleteRetired: (now) =>
        run(async () => {
          const result = await db
            .deleteFrom('signing_keys')
            .where('retire_at', '<=', now)
            .executeTakeFirst();
          return num(result.numDeletedRows);
        }),
    },

    oneTimeTokens: {
      create: (t) =>
        run(async () => {
          await db
            .insertInto('one_time_tokens')
            .values({
              token_hash: buf(t.tokenHash),
              purpose: t.purpose,
              user_id: t.userId,
              credential_id: t.credentialId === null ? null : buf(t.credentialId),
              user_verified: t.userVerified ? 1 : 0,
              created_at: t.createdAt,
              expires_at: t.expiresAt,
              used_at: t.usedAt,
            })
            .execute();
        }),
      peek: (tokenHash, purpose, now) =>
        run(async () => {
          const row = await db
            .selectFrom('one_time_tokens')
            .selectAll()
            .where('token_hash', '=', buf(tokenHash))
            .where('purpose', '=', purpose)
            .where('used_at', 'is', null)
            .where('expires_at', '>', now)
            .executeTakeFirst();
          return row ? toOneTimeToken(row) : null;
        }),
      consume: (tokenHash, purpose, now) =>
        run(async () => {
          // One statement: the row is claimed and read at once, so two redemptions cannot both win.
          const row = await db
            .updateTable('one_time_tokens')
            .set({ used_at: now })
            .where('token_hash', '=', buf(tokenHash))
            .where('purpose', '=', purpose)
            .where('used_at', 'is', null)
            .where('expires_at', '>', now)
            .returningAll()
            .executeTakeFirst();
          return row ? toOneTimeToken(row) : null;
        }),
      deleteExpired: (now) =>
        run(async () => {
          const result = await db
            .deleteFrom('one_time_tokens')
            .where('expires_at', '<=', now)
            .executeTakeFirst();
          return num(result.numDeletedRows);
        }),
      deleteByUser: (userId) =>
        run(async () => {
          const result = await db
            .deleteFrom('one_time_tokens')
            .where('user_id', '=', userId)
            .executeTakeFirst();
          return num(result.numDeletedRows);
        }),
    },

    secrets: {
      getOrCreate: (name, generate, now) =>
        run(async () => {
          await db
            .insertInto('server_secrets')
            .values({ name, value: buf(generate()), created_at: now })
            .onConflict((oc) => oc.column('name').doNothing())
            .execute();
          const row = await db
            .selectFrom('server_secrets')
            .select('value')
            .where('name', '=', name)
            .executeTakeFirstOrThrow();
          return bytes(row.value);
        }),
    },

    audit: {
      record: (event: AuditEvent) =>
        run(async () => {
          await db
            .insertInto('audit_events')
            .values({
              at: event.at,
              type: event.type,
              user_id: event.userId ?? null,
              credential_id: event.credentialId ? buf(event.credentialId) : null,
              ip: escapeControl(event.ip ?? null),
              user_agent: escapeControl(event.userAgent ?? null),
              detail: escapeControl(event.detail ?? null),
            })
            .execute();
        }),
      deleteBefore: (at) =>
        run(async () => {
          const result = await db
            .deleteFrom('audit_events')
            .where('at', '<', at)
            .executeTakeFirst();
          return num(result.numDeletedRows);
        }),
      list: (opts) =>
        run(async () => {
          let query = db
            .selectFrom('audit_events')
            .selectAll()
            .orderBy('id', 'desc')
            .limit(opts.limit);
          if (opts.type !== undefined) query = query.where('type', '=', opts.type);
          if (opts.userId !== undefined) query = query.where('user_id', '=', opts.userId);
          if (opts.before !== undefined) query = query.where('id', '<', opts.before);
          if (opts.since !== undefined) query = query.where('at', '>=', opts.since);
          const rows = await query.execute();
          return rows.map(
            (row): StoredAuditEvent => ({
              id: num(row.id),
              at: num(row.at),
              type: row.type,
              userId: row.user_id,
              credentialId: row.credential_id === null ? null : bytes(row.credential_id),
              ip: row.ip,
              userAgent: row.user_agent,
              detail: row.detail,
            }),
          );
        }),
    },

    transaction: (fn) => {
      if (root === null) return fn(store); // already inside one
      return root.transaction(fn);
    },
    ping: () =>
      run(async () => {
        await sql`select 1`.execute(db);
      }),
    close: () => (root === null ? Promise.resolve() : root.close()),
  };
  return store;
}

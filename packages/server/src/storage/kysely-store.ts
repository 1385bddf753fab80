import { type Generated, type Kysely, sql, type Transaction } from 'kysely';
import type {
  AuditEvent,
  CredentialDeviceType,
  CredentialRecord,
  RecoveryCodeRecord,
  SessionRecord,
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
  /** PostgreSQL takes row locks (`FOR UPDATE`); SQLite's write transaction is already exclusive. */
  rowLocks: boolean;
}

const bytes = (value: Uint8Array): Uint8Array => new Uint8Array(value);
const num = (value: number | bigint | string): number => Number(value);

function toUser(row: Database['users']): UserRecord {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    userHandle: bytes(row.user_handle),
    createdAt: num(row.created_at),
  };
}

function toCredential(row: Database['credentials']): CredentialRecord {
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

function toSession(row: Database['sessions']): SessionRecord {
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

const buf = (value: Uint8Array): Buffer =>
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
            await db.selectFrom('users').select('id').where('id', '=', id).forUpdate().execute();
          }
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
            .where((eb) =>
              eb.or([
                eb('sign_count', '<', use.signCount),
                eb.and([eb('sign_count', '=', 0), eb(sql.lit(0), '=', use.signCount)]),
              ]),
            )
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
            .select([
              'users.username',
              'users.display_name',
              'users.user_handle',
              'users.created_at as user_created_at',
            ])
            .where('sessions.token_hash', '=', buf(tokenHash))
            .where('sessions.expires_at', '>', now)
            .executeTakeFirst();
          if (!row) return null;
          return {
            session: toSession(row),
            user: toUser({
              id: row.user_id,
              username: row.username,
              display_name: row.display_name,
              user_handle: row.user_handle,
              created_at: row.user_created_at,
            }),
          };
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
              ip: event.ip ?? null,
              user_agent: event.userAgent ?? null,
              detail: event.detail ?? null,
            })
            .execute();
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

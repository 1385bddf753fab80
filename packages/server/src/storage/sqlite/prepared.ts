import type BetterSqlite3 from 'better-sqlite3';
import {
  buf,
  type CredentialWithOwnerRow,
  type Database,
  escapeControl,
  JOINED_USER_COLUMNS,
  type SessionWithUserRow,
  toCredential,
  toCredentialWithOwner,
  toSessionWithUser,
  toUser,
} from '../kysely-store.js';
import { DatabaseUnavailable } from '../records.js';
import type { Store } from '../store.js';
import type { ConnectionGate } from './gate.js';
import type { WalSync } from './wal-sync.js';

/**
 * The statements of a sign-in, a sign-up and a session read, prepared once and run straight on
 * better-sqlite3. Through Kysely each of them built and compiled a query tree on every call,
 * which cost more than SQLite's own work (see docs/performance.md). Everything else stays on the
 * shared Kysely store; these replace methods of it with the same behaviour, so the storage
 * contract suite (`store-contract.ts`) runs against them on SQLite as it does on Kysely.
 */
export interface PreparedStatements {
  credentialById: BetterSqlite3.Statement;
  credentialWithOwner: BetterSqlite3.Statement;
  userById: BetterSqlite3.Statement;
  userByUsername: BetterSqlite3.Statement;
  createUser: BetterSqlite3.Statement;
  createCredential: BetterSqlite3.Statement;
  consumeChallenge: BetterSqlite3.Statement;
  recordUse: BetterSqlite3.Statement;
  createSession: BetterSqlite3.Statement;
  sessionByTokenHash: BetterSqlite3.Statement;
  recordAudit: BetterSqlite3.Statement;
}

/** The same user columns the Kysely store joins, as SQL. */
const JOINED_USER_SQL = JOINED_USER_COLUMNS.join(', ');

export function prepareStatements(db: BetterSqlite3.Database): PreparedStatements {
  return {
    credentialById: db.prepare('SELECT * FROM credentials WHERE id = ?'),
    credentialWithOwner: db.prepare(
      `SELECT credentials.*, ${JOINED_USER_SQL}
       FROM credentials INNER JOIN users ON users.id = credentials.user_id
       WHERE credentials.id = ?`,
    ),
    userById: db.prepare('SELECT * FROM users WHERE id = ?'),
    userByUsername: db.prepare('SELECT * FROM users WHERE username = ?'),
    createUser: db.prepare(
      `INSERT INTO users (id, username, display_name, user_handle, created_at, external_id,
         disabled_at, public_metadata, private_metadata)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    createCredential: db.prepare(
      `INSERT INTO credentials (id, user_id, public_key, algorithm, sign_count, transports,
         device_type, backup_eligible, backed_up, uv_initialized, aaguid, name, created_at,
         last_used_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // The primary key lets exactly one of any concurrent claims through.
    consumeChallenge: db.prepare(
      'INSERT INTO used_challenges (nonce, expires_at) VALUES (?, ?) ON CONFLICT (nonce) DO NOTHING',
    ),
    // §6.1.1: move forward only; 0 → 0 is allowed for authenticators without a counter.
    recordUse: db.prepare(
      `UPDATE credentials SET sign_count = @signCount, backed_up = @backedUp, last_used_at = @at
       WHERE id = @id AND (sign_count < @signCount OR (sign_count = 0 AND @signCount = 0))`,
    ),
    createSession: db.prepare(
      `INSERT INTO sessions (id, token_hash, user_id, credential_id, created_at, expires_at,
         last_seen_at, verified_at, user_agent, kind)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    sessionByTokenHash: db.prepare(
      `SELECT sessions.*, ${JOINED_USER_SQL}
       FROM sessions INNER JOIN users ON users.id = sessions.user_id
       WHERE sessions.token_hash = ? AND sessions.expires_at > ? AND users.disabled_at IS NULL`,
    ),
    recordAudit: db.prepare(
      `INSERT INTO audit_events (at, type, user_id, credential_id, ip, user_agent, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
  };
}

/**
 * `store` with the hot methods replaced. Outside a transaction (`inTransaction: false`) each call
 * takes its turn at the connection gate, and a write is answered only once it is durable; inside
 * one, the caller already holds the connection and the transaction's COMMIT is what gets synced.
 */
export function withPreparedStatements(
  store: Store,
  statements: PreparedStatements,
  opts: {
    gate: ConnectionGate;
    wal: WalSync;
    inTransaction: boolean;
    translateError: (err: unknown) => unknown;
  },
): Store {
  const { gate, wal, inTransaction, translateError } = opts;
  const read = <T>(work: () => T): Promise<T> => {
    if (inTransaction) {
      try {
        return Promise.resolve(work());
      } catch (err) {
        return Promise.reject(translateError(err));
      }
    }
    return gate.run(work).catch((err: unknown) => Promise.reject(translateError(err)));
  };
  const write = <T>(work: () => T): Promise<T> => {
    // Once durability is in doubt nothing more is written (see wal-sync.ts). Checked when the
    // statement runs, not when it was queued: an fsync may fail while it waits at the gate.
    const guarded = (): T => {
      const failure = wal.failure();
      if (failure !== null) throw new DatabaseUnavailable({ cause: failure });
      return work();
    };
    if (inTransaction) return read(guarded);
    return read(guarded).then((value) =>
      wal.durable().then(
        () => value,
        (err: unknown) => Promise.reject(translateError(err)),
      ),
    );
  };

  const s = statements;
  const prepared: Store = {
    ...store,
    // Nested inside a transaction: the same transaction, with these statements too.
    transaction: inTransaction ? (fn) => fn(prepared) : store.transaction,
    // Readiness: a node that can no longer make writes durable is not ready.
    ping: () => {
      const failure = wal.failure();
      return failure === null
        ? store.ping()
        : Promise.reject(new DatabaseUnavailable({ cause: failure }));
    },
    users: {
      ...store.users,
      create: (user) =>
        write(() => {
          s.createUser.run(
            user.id,
            user.username,
            user.displayName,
            buf(user.userHandle),
            user.createdAt,
            user.externalId,
            user.disabledAt,
            JSON.stringify(user.publicMetadata),
            JSON.stringify(user.privateMetadata),
          );
        }),
      findById: (id) =>
        read(() => {
          const row = s.userById.get(id) as Database['users'] | undefined;
          return row === undefined ? null : toUser(row);
        }),
      findByUsername: (username) =>
        read(() => {
          const row = s.userByUsername.get(username) as Database['users'] | undefined;
          return row === undefined ? null : toUser(row);
        }),
    },
    credentials: {
      ...store.credentials,
      create: (c) =>
        write(() => {
          s.createCredential.run(
            buf(c.id),
            c.userId,
            buf(c.publicKey),
            c.algorithm,
            c.signCount,
            JSON.stringify(c.transports),
            c.deviceType,
            c.backupEligible ? 1 : 0,
            c.backedUp ? 1 : 0,
            c.uvInitialized ? 1 : 0,
            c.aaguid,
            c.name,
            c.createdAt,
            c.lastUsedAt,
          );
        }),
      findById: (id) =>
        read(() => {
          const row = s.credentialById.get(buf(id)) as Database['credentials'] | undefined;
          return row === undefined ? null : toCredential(row);
        }),
      findWithOwner: (id) =>
        read(() => {
          const row = s.credentialWithOwner.get(buf(id)) as CredentialWithOwnerRow | undefined;
          return row === undefined ? null : toCredentialWithOwner(row);
        }),
      recordUse: (use) =>
        write(
          () =>
            s.recordUse.run({
              id: buf(use.id),
              signCount: use.signCount,
              backedUp: use.backedUp ? 1 : 0,
              at: use.at,
            }).changes === 1,
        ),
    },
    sessions: {
      ...store.sessions,
      create: (session) =>
        write(() => {
          s.createSession.run(
            session.id,
            buf(session.tokenHash),
            session.userId,
            session.credentialId === null ? null : buf(session.credentialId),
            session.createdAt,
            session.expiresAt,
            session.lastSeenAt,
            session.verifiedAt,
            session.userAgent,
            session.kind,
          );
        }),
      findByTokenHash: (tokenHash, now) =>
        read(() => {
          const row = s.sessionByTokenHash.get(buf(tokenHash), now) as
            | SessionWithUserRow
            | undefined;
          return row === undefined ? null : toSessionWithUser(row);
        }),
    },
    challenges: {
      ...store.challenges,
      consume: (nonce, expiresAt) =>
        write(() => s.consumeChallenge.run(buf(nonce), expiresAt).changes === 1),
    },
    audit: {
      ...store.audit,
      record: (event) =>
        write(() => {
          s.recordAudit.run(
            event.at,
            event.type,
            event.userId ?? null,
            event.credentialId ? buf(event.credentialId) : null,
            escapeControl(event.ip ?? null),
            escapeControl(event.userAgent ?? null),
            escapeControl(event.detail ?? null),
          );
        }),
    },
  };
  return prepared;
}

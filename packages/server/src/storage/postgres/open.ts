import { type Dialect, Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import { createKyselyStore, type Database } from '../kysely-store.js';
import { latestVersion, type MigrationResult, planMigrations } from '../migrate.js';
import { postgresMigrations } from '../migrations/postgres.js';
import { DatabaseUnavailable, UniqueViolation } from '../records.js';
import type { Store } from '../store.js';

export interface PostgresOptions {
  /** Most connections this node holds; requests beyond it wait `acquireTimeoutMs`, then get 503. */
  poolSize: number;
  /** Server-side statement timeout and client-side wait for a connection, in ms. */
  timeoutMs: number;
  migrate: boolean;
}

/** Key of the advisory lock that serialises migrations across nodes ("passki" in ASCII). */
const MIGRATION_LOCK = 0x70_61_73_73_6b_69;

/**
 * A deadlock or serialisation failure rolls the whole transaction back, so running it again is
 * safe; the callbacks only touch the database. Anything else, or a third failure, is final.
 */
const TRANSACTION_ATTEMPTS = 3;
const RETRYABLE_STATES = new Set(['40P01', '40001']);
const isRetryable = (err: unknown): boolean =>
  typeof err === 'object' &&
  err !== null &&
  RETRYABLE_STATES.has(String((err as { code?: unknown }).code));

/** Opens a pooled PostgreSQL store; the node keeps no state of its own beyond the pool. */
export async function openPostgresStore(
  url: string,
  opts: PostgresOptions,
): Promise<{ store: Store; migration: MigrationResult }> {
  // Loaded here, not at start-up: a node on SQLite never pays for the driver's code and memory.
  const { Pool } = (await import('pg')).default as typeof pg;
  const pool = new Pool({
    connectionString: url,
    max: opts.poolSize,
    connectionTimeoutMillis: opts.timeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: opts.timeoutMs,
    query_timeout: opts.timeoutMs + 1_000,
    idle_in_transaction_session_timeout: opts.timeoutMs * 2,
    application_name: 'passki',
  });
  // A connection that dies while idle (database restart) must not crash the process: the pool
  // drops it and the next query opens a new one, so the node recovers by itself.
  pool.on('error', () => undefined);
  // The same for a connection that dies while checked out: the query in flight fails (→ 503),
  // but the 'error' event itself must have a listener or Node would end the process.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return openKyselyPostgres(new PostgresDialect({ pool }), opts.migrate);
}

/** The same store over any Kysely Postgres dialect (PGlite in tests). */
export async function openKyselyPostgres(
  dialect: Dialect,
  migrate: boolean,
): Promise<{ store: Store; migration: MigrationResult }> {
  const kysely = new Kysely<Database>({ dialect });
  try {
    const migration = await migratePostgres(kysely, migrate);
    const hooks = { translateError: translatePostgresError, rowLocks: true };
    const root = {
      transaction: async <T>(fn: (tx: Store) => Promise<T>): Promise<T> => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await kysely
              .transaction()
              .execute((trx) => fn(createKyselyStore(trx, hooks, null)));
          } catch (err) {
            if (attempt < TRANSACTION_ATTEMPTS && isRetryable(err)) continue;
            throw translatePostgresError(err);
          }
        }
      },
      close: () => kysely.destroy(),
    };
    return { store: createKyselyStore(kysely, hooks, root), migration };
  } catch (err) {
    await kysely.destroy().catch(() => undefined);
    throw translatePostgresError(err);
  }
}

/**
 * Applies pending migrations in one transaction under an advisory lock, so nodes starting together
 * take turns and each migration runs once; PostgreSQL DDL is transactional, so a crash mid-way
 * leaves the previous version intact.
 */
async function migratePostgres(db: Kysely<Database>, apply: boolean): Promise<MigrationResult> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS passki_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`.execute(
      trx,
    );
    const row = await sql<{
      v: number | null;
    }>`SELECT max(version) AS v FROM passki_migrations`.execute(trx);
    const from = Number(row.rows[0]?.v ?? 0);
    const pending = planMigrations(from, postgresMigrations, apply);
    for (const migration of pending) {
      for (const statement of migration.sql.split(/;\s*$/m)) {
        if (statement.trim().length > 0) await sql.raw(statement).execute(trx);
      }
      await sql`INSERT INTO passki_migrations (version, name, applied_at) VALUES (${migration.version}, ${migration.name}, ${Date.now()})`.execute(
        trx,
      );
    }
    return {
      from,
      to: pending.length > 0 ? latestVersion(postgresMigrations) : from,
      applied: pending.map((m) => m.version),
    };
  });
}

const UNIQUE_FIELDS: Record<string, UniqueViolation['field']> = {
  users_username_key: 'username',
  users_user_handle_key: 'user_handle',
  users_external_id_key: 'external_id',
  credentials_pkey: 'credential_id',
};

/**
 * SQLSTATEs that mean "the database is not there for us" rather than "your data is wrong":
 * connection (08), resources (53), shutdown or cancel (57P, 57014), system (58), and what a
 * server says when it will not let us in: bad credentials (28), no such database (3D000), a
 * database not accepting connections (55000).
 */
const UNAVAILABLE_CODES = /^(08|53|57P|57014|58|28|3D000|55000)/;
const UNAVAILABLE_MESSAGES =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|Connection terminated|timeout exceeded|Query read timeout|Client has encountered a connection error|connection is closed|Cannot use a pool after calling end/i;

export function translatePostgresError(err: unknown): unknown {
  if (
    !(err instanceof Error) ||
    err instanceof UniqueViolation ||
    err instanceof DatabaseUnavailable
  )
    return err;
  const code = (err as { code?: unknown }).code;
  if (code === '23505') {
    const constraint = (err as { constraint?: string }).constraint ?? '';
    return new UniqueViolation(UNIQUE_FIELDS[constraint] ?? 'other', { cause: err });
  }
  if (
    (typeof code === 'string' && UNAVAILABLE_CODES.test(code)) ||
    UNAVAILABLE_MESSAGES.test(err.message)
  ) {
    return new DatabaseUnavailable({ cause: err });
  }
  return err;
}

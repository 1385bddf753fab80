import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely } from 'kysely';
import { createKyselyStore, type Database } from '../kysely-store.js';
import { latestVersion, type MigrationResult, planMigrations } from '../migrate.js';
import { sqliteMigrations } from '../migrations/sqlite.js';
import { DatabaseUnavailable, UniqueViolation } from '../records.js';
import type { Store } from '../store.js';
import { PasskiSqliteDialect } from './driver.js';
import { ConnectionGate } from './gate.js';
import { createGroupCommitter } from './group-commit.js';
import { prepareStatements, withPreparedStatements } from './prepared.js';
import { createWalSync, noWalSync, type WalSync } from './wal-sync.js';

const PAGE_CACHE_KIB = 4096;

export interface SqliteStoreOptions {
  /** Apply pending migrations (default true); when false, refuse to open an outdated schema. */
  migrate?: boolean;
  /** How the WAL is synced (`fs.fsync` by default); tests pass one they can hold or fail. */
  fsync?: (fd: number, done: (err: Error | null) => void) => void;
}

/**
 * The file holds the challenge MAC secret and, unless PASSKI_KEY_ENCRYPTION_KEY is set, the JWT
 * signing keys: a new one (and a new directory for it) is readable by its owner only. SQLite
 * gives its -wal and -shm files the database file's mode. Existing files keep theirs.
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, '', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
  }
}

/**
 * Opens (creating if needed) the SQLite database at `path`.
 * WAL, and every acknowledged write on disk before the response leaves: SQLite commits with
 * `synchronous=NORMAL` and Passki fsyncs the WAL itself, off the event loop (`wal-sync.ts`),
 * answering only after it; migrations run with `synchronous=FULL`. busy_timeout makes a second
 * process wait instead of failing.
 */
export function openSqliteStore(
  path: string,
  opts: SqliteStoreOptions = {},
): { store: Store; migration: MigrationResult } {
  if (path !== ':memory:') createPrivately(path);
  const db = new Sqlite(path);
  let walSync: WalSync | null = null;
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    // better-sqlite3 defaults to a 16 MB page cache, all of it resident under load. 4 MB holds the
    // hot interior pages; a miss is a read from the OS page cache, which sign-ins did not feel.
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    const migration = migrateSqlite(db, opts.migrate ?? true);
    // Group commit runs each member in a SAVEPOINT, so SQLite keeps a statement journal of the
    // pages each one changes (to roll back only that member). By default a journal past 64 KiB
    // spills to a new temp file per batch (create, hundreds of writes, unlink): in memory instead.
    // Set after migrating, so a migration's index build may still sort on disk, not in RAM.
    db.pragma('temp_store = MEMORY');
    // SQLite follows a symlinked database file and keeps its WAL next to the real one.
    walSync =
      path === ':memory:' ? noWalSync() : createWalSync(`${realpathSync(path)}-wal`, opts.fsync);
    const wal = walSync;
    if (path !== ':memory:') db.pragma('synchronous = NORMAL');
    const gate = new ConnectionGate();
    const kysely = new Kysely<Database>({ dialect: new PasskiSqliteDialect(db, gate, wal) });
    const hooks = { translateError: translateSqliteError, rowLocks: false };
    const statements = prepareStatements(db);
    const prepared = (store: Store, inTransaction: boolean): Store =>
      withPreparedStatements(store, statements, {
        gate,
        wal,
        inTransaction,
        translateError: translateSqliteError,
      });
    const inGroupCommit = createGroupCommitter({
      db,
      kysely,
      wal,
      transactionStore: (connection) => prepared(createKyselyStore(connection, hooks, null), true),
      translateError: translateSqliteError,
    });
    const root = {
      transaction: <T>(fn: (tx: Store) => Promise<T>): Promise<T> => inGroupCommit(fn),
      close: async () => {
        await kysely.destroy();
        await wal.close();
      },
    };
    return { store: prepared(createKyselyStore(kysely, hooks, root), false), migration };
  } catch (err) {
    void walSync?.close();
    db.close();
    throw err;
  }
}

function migrateSqlite(db: Sqlite.Database, apply: boolean): MigrationResult {
  db.exec(
    'CREATE TABLE IF NOT EXISTS passki_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
  );
  // One IMMEDIATE transaction: two processes starting at once apply each migration exactly once.
  const run = db.transaction((): MigrationResult => {
    const row = db.prepare('SELECT max(version) AS v FROM passki_migrations').get() as {
      v: number | null;
    };
    const from = row.v ?? 0;
    const pending = planMigrations(from, sqliteMigrations, apply);
    const record = db.prepare(
      'INSERT INTO passki_migrations (version, name, applied_at) VALUES (?, ?, ?)',
    );
    for (const m of pending) {
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    }
    return {
      from,
      to: pending.length > 0 ? latestVersion(sqliteMigrations) : from,
      applied: pending.map((m) => m.version),
    };
  });
  return run.immediate();
}

const UNAVAILABLE_CODES = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_CANTOPEN',
  'SQLITE_NOMEM',
  'SQLITE_PROTOCOL',
  'SQLITE_READONLY',
];

function translateSqliteError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const message = err.message;
    if (message.includes('users.username')) return new UniqueViolation('username', { cause: err });
    if (message.includes('users.user_handle'))
      return new UniqueViolation('user_handle', { cause: err });
    if (message.includes('users.external_id'))
      return new UniqueViolation('external_id', { cause: err });
    if (message.includes('credentials.id'))
      return new UniqueViolation('credential_id', { cause: err });
    return new UniqueViolation('other', { cause: err });
  }
  // better-sqlite3 reports extended codes (SQLITE_IOERR_FSYNC, SQLITE_BUSY_SNAPSHOT, …).
  if (
    (err as { syscall?: string }).syscall === 'fsync' ||
    UNAVAILABLE_CODES.some((prefix) => code === prefix || code.startsWith(`${prefix}_`))
  ) {
    return new DatabaseUnavailable({ cause: err });
  }
  return err;
}

import type BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { LruCache } from '../../core/lru.js';
import { DatabaseUnavailable } from '../records.js';
import type { ConnectionGate } from './gate.js';
import type { WalSync } from './wal-sync.js';

/**
 * A Kysely dialect for better-sqlite3 that differs from Kysely's own in the ways that matter here:
 * - write transactions start with `BEGIN IMMEDIATE`, so a second process writing the same file
 *   waits on `busy_timeout` at BEGIN instead of failing with SQLITE_BUSY on its first write;
 * - prepared statements are cached per SQL text instead of re-prepared on every query;
 * - the connection is shared with the group commit and the prepared hot paths through one gate,
 *   and a write outside a transaction (an autocommit) is answered only once it is durable.
 */
export class PasskiSqliteDialect implements Dialect {
  readonly #db: BetterSqlite3.Database;
  readonly #gate: ConnectionGate;
  readonly #wal: WalSync;

  constructor(db: BetterSqlite3.Database, gate: ConnectionGate, wal: WalSync) {
    this.#db = db;
    this.#gate = gate;
    this.#wal = wal;
  }

  createAdapter(): SqliteAdapter {
    return new SqliteAdapter();
  }
  createDriver(): Driver {
    return new SqliteDriver(this.#db, this.#gate, this.#wal);
  }
  createQueryCompiler(): SqliteQueryCompiler {
    return new SqliteQueryCompiler();
  }
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's introspector takes any database shape.
  createIntrospector(db: Kysely<any>): SqliteIntrospector {
    return new SqliteIntrospector(db);
  }
}

const STATEMENT_CACHE_LIMIT = 256;

class SqliteDriver implements Driver {
  readonly #connection: SqliteConnection;
  readonly #gate: ConnectionGate;

  constructor(db: BetterSqlite3.Database, gate: ConnectionGate, wal: WalSync) {
    this.#connection = new SqliteConnection(db, wal);
    this.#gate = gate;
  }

  async init(): Promise<void> {}

  // SQLite has one connection; callers take turns so transactions never interleave.
  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#gate.acquire();
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    const pending = this.#connection.takePendingSync();
    this.#gate.release();
    // Wait for the disk with the connection already handed on, so others keep working meanwhile.
    if (pending !== null) await pending;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
  async destroy(): Promise<void> {
    // After whatever holds the connection (a batch) is done with it.
    await this.#gate.acquire();
    this.#connection.close();
  }
}

class SqliteConnection implements DatabaseConnection {
  readonly #db: BetterSqlite3.Database;
  readonly #wal: WalSync;
  readonly #statements = new LruCache<string, BetterSqlite3.Statement>(STATEMENT_CACHE_LIMIT);
  #pendingSync: Promise<void> | null = null;

  constructor(db: BetterSqlite3.Database, wal: WalSync) {
    this.#db = db;
    this.#wal = wal;
  }

  #prepare(sqlText: string): BetterSqlite3.Statement {
    let statement = this.#statements.get(sqlText);
    if (statement === undefined) {
      statement = this.#db.prepare(sqlText);
      this.#statements.set(sqlText, statement);
    }
    return statement;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.#prepare(query.sql);
    const parameters = query.parameters as unknown[];
    // Once durability is in doubt nothing more is written: a write that cannot be made durable
    // must not become visible either.
    const failure = statement.readonly ? null : this.#wal.failure();
    if (failure !== null) throw new DatabaseUnavailable({ cause: failure });
    if (statement.reader) {
      const rows = statement.all(parameters) as R[];
      // A write that returns rows (INSERT … RETURNING, UPDATE … RETURNING) is a write too.
      if (!statement.readonly) this.#syncIfCommitted();
      return { rows };
    }
    const { changes, lastInsertRowid } = statement.run(parameters);
    this.#syncIfCommitted();
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  /** After an autocommit write or the COMMIT of a Kysely transaction: not done until on disk. */
  #syncIfCommitted(): void {
    if (this.#db.inTransaction) return;
    const pending = this.#wal.durable();
    pending.catch(() => undefined); // handled by the caller, in releaseConnection
    this.#pendingSync = pending;
  }

  /** The fsync the last write is waiting for, if any; its caller hears back only after it. */
  takePendingSync(): Promise<void> | null {
    const pending = this.#pendingSync;
    this.#pendingSync = null;
    return pending;
  }

  // biome-ignore lint/correctness/useYield: streaming is not used by Passki.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streamQuery is not supported by the Passki SQLite driver');
  }

  close(): void {
    this.#statements.clear();
    this.#db.close();
  }
}

import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database } from '../kysely-store.js';
import { DatabaseUnavailable } from '../records.js';
import type { Store } from '../store.js';
import type { WalSync } from './wal-sync.js';

interface Member {
  run: (tx: Store) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Bounds how long one batch holds the connection (and so how long a reader can wait). */
const MAX_BATCH = 64;

/**
 * Group commit for SQLite. Transactions that arrive together share one write transaction: each
 * runs inside its own SAVEPOINT (a failure rolls back only its own writes and is reported at
 * once), and the successful ones are acknowledged only after the single COMMIT is durable
 * (`durable`: an fsync of the WAL off the event loop). While that fsync runs the connection is
 * already free, so the next batch builds up and commits behind it: the disk wait overlaps work
 * instead of stopping it, and no caller hears "done" before its rows are synced.
 */
export function createGroupCommitter(opts: {
  db: BetterSqlite3.Database;
  kysely: Kysely<Database>;
  wal: WalSync;
  /** The store a batch's members use, bound to the connection the batch holds. */
  transactionStore: (db: Kysely<Database>) => Store;
  /** Maps a driver or fsync error to a domain error (DatabaseUnavailable). */
  translateError: (err: unknown) => unknown;
}): <T>(run: (tx: Store) => Promise<T>) => Promise<T> {
  const { db, kysely, wal, translateError } = opts;
  const statements = {
    begin: db.prepare('BEGIN IMMEDIATE'),
    savepoint: db.prepare('SAVEPOINT member'),
    release: db.prepare('RELEASE member'),
    rollbackTo: db.prepare('ROLLBACK TO member'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
  };
  const queue: Member[] = [];
  let scheduled = false;

  const runBatch = async (batch: Member[]): Promise<void> => {
    const failure = wal.failure();
    if (failure !== null) {
      for (const member of batch) member.reject(new DatabaseUnavailable({ cause: failure }));
      return;
    }
    // Members that failed are answered with the batch, not at once: their failure may rest on
    // what earlier members wrote (a name taken, a challenge used), which counts only once the
    // batch is committed and durable.
    const outcomes: { member: Member; ok: boolean; value: unknown }[] = [];
    try {
      await kysely.connection().execute(async (connection) => {
        const tx = opts.transactionStore(connection);
        statements.begin.run();
        try {
          for (const member of batch) {
            statements.savepoint.run();
            try {
              const value = await member.run(tx);
              statements.release.run();
              outcomes.push({ member, ok: true, value });
            } catch (err) {
              statements.rollbackTo.run();
              statements.release.run();
              outcomes.push({ member, ok: false, value: err });
            }
          }
          statements.commit.run();
        } catch (err) {
          try {
            if (db.inTransaction) statements.rollback.run();
          } catch (rollbackError) {
            // A transaction left open would swallow every later write: refuse writes instead.
            wal.fail(
              rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)),
            );
          }
          throw err;
        }
      });
    } catch (err) {
      // BEGIN, a savepoint or the shared COMMIT failed: nothing of this batch was kept.
      for (const member of batch) member.reject(translateError(err));
      return;
    }
    const settle = (): void => {
      for (const { member, ok, value } of outcomes) {
        if (ok) member.resolve(value);
        else member.reject(value);
      }
    };
    if (!outcomes.some((o) => o.ok)) return settle();
    wal.durable().then(settle, (err: unknown) => {
      const error = translateError(err);
      for (const { member } of outcomes) member.reject(error);
    });
  };

  const flush = async (): Promise<void> => {
    while (queue.length > 0) await runBatch(queue.splice(0, MAX_BATCH));
    scheduled = false;
  };

  return <T>(run: (tx: Store) => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!scheduled) {
        scheduled = true;
        // After the current I/O phase, so the requests that arrived together join one batch.
        setImmediate(() => void flush());
      }
    });
}

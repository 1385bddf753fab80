import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database } from '../kysely-store.js';
import type { Store } from '../store.js';
import type { Durable } from './wal-sync.js';

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
  durable: Durable;
  /** The store a batch's members use, bound to the connection the batch holds. */
  transactionStore: (db: Kysely<Database>) => Store;
  /** Maps a driver or fsync error to a domain error (DatabaseUnavailable). */
  translateError: (err: unknown) => unknown;
}): <T>(run: (tx: Store) => Promise<T>) => Promise<T> {
  const { db, kysely, durable, translateError } = opts;
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
    const succeeded: { member: Member; value: unknown }[] = [];
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
              succeeded.push({ member, value });
            } catch (err) {
              statements.rollbackTo.run();
              statements.release.run();
              member.reject(err);
            }
          }
          statements.commit.run();
        } catch (err) {
          if (db.inTransaction) statements.rollback.run();
          throw err;
        }
      });
    } catch (err) {
      // The shared COMMIT (or BEGIN) failed: nothing of this batch was kept.
      for (const member of batch) member.reject(translateError(err));
      return;
    }
    if (succeeded.length === 0) return;
    durable().then(
      () => {
        for (const { member, value } of succeeded) member.resolve(value);
      },
      (err: unknown) => {
        for (const { member } of succeeded) member.reject(translateError(err));
      },
    );
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

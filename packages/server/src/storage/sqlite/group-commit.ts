import { type Kysely, sql } from 'kysely';
import type { Database } from '../kysely-store.js';

interface Member {
  run: (db: Kysely<Database>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Bounds how long one batch holds the connection (and so how long a reader can wait). */
const MAX_BATCH = 64;

/**
 * Group commit for SQLite. With `synchronous=FULL` every COMMIT waits for an fsync, on the event
 * loop, and that wait — not the CPU — caps how many ceremonies one node completes per second.
 * Transactions that arrive together therefore share one write transaction: each runs inside its
 * own SAVEPOINT (a failure rolls back only its own writes and is reported at once), and all the
 * successful ones are acknowledged only after the single COMMIT has reached the disk. Durability
 * is unchanged: no caller hears "done" before its rows are synced.
 */
export function createGroupCommitter(
  kysely: Kysely<Database>,
): <T>(run: (db: Kysely<Database>) => Promise<T>) => Promise<T> {
  const queue: Member[] = [];
  let scheduled = false;

  const flush = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      const succeeded: { member: Member; value: unknown }[] = [];
      try {
        await kysely.connection().execute(async (db) => {
          await sql`begin immediate`.execute(db);
          try {
            for (const member of batch) {
              await sql`savepoint member`.execute(db);
              try {
                const value = await member.run(db);
                await sql`release member`.execute(db);
                succeeded.push({ member, value });
              } catch (err) {
                await sql`rollback to member`.execute(db);
                await sql`release member`.execute(db);
                member.reject(err);
              }
            }
            await sql`commit`.execute(db);
          } catch (err) {
            await sql`rollback`.execute(db).catch(() => undefined);
            throw err;
          }
        });
      } catch (err) {
        // The shared COMMIT (or BEGIN) failed: nothing of this batch was kept.
        for (const { member } of succeeded) member.reject(err);
        for (const member of batch)
          if (!succeeded.some((s) => s.member === member)) member.reject(err);
        continue;
      }
      for (const { member, value } of succeeded) member.resolve(value);
    }
    scheduled = false;
  };

  return <T>(run: (db: Kysely<Database>) => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!scheduled) {
        scheduled = true;
        // After the current I/O phase, so the requests that arrived together join one batch.
        setImmediate(() => void flush());
      }
    });
}

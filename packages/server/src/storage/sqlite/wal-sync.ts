import { closeSync, fsync, openSync } from 'node:fs';

/** Resolves once everything committed before the call is on disk. */
export type Durable = () => Promise<void>;

/** The WAL's sync state, shared by everything that writes through one connection. */
export interface WalSync {
  durable: Durable;
  /** Set after an fsync failed (or the store was otherwise left unsafe): refuse writes. */
  failure(): Error | null;
  /** Marks the store unusable for writes, e.g. a batch that could not be rolled back. */
  fail(err: Error): void;
  /** Waits for the fsyncs in flight, then closes the file. */
  close(): Promise<void>;
}

/**
 * Durability without blocking the event loop. SQLite runs with `synchronous=NORMAL`, so COMMIT
 * appends to the WAL without waiting for the disk; this then fsyncs the WAL file on libuv's thread
 * pool, and callers are answered only after it. An fsync covers every write to the file made
 * before it started, so the same guarantee as `synchronous=FULL` holds (nothing acknowledged is
 * lost on power failure) while the loop keeps verifying signatures during the disk wait.
 *
 * Calls made while an fsync runs share the next one: at most one in flight and one queued.
 * After a failed fsync the kernel may have dropped the dirty pages, so a later success would
 * prove nothing; every later call fails too until the process restarts.
 */
export function createWalSync(
  walPath: string,
  sync: (fd: number, done: (err: Error | null) => void) => void = fsync,
): WalSync {
  // Writable: Windows' FlushFileBuffers refuses a read-only handle.
  const fd = openSync(walPath, 'r+');
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  let failed: Error | null = null;

  const start = (): Promise<void> => {
    const p = new Promise<void>((resolve, reject) => {
      sync(fd, (err) => {
        if (err !== null) failed ??= err;
        if (failed === null) resolve();
        else reject(failed);
      });
    });
    running = p;
    const clear = (): void => {
      if (running === p) running = null;
    };
    p.then(clear, clear);
    return p;
  };

  const durable: Durable = () => {
    if (failed !== null) return Promise.reject(failed);
    if (running === null) return start();
    // The running fsync may have started before this caller's commit: wait for the next one.
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = null;
        return start();
      });
    return queued;
  };

  return {
    durable,
    failure: () => failed,
    fail: (err) => {
      failed ??= err;
    },
    close: async () => {
      await (queued ?? running)?.catch(() => undefined);
      closeSync(fd);
    },
  };
}

/** For `:memory:` databases: nothing to sync, but a store can still be marked unsafe. */
export function noWalSync(): WalSync {
  let failed: Error | null = null;
  return {
    durable: () => (failed === null ? Promise.resolve() : Promise.reject(failed)),
    failure: () => failed,
    fail: (err) => {
      failed ??= err;
    },
    close: async () => {},
  };
}

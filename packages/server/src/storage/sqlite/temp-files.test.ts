import { mkdtempSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleCredential, sampleUser } from '../sample-records.js';
import { openSqliteStore } from './open.js';

// SQLite reads SQLITE_TMPDIR once per process, when it initialises (the first database opened).
// Set here, before any database opens, it sends this file's temp files to a fresh directory; the
// first test checks that it took (it would not if SQLite had already run in this process).
const tempDir = mkdtempSync(join(tmpdir(), 'passki-sqlite-tmp-'));
process.env.SQLITE_TMPDIR = tempDir;
const dataDir = mkdtempSync(join(tmpdir(), 'passki-sqlite-data-'));

afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

/** The names of the files created in the temp directory while `work` runs. */
async function tempFilesDuring(work: () => Promise<void>): Promise<string[]> {
  const created: string[] = [];
  const watcher = watch(tempDir, (_event, name) => created.push(String(name)));
  try {
    await work();
    // inotify events arrive asynchronously; give them a moment before looking.
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    watcher.close();
  }
  return created;
}

describe('SQLite temp files', () => {
  it('are watched where this process puts them (the control for the test below)', async () => {
    // A temp table larger than its page cache must spill to a temp file: if this sees none,
    // SQLITE_TMPDIR was not honoured and the next test would pass without proving anything.
    const raw = new Sqlite(join(dataDir, 'control.db'));
    raw.pragma('temp_store = FILE');
    raw.pragma('temp.cache_size = 10');
    const created = await tempFilesDuring(async () => {
      raw.exec(`CREATE TEMP TABLE filler AS
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
        SELECT i, randomblob(1000) AS b FROM n`);
    });
    raw.close();
    expect(created.some((name) => name.startsWith('etilqs_'))).toBe(true);
  });

  // Group commit wraps each member in a SAVEPOINT. Past 64 KiB, SQLite's default spills that
  // savepoint's journal to a temp file it creates and unlinks on the spot (hundreds of writes per
  // batch under sign-in load): wasted syscalls, and a commit that needs a writable temp directory.
  it('keeps a large savepoint journal in memory, so a write creates no temp file', async () => {
    const { store } = openSqliteStore(join(dataDir, 'passki.db'));
    const credentialIds: Uint8Array[] = [];
    await store.transaction(async (tx) => {
      for (let i = 0; i < 3_000; i++) {
        const user = sampleUser();
        await tx.users.create(user);
        const credential = sampleCredential(user.id);
        await tx.credentials.create(credential);
        credentialIds.push(credential.id);
      }
    });

    // One member that changes every credential page: hundreds of KiB of savepoint journal.
    const created = await tempFilesDuring(() =>
      store.transaction(async (tx) => {
        for (const id of credentialIds) {
          await tx.credentials.recordUse({ id, signCount: 1, backedUp: true, at: 5_000 });
        }
      }),
    );
    await store.close();

    expect(created).toEqual([]);
    const reopened = openSqliteStore(join(dataDir, 'passki.db')).store;
    const used = await reopened.credentials.findById(credentialIds[0] as Uint8Array);
    expect(used?.signCount).toBe(1);
    await reopened.close();
  });
});

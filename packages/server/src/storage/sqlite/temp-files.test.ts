import { mkdtempSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleCredential, sampleUser } from '../sample-records.js';
import { openSqliteStore } from './open.js';

// SQLite reads SQLITE_TMPDIR once, at its first temp file; this file runs in its own process, so
// setting it here, before any store opens, points every temp file of this test at a fresh directory.
const tempDir = mkdtempSync(join(tmpdir(), 'passki-sqlite-tmp-'));
process.env.SQLITE_TMPDIR = tempDir;
const dataDir = mkdtempSync(join(tmpdir(), 'passki-sqlite-data-'));

afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('SQLite temp files', () => {
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

    const created: string[] = [];
    const watcher = watch(tempDir, (_event, name) => created.push(String(name)));
    // One member that changes every credential page: hundreds of KiB of savepoint journal.
    await store.transaction(async (tx) => {
      for (const id of credentialIds) {
        await tx.credentials.recordUse({ id, signCount: 1, backedUp: true, at: 5_000 });
      }
    });
    // inotify events arrive asynchronously; give them a moment before looking.
    await new Promise((resolve) => setTimeout(resolve, 200));
    watcher.close();
    await store.close();

    expect(created).toEqual([]);
    const reopened = openSqliteStore(join(dataDir, 'passki.db')).store;
    const used = await reopened.credentials.findById(credentialIds[0] as Uint8Array);
    expect(used?.signCount).toBe(1);
    await reopened.close();
  });
});

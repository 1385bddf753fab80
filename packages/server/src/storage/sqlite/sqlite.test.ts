import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sqliteMigrations } from '../migrations/sqlite.js';
import { describeStoreContract } from '../store-contract.js';
import { openSqliteStore } from './open.js';

function tempDb(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'passki-sqlite-'));
  return {
    path: join(dir, 'passki.db'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

describeStoreContract('SQLite file', async () => {
  const db = tempDb();
  const { store } = openSqliteStore(db.path);
  return {
    store,
    cleanup: async () => {
      await store.close();
      db.remove();
    },
  };
});

describe('SQLite specifics', () => {
  it('runs in WAL mode with foreign keys on', async () => {
    const db = tempDb();
    const { store } = openSqliteStore(db.path);
    await store.close();
    const raw = new Sqlite(db.path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();
    db.remove();
  });

  it('migrates once, and refuses a schema newer than it knows', async () => {
    const db = tempDb();
    const first = openSqliteStore(db.path);
    expect(first.migration).toMatchObject({
      from: 0,
      applied: sqliteMigrations.map((m) => m.version),
    });
    await first.store.close();
    const second = openSqliteStore(db.path);
    expect(second.migration.applied).toEqual([]);
    await second.store.close();
    const raw = new Sqlite(db.path);
    raw
      .prepare('INSERT INTO passki_migrations (version, name, applied_at) VALUES (999, ?, 0)')
      .run('from the future');
    raw.close();
    expect(() => openSqliteStore(db.path)).toThrowError(/version 999.*only knows versions up to/);
    db.remove();
  });

  it('refuses an outdated schema when start-up migration is off', () => {
    const db = tempDb();
    expect(() => openSqliteStore(db.path, { migrate: false })).toThrowError(/passki migrate/);
    db.remove();
  });
});

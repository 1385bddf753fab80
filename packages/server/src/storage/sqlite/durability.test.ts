import { randomBytes } from 'node:crypto';
import { fstatSync, fsync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseUnavailable, type SessionRecord, type UserRecord } from '../records.js';
import { sampleUser } from '../sample-records.js';
import type { Store } from '../store.js';
import { openSqliteStore } from './open.js';
import { createWalSync } from './wal-sync.js';

/** An fsync that waits until the test lets it finish (or fail), and records which file it got. */
function heldFsync() {
  const waiting: { fd: number; done: (err: Error | null) => void }[] = [];
  const inodes: number[] = [];
  return {
    inodes,
    fsync: (fd: number, done: (err: Error | null) => void): void => {
      inodes.push(fstatSync(fd).ino);
      waiting.push({ fd, done });
    },
    /** Waits for an fsync to be asked for, then completes all so far: for real, or with `err`. */
    async finish(err?: Error): Promise<void> {
      for (let i = 0; i < 100 && waiting.length === 0; i++) await nextTurn();
      for (const w of waiting.splice(0)) {
        if (err === undefined) fsync(w.fd, (e) => w.done(e));
        else w.done(err);
      }
    },
  };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const settled = async (p: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> => {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => {
      state = 'resolved';
    },
    () => {
      state = 'rejected';
    },
  );
  for (let i = 0; i < 20; i++) await nextTurn();
  return state;
};

const user = (): UserRecord => sampleUser();
function session(userId: string): SessionRecord {
  return {
    id: randomBytes(16).toString('base64url'),
    userId,
    tokenHash: new Uint8Array(randomBytes(32)),
    credentialId: null,
    createdAt: 1,
    expiresAt: Date.now() + 60_000,
    lastSeenAt: 1,
    verifiedAt: 0,
    userAgent: null,
    kind: 'standard',
  };
}

describe('SQLite durability: answered only after the WAL is fsynced, off the event loop', () => {
  const dirs: string[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const open = (held: ReturnType<typeof heldFsync>): { store: Store; path: string } => {
    const dir = mkdtempSync(join(tmpdir(), 'passki-durable-'));
    dirs.push(dir);
    const path = join(dir, 'passki.db');
    const { store } = openSqliteStore(path, { fsync: held.fsync });
    stores.push(store);
    return { store, path };
  };

  it('holds a transaction’s answer until the fsync of the WAL file completes', async () => {
    const held = heldFsync();
    const { store, path } = open(held);
    const u = user();
    const done = store.transaction(async (tx) => {
      await tx.users.create(u);
      return 'committed';
    });
    expect(await settled(done)).toBe('pending');
    expect(held.inodes).toHaveLength(1);
    expect(held.inodes[0]).toBe(statSync(`${path}-wal`).ino);
    await held.finish();
    await expect(done).resolves.toBe('committed');
  });

  it('fsyncs the real WAL when the database path is a symlink', async () => {
    const held = heldFsync();
    const dir = mkdtempSync(join(tmpdir(), 'passki-durable-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'real'));
    const realPath = join(dir, 'real', 'passki.db');
    const first = openSqliteStore(realPath);
    await first.store.close();
    symlinkSync(realPath, join(dir, 'link.db'));
    const { store } = openSqliteStore(join(dir, 'link.db'), { fsync: held.fsync });
    stores.push(store);
    const done = store.users.create(user());
    expect(await settled(done)).toBe('pending');
    expect(held.inodes[0]).toBe(statSync(`${realPath}-wal`).ino);
    await held.finish();
    await done;
  });

  it('holds autocommit writes outside a transaction too (Kysely and prepared paths)', async () => {
    const held = heldFsync();
    const { store } = open(held);
    const u = user();
    const viaKysely = store.users.create(u);
    expect(await settled(viaKysely)).toBe('pending');
    await held.finish();
    await viaKysely;
    const viaPrepared = store.sessions.create(session(u.id));
    expect(await settled(viaPrepared)).toBe('pending');
    // Reads are not held: they wait for no disk.
    expect(await store.users.findById(u.id)).toEqual(u);
    await held.finish();
    await viaPrepared;
  });

  it('holds writes that return rows (RETURNING) until the fsync, like any other write', async () => {
    const held = heldFsync();
    const { store } = open(held);
    // rate_limits: INSERT … ON CONFLICT … RETURNING, one statement outside any transaction.
    const hit = store.rateLimits.hit('ip:192.0.2.1', 60_000, 1_000);
    expect(await settled(hit)).toBe('pending');
    await held.finish();
    await expect(hit).resolves.toMatchObject({ count: 1 });
  });

  it('refuses every later write once an fsync failed, as database_unavailable', async () => {
    const held = heldFsync();
    const { store } = open(held);
    const u = user();
    const done = store.transaction((tx) => tx.users.create(u));
    expect(await settled(done)).toBe('pending');
    await held.finish(Object.assign(new Error('EIO: i/o error, fsync'), { syscall: 'fsync' }));
    await expect(done).rejects.toBeInstanceOf(DatabaseUnavailable);
    await expect(store.transaction((tx) => tx.users.create(user()))).rejects.toBeInstanceOf(
      DatabaseUnavailable,
    );
    await expect(store.audit.record({ at: 1, type: 'x' })).rejects.toBeInstanceOf(
      DatabaseUnavailable,
    );
    // Refused before it is written, not merely unacknowledged: nothing of it becomes visible.
    const late = user();
    await expect(store.users.create(late)).rejects.toBeInstanceOf(DatabaseUnavailable);
    expect(await store.users.findById(late.id)).toBeNull();
    // And the node stops reporting itself ready.
    await expect(store.ping()).rejects.toBeInstanceOf(DatabaseUnavailable);
  });

  it('does not write a prepared write that waited at the connection while an fsync failed', async () => {
    const held = heldFsync();
    const { store } = open(held);
    const u = user();
    const first = store.users.create(u); // its fsync is held
    expect(await settled(first)).toBe('pending');
    let letGo: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    const tx = store.transaction(async (t) => {
      await t.sessions.create(session(u.id));
      await gate; // holds the connection
    });
    await settled(Promise.resolve());
    const late = user();
    const lateWrite = store.users.create(late); // queued behind the open transaction
    expect(await settled(lateWrite)).toBe('pending');
    await held.finish(Object.assign(new Error('EIO: i/o error, fsync'), { syscall: 'fsync' }));
    letGo();
    await expect(first).rejects.toBeInstanceOf(DatabaseUnavailable);
    await expect(tx).rejects.toBeInstanceOf(DatabaseUnavailable);
    await expect(lateWrite).rejects.toBeInstanceOf(DatabaseUnavailable);
    expect(await store.users.findById(late.id)).toBeNull();
  });

  it('answers a failed member of a batch only once the batch is durable', async () => {
    const held = heldFsync();
    const { store } = open(held);
    const u = user();
    const ok = store.transaction((tx) => tx.users.create(u));
    const clash = store.transaction((tx) => tx.users.create({ ...user(), username: u.username }));
    // The clash is decided by the first member's uncommitted row: not final until it is synced.
    expect(await settled(clash)).toBe('pending');
    await held.finish();
    await ok;
    await expect(clash).rejects.toMatchObject({ field: 'username' });
  });

  it('never lets a read into another caller’s open transaction', async () => {
    const held = heldFsync();
    const { store } = open(held);
    const u = user();
    const created = store.users.create(u);
    await settled(created);
    await held.finish();
    await created;
    const s = session(u.id);
    let letGo: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    const tx = store.transaction(async (t) => {
      await t.sessions.create(s);
      await gate; // the batch's transaction stays open here
    });
    await settled(Promise.resolve());
    const read = store.sessions.findByTokenHash(s.tokenHash, 2);
    expect(await settled(read)).toBe('pending');
    letGo();
    // The read ran after the COMMIT: it sees the session (not yet durable, but never rolled back).
    expect((await read)?.session.id).toBe(s.id);
    await held.finish();
    await tx;
  });
});

describe('WAL sync coalescing', () => {
  it('runs one fsync at a time; callers during it share the next one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passki-walsync-'));
    const file = join(dir, 'wal');
    rmSync(file, { force: true });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'x');
    const callbacks: ((err: Error | null) => void)[] = [];
    const wal = createWalSync(file, (_fd, done) => callbacks.push(done));
    const first = wal.durable();
    const second = wal.durable();
    const third = wal.durable();
    expect(callbacks).toHaveLength(1);
    callbacks[0]?.(null);
    await first;
    expect(await settled(second)).toBe('pending');
    expect(callbacks).toHaveLength(2);
    callbacks[1]?.(null);
    await Promise.all([second, third]);
    expect(callbacks).toHaveLength(2);
    wal.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

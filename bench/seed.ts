/**
 * Bulk seeding of users with one ES256 passkey each, straight into the database (not over HTTP),
 * for Passki and for the peer.
 *
 * Every user's identifiers are derived from a seed string and the user's index, so the load
 * generator can rebuild any user's passkey from the index alone (a million users need no list in
 * memory). Credential IDs and user handles are hash outputs: as random-looking as real ones, so
 * B-tree inserts and lookups are not flattered by sequential keys. Every user has their own P-256
 * key up to KEY_POOL_LIMIT users; past that, keys repeat (a million keys would take over a minute
 * to generate), but across enough keys that a server-side cache of decoded keys is not flattered.
 */
import { createHash } from 'node:crypto';
import Sqlite from 'better-sqlite3';
import { generateKeyPool, type Passkey, type PoolKey, sha256 } from './authenticator.js';
import { isPostgresUrl, type PostgresRows, seedPostgresBatches } from './postgres.js';

/**
 * Up to this many users each get their own key; beyond it users share keys. It is about 24 times
 * Passki's cache of decoded public keys (2,048), so at a million users the cache still misses on
 * most sign-ins, as it would with real, distinct keys (several seconds to generate).
 */
export const KEY_POOL_LIMIT = 50_000;
const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';
const TRANSPORTS = ['internal', 'hybrid'];

/** Users 0..count-1 derived from `seed`, with their passkeys' keys taken from `pool`. */
export class SeededUsers {
  readonly seed: string;
  readonly count: number;
  readonly pool: PoolKey[];

  constructor(opts: { count: number; seed?: string; pool?: PoolKey[] }) {
    this.seed = opts.seed ?? sha256(String(Math.random())).toString('hex').slice(0, 16);
    this.count = opts.count;
    this.pool = opts.pool ?? generateKeyPool(Math.min(opts.count, KEY_POOL_LIMIT));
  }

  username(i: number): string {
    return `user${i}`;
  }

  /** 64 bytes per user, from one SHA-512: credential ID ‖ user handle. */
  #material(i: number): Buffer {
    return createHash('sha512').update(`${this.seed}:${i}`).digest();
  }

  /** Passki's user IDs are base64url of 16 random bytes. */
  userId(i: number): string {
    return createHash('sha256')
      .update(`${this.seed}:user:${i}`)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  }

  passkey(i: number): Passkey {
    const material = this.#material(i);
    return {
      key: this.pool[i % this.pool.length] as PoolKey,
      credentialId: material.subarray(0, 32),
      userHandle: material.subarray(32, 64),
    };
  }

  /** A uniformly random seeded user's passkey. */
  randomPasskey(): Passkey {
    return this.passkey(Math.floor(Math.random() * this.count));
  }
}

export interface SeedResult {
  users: number;
  seconds: number;
}

/**
 * Seeds Passki's database, SQLite or Postgres. The schema must exist already (run `passki migrate`
 * first); rows follow packages/server/src/storage/migrations/. Both writers take the same rows.
 */
export async function seedPasski(databaseUrl: string, users: SeededUsers): Promise<SeedResult> {
  const started = performance.now();
  const result = (): SeedResult => ({
    users: users.count,
    seconds: (performance.now() - started) / 1000,
  });
  if (isPostgresUrl(databaseUrl)) {
    await seedPostgresBatches(databaseUrl, users.count, 10_000, (from, to) => {
      const rows: PostgresRows = {
        users: { id: [], username: [], handle: [] },
        credentials: { id: [], userId: [], publicKey: [] },
      };
      for (let i = from; i < to; i++) {
        const userId = users.userId(i);
        const passkey = users.passkey(i);
        rows.users.id.push(userId);
        rows.users.username.push(users.username(i));
        rows.users.handle.push(passkey.userHandle);
        rows.credentials.id.push(passkey.credentialId);
        rows.credentials.userId.push(userId);
        rows.credentials.publicKey.push(passkey.key.cose);
      }
      return rows;
    });
    return result();
  }
  const path = databaseUrl.replace(/^sqlite:/, '');
  bulkInsert(path, (db) => {
    const insertUser = db.prepare(
      'INSERT INTO users (id, username, display_name, user_handle, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    const insertCredential = db.prepare(
      `INSERT INTO credentials (id, user_id, public_key, algorithm, sign_count, transports,
         device_type, backup_eligible, backed_up, uv_initialized, aaguid, name, created_at,
         last_used_at)
       VALUES (?, ?, ?, -7, 0, ?, 'singleDevice', 0, 0, 1, ?, 'Passkey', ?, NULL)`,
    );
    const transports = JSON.stringify(TRANSPORTS);
    const now = Date.now();
    for (let i = 0; i < users.count; i++) {
      const userId = users.userId(i);
      const passkey = users.passkey(i);
      const username = users.username(i);
      insertUser.run(userId, username, username, passkey.userHandle, now);
      insertCredential.run(
        passkey.credentialId,
        userId,
        passkey.key.cose,
        transports,
        ZERO_AAGUID,
        now,
      );
    }
  });
  return result();
}

/**
 * Seeds the peer (Better Auth's schema after its own migrations): `user` and `passkey` rows as its
 * passkey plugin writes them (dates as ISO text, booleans 0/1, the COSE key as base64, the
 * credential ID as base64url text).
 */
/**
 * Scale rounds reuse one seeded SQLite database: this removes what the previous round's load
 * added (sessions, used challenges, audit rows), so every round starts from the seeded tables
 * rather than from a database that grew with each round.
 */
export function clearLoadRows(databaseUrl: string): void {
  const db = new Sqlite(databaseUrl.replace(/^sqlite:/, ''));
  try {
    db.exec('DELETE FROM sessions; DELETE FROM used_challenges; DELETE FROM audit_events;');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

export function seedBetterAuth(path: string, users: SeededUsers): SeedResult {
  const started = performance.now();
  bulkInsert(path, (db) => {
    const insertUser = db.prepare(
      'INSERT INTO "user" (id, name, email, emailVerified, image, createdAt, updatedAt) VALUES (?, ?, ?, 0, NULL, ?, ?)',
    );
    const insertPasskey = db.prepare(
      `INSERT INTO passkey (id, name, publicKey, userId, credentialID, counter, deviceType,
         backedUp, transports, createdAt, aaguid)
       VALUES (?, 'Passkey', ?, ?, ?, 0, 'singleDevice', 0, ?, ?, ?)`,
    );
    const now = new Date().toISOString();
    const transports = TRANSPORTS.join(',');
    for (let i = 0; i < users.count; i++) {
      const userId = sha256(`${users.seed}:peer-user:${i}`).subarray(0, 24).toString('base64url');
      const passkey = users.passkey(i);
      const username = users.username(i);
      insertUser.run(userId, username, `${username}@bench.invalid`, now, now);
      insertPasskey.run(
        sha256(`${users.seed}:peer-passkey:${i}`).subarray(0, 24).toString('base64url'),
        passkey.key.cose.toString('base64'),
        userId,
        passkey.credentialId.toString('base64url'),
        transports,
        now,
        ZERO_AAGUID,
      );
    }
  });
  return { users: users.count, seconds: (performance.now() - started) / 1000 };
}

/**
 * One transaction with no journal and no fsync (a crash mid-seed only loses a benchmark database),
 * then back to WAL, the mode both servers run in.
 */
function bulkInsert(path: string, fill: (db: Sqlite.Database) => void): void {
  const db = new Sqlite(path);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -1048576'); // 1 GiB: a million random-key index inserts stay in memory
    db.transaction(() => fill(db))();
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}

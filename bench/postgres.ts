/**
 * Postgres for `--database postgres://…`: a fresh database per run on the named server (dropped at
 * the end), bulk seeding with one multi-row INSERT … SELECT FROM unnest(…) per batch, and stats.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseStats } from './target.js';

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Creates `passki_bench_<random>` on the server `adminUrl` names; returns its URL and a drop. */
export async function createBenchDatabase(
  adminUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `passki_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const run = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export interface PostgresRows {
  users: { id: string[]; username: string[]; handle: Buffer[] };
  credentials: { id: Buffer[]; userId: string[]; publicKey: Buffer[] };
}

/**
 * Runs `fill(batch)` once per batch of `batchSize` indexes and writes what it returns, all in one
 * transaction, then ANALYZE so the planner knows the tables' size.
 */
export async function seedPostgresBatches(
  url: string,
  count: number,
  batchSize: number,
  fill: (from: number, to: number) => PostgresRows,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    const now = Date.now();
    for (let from = 0; from < count; from += batchSize) {
      const rows = fill(from, Math.min(count, from + batchSize));
      await client.query(
        `INSERT INTO users (id, username, display_name, user_handle, created_at)
         SELECT id, username, username, handle, $4 FROM unnest($1::text[], $2::text[], $3::bytea[])
           AS t(id, username, handle)`,
        [rows.users.id, rows.users.username, rows.users.handle, now],
      );
      await client.query(
        `INSERT INTO credentials (id, user_id, public_key, algorithm, sign_count, transports,
           device_type, backup_eligible, backed_up, uv_initialized, aaguid, name, created_at,
           last_used_at)
         SELECT id, user_id, public_key, -7, 0, $4, 'singleDevice', 0, 0, 1, $5, 'Passkey', $6, NULL
           FROM unnest($1::bytea[], $2::text[], $3::bytea[]) AS t(id, user_id, public_key)`,
        [
          rows.credentials.id,
          rows.credentials.userId,
          rows.credentials.publicKey,
          '["internal","hybrid"]',
          '00000000-0000-0000-0000-000000000000',
          now,
        ],
      );
    }
    await client.query('COMMIT');
    await client.query('ANALYZE');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

/** Database size and row counts of the tables that exist. */
export async function postgresStats(url: string, tables: string[]): Promise<DatabaseStats> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const size = await client.query<{ bytes: string }>(
      'SELECT pg_database_size(current_database()) AS bytes',
    );
    const present = await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    const names = new Set(present.rows.map((r) => r.name));
    const rows: Record<string, number> = {};
    for (const table of tables) {
      if (!names.has(table)) continue;
      const counted = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`);
      rows[table] = Number(counted.rows[0]?.n ?? 0);
    }
    return { fileBytes: Number(size.rows[0]?.bytes ?? 0), walBytes: 0, rows };
  } finally {
    await client.end();
  }
}

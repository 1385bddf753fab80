import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, POSTGRES_URL } from '../../../../../test/helpers/postgres.js';
import { postgresMigrations } from '../migrations/postgres.js';
import { describeStoreContract } from '../store-contract.js';
import { openKyselyPostgres, openPostgresStore } from './open.js';

// In-process Postgres on every run, so a fresh machine still exercises the Postgres SQL.
describeStoreContract('PGlite (in-process PostgreSQL)', async () => {
  const { store } = await openKyselyPostgres(new PGliteDialect(new PGlite()), true);
  return { store, cleanup: () => store.close() };
});

describe.skipIf(POSTGRES_URL === undefined)('real PostgreSQL', () => {
  describeStoreContract('PostgreSQL server', async () => {
    const db = await createTestDatabase();
    const { store } = await openPostgresStore(db.url, {
      poolSize: 5,
      timeoutMs: 5_000,
      migrate: true,
    });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await db.drop();
      },
    };
  });

  it('migrates once when several nodes start at the same time (advisory lock)', async () => {
    const db = await createTestDatabase();
    const opened = await Promise.all(
      Array.from({ length: 4 }, () =>
        openPostgresStore(db.url, { poolSize: 2, timeoutMs: 5_000, migrate: true }),
      ),
    );
    expect(opened.map((o) => o.migration.applied.length).sort()).toEqual([
      0,
      0,
      0,
      postgresMigrations.length,
    ]);
    await Promise.all(opened.map((o) => o.store.close()));
    await db.drop();
  });

  it('refuses a schema newer than it knows, and an outdated one when migration is off', async () => {
    const db = await createTestDatabase();
    await expect(
      openPostgresStore(db.url, { poolSize: 2, timeoutMs: 5_000, migrate: false }),
    ).rejects.toThrow(/passki migrate/);
    const { store } = await openPostgresStore(db.url, {
      poolSize: 2,
      timeoutMs: 5_000,
      migrate: true,
    });
    await store.close();
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query(
      `INSERT INTO passki_migrations (version, name, applied_at) VALUES (999, 'future', 0)`,
    );
    await client.end();
    await expect(
      openPostgresStore(db.url, { poolSize: 2, timeoutMs: 5_000, migrate: true }),
    ).rejects.toThrow(/version 999/);
    await db.drop();
  });

  it('answers DatabaseUnavailable (not a hang) when the server cannot be reached', async () => {
    const started = Date.now();
    await expect(
      openPostgresStore('postgres://postgres@127.0.0.1:1/nothing', {
        poolSize: 1,
        timeoutMs: 500,
        migrate: true,
      }),
    ).rejects.toMatchObject({ name: 'DatabaseUnavailable' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

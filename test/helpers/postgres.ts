import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The real PostgreSQL server for tests, when `PASSKI_TEST_POSTGRES_URL` names one (CI sets it to
 * the local server). Each call makes a fresh database, so runs and files never see each other's rows.
 */
export const POSTGRES_URL = process.env.PASSKI_TEST_POSTGRES_URL;

if (POSTGRES_URL === undefined && process.env.CI) {
  throw new Error(
    'PASSKI_TEST_POSTGRES_URL must be set in CI: the PostgreSQL tests would not run.',
  );
}

export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (POSTGRES_URL === undefined) throw new Error('PASSKI_TEST_POSTGRES_URL is not set');
  const name = `passki_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

if (POSTGRES_URL === undefined) {
  process.stderr.write(
    '\n*** PASSKI_TEST_POSTGRES_URL is not set: tests against a real PostgreSQL server are SKIPPED ***\n\n',
  );
}

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApiKey } from '../../packages/server/src/admin/api-keys.js';
import { loadConfig } from '../../packages/server/src/config/config.js';
import { type Clock, secureRandom } from '../../packages/server/src/core/clock.js';
import { type RunningServer, startServer } from '../../packages/server/src/server.js';
import type { Store } from '../../packages/server/src/storage/store.js';
import { createTestDatabase, POSTGRES_URL } from './postgres.js';

export type Backend = 'sqlite' | 'postgres';
/** The databases every HTTP suite runs against: SQLite always, PostgreSQL when configured. */
export const BACKENDS: Backend[] = POSTGRES_URL === undefined ? ['sqlite'] : ['sqlite', 'postgres'];

export interface TestServer {
  /** http://localhost:PORT — the origin browsers and the soft authenticator use. */
  url: string;
  port: number;
  dbPath: string;
  /** The database URL the server uses (SQLite file or a fresh PostgreSQL database). */
  databaseUrl: string;
  store: Store;
  app: RunningServer['app'];
  keys: RunningServer['keys'];
  /** http://localhost:PORT of the admin listener, when PASSKI_ADMIN_PORT is set. */
  adminUrl: string | null;
  /** Creates an admin API key the way `passki keys create-admin` does. */
  adminKey(): Promise<string>;
  close(): Promise<void>;
}

/** A clock tests can move: `clock.advance(ms)`. */
export class TestClock implements Clock {
  #now = Date.now();
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        resolve(typeof address === 'object' && address !== null ? address.port : 0),
      );
    });
  });
}

/** A real Passki on loopback with a fresh SQLite file, configured like a user's first start. */
export async function startTestServer(
  opts: {
    env?: Record<string, string>;
    clock?: Clock;
    backend?: Backend;
    /** Receives the server's log lines (JSON), at PASSKI_LOG_LEVEL. */
    onLog?: (line: string) => void;
  } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'passki-test-'));
  const dbPath = join(dir, 'passki.db');
  const port = await freePort();
  const pgDb = opts.backend === 'postgres' ? await createTestDatabase() : null;
  const config = loadConfig({
    PASSKI_PORT: String(port),
    PASSKI_ORIGINS: `http://localhost:${port}`,
    PASSKI_DATABASE_URL: pgDb?.url ?? `sqlite:${dbPath}`,
    PASSKI_LOG_LEVEL: 'silent',
    // Suites that test limits turn them on; the rest make hundreds of requests from one address.
    PASSKI_RATE_LIMITS: 'off',
    ...opts.env,
  });
  const server = await startServer(config, {
    logger: opts.onLog
      ? pino({ level: config.logLevel }, { write: opts.onLog })
      : pino({ level: config.logLevel }),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return {
    url: `http://localhost:${server.port}`,
    port: server.port,
    dbPath,
    databaseUrl: config.databaseUrl,
    store: server.store,
    app: server.app,
    keys: server.keys,
    adminUrl: server.adminPort === null ? null : `http://localhost:${server.adminPort}`,
    adminKey: async () =>
      (
        await createApiKey(
          {
            store: server.store,
            clock: opts.clock ?? { now: () => Date.now() },
            random: secureRandom,
          },
          'test',
        )
      ).key,
    close: async () => {
      await server.close();
      await pgDb?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reads rows straight from the server's database, to inspect what is really stored. */
export async function queryDatabase(
  server: TestServer,
  text: string,
): Promise<Record<string, unknown>[]> {
  if (server.databaseUrl.startsWith('postgres')) {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  }
  const Sqlite = (await import('better-sqlite3')).default;
  const db = new Sqlite(server.dbPath, { readonly: true });
  try {
    return db.prepare(text).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { createTestDatabase, POSTGRES_URL } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

/** PostgreSQL goes away under a running node: clear 503s, no sessions, recovery without restart. */
describe.skipIf(POSTGRES_URL === undefined)('database outage', () => {
  let server: TestServer;
  let proxy: TcpProxy;
  let drop: () => Promise<void>;
  const logged: { msg?: string; requestId?: string; failures?: number }[] = [];

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    const target = new URL(db.url);
    proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.up();
    target.host = `127.0.0.1:${proxy.port}`;
    server = await startTestServer({
      env: {
        PASSKI_DATABASE_URL: target.toString(),
        PASSKI_DATABASE_TIMEOUT: '1s',
        PASSKI_DATABASE_POOL_SIZE: '2',
        PASSKI_LOG_LEVEL: 'debug',
      },
      onLog: (line) => logged.push(JSON.parse(line)),
    });
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.down();
    await drop?.();
  });

  it('answers 503 database_unavailable quickly, issues no session, and recovers by itself', async () => {
    const client = api(server);
    const auth = new SoftAuthenticator({ origin: server.url });
    const up = await client.post('/v1/sign-up/options', { username: 'outage' });
    const created = await client.post('/v1/sign-up/verify', {
      response: auth.register(up.body.options),
    });
    expect(created.status).toBe(200);
    const pending = (await client.post('/v1/sign-in/options', { username: 'outage' })).body.options;

    await proxy.down();
    const started = Date.now();
    const results = await Promise.all([
      client.post('/v1/sign-in/options', { username: 'outage' }),
      client.post('/v1/sign-in/verify', { response: auth.authenticate(pending) }),
      client.post('/v1/sign-up/options', { username: 'someone-new' }),
      client.get('/v1/session', { cookie: created.sessionToken as string }),
    ]);
    expect(Date.now() - started).toBeLessThan(5_000);
    for (const res of results) {
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('database_unavailable');
      expect(res.sessionToken).toBeUndefined();
    }
    // More failures within the interval: still the one line, not a stack trace per request.
    for (let i = 0; i < 3; i++) {
      expect((await client.post('/v1/sign-up/options', { username: `more${i}` })).status).toBe(503);
    }
    expect(logged.filter((entry) => entry.msg === 'database unavailable')).toHaveLength(1);
    // The other six at debug only, each with its request id.
    const repeats = logged.filter((entry) => entry.msg === 'database unavailable (repeat)');
    expect(repeats).toHaveLength(6);
    for (const entry of repeats) expect(entry.requestId).toMatch(/^[0-9a-f-]{36}$/);
    // When the 10 s are up, one error line counts them.
    await new Promise((resolve) => setTimeout(resolve, 10_500));
    expect(
      logged.filter(
        (entry) => entry.msg === 'database unavailable: more failures since the last line',
      ),
    ).toMatchObject([{ failures: 6 }]);
    const ready = await client.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not_ready', database: 'unavailable' });
    const health = await client.get('/healthz');
    expect(health.status).toBe(200);
    expect(health.body.database).toBe('unavailable');

    await proxy.up();
    // The pool reconnects on its own: no restart.
    expect((await client.get('/readyz')).status).toBe(200);
    expect(
      (await client.get('/v1/session', { cookie: created.sessionToken as string })).status,
    ).toBe(200);
    const again = await client.post('/v1/sign-in/verify', {
      response: auth.authenticate(
        (await client.post('/v1/sign-in/options', { username: 'outage' })).body.options,
      ),
    });
    expect(again.status).toBe(200);
  }, 30_000);
});

/** The server is up but will not let us in (ALLOW_CONNECTIONS false: SQLSTATE 55000). */
describe.skipIf(POSTGRES_URL === undefined)('a database refusing connections', () => {
  it('answers 503 database_unavailable, not 500, and recovers when it lets us in again', async () => {
    const db = await createTestDatabase();
    const name = new URL(db.url).pathname.slice(1);
    const server = await startTestServer({
      env: { PASSKI_DATABASE_URL: db.url, PASSKI_DATABASE_TIMEOUT: '1s' },
    });
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      const client = api(server);
      expect((await client.post('/v1/sign-up/options', { username: 'refused' })).status).toBe(200);
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [name],
      );
      for (let i = 0; i < 3; i++) {
        const res = await client.post('/v1/sign-up/options', { username: `refused${i}` });
        expect(res.status).toBe(503);
        expect(res.body.error.code).toBe('database_unavailable');
      }
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      expect((await client.post('/v1/sign-up/options', { username: 'back' })).status).toBe(200);
    } finally {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => undefined);
      await admin.end();
      await server.close();
      await db.drop();
    }
  });
});

import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { queryDatabase, startTestServer, type TestServer } from '../helpers/server.js';

/** PASSKI_REDIS_URL: rate-limit counters in Redis, shared by all nodes. CI sets the local server. */
const REDIS_URL = process.env.PASSKI_TEST_REDIS_URL;
if (REDIS_URL === undefined && process.env.CI)
  throw new Error('PASSKI_TEST_REDIS_URL must be set in CI');
if (REDIS_URL === undefined)
  process.stderr.write(
    '\n*** PASSKI_TEST_REDIS_URL is not set: Redis rate-limit tests are SKIPPED ***\n\n',
  );

describe.skipIf(REDIS_URL === undefined)('rate limits in Redis', () => {
  let a: TestServer;
  let b: TestServer;
  const env = {
    PASSKI_RATE_LIMITS: 'on',
    PASSKI_RATE_LIMIT_IP: '10/1m',
    PASSKI_TRUSTED_PROXIES: '127.0.0.1,::1',
    PASSKI_REDIS_URL: REDIS_URL as string,
  };
  beforeAll(async () => {
    [a, b] = await Promise.all([startTestServer({ env }), startTestServer({ env })]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('shares one budget per client address across nodes', async () => {
    // A fresh address per run, so counters left in Redis by an earlier run do not interfere.
    const ip = `198.18.${randomInt(256)}.${randomInt(256)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const node = i % 2 === 0 ? a : b;
      statuses.push(
        (
          await api(node).call('POST', '/v1/sign-in/options', {
            body: {},
            headers: { 'x-forwarded-for': ip },
          })
        ).status,
      );
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.slice(10)).toEqual([429, 429]);
    // The counters live in Redis: the database's own rate-limit table stays empty.
    for (const node of [a, b])
      expect(await queryDatabase(node, 'SELECT count(*) AS n FROM rate_limits')).toEqual([
        { n: 0 },
      ]);
  });

  it('answers 503 when Redis is unreachable, and never lets the request through', async () => {
    const down = await startTestServer({
      env: { ...env, PASSKI_REDIS_URL: 'redis://127.0.0.1:1', PASSKI_DATABASE_TIMEOUT: '500ms' },
    });
    try {
      const res = await api(down).post('/v1/sign-in/options', {});
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('database_unavailable');
    } finally {
      await down.close();
    }
  });
});

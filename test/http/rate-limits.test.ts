import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { BACKENDS, startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

describe.each(BACKENDS)('%s: rate limits', (backend) => {
  let server: TestServer;
  const clock = new TestClock();

  beforeAll(async () => {
    server = await startTestServer({
      clock,
      backend,
      env: {
        PASSKI_RATE_LIMITS: 'on',
        PASSKI_RATE_LIMIT_IP: '40/1m',
        PASSKI_RATE_LIMIT_ACCOUNT: '5/1m',
        PASSKI_TRUSTED_PROXIES: '127.0.0.1,::1',
      },
    });
  });
  afterAll(async () => server.close());

  /** Requests as if from `ip`, through the trusted local proxy. */
  const from = (ip: string) => {
    const client = api(server);
    return {
      post: (path: string, body: unknown) =>
        client.call('POST', path, { body, headers: { 'x-forwarded-for': ip } }),
    };
  };

  it('limits each client address and answers 429 rate_limited with Retry-After', async () => {
    const client = from('198.51.100.1');
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof client.post>> | null = null;
    for (let i = 0; i < 42; i++) {
      last = await client.post('/v1/sign-in/options', {});
      statuses.push(last.status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(40);
    expect(statuses.slice(40)).toEqual([429, 429]);
    expect(last?.body.error.code).toBe('rate_limited');
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address has its own budget; the window resets.
    expect((await from('198.51.100.2').post('/v1/sign-in/options', {})).status).toBe(200);
    clock.advance(61_000);
    expect((await client.post('/v1/sign-in/options', {})).status).toBe(200);
    const events = await server.store.audit.list({ limit: 50, type: 'rate_limited' });
    expect(events.filter((e) => e.ip === '198.51.100.1')).toHaveLength(1);
  });

  it('groups IPv6 clients by /64: rotating the low bits buys nothing', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 42; i++)
      statuses.push(
        (await from(`2001:db8:77:1::${(i + 1).toString(16)}`).post('/v1/sign-in/options', {}))
          .status,
      );
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect((await from('2001:db8:77:2::1').post('/v1/sign-in/options', {})).status).toBe(200);
  });

  it('does not believe X-Forwarded-For from an untrusted peer', async () => {
    const untrusting = await startTestServer({
      backend,
      env: { PASSKI_RATE_LIMITS: 'on', PASSKI_RATE_LIMIT_IP: '3/1m' },
    });
    try {
      const client = api(untrusting);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push(
          (
            await client.call('POST', '/v1/sign-in/options', {
              body: {},
              headers: { 'x-forwarded-for': `203.0.113.${i}` },
            })
          ).status,
        );
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
    } finally {
      await untrusting.close();
    }
  });

  it('limits ceremonies per account, across addresses', async () => {
    const username = `limited${Date.now().toString(36)}`;
    const auth = new SoftAuthenticator({ origin: server.url });
    const up = await from('192.0.2.10').post('/v1/sign-up/options', { username });
    expect(
      (
        await from('192.0.2.10').post('/v1/sign-up/verify', {
          response: auth.register(up.body.options),
        })
      ).status,
    ).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await from(`192.0.2.${20 + i}`).post('/v1/sign-in/options', { username })).status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });
});

import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, POSTGRES_URL } from '../helpers/postgres.js';
import { freePort, type NodeProcess, startNode } from '../helpers/process.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

/**
 * Two real `passki start` processes on two loopback ports against one PostgreSQL database behave as
 * one server: ceremonies cross nodes, a response verifies once across both, sessions are shared.
 */
describe.skipIf(POSTGRES_URL === undefined)('two nodes, one PostgreSQL', () => {
  let a: NodeProcess;
  let b: NodeProcess;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    const [portA, portB] = [await freePort(), await freePort()];
    const env = {
      PASSKI_DATABASE_URL: db.url,
      PASSKI_ORIGINS: `http://localhost:${portA},http://localhost:${portB}`,
    };
    // Started together: migrations and the shared challenge secret must cope with the race.
    [a, b] = await Promise.all([startNode(env, portA), startNode(env, portB)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await drop?.();
  });

  const post = async (node: NodeProcess, path: string, body: unknown, cookie?: string) => {
    const res = await fetch(`${node.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: node.url,
        ...(cookie ? { cookie: `passki_session=${cookie}` } : {}),
      },
      body: JSON.stringify(body),
    });
    const token = res.headers
      .getSetCookie()
      .find((c) => c.startsWith('passki_session='))
      ?.split(';')[0]
      ?.slice(15);
    return { status: res.status, body: res.status === 204 ? null : await res.json(), token };
  };
  const session = async (node: NodeProcess, token: string) =>
    (await fetch(`${node.url}/v1/session`, { headers: { cookie: `passki_session=${token}` } }))
      .status;

  it('signs up with options from A and verify on B, then signs in the other way round', async () => {
    const auth = new SoftAuthenticator({ origin: a.url });
    const up = await post(a, '/v1/sign-up/options', { username: 'cross-node' });
    const created = await post(b, '/v1/sign-up/verify', {
      response: auth.register(up.body.options),
    });
    expect(created.status).toBe(200);
    const opts = await post(b, '/v1/sign-in/options', { username: 'cross-node' });
    const signedIn = await post(a, '/v1/sign-in/verify', {
      response: auth.authenticate(opts.body.options),
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.id).toBe(created.body.user.id);
  });

  it('accepts one assertion double-submitted to both nodes exactly once', async () => {
    const auth = new SoftAuthenticator({ origin: a.url });
    const up = await post(a, '/v1/sign-up/options', { username: 'double-submit' });
    expect(
      (await post(a, '/v1/sign-up/verify', { response: auth.register(up.body.options) })).status,
    ).toBe(200);
    for (let round = 0; round < 5; round++) {
      const response = auth.authenticate((await post(a, '/v1/sign-in/options', {})).body.options);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          post(i % 2 === 0 ? a : b, '/v1/sign-in/verify', { response }),
        ),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(
        results
          .filter((r) => r.status === 400)
          .every((r) => r.body.error.code === 'challenge_used'),
      ).toBe(true);
    }
  });

  it('gives one account to concurrent sign-ups of one username on both nodes', async () => {
    const [x, y] = [
      new SoftAuthenticator({ origin: a.url }),
      new SoftAuthenticator({ origin: b.url }),
    ];
    const [ox, oy] = await Promise.all([
      post(a, '/v1/sign-up/options', { username: 'race-name' }),
      post(b, '/v1/sign-up/options', { username: 'race-name' }),
    ]);
    const results = await Promise.all([
      post(a, '/v1/sign-up/verify', { response: x.register(ox.body.options) }),
      post(b, '/v1/sign-up/verify', { response: y.register(oy.body.options) }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it("publishes one JWKS: a JWT minted on A verifies with B's keys", async () => {
    const auth = new SoftAuthenticator({ origin: a.url });
    const up = await post(a, '/v1/sign-up/options', { username: 'jwt-across' });
    const created = await post(a, '/v1/sign-up/verify', {
      response: auth.register(up.body.options),
    });
    const minted = await post(a, '/v1/token', {}, created.token);
    expect(minted.status).toBe(200);
    const jwksB = createLocalJWKSet(await (await fetch(`${b.url}/.well-known/jwks.json`)).json());
    const { payload } = await jwtVerify(minted.body.token, jwksB, { algorithms: ['ES256'] });
    expect(payload.sub).toBe(created.body.user.id);
  });

  it('shares sessions: signed in on A, valid on B, signed out on B, gone on A', async () => {
    const auth = new SoftAuthenticator({ origin: a.url });
    const up = await post(a, '/v1/sign-up/options', { username: 'shared-session' });
    const created = await post(a, '/v1/sign-up/verify', {
      response: auth.register(up.body.options),
    });
    const token = created.token as string;
    expect(await session(a, token)).toBe(200);
    expect(await session(b, token)).toBe(200);
    expect((await post(b, '/v1/sign-out', {}, token)).status).toBe(204);
    expect(await session(a, token)).toBe(401);
    expect(await session(b, token)).toBe(401);
  });
});

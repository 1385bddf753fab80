import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { BACKENDS, startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

describe.each(BACKENDS)('%s', (backend) => {
  let server: TestServer;
  let client: ReturnType<typeof api>;
  let adminKey: string;
  const clock = new TestClock();
  let seq = 0;
  const uniqueName = (): string => `integ${Date.now().toString(36)}${seq++}`;

  beforeAll(async () => {
    server = await startTestServer({
      clock,
      backend,
      env: { PASSKI_JWT_AUDIENCE: 'https://app.example' },
    });
    client = api(server);
    adminKey = await server.adminKey();
  });
  afterAll(async () => server.close());

  const admin = (method: string, path: string, body?: unknown, key: string | null = adminKey) =>
    client.call(method, path, {
      origin: null,
      ...(body === undefined ? {} : { body }),
      headers: key === null ? {} : { authorization: `Bearer ${key}` },
    });

  async function account() {
    const username = uniqueName();
    const auth = new SoftAuthenticator({ origin: server.url });
    const options = (await client.post('/v1/sign-up/options', { username })).body.options;
    const res = await client.post('/v1/sign-up/verify', { response: auth.register(options) });
    expect(res.status).toBe(200);
    return {
      username,
      auth,
      token: res.sessionToken as string,
      userId: res.body.user.id as string,
    };
  }

  const jwks = async () => createLocalJWKSet((await client.get('/.well-known/jwks.json')).body);

  describe('session JWTs and the JWKS', () => {
    it('mints an ES256 JWT with the documented claims, verifiable with the JWKS', async () => {
      const { token, userId, username } = await account();
      // A claim name in public metadata is refused (test/node-sdk/reserved-claims.test.ts has them all).
      const spoof = await admin('PATCH', `/v1/admin/users/${userId}`, {
        publicMetadata: { plan: 'pro', sub: 'spoofed' },
      });
      expect(spoof.body.error.code).toBe('invalid_request');
      const patched = await admin('PATCH', `/v1/admin/users/${userId}`, {
        publicMetadata: { plan: 'pro' },
        privateMetadata: { note: 'secret-note' },
      });
      expect(patched.status).toBe(200);
      const res = await client.post('/v1/token', {}, { cookie: token });
      expect(res.status).toBe(200);
      const { payload, protectedHeader } = await jwtVerify(res.body.token, await jwks(), {
        issuer: server.url,
        audience: 'https://app.example',
        algorithms: ['ES256'],
        currentDate: new Date(clock.now()),
      });
      expect(protectedHeader).toMatchObject({
        alg: 'ES256',
        typ: 'passki-session+jwt',
        kid: expect.any(String),
      });
      expect(payload).toMatchObject({
        sub: userId,
        username,
        amr: ['passkey'],
        plan: 'pro',
        sid: expect.any(String),
      });
      expect((payload.exp as number) - (payload.iat as number)).toBe(300);
      expect(new Date(res.body.expiresAt).getTime()).toBe((payload.exp as number) * 1000);
      // Private metadata never leaves the admin API.
      expect(res.body.token).not.toContain('secret-note');
      expect(JSON.stringify(payload)).not.toContain('secret-note');
      expect(
        JSON.stringify((await client.get('/v1/session', { cookie: token })).body),
      ).not.toContain('secret-note');
    });

    it('publishes only public key members, with unique kids and a bounded cache lifetime', async () => {
      const res = await client.get('/.well-known/jwks.json');
      expect(res.headers.get('cache-control')).toBe('public, max-age=300');
      const keys = res.body.keys as Record<string, string>[];
      expect(keys.length).toBeGreaterThanOrEqual(1);
      for (const key of keys) {
        expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
        expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      }
      expect(new Set(keys.map((k) => k.kid)).size).toBe(keys.length);
    });

    it('mints nothing for a signed-out, revoked or recovery session', async () => {
      const { token } = await account();
      expect((await client.post('/v1/sign-out', undefined, { cookie: token })).status).toBe(204);
      expect((await client.post('/v1/token', {}, { cookie: token })).status).toBe(401);
      expect((await client.post('/v1/token', {})).status).toBe(401);
      const other = await account();
      const codes = (await client.post('/v1/me/recovery-codes', {}, { cookie: other.token })).body
        .codes;
      const recovery = (
        await client.post('/v1/recover', { username: other.username, code: codes[0] })
      ).sessionToken as string;
      const res = await client.post('/v1/token', {}, { cookie: recovery });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('recovery_session_limited');
    });

    it('never signs with a key missing from the JWKS while keys rotate under traffic', async () => {
      const { token } = await account();
      const tokens: string[] = [];
      const mint = async () => {
        for (let i = 0; i < 15; i++)
          tokens.push((await client.post('/v1/token', {}, { cookie: token })).body.token);
      };
      const kidsBefore = (await client.get('/.well-known/jwks.json')).body.keys.map(
        (k: { kid: string }) => k.kid,
      );
      await Promise.all([
        mint(),
        mint(),
        (async () => {
          await server.keys.rotate();
          await server.keys.rotate();
        })(),
      ]);
      const set = await jwks();
      for (const t of tokens) {
        await expect(
          jwtVerify(t, set, { algorithms: ['ES256'], currentDate: new Date(clock.now()) }),
        ).resolves.toBeDefined();
      }
      const kidsAfter = (await client.get('/.well-known/jwks.json')).body.keys.map(
        (k: { kid: string }) => k.kid,
      );
      for (const kid of kidsBefore) expect(kidsAfter).toContain(kid);
      // The new keys are published at once but the old key signs until they activate, so a
      // verifier's cached JWKS always knows the kid it meets.
      const during = (await client.post('/v1/token', {}, { cookie: token })).body.token;
      expect(kidsBefore).toContain(decodeProtectedHeader(during).kid);
      clock.advance(5 * 60_000);
      const fresh = (await client.post('/v1/token', {}, { cookie: token })).body.token;
      expect(decodeProtectedHeader(fresh).kid).toBe(kidsAfter[0]);
      // Retired keys disappear once every token they signed has expired.
      clock.advance(10 * 60_000);
      const later = (await client.get('/.well-known/jwks.json')).body.keys.map(
        (k: { kid: string }) => k.kid,
      );
      expect(later).toContain(kidsAfter[0]);
      for (const kid of kidsBefore) expect(later).not.toContain(kid);
    });
  });

  describe('admin API', () => {
    it('refuses missing, wrong, malformed, revoked and query-string keys', async () => {
      const revoked = await server.adminKey();
      const id = revoked.slice(3, 15);
      expect(await server.store.apiKeys.revoke(id, clock.now())).toBe(true);
      const wrongSecret = `${adminKey.slice(0, 16)}${'A'.repeat(43)}`;
      for (const key of [
        null,
        'nonsense',
        wrongSecret,
        revoked,
        `${adminKey} extra`,
        'ü'.repeat(100),
        'x'.repeat(70_000),
      ]) {
        const res = await client.call('GET', '/v1/admin/users', {
          origin: null,
          headers:
            key === null ? {} : { authorization: key.startsWith('pk_') ? `Bearer ${key}` : key },
        });
        expect(res.status, String(key).slice(0, 30)).toBe(
          key !== null && key.length > 60_000 ? 431 : 401,
        );
        if (res.status === 401) expect(res.body.error.code).toBe('invalid_api_key');
      }
      expect(
        (
          await client.call('GET', `/v1/admin/users?api_key=${encodeURIComponent(adminKey)}`, {
            origin: null,
          })
        ).status,
      ).toBe(401);
      expect((await admin('GET', '/v1/admin/users')).status).toBe(200);
    });

    it('creates users, ignores mass assignment, validates metadata, lists with a cursor', async () => {
      const username = uniqueName();
      const created = await admin('POST', '/v1/admin/users', {
        username,
        externalId: `ext-${username}`,
        id: 'chosen',
        createdAt: '2000-01-01T00:00:00Z',
        credentials: [{ id: 'x' }],
        role: 'admin',
      });
      expect(created.status).toBe(201);
      expect(created.body.user).toMatchObject({
        username,
        externalId: `ext-${username}`,
        disabledAt: null,
      });
      expect(created.body.user.id).not.toBe('chosen');
      expect(created.body.user.createdAt).not.toBe('2000-01-01T00:00:00.000Z');
      expect(created.body.user).not.toHaveProperty('role');
      const id = created.body.user.id;
      const patched = await admin('PATCH', `/v1/admin/users/${id}`, {
        id: 'other',
        username: 'renamed',
        createdAt: 0,
        displayName: 'Ada',
      });
      expect(patched.body.user).toMatchObject({ id, username, displayName: 'Ada' });
      expect((await admin('POST', '/v1/admin/users', { username })).body.error.code).toBe(
        'username_taken',
      );
      expect(
        (
          await admin('POST', '/v1/admin/users', {
            username: uniqueName(),
            externalId: `ext-${username}`,
          })
        ).body.error.code,
      ).toBe('external_id_taken');
      const big = await admin('PATCH', `/v1/admin/users/${id}`, {
        publicMetadata: { blob: 'x'.repeat(9000) },
      });
      expect(big.status).toBe(400);
      let deep: Record<string, unknown> = {};
      for (let i = 0; i < 100; i++) deep = { d: deep };
      expect(
        (await admin('PATCH', `/v1/admin/users/${id}`, { privateMetadata: deep })).status,
      ).toBe(400);
      expect(
        (await admin('PATCH', `/v1/admin/users/${id}`, { publicMetadata: ['not', 'an', 'object'] }))
          .status,
      ).toBe(400);
      expect(
        (
          await admin('GET', `/v1/admin/users?query=${encodeURIComponent(`ext-${username}`)}`)
        ).body.users.map((u: { id: string }) => u.id),
      ).toEqual([id]);
      const seen = new Set<string>();
      let cursor: string | null = null;
      do {
        const page = await admin(
          'GET',
          `/v1/admin/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        for (const u of page.body.users) seen.add(u.id);
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen.has(id)).toBe(true);
      expect(seen.size).toBe(await server.store.users.count());
      expect((await admin('GET', '/v1/admin/users/nope')).status).toBe(404);
    });

    it('disables a user: sessions end, sign-in and tokens refused; enable restores sign-in', async () => {
      const { token, auth, userId, username } = await account();
      expect(
        (await admin('POST', `/v1/admin/users/${userId}/disable`, {})).body.user.disabledAt,
      ).not.toBeNull();
      expect((await client.get('/v1/session', { cookie: token })).status).toBe(401);
      expect((await client.post('/v1/token', {}, { cookie: token })).status).toBe(401);
      const options = (await client.post('/v1/sign-in/options', { username })).body.options;
      const refused = await client.post('/v1/sign-in/verify', {
        response: auth.authenticate(options),
      });
      expect(refused.body.error.code).toBe('user_disabled');
      expect(refused.sessionToken).toBeUndefined();
      expect(
        (await admin('POST', `/v1/admin/users/${userId}/sign-in-tokens`, {})).body.error.code,
      ).toBe('user_disabled');
      await admin('POST', `/v1/admin/users/${userId}/enable`, {});
      const again = (await client.post('/v1/sign-in/options', { username })).body.options;
      expect(
        (await client.post('/v1/sign-in/verify', { response: auth.authenticate(again) })).status,
      ).toBe(200);
    });

    it('lists and revokes a user’s passkeys and sessions, and deletes users with everything', async () => {
      const { token, auth, userId } = await account();
      const keys = await admin('GET', `/v1/admin/users/${userId}/passkeys`);
      expect(keys.body.passkeys.map((p: { id: string }) => p.id)).toEqual([
        auth.credentials[0]?.idBase64url,
      ]);
      expect((await admin('GET', `/v1/admin/users/${userId}/sessions`)).body.sessions).toHaveLength(
        1,
      );
      expect((await admin('DELETE', `/v1/admin/users/${userId}/sessions`)).body).toEqual({
        ended: 1,
      });
      expect((await client.get('/v1/session', { cookie: token })).status).toBe(401);
      expect((await admin('DELETE', `/v1/admin/users/${userId}`)).status).toBe(204);
      expect((await admin('GET', `/v1/admin/users/${userId}`)).status).toBe(404);
      expect(
        await server.store.credentials.findById(auth.credentials[0]?.id as Uint8Array),
      ).toBeNull();
    });
  });

  it('finds users by username prefix folded like usernames (NFKC, case)', async () => {
    const { username, userId } = await account();
    const wide = [...username.slice(0, 6)]
      .map((ch) => String.fromCodePoint((ch.codePointAt(0) as number) + 0xfee0))
      .join('');
    const found = await admin('GET', `/v1/admin/users?query=${encodeURIComponent(wide)}`);
    expect(found.body.users.map((u: { id: string }) => u.id)).toContain(userId);
    // A query that folds to nothing is no prefix of every username.
    const blank = await admin('GET', `/v1/admin/users?query=${encodeURIComponent('   ')}`);
    expect(blank.body.users).toEqual([]);
  });

  describe('one-time sign-in tokens', () => {
    it('redeem once for a session; concurrent redemptions yield one session', async () => {
      const { userId } = await account();
      const issued = await admin('POST', `/v1/admin/users/${userId}/sign-in-tokens`, {});
      expect(issued.status).toBe(201);
      expect(issued.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          client.post('/v1/sign-in/ticket', { token: issued.body.token }),
        ),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(
        results.filter((r) => r.status === 401).every((r) => r.body.error.code === 'invalid_token'),
      ).toBe(true);
      const winner = results.find((r) => r.status === 200);
      expect(winner?.body.user.id).toBe(userId);
      expect(winner?.sessionToken).toBeDefined();
      // Not user-verified: account changes still need a passkey step-up.
      const renamed = await client.call('PATCH', '/v1/me/passkeys/AAAA', {
        cookie: winner?.sessionToken as string,
        body: { name: 'x' },
      });
      expect(renamed.body.error.code).toBe('reauthentication_required');
      // Its JWTs say how it began: no passkey was used.
      const minted = await client.post('/v1/token', {}, { cookie: winner?.sessionToken as string });
      expect(decodeJwt(minted.body.token).amr).toEqual(['sign_in_token']);
    });

    it('a sign-in result dies with its passkey', async () => {
      const { auth, userId, username } = await account();
      const signIn = (await client.post('/v1/sign-in/options', { username })).body.options;
      const verified = await client.post('/v1/sign-in/verify', {
        response: auth.authenticate(signIn),
        result: true,
      });
      const result = verified.body.signInResult.token;
      const passkey = auth.credentials[0]?.idBase64url as string;
      expect((await admin('DELETE', `/v1/admin/users/${userId}/passkeys/${passkey}`)).status).toBe(
        204,
      );
      const redeemed = await admin('POST', '/v1/admin/sign-in-results/redeem', { result });
      expect(redeemed.status).toBe(401);
      expect(redeemed.body.error.code).toBe('invalid_token');
    });

    it('disabling twice keeps the first time and audits once; deleting races no ceremony into a 500', async () => {
      const { userId, auth, username } = await account();
      const first = await admin('POST', `/v1/admin/users/${userId}/disable`, {});
      clock.advance(1_000);
      const second = await admin('POST', `/v1/admin/users/${userId}/disable`, {});
      expect(second.body.user.disabledAt).toBe(first.body.user.disabledAt);
      const events = await admin(
        'GET',
        `/v1/admin/audit-events?type=admin_user_disabled&userId=${userId}`,
      );
      expect(events.body.events).toHaveLength(1);
      expect((await admin('POST', `/v1/admin/users/${userId}/enable`, {})).status).toBe(200);
      // Sign-ins in flight while the user is deleted: each is a clean answer, never a 500.
      const optionsList = await Promise.all(
        Array.from(
          { length: 6 },
          async () => (await client.post('/v1/sign-in/options', { username })).body.options,
        ),
      );
      const [deleted, ...signIns] = await Promise.all([
        admin('DELETE', `/v1/admin/users/${userId}`),
        ...optionsList.map((options) =>
          client.post('/v1/sign-in/verify', { response: auth.authenticate(options) }),
        ),
      ]);
      expect(deleted.status).toBe(204);
      for (const res of signIns) expect([200, 400]).toContain(res.status);
    });

    it('end when the user is disabled, and stay ended when the user is enabled again', async () => {
      const { userId } = await account();
      const ticket = (await admin('POST', `/v1/admin/users/${userId}/sign-in-tokens`, {})).body
        .token;
      const enrolment = (await admin('POST', `/v1/admin/users/${userId}/enrollment-tokens`, {}))
        .body.token;
      expect((await admin('POST', `/v1/admin/users/${userId}/disable`, {})).status).toBe(200);
      expect((await admin('POST', `/v1/admin/users/${userId}/enable`, {})).status).toBe(200);
      const signIn = await client.post('/v1/sign-in/ticket', { token: ticket });
      expect(signIn.status).toBe(401);
      expect(signIn.body.error.code).toBe('invalid_token');
      const enrol = await client.post('/v1/enroll/options', { token: enrolment });
      expect(enrol.status).toBe(401);
      expect(enrol.body.error.code).toBe('invalid_token');
    });

    it('expire (60 s by default) and are bound to their purpose', async () => {
      const { userId } = await account();
      const issued = (await admin('POST', `/v1/admin/users/${userId}/sign-in-tokens`, {})).body
        .token;
      clock.advance(61_000);
      expect((await client.post('/v1/sign-in/ticket', { token: issued })).status).toBe(401);
      const enrollment = (await admin('POST', `/v1/admin/users/${userId}/enrollment-tokens`, {}))
        .body.token;
      expect((await client.post('/v1/sign-in/ticket', { token: enrollment })).status).toBe(401);
      expect((await client.post('/v1/sign-in/ticket', { token: 'x'.repeat(43) })).status).toBe(401);
      expect((await client.post('/v1/sign-in/ticket', { token: 'x'.repeat(500) })).status).toBe(
        400,
      );
    });
  });

  describe('mode 2: passkeys for an existing account system', () => {
    it('enrols with a token, then a passkey sign-in yields a one-time result the backend redeems', async () => {
      const username = uniqueName();
      const user = (
        await admin('POST', '/v1/admin/users', { username, externalId: `app-${username}` })
      ).body.user;
      const enrollment = (await admin('POST', `/v1/admin/users/${user.id}/enrollment-tokens`, {}))
        .body.token;
      const auth = new SoftAuthenticator({ origin: server.url });
      const options = await client.post('/v1/enroll/options', { token: enrollment });
      expect(options.status).toBe(200);
      expect(options.body.options.user.name).toBe(username);
      const enrolled = await client.post('/v1/enroll/verify', {
        token: enrollment,
        response: auth.register(options.body.options),
      });
      expect(enrolled.status).toBe(200);
      expect(enrolled.sessionToken).toBeUndefined();
      expect(enrolled.body.passkey.id).toBe(auth.credentials[0]?.idBase64url);
      // The token is used up with the passkey.
      const reuse = await client.post('/v1/enroll/options', { token: enrollment });
      expect(reuse.body.error.code).toBe('invalid_token');

      const signIn = (await client.post('/v1/sign-in/options', {})).body.options;
      const verified = await client.post('/v1/sign-in/verify', {
        response: auth.authenticate(signIn),
        result: true,
      });
      expect(verified.status).toBe(200);
      expect(verified.sessionToken).toBeUndefined();
      const result = verified.body.signInResult.token;
      const redeemed = await admin('POST', '/v1/admin/sign-in-results/redeem', { result });
      expect(redeemed.body).toEqual({
        userId: user.id,
        externalId: `app-${username}`,
        username,
        credentialId: auth.credentials[0]?.idBase64url,
        userVerified: true,
      });
      const twice = await admin('POST', '/v1/admin/sign-in-results/redeem', { result });
      expect(twice.body.error.code).toBe('invalid_token');
      expect(
        (await admin('POST', '/v1/admin/sign-in-results/redeem', { result }, null)).status,
      ).toBe(401);
    });

    it('refuses to finish an enrolment for a user disabled since its options', async () => {
      const user = (await admin('POST', '/v1/admin/users', { username: uniqueName() })).body.user;
      const token = (await admin('POST', `/v1/admin/users/${user.id}/enrollment-tokens`, {})).body
        .token;
      const options = (await client.post('/v1/enroll/options', { token })).body.options;
      expect((await admin('POST', `/v1/admin/users/${user.id}/disable`, {})).status).toBe(200);
      const res = await client.post('/v1/enroll/verify', {
        token,
        response: new SoftAuthenticator({ origin: server.url }).register(options),
      });
      // Disabling ended the token itself.
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid_token');
      expect(await server.store.credentials.countByUser(user.id)).toBe(0);
    });

    it('binds an enrolment ceremony to its token', async () => {
      const a = (await admin('POST', '/v1/admin/users', { username: uniqueName() })).body.user;
      const b = (await admin('POST', '/v1/admin/users', { username: uniqueName() })).body.user;
      const tokenA = (await admin('POST', `/v1/admin/users/${a.id}/enrollment-tokens`, {})).body
        .token;
      const tokenB = (await admin('POST', `/v1/admin/users/${b.id}/enrollment-tokens`, {})).body
        .token;
      const options = (await client.post('/v1/enroll/options', { token: tokenA })).body.options;
      const res = await client.post('/v1/enroll/verify', {
        token: tokenB,
        response: new SoftAuthenticator({ origin: server.url }).register(options),
      });
      expect(res.body.error.code).toBe('invalid_token');
      expect(await server.store.credentials.countByUser(b.id)).toBe(0);
      expect(await server.store.credentials.countByUser(a.id)).toBe(0);
    });
  });

  describe('CORS for the configured origins only', () => {
    it('answers preflights and responses with the exact origin and credentials, never a wildcard', async () => {
      const pre = await fetch(`${server.url}/v1/session`, {
        method: 'OPTIONS',
        headers: { origin: server.url, 'access-control-request-method': 'GET' },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(server.url);
      expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
      // As the OpenAPI document's description says (openapi.test.ts holds it to this).
      expect(pre.headers.get('access-control-allow-methods')).toBe('GET, POST, PATCH, DELETE');
      expect(pre.headers.get('access-control-allow-headers')).toBe('content-type');
      expect(pre.headers.get('access-control-max-age')).toBe('600');
      const foreign = await fetch(`${server.url}/v1/session`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      });
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      const adminPre = await fetch(`${server.url}/v1/admin/users`, {
        method: 'OPTIONS',
        headers: { origin: server.url, 'access-control-request-method': 'GET' },
      });
      expect(adminPre.status).toBe(204);
      expect(adminPre.headers.get('access-control-allow-origin')).toBeNull();
      const res = await fetch(`${server.url}/v1/session`, { headers: { origin: server.url } });
      expect(res.headers.get('access-control-allow-origin')).toBe(server.url);
      expect(res.headers.get('vary')).toContain('Origin');
    });
  });
});

describe('a separate admin listener', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { PASSKI_ADMIN_PORT: '0' } });
  });
  afterAll(async () => server.close());

  it('serves the admin API only on its own port', async () => {
    const key = await server.adminKey();
    const headers = { authorization: `Bearer ${key}` };
    expect((await fetch(`${server.url}/v1/admin/users`, { headers })).status).toBe(404);
    expect((await fetch(`${server.adminUrl}/v1/admin/users`, { headers })).status).toBe(200);
    expect((await fetch(`${server.adminUrl}/v1/session`)).status).toBe(404);
    expect((await fetch(`${server.url}/v1/session`)).status).toBe(401);
  });
});

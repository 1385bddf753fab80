import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, rowCounts } from '../helpers/api.js';
import { BACKENDS, startTestServer, type TestServer } from '../helpers/server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

/**
 * U+0000 in an id, query parameter or JSON string: PostgreSQL's text and jsonb refuse it (a 500
 * before the fix) while SQLite stores it. Both databases must give the same 4xx.
 */
describe.each(BACKENDS)('%s: NUL characters', (backend) => {
  let server: TestServer;
  let client: ReturnType<typeof api>;
  let adminKey: string;
  let userId: string;
  let sessionToken: string;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    client = api(server);
    adminKey = await server.adminKey();
    const auth = new SoftAuthenticator({ origin: server.url });
    const options = (await client.post('/v1/sign-up/options', { username: 'nul-owner' })).body
      .options;
    const signedUp = await client.post('/v1/sign-up/verify', { response: auth.register(options) });
    expect(signedUp.status).toBe(200);
    userId = signedUp.body.user.id;
    sessionToken = signedUp.sessionToken as string;
  });
  afterAll(async () => server.close());

  const admin = (method: string, path: string, body?: unknown) =>
    client.call(method, path, {
      ...(body === undefined ? {} : { body }),
      headers: { authorization: `Bearer ${adminKey}` },
    });

  it('a path id containing NUL is not found, like any unknown id', async () => {
    const cases: [string, string, unknown?][] = [
      ['GET', '/v1/admin/users/%00'],
      ['GET', '/v1/admin/users/a%00b/passkeys'],
      ['GET', '/v1/admin/users/a%00b/sessions'],
      ['DELETE', '/v1/admin/users/%00'],
      ['DELETE', '/v1/admin/users/%00/sessions'],
      ['DELETE', '/v1/admin/users/%00/sessions/x%00'],
      ['PATCH', '/v1/admin/users/%00', { displayName: 'x' }],
      ['POST', '/v1/admin/users/%00/disable', {}],
      ['POST', '/v1/admin/users/%00/sign-in-tokens', {}],
      ['POST', '/v1/admin/users/%00/enrollment-tokens', {}],
    ];
    for (const [method, path, body] of cases) {
      const res = await admin(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    const res = await client.call('DELETE', '/v1/me/sessions/x%00y', { cookie: sessionToken });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('a query parameter containing NUL is 400 invalid_request naming it', async () => {
    const cases: [string, string][] = [
      ['/v1/admin/users?query=%00', 'query'],
      ['/v1/admin/users?query=ab%00', 'query'],
      ['/v1/admin/users?cursor=%00', 'cursor'],
      ['/v1/admin/audit-events?type=a%00', 'type'],
      ['/v1/admin/audit-events?userId=%00', 'userId'],
    ];
    for (const [path, field] of cases) {
      const res = await admin('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toMatch(new RegExp(`^${field} `));
    }
  });

  it('a JSON string or key containing NUL is 400 invalid_request naming the field', async () => {
    const before = await rowCounts(server);
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', '/v1/admin/users', { username: 'x', externalId: 'a\u0000b' }, /^externalId /],
      ['POST', '/v1/admin/users', { username: 'x\u0000' }, /^username /],
      ['POST', '/v1/admin/users', { username: 'x', displayName: '\u0000' }, /^displayName /],
      [
        'POST',
        '/v1/admin/users',
        { username: 'x', publicMetadata: { 'a\u0000': 1 } },
        /^publicMetadata /,
      ],
      [
        'POST',
        '/v1/admin/users',
        { username: 'x', privateMetadata: { a: { b: ['ok', 'x\u0000'] } } },
        /^privateMetadata\.a\.b\.1 /,
      ],
      ['PATCH', `/v1/admin/users/${userId}`, { externalId: '\u0000' }, /^externalId /],
      [
        'PATCH',
        `/v1/admin/users/${userId}`,
        { publicMetadata: { a: { '\u0000': true } } },
        /^publicMetadata\.a /,
      ],
      [
        'PATCH',
        `/v1/admin/users/${userId}`,
        { privateMetadata: { note: 'a\u0000b' } },
        /^privateMetadata\.note /,
      ],
      ['POST', '/v1/admin/sign-in-results/redeem', { result: 'abc\u0000' }, /^result /],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await admin(method, path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toMatch(field);
    }
    const publicCases: [string, unknown, RegExp][] = [
      ['/v1/sign-up/options', { username: 'nul\u0000user' }, /^username /],
      ['/v1/sign-up/options', { username: 'nuluser', displayName: 'a\u0000' }, /^displayName /],
      ['/v1/sign-in/options', { username: '\u0000' }, /^username /],
      ['/v1/recover', { username: 'nul-owner', code: 'a\u0000' }, /^code /],
      ['/v1/sign-in/ticket', { token: 'a\u0000' }, /^token /],
      ['/v1/enroll/options', { token: 'a\u0000' }, /^token /],
    ];
    for (const [path, body, field] of publicCases) {
      const res = await client.post(path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toMatch(field);
    }
    const rename = await client.call('PATCH', '/v1/me/passkeys/AAAA', {
      body: { name: 'a\u0000' },
      cookie: sessionToken,
    });
    expect(rename.status).toBe(400);
    expect(rename.body.error.message).toMatch(/^name /);
    expect(await rowCounts(server)).toEqual(before);
    const user = await admin('GET', `/v1/admin/users/${userId}`);
    expect(user.body.user.externalId).toBeNull();
    expect(user.body.user.publicMetadata).toEqual({});
  });

  it('a lone surrogate in a JSON string or key is 400 naming the field; pairs are text', async () => {
    // Replaced by U+FFFD on the way to PostgreSQL, "ext-\ud83d" and "ext-\udc00" were stored as
    // the same externalId: the second got 409 external_id_taken.
    const before = await rowCounts(server);
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', '/v1/admin/users', { username: 'x', externalId: 'ext-\ud83d' }, /^externalId is/],
      ['PATCH', `/v1/admin/users/${userId}`, { externalId: 'ext-\udc00' }, /^externalId is/],
      [
        'POST',
        '/v1/admin/users',
        { username: 'x', publicMetadata: { a: { '\ud800': 1 } } },
        /^publicMetadata\.a has a key/,
      ],
      [
        'PATCH',
        `/v1/admin/users/${userId}`,
        { privateMetadata: { list: ['\udfff'] } },
        /^privateMetadata\.list\.0 is/,
      ],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await admin(method, path, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toMatch(field);
      expect(res.body.error.message).toMatch(/lone surrogate/);
    }
    const signUp = await client.post('/v1/sign-up/options', { username: 'lone\ud83d' });
    expect(signUp.status).toBe(400);
    expect(signUp.body.error.message).toMatch(/^username is/);
    expect(await rowCounts(server)).toEqual(before);
    // A surrogate pair is an ordinary character (sent escaped in route.test.ts).
    const paired = await admin('PATCH', `/v1/admin/users/${userId}`, { externalId: 'ext-😀' });
    expect(paired.status).toBe(200);
    expect(paired.body.user.externalId).toBe('ext-\ud83d\ude00');
    expect((await admin('GET', `/v1/admin/users/${userId}`)).body.user.externalId).toBe('ext-😀');
    expect((await admin('PATCH', `/v1/admin/users/${userId}`, { externalId: null })).status).toBe(
      200,
    );
  });

  it('NUL-free values still work', async () => {
    const created = await admin('POST', '/v1/admin/users', {
      username: 'nul-free',
      externalId: 'ext-1',
      publicMetadata: { 'a\\u0000': 'literal backslash-u, not NUL' },
    });
    expect(created.status).toBe(201);
    expect((await admin('GET', '/v1/admin/users?query=ext-1')).body.users).toHaveLength(1);
  });
});

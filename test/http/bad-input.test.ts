import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, rowCounts } from '../helpers/api.js';
import { BACKENDS, startTestServer, type TestServer } from '../helpers/server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

describe.each(BACKENDS)('%s', (backend) => {
  let server: TestServer;
  let client: ReturnType<typeof api>;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    client = api(server);
  });
  afterAll(async () => server.close());

  describe('bad input gets a clear 4xx, writes nothing, and the server keeps serving', () => {
    const endpoints = [
      '/v1/sign-up/options',
      '/v1/sign-up/verify',
      '/v1/sign-in/options',
      '/v1/sign-in/verify',
    ];

    it.each(endpoints)('%s: malformed JSON is 400 invalid_request', async (path) => {
      const res = await client.call('POST', path, { raw: '{"username": "abc",' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: {
          code: 'invalid_request',
          message: 'The body is not valid JSON.',
          requestId: expect.any(String),
        },
      });
    });

    it.each(endpoints)('%s: a body over 64 KiB is 413', async (path) => {
      const res = await client.call('POST', path, {
        raw: JSON.stringify({ username: 'a'.repeat(70_000) }),
      });
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('payload_too_large');
    });

    it.each(endpoints)('%s: a non-JSON content type is 415', async (path) => {
      const res = await client.call('POST', path, {
        raw: 'username=abc',
        contentType: 'application/x-www-form-urlencoded',
      });
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('unsupported_media_type');
    });

    it('names the offending field for wrong types', async () => {
      const cases: [string, unknown, RegExp][] = [
        ['/v1/sign-up/options', { username: 42 }, /^username /],
        ['/v1/sign-up/options', { username: 'abc', displayName: ['x'] }, /^displayName /],
        ['/v1/sign-in/options', { username: { $ne: null } }, /^username /],
        ['/v1/sign-up/verify', {}, /^response /],
        [
          '/v1/sign-up/verify',
          {
            response: { id: 'a', rawId: 'a', type: 'public-key', response: { clientDataJSON: 1 } },
          },
          /^response\.response\.clientDataJSON /,
        ],
        [
          '/v1/sign-in/verify',
          { response: { id: 'a+/=', rawId: 'a', type: 'public-key', response: {} } },
          /^response\.id /,
        ],
        [
          '/v1/sign-in/verify',
          { response: { id: 'a', rawId: 'a', type: 'password', response: {} } },
          /^response\.type /,
        ],
        ['/v1/sign-in/verify', [1, 2, 3], /^body /],
        ['/v1/sign-in/verify', 'just a string', /^body /],
      ];
      for (const [path, body, field] of cases) {
        const res = await client.post(path, body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.code).toBe('invalid_request');
        expect(res.body.error.message).toMatch(field);
      }
    });

    it('refuses structurally broken WebAuthn responses with 400, never 500', async () => {
      const auth = new SoftAuthenticator({ origin: server.url });
      const options = (await client.post('/v1/sign-up/options', { username: 'structure-test' }))
        .body.options;
      const honest = auth.register(options, { keep: false });
      const before = await rowCounts(server);
      const mutations: ((r: typeof honest) => unknown)[] = [
        (r) => ({ ...r, rawId: `${r.rawId}AA` }),
        (r) => ({ ...r, id: '', rawId: '' }),
        (r) => ({
          ...r,
          response: {
            ...r.response,
            clientDataJSON: Buffer.from('not json').toString('base64url'),
          },
        }),
        (r) => ({
          ...r,
          response: {
            ...r.response,
            clientDataJSON: Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url'),
          },
        }),
        (r) => ({
          ...r,
          response: { ...r.response, clientDataJSON: Buffer.from('[1]').toString('base64url') },
        }),
        (r) => ({
          ...r,
          response: {
            ...r.response,
            clientDataJSON: Buffer.from('{"challenge":5}').toString('base64url'),
          },
        }),
        (r) => ({ ...r, response: { ...r.response, attestationObject: 'AAAA' } }),
        (r) => ({ ...r, response: { ...r.response, attestationObject: '' } }),
        (r) => ({
          ...r,
          response: {
            ...r.response,
            attestationObject: Buffer.from([0x9f, 0x9f, 0x9f, 0x9f]).toString('base64url'),
          },
        }),
        (r) => ({
          ...r,
          response: {
            ...r.response,
            attestationObject: Buffer.from([
              0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            ]).toString('base64url'),
          },
        }),
      ];
      for (const mutate of mutations) {
        const res = await client.post('/v1/sign-up/verify', { response: mutate(honest) });
        expect(res.status, JSON.stringify(res.body)).toBe(400);
        expect(res.sessionToken).toBeUndefined();
      }
      expect(await rowCounts(server)).toEqual(before);
      expect((await client.get('/healthz')).status).toBe(200);
    });

    it('ignores a client-chosen challenge in the options request', async () => {
      const res = await client.post('/v1/sign-in/options', { challenge: 'AAAA' });
      expect(res.status).toBe(200);
      expect(res.body.options.challenge).not.toBe('AAAA');
    });

    it('answers unknown paths with a JSON 404 and security headers', async () => {
      const res = await client.get('/v1/nope');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('takes integers in query strings as plain decimal digits only', async () => {
      const headers = { authorization: `Bearer ${await server.adminKey()}` };
      const refused: [string, string][] = [
        ['/v1/admin/users?limit=0x10', 'limit'],
        ['/v1/admin/users?limit=%20%205', 'limit'],
        ['/v1/admin/users?limit=5%20', 'limit'],
        ['/v1/admin/users?limit=1e1', 'limit'],
        ['/v1/admin/users?limit=+5', 'limit'],
        ['/v1/admin/users?limit=-5', 'limit'],
        ['/v1/admin/users?limit=5.0', 'limit'],
        ['/v1/admin/users?limit=', 'limit'],
        ['/v1/admin/users?limit=0', 'limit'],
        ['/v1/admin/users?limit=201', 'limit'],
        ['/v1/admin/audit-events?limit=0b11', 'limit'],
        ['/v1/admin/audit-events?cursor=0x10', 'cursor'],
        ['/v1/admin/audit-events?cursor=%091', 'cursor'],
      ];
      for (const [path, field] of refused) {
        const res = await client.call('GET', path, { headers });
        expect(res.status, path).toBe(400);
        expect(res.body.error.code).toBe('invalid_request');
        expect(res.body.error.message).toMatch(new RegExp(`^${field} `));
      }
      for (const path of [
        '/v1/admin/users?limit=7',
        '/v1/admin/users?limit=007',
        '/v1/admin/users',
        '/v1/admin/audit-events?limit=500&cursor=12',
      ]) {
        expect((await client.call('GET', path, { headers })).status, path).toBe(200);
      }
    });

    it('refuses a key named __proto__ anywhere in a body, and creates nothing', async () => {
      const headers = { authorization: `Bearer ${await server.adminKey()}` };
      const before = await rowCounts(server);
      const cases: [string, string, string][] = [
        [
          '/v1/admin/users',
          '{"username":"protouser1","publicMetadata":{"__proto__":{"role":"admin"},"plan":"pro"}}',
          'publicMetadata',
        ],
        // The same key spelt with an escape, nested in an array.
        [
          '/v1/admin/users',
          '{"username":"protouser2","privateMetadata":{"a":[{"\\u005f_proto__":1}]}}',
          'privateMetadata.a.0',
        ],
        ['/v1/sign-up/options', '{"username":"protouser3","__proto__":{}}', 'body'],
      ];
      for (const [path, raw, where] of cases) {
        const res = await client.call('POST', path, { raw, headers });
        expect(res.status, raw).toBe(400);
        expect(res.body.error.code).toBe('invalid_request');
        expect(res.body.error.message).toBe(
          `${where} has a key named "__proto__", which is not accepted.`,
        );
      }
      expect(await rowCounts(server)).toEqual(before);
      // The control: the same user without the key is created, its metadata kept whole.
      const created = await client.call('POST', '/v1/admin/users', {
        body: { username: 'protouser1', publicMetadata: { proto: { role: 'admin' }, plan: 'pro' } },
        headers,
      });
      expect(created.status).toBe(201);
      expect(created.body.user.publicMetadata).toEqual({ proto: { role: 'admin' }, plan: 'pro' });
    });

    it("says what is wrong in plain words, not in the validator's", async () => {
      const headers = { authorization: `Bearer ${await server.adminKey()}` };
      const cases: [string, string, unknown, string][] = [
        [
          'POST',
          '/v1/sign-up/options',
          { username: 'a'.repeat(300) },
          'username must have at most 256 characters.',
        ],
        [
          'POST',
          '/v1/sign-in/verify',
          { response: { id: 'AA', rawId: 'AA', type: 'other', response: {} } },
          'response.type must be "public-key".',
        ],
        ['GET', '/v1/admin/users?limit=0', undefined, 'limit must be at least 1.'],
        ['GET', '/v1/admin/users?limit=201', undefined, 'limit must be at most 200.'],
        // A schema's own words are kept.
        [
          'GET',
          '/v1/admin/users?limit=0x10',
          undefined,
          'limit must be an integer in decimal digits.',
        ],
      ];
      for (const [method, path, body, message] of cases) {
        const res = await client.call(method, path, { body, headers });
        expect(res.status, path).toBe(400);
        expect(res.body.error).toMatchObject({ code: 'invalid_request', message });
      }
    });

    it('treats a garbage or oversized session cookie as signed out', async () => {
      for (const cookie of ['garbage', 'x'.repeat(4000), '']) {
        const res = await client.get('/v1/session', { cookie });
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('unauthenticated');
      }
    });
  });
});

import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * Authentication comes before the request is read: an unauthenticated caller gets 401 whatever
 * its body, content type or query (before the fix: 400, 413 or 415 from validation).
 */
describe('authentication is checked before the body or query', () => {
  let server: TestServer;
  let client: ReturnType<typeof api>;
  let adminKey: string;

  beforeAll(async () => {
    server = await startTestServer({
      env: { PASSKI_RATE_LIMITS: 'on', PASSKI_RATE_LIMIT_IP: '1000/1m' },
    });
    client = api(server);
    adminKey = await server.adminKey();
  });
  afterAll(async () => server.close());

  type Call = { raw?: string; contentType?: string; headers?: Record<string, string> };
  const unauthenticatedBodies: [string, Call][] = [
    ['empty JSON object', { raw: '{}' }],
    ['no content type', { raw: '{}', contentType: '' }],
    ['a form body', { raw: 'a=b', contentType: 'application/x-www-form-urlencoded' }],
    ['malformed JSON', { raw: '{"username":' }],
    ['a body over 64 KiB', { raw: JSON.stringify({ username: 'a'.repeat(70_000) }) }],
  ];

  it.each(unauthenticatedBodies)('admin API, %s: 401 invalid_api_key', async (_name, call) => {
    for (const authorization of [undefined, 'Bearer nope', 'Basic Zm9vOmJhcg==']) {
      for (const path of ['/v1/admin/users', '/v1/admin/users/x/sign-in-tokens']) {
        const res = await client.call('POST', path, {
          ...call,
          headers: authorization === undefined ? {} : { authorization },
        });
        expect(res.status, `${path} ${authorization}`).toBe(401);
        expect(res.body.error.code).toBe('invalid_api_key');
      }
    }
  });

  it.each(unauthenticatedBodies)('cookie routes, %s: 401 unauthenticated', async (_name, call) => {
    const routes: [string, string][] = [
      ['POST', '/v1/me/passkeys/verify'],
      ['POST', '/v1/me/passkeys/options'],
      ['POST', '/v1/me/reauth/verify'],
      ['POST', '/v1/me/recovery-codes'],
      ['PATCH', '/v1/me/passkeys/AAAA'],
      ['POST', '/v1/token'],
    ];
    for (const [method, path] of routes) {
      for (const cookie of [undefined, 'garbage']) {
        const res = await client.call(method, path, {
          ...call,
          ...(cookie === undefined ? {} : { cookie }),
        });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.body.error.code).toBe('unauthenticated');
      }
    }
  });

  it('a bad query is not validated before the API key', async () => {
    const res = await client.get('/v1/admin/audit-events?limit=abc');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_api_key');
  });

  it('answers 401 without reading the body', async () => {
    // Content-Length promises more than is sent: a server that read the body would wait forever.
    const head = (path: string, extra: string): string =>
      `POST ${path} HTTP/1.1\r\nHost: localhost:${server.port}\r\n${extra}` +
      'Content-Type: application/json\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{"a":';
    for (const request of [
      head('/v1/admin/users', ''),
      head('/v1/admin/users', 'Authorization: Bearer nope\r\n'),
      head('/v1/me/passkeys/verify', ''),
    ]) {
      const statusLine = await new Promise<string>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1', () => socket.write(request));
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error('no answer: the server waited for the body'));
        }, 3_000);
        socket.once('data', (data) => {
          clearTimeout(timer);
          socket.destroy();
          resolve(data.toString('latin1').split('\r\n')[0] as string);
        });
        socket.once('error', reject);
      });
      expect(statusLine).toBe('HTTP/1.1 401 Unauthorized');
    }
  });

  it('still refuses a foreign Origin first, and still counts unauthenticated calls', async () => {
    for (const path of ['/v1/admin/users', '/v1/me/passkeys/verify']) {
      const res = await client.call('POST', path, { body: {}, origin: 'https://evil.example' });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden_origin');
    }
    const limited = await startTestServer({
      env: { PASSKI_RATE_LIMITS: 'on', PASSKI_RATE_LIMIT_IP: '2/1m' },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await api(limited).post('/v1/me/passkeys/verify', {})).status);
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      await limited.close();
    }
  });

  it('with credentials, the body is validated as before', async () => {
    const res = await client.call('POST', '/v1/admin/users', {
      body: {},
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.message).toMatch(/^username /);
    const form = await client.call('POST', '/v1/admin/users', {
      raw: 'a=b',
      contentType: 'text/plain',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(form.status).toBe(415);
  });
});

/** RFC 9110 §11.1: "It uses a case-insensitive token to identify the authentication scheme". */
describe('the Bearer scheme is case-insensitive', () => {
  let server: TestServer;
  let client: ReturnType<typeof api>;
  let adminKey: string;

  beforeAll(async () => {
    server = await startTestServer();
    client = api(server);
    adminKey = await server.adminKey();
  });
  afterAll(async () => server.close());

  it('accepts any case of "Bearer", and one or more spaces after it', async () => {
    for (const header of [
      `Bearer ${adminKey}`,
      `bearer ${adminKey}`,
      `BEARER ${adminKey}`,
      `bEaReR ${adminKey}`,
      `Bearer  ${adminKey}`,
    ]) {
      const res = await client.call('GET', '/v1/admin/users', {
        headers: { authorization: header },
      });
      expect(res.status, header).toBe(200);
    }
  });

  it('still refuses other schemes and malformed credentials', async () => {
    for (const header of [
      `Basic ${adminKey}`,
      `Bearer${adminKey}`,
      `Bearer ${adminKey} extra`,
      `Bearer ${adminKey}x`,
      adminKey,
      `Bearer\t${adminKey}`,
    ]) {
      const res = await client.call('GET', '/v1/admin/users', {
        headers: { authorization: header },
      });
      expect(res.status, header).toBe(401);
      expect(res.body.error.code).toBe('invalid_api_key');
    }
  });
});

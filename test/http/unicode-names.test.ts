import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { BACKENDS, startTestServer, type TestServer } from '../helpers/server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

/** Usernames and display names outside ASCII, through sign-up and the admin API, on each database. */
describe.each(BACKENDS)('%s: unicode names', (backend) => {
  let server: TestServer;
  let client: ReturnType<typeof api>;
  let adminKey: string;
  let seq = 0;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    client = api(server);
    adminKey = await server.adminKey();
  });
  afterAll(async () => server.close());

  const admin = (method: string, path: string, body?: unknown) =>
    client.call(method, path, {
      origin: null,
      ...(body === undefined ? {} : { body }),
      headers: { authorization: `Bearer ${adminKey}` },
    });

  async function signUp(username: string, displayName?: string) {
    const auth = new SoftAuthenticator({ origin: server.url });
    const options = await client.post('/v1/sign-up/options', { username, displayName });
    expect(options.status).toBe(200);
    const res = await client.post('/v1/sign-up/verify', {
      response: auth.register(options.body.options),
    });
    expect(res.status).toBe(200);
    return { options: options.body.options, user: res.body.user };
  }

  it('truncates a long display name without splitting the emoji at the bound, and stores it intact', async () => {
    const { options, user } = await signUp(`uni${seq++}`, `${'a'.repeat(62)}😀😀`);
    expect(options.user.displayName).toBe(`${'a'.repeat(62)}😀`);
    const stored = await admin('GET', `/v1/admin/users/${user.id}`);
    // A lone surrogate would have come back from SQLite as U+FFFD.
    expect(stored.body.user.displayName).toBe(`${'a'.repeat(62)}😀`);
    const cut = await client.post('/v1/sign-up/options', {
      username: `uni${seq++}`,
      displayName: `${'a'.repeat(63)}😀`,
    });
    expect(cut.body.options.user.displayName).toBe('a'.repeat(63));
  });

  it('refuses a display name with a lone surrogate, in sign-up and in the admin API', async () => {
    for (const raw of [
      `{"username":"uni${seq++}","displayName":"Ada \\ud83d"}`,
      `{"username":"uni${seq++}","displayName":"\\ude00"}`,
    ]) {
      const res = await client.call('POST', '/v1/sign-up/options', { raw });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
    const { user } = await signUp(`uni${seq++}`);
    const patched = await client.call('PATCH', `/v1/admin/users/${user.id}`, {
      origin: null,
      raw: '{"displayName":"x\\udc00y"}',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(patched.status).toBe(400);
    expect(patched.body.error.code).toBe('invalid_request');
  });

  it('signs up usernames that need combining marks, and refuses invisible ones', async () => {
    const { user } = await signUp(`नमस्ते${seq++}`);
    expect(user.username).toMatch(/^नमस्ते\d+$/);
    const refused = await client.post('/v1/sign-up/options', { username: 'adm\ufe0fin' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_username');
  });
});

import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

/** Checklist E07: security events, with who/what/when/where, and never a secret. */
describe('audit log', () => {
  let server: TestServer;
  let client: ReturnType<typeof api>;
  let adminKey: string;
  beforeAll(async () => {
    server = await startTestServer();
    client = api(server);
    adminKey = await server.adminKey();
  });
  afterAll(async () => server.close());

  const events = async (query = '') =>
    (
      await client.call('GET', `/v1/admin/audit-events${query}`, {
        origin: null,
        headers: { authorization: `Bearer ${adminKey}` },
      })
    ).body;

  it('records sign-up, sign-in, failures, passkey and session changes, without secrets', async () => {
    const auth = new SoftAuthenticator({ origin: server.url });
    const options = (await client.post('/v1/sign-up/options', { username: 'audited' })).body
      .options;
    const signUp = await client.post(
      '/v1/sign-up/verify',
      { response: auth.register(options) },
      {},
    );
    const token = signUp.sessionToken as string;
    const userId = signUp.body.user.id;
    const signInOptions = (await client.post('/v1/sign-in/options', {})).body.options;
    const failed = auth.authenticate(signInOptions, { signWith: 'fresh' });
    await client.post('/v1/sign-in/verify', { response: failed });
    // C1 control characters (NEL, CSI) are the ones HTTP lets through in a header value.
    const ok = await rawPost(
      `${server.url}/v1/sign-in/verify`,
      { response: auth.authenticate((await client.post('/v1/sign-in/options', {})).body.options) },
      { 'user-agent': 'Browser\u0085\u009b2J Injected', origin: server.url },
    );
    expect(ok.status).toBe(200);
    await client.call('PATCH', `/v1/me/passkeys/${auth.credentials[0]?.idBase64url}`, {
      cookie: token,
      body: { name: 'Laptop' },
    });
    const codes = (await client.post('/v1/me/recovery-codes', {}, { cookie: token })).body
      .codes as string[];
    await client.post('/v1/recover', { username: 'audited', code: codes[0] });

    const { events: list } = await events(`?userId=${userId}`);
    const types = list.map((e: { type: string }) => e.type);
    for (const type of [
      'sign_up',
      'sign_in',
      'sign_in_failed',
      'passkey_renamed',
      'recovery_codes_created',
      'recovery_code_used',
    ]) {
      expect(types, type).toContain(type);
    }
    const failure = list.find((e: { type: string }) => e.type === 'sign_in_failed');
    expect(failure).toMatchObject({
      detail: 'verification_failed',
      ip: expect.any(String),
      credentialId: auth.credentials[0]?.idBase64url,
    });
    expect(new Date(failure.at).toISOString()).toBe(failure.at);
    const injected = list.find((e: { userAgent: string | null }) =>
      e.userAgent?.startsWith('Browser'),
    );
    // node:http sends the value as UTF-8 and the server reads header bytes as Latin-1 (Â = 0xC2).
    expect(injected.userAgent).toBe('Browser\u00c2\\u0085\u00c2\\u009b2J Injected');
    const dump = JSON.stringify(list);
    for (const secret of [
      token,
      codes[0],
      codes[1],
      failed.response.signature,
      failed.response.clientDataJSON,
    ]) {
      expect(dump).not.toContain(secret);
    }
  });

  it('pages with a cursor and filters by type', async () => {
    const first = await events('?limit=2');
    expect(first.events).toHaveLength(2);
    const second = await events(`?limit=2&cursor=${first.nextCursor}`);
    expect(second.events[0].id).toBeLessThan(first.events[1].id);
    const onlySignUps = await events('?type=sign_up');
    expect(onlySignUps.events.every((e: { type: string }) => e.type === 'sign_up')).toBe(true);
    expect((await client.call('GET', '/v1/admin/audit-events', { origin: null })).status).toBe(401);
  });
});

/** node:http, because fetch refuses any control character in a header value. */
function rawPost(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

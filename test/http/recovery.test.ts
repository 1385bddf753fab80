import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { api } from '../helpers/api.js';
import { BACKENDS, startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

/** Recovery codes against account state: a disabled account gets no session from a code. */
describe.each(BACKENDS)('%s: recovery', (backend) => {
  let server: TestServer;
  let client: ReturnType<typeof api>;
  let adminKey: string;
  const clock = new TestClock();
  let seq = 0;
  const uniqueName = (): string => `rcv${Date.now().toString(36)}${seq++}`;

  beforeAll(async () => {
    server = await startTestServer({ clock, backend });
    client = api(server);
    adminKey = await server.adminKey();
  });
  afterAll(async () => server.close());
  // The recovery budgets (RECOVERY_LIMITS) are always on: start each test in a fresh window.
  beforeEach(() => clock.advance(16 * 60_000));

  const admin = (method: string, path: string, body?: unknown) =>
    client.call(method, path, {
      origin: null,
      ...(body === undefined ? {} : { body }),
      headers: { authorization: `Bearer ${adminKey}` },
    });

  /** A new account with a passkey and a fresh set of recovery codes. */
  async function accountWithCodes() {
    const username = uniqueName();
    const auth = new SoftAuthenticator({ origin: server.url });
    const options = (await client.post('/v1/sign-up/options', { username })).body.options;
    const signedUp = await client.post('/v1/sign-up/verify', { response: auth.register(options) });
    expect(signedUp.status).toBe(200);
    const token = signedUp.sessionToken as string;
    const codes = await client.post('/v1/me/recovery-codes', {}, { cookie: token });
    expect(codes.status).toBe(200);
    return {
      username,
      userId: signedUp.body.user.id as string,
      codes: codes.body.codes as string[],
    };
  }

  const errorOf = (body: { error: Record<string, unknown> }) => ({
    ...body.error,
    requestId: undefined,
  });

  it('refuses a correct code for a disabled account with 403 user_disabled: no session, code kept, audited', async () => {
    const { username, userId, codes } = await accountWithCodes();
    expect((await admin('POST', `/v1/admin/users/${userId}/disable`, {})).status).toBe(200);

    // Without a valid code, a disabled account looks like any other failure.
    const unknown = await client.post('/v1/recover', {
      username: 'nobody-at-all',
      code: '0000-0000-0000-0000',
    });
    const wrong = await client.post('/v1/recover', { username, code: '0000-0000-0000-0000' });
    expect(wrong.status).toBe(400);
    expect(errorOf(wrong.body)).toEqual(errorOf(unknown.body));

    const refused = await client.post('/v1/recover', { username, code: codes[0] });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('user_disabled');
    expect(refused.sessionToken).toBeUndefined();
    expect(await server.store.sessions.listByUser(userId, clock.now())).toEqual([]);
    expect(await server.store.recoveryCodes.listUnused(userId)).toHaveLength(10);

    const events = (await admin('GET', `/v1/admin/audit-events?userId=${userId}`)).body.events as {
      type: string;
      detail: string | null;
    }[];
    expect(events.map((e) => e.type)).not.toContain('recovery_code_used');
    expect(events.filter((e) => e.type === 'recovery_failed').map((e) => e.detail)).toContain(
      'user_disabled',
    );

    // Re-enabled, the same code still works (it was not consumed), and nothing revived.
    expect((await admin('POST', `/v1/admin/users/${userId}/enable`, {})).status).toBe(200);
    const recovered = await client.post('/v1/recover', { username, code: codes[0] });
    expect(recovered.status).toBe(200);
    expect(recovered.body.session.kind).toBe('recovery');
    expect(await server.store.sessions.listByUser(userId, clock.now())).toHaveLength(1);
  });

  it('re-checks inside the transaction: a disable landing after the code matched leaves no session', async () => {
    const { username, userId, codes } = await accountWithCodes();
    const users = server.store.users;
    const findByUsername = users.findByUsername.bind(users);
    // The admin disables the user between recovery's first read and its transaction.
    const spy = vi.spyOn(users, 'findByUsername').mockImplementationOnce(async (name) => {
      const stale = await findByUsername(name);
      expect((await admin('POST', `/v1/admin/users/${userId}/disable`, {})).status).toBe(200);
      return stale;
    });
    try {
      const raced = await client.post('/v1/recover', { username, code: codes[1] });
      expect(spy).toHaveBeenCalled();
      expect(raced.status).toBe(403);
      expect(raced.body.error.code).toBe('user_disabled');
      expect(raced.sessionToken).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
    expect(await server.store.sessions.listByUser(userId, clock.now())).toEqual([]);
    expect(await server.store.recoveryCodes.listUnused(userId)).toHaveLength(10);
    // Re-enabling revives nothing: there is no session to come alive.
    await admin('POST', `/v1/admin/users/${userId}/enable`, {});
    expect(await server.store.sessions.listByUser(userId, clock.now())).toEqual([]);
  });

  it('counts every attempt against the budget, right codes included (each costs an scrypt)', async () => {
    const { username, codes } = await accountWithCodes();
    const statuses: number[] = [];
    for (const code of codes.slice(0, 6)) {
      statuses.push((await client.post('/v1/recover', { username, code })).status);
    }
    // RECOVERY_LIMITS.account is 5 per 15 minutes, whether the code is right or wrong.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { api } from '../helpers/api.js';
import { BACKENDS, startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

describe.each(BACKENDS)('%s', (backend) => {
  let server: TestServer;
  let client: ReturnType<typeof api>;
  const clock = new TestClock();
  let seq = 0;
  const uniqueName = (): string => `acct${Date.now().toString(36)}${seq++}`;

  beforeAll(async () => {
    server = await startTestServer({ clock, backend, env: { PASSKI_MAX_PASSKEYS: '3' } });
    client = api(server);
  });
  afterAll(async () => server.close());

  /** A new account signed in with one passkey; `token` is its session cookie. */
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

  async function signIn(auth: SoftAuthenticator, username?: string): Promise<string> {
    const options = (await client.post('/v1/sign-in/options', username ? { username } : {})).body
      .options;
    const res = await client.post('/v1/sign-in/verify', { response: auth.authenticate(options) });
    expect(res.status).toBe(200);
    return res.sessionToken as string;
  }

  async function addPasskey(token: string, auth: SoftAuthenticator) {
    const options = await client.post('/v1/me/passkeys/options', {}, { cookie: token });
    if (options.status !== 200) return options;
    return client.post(
      '/v1/me/passkeys/verify',
      { response: auth.register(options.body.options) },
      { cookie: token },
    );
  }

  async function reauth(
    token: string,
    auth: SoftAuthenticator,
    tweak?: Parameters<SoftAuthenticator['authenticate']>[1],
  ) {
    const options = await client.post('/v1/me/reauth/options', {}, { cookie: token });
    expect(options.status).toBe(200);
    expect(options.body.options.userVerification).toBe('required');
    return client.post(
      '/v1/me/reauth/verify',
      { response: auth.authenticate(options.body.options, tweak) },
      { cookie: token },
    );
  }

  /** A session inserted directly, signed in with no particular passkey and freshly verified. */
  async function plantSession(userId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = clock.now();
    await server.store.sessions.create({
      id: randomBytes(16).toString('base64url'),
      userId,
      tokenHash: new Uint8Array(createHash('sha256').update(token).digest()),
      credentialId: null,
      createdAt: now,
      expiresAt: now + 60_000,
      lastSeenAt: now,
      verifiedAt: now,
      userAgent: 'test',
      kind: 'standard',
    });
    return token;
  }

  const passkeys = async (token: string) =>
    (await client.get('/v1/me/passkeys', { cookie: token })).body.passkeys as {
      id: string;
      name: string;
      current: boolean;
      provider: { name: string };
    }[];

  describe('passkeys', () => {
    it('lists the user’s passkeys with provider, flags and the one that signed in', async () => {
      const { token, auth, userId } = await account();
      const res = await client.get('/v1/me/passkeys', { cookie: token });
      expect(res.status).toBe(200);
      expect(res.body.passkeys).toEqual([
        expect.objectContaining({
          id: auth.credentials[0]?.idBase64url,
          name: 'Passkey',
          deviceType: 'singleDevice',
          backedUp: false,
          current: true,
          provider: expect.objectContaining({ name: expect.any(String) }),
        }),
      ]);
      expect(JSON.stringify(res.body)).not.toMatch(/publicKey|public_key|signCount/);
      const user = await server.store.users.findById(userId);
      expect(res.body.signals).toEqual({
        rpId: 'localhost',
        userId: Buffer.from(user?.userHandle as Uint8Array).toString('base64url'),
        name: user?.username,
        displayName: user?.displayName,
      });
    });

    it('adds a second passkey with excludeCredentials, refuses the same one twice, and enforces the limit', async () => {
      const { token, auth } = await account();
      const options = await client.post('/v1/me/passkeys/options', {}, { cookie: token });
      expect(options.body.options.excludeCredentials.map((c: { id: string }) => c.id)).toEqual([
        auth.credentials[0]?.idBase64url,
      ]);
      // Reusing the user's existing handle: the new passkey belongs to the same WebAuthn user.
      expect(options.body.options.user.id).toBe(
        Buffer.from(auth.credentials[0]?.userHandle as Uint8Array).toString('base64url'),
      );
      const second = new SoftAuthenticator({
        origin: server.url,
        aaguid: new Uint8Array(Buffer.from('ea9b8d664d011d213ce4b6b48cb575d4', 'hex')),
      });
      const added = await client.post(
        '/v1/me/passkeys/verify',
        { response: second.register(options.body.options) },
        { cookie: token },
      );
      expect(added.status).toBe(200);
      expect(added.body.passkey).toMatchObject({
        id: second.credentials[0]?.idBase64url,
        current: false,
        aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4',
      });
      // The same authenticator again, ignoring excludeCredentials as a broken client might.
      const again = await client.post('/v1/me/passkeys/options', {}, { cookie: token });
      const dup = await client.post(
        '/v1/me/passkeys/verify',
        {
          response: second.register(again.body.options, {
            credentialId: second.credentials[0]?.id,
            ignoreExcludeCredentials: true,
            keep: false,
          }),
        },
        { cookie: token },
      );
      expect(dup.status).toBe(409);
      expect(dup.body.error.code).toBe('credential_already_registered');
      expect(await passkeys(token)).toHaveLength(2);
      expect((await addPasskey(token, new SoftAuthenticator({ origin: server.url }))).status).toBe(
        200,
      );
      const over = await client.post('/v1/me/passkeys/options', {}, { cookie: token });
      expect(over.status).toBe(409);
      expect(over.body.error.code).toBe('passkey_limit_reached');
    });

    it('needs a fresh step-up: fresh works, stale is 403 until a UV assertion', async () => {
      const { token, auth } = await account();
      const id = auth.credentials[0]?.idBase64url as string;
      expect(
        (
          await client.call('PATCH', `/v1/me/passkeys/${id}`, {
            cookie: token,
            body: { name: 'Laptop' },
          })
        ).status,
      ).toBe(204);
      clock.advance(5 * 60_000 + 1_000);
      const stale = await client.call('PATCH', `/v1/me/passkeys/${id}`, {
        cookie: token,
        body: { name: 'Stale' },
      });
      expect(stale.status).toBe(403);
      expect(stale.body.error.code).toBe('reauthentication_required');
      expect(
        (await addPasskey(token, new SoftAuthenticator({ origin: server.url }))).body.error.code,
      ).toBe('reauthentication_required');
      // A step-up without user verification does not count.
      const noUv = await reauth(token, auth, { flags: { uv: false } });
      expect(noUv.body.error.code).toBe('user_verification_required');
      expect(
        (
          await client.call('PATCH', `/v1/me/passkeys/${id}`, {
            cookie: token,
            body: { name: 'Stale' },
          })
        ).status,
      ).toBe(403);
      const ok = await reauth(token, auth);
      expect(ok.status).toBe(200);
      expect(
        (
          await client.call('PATCH', `/v1/me/passkeys/${id}`, {
            cookie: token,
            body: { name: 'Desk  ' },
          })
        ).status,
      ).toBe(204);
      expect((await passkeys(token))[0]?.name).toBe('Desk');
    });

    it('takes a passkey name of 1 to 64 characters as JavaScript counts them, with one message', async () => {
      const { token, auth } = await account();
      const id = auth.credentials[0]?.idBase64url as string;
      const rename = (name: string) =>
        client.call('PATCH', `/v1/me/passkeys/${id}`, { cookie: token, body: { name } });
      // An emoji outside the BMP is two UTF-16 code units, as in display names.
      expect((await rename('😀'.repeat(32))).status).toBe(204);
      expect((await passkeys(token))[0]?.name).toBe('😀'.repeat(32));
      for (const name of ['a'.repeat(65), '😀'.repeat(33), 'a'.repeat(300), ' \t ']) {
        const res = await rename(name);
        expect(res.status, name.slice(0, 8)).toBe(400);
        expect(res.body.error).toMatchObject({
          code: 'invalid_request',
          message: 'name must be 1 to 64 characters.',
        });
      }
      expect((await passkeys(token))[0]?.name).toBe('😀'.repeat(32));
    });

    it('adds no passkey for a user disabled after the request was authenticated', async () => {
      const { token, userId } = await account();
      const options = await client.post('/v1/me/passkeys/options', {}, { cookie: token });
      const newcomer = new SoftAuthenticator({ origin: server.url });
      const response = newcomer.register(options.body.options);
      const sessions = server.store.sessions;
      const findByTokenHash = sessions.findByTokenHash.bind(sessions);
      // The admin disables the user just after this request's session was read.
      const spy = vi.spyOn(sessions, 'findByTokenHash').mockImplementationOnce(async (...args) => {
        const stale = await findByTokenHash(...args);
        await server.store.transaction(async (tx) => {
          await tx.users.update(userId, { disabledAt: clock.now() });
          await tx.sessions.deleteByUser(userId);
        });
        return stale;
      });
      try {
        const res = await client.post('/v1/me/passkeys/verify', { response }, { cookie: token });
        expect(spy).toHaveBeenCalled();
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('unauthenticated');
      } finally {
        spy.mockRestore();
      }
      expect(await server.store.credentials.countByUser(userId)).toBe(1);
    });

    it('names passkeys in visible, well-formed text', async () => {
      const { token, auth } = await account();
      const id = auth.credentials[0]?.idBase64url as string;
      const rename = (name: string) =>
        client.call('PATCH', `/v1/me/passkeys/${id}`, { cookie: token, body: { name } });
      for (const name of ['ab\ud800cd', '\u200b', ' \u200b\u202e ', '\u2066\u2069']) {
        const res = await rename(name);
        expect(res.status, JSON.stringify(name)).toBe(400);
        expect(res.body.error.code).toBe('invalid_request');
      }
      // Bidi overrides would make "\u202Egnp.exe" read as "exe.png"; they are dropped.
      expect((await rename('\u202egnp.exe')).status).toBe(204);
      expect((await passkeys(token))[0]?.name).toBe('gnp.exe');
      // Emoji sequences joined by ZWJ (a format character) stay whole.
      expect((await rename('Family 👨\u200d👩\u200d👧')).status).toBe(204);
      expect((await passkeys(token))[0]?.name).toBe('Family 👨\u200d👩\u200d👧');
    });

    it('binds a step-up to its session: another session cannot use the challenge', async () => {
      const { token, auth, username } = await account();
      const other = await signIn(auth, username);
      const options = await client.post('/v1/me/reauth/options', {}, { cookie: token });
      const res = await client.post(
        '/v1/me/reauth/verify',
        { response: auth.authenticate(options.body.options) },
        { cookie: other },
      );
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('challenge_not_found');
    });

    it('refuses to delete the last passkey unless unused recovery codes exist', async () => {
      const { token, auth } = await account();
      const id = auth.credentials[0]?.idBase64url as string;
      const refused = await client.call('DELETE', `/v1/me/passkeys/${id}`, { cookie: token });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('last_credential');
      expect(await passkeys(token)).toHaveLength(1);
      expect((await client.post('/v1/me/recovery-codes', {}, { cookie: token })).status).toBe(200);
      const deleted = await client.call('DELETE', `/v1/me/passkeys/${id}`, { cookie: token });
      expect(deleted.status).toBe(204);
      // This session was signed in with that passkey, so it ended with it.
      expect(deleted.headers.getSetCookie().join()).toMatch(/passki_session=;/);
      expect((await client.get('/v1/session', { cookie: token })).status).toBe(401);
    });

    it('leaves one passkey when the last two are deleted concurrently', async () => {
      const { token, userId } = await account();
      expect((await addPasskey(token, new SoftAuthenticator({ origin: server.url }))).status).toBe(
        200,
      );
      // Two fresh sessions not tied to either passkey, so neither delete ends the other's session.
      const sessions = await Promise.all([0, 1].map(() => plantSession(userId)));
      const ids = (await passkeys(token)).map((p) => p.id);
      const results = await Promise.all(
        ids.map((id, i) =>
          client.call('DELETE', `/v1/me/passkeys/${id}`, { cookie: sessions[i] as string }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([204, 409]);
      expect(results.find((r) => r.status === 409)?.body.error.code).toBe('last_credential');
      expect(await server.store.credentials.countByUser(userId)).toBe(1);
    });

    it('ends the sessions signed in with a deleted passkey, at once', async () => {
      const { token, auth, username } = await account();
      const second = new SoftAuthenticator({ origin: server.url });
      expect((await addPasskey(token, second)).status).toBe(200);
      const withSecond = await signIn(second, username);
      const withFirst = await signIn(auth, username);
      expect(
        (
          await client.call('DELETE', `/v1/me/passkeys/${second.credentials[0]?.idBase64url}`, {
            cookie: withFirst,
          })
        ).status,
      ).toBe(204);
      expect((await client.get('/v1/session', { cookie: withSecond })).status).toBe(401);
      expect((await client.get('/v1/session', { cookie: withFirst })).status).toBe(200);
      expect((await client.get('/v1/session', { cookie: token })).status).toBe(200);
    });
  });

  describe('ownership: another user’s ids answer 404 and change nothing', () => {
    it('for passkeys and sessions', async () => {
      const alice = await account();
      const mallory = await account();
      const aliceKey = alice.auth.credentials[0]?.idBase64url as string;
      const aliceSession = (await client.get('/v1/session', { cookie: alice.token })).body.session
        .id;
      for (const [method, path, body] of [
        ['PATCH', `/v1/me/passkeys/${aliceKey}`, { name: 'owned' }],
        ['DELETE', `/v1/me/passkeys/${aliceKey}`, undefined],
        ['DELETE', `/v1/me/sessions/${aliceSession}`, undefined],
        ['DELETE', '/v1/me/passkeys/not-base64url!', undefined],
      ] as const) {
        const res = await client.call(method, path, {
          cookie: mallory.token,
          ...(body ? { body } : {}),
        });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
      expect((await passkeys(alice.token))[0]?.name).toBe('Passkey');
      expect((await client.get('/v1/session', { cookie: alice.token })).status).toBe(200);
      expect(
        (await client.get('/v1/me/sessions', { cookie: mallory.token })).body.sessions.map(
          (s: { id: string }) => s.id,
        ),
      ).not.toContain(aliceSession);
    });

    it('refuses account changes from a foreign origin', async () => {
      const { token, auth } = await account();
      const res = await client.call(
        'DELETE',
        `/v1/me/passkeys/${auth.credentials[0]?.idBase64url}`,
        { cookie: token, origin: 'https://evil.example' },
      );
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden_origin');
    });

    it('answers 401 without a session', async () => {
      for (const [method, path] of [
        ['GET', '/v1/me/passkeys'],
        ['GET', '/v1/me/sessions'],
        ['POST', '/v1/me/passkeys/options'],
        ['POST', '/v1/me/recovery-codes'],
        ['POST', '/v1/me/reauth/options'],
      ] as const) {
        const res = await client.call(method, path, method === 'POST' ? { body: {} } : {});
        expect(res.status, path).toBe(401);
      }
    });
  });

  describe('sessions', () => {
    it('leaves sessions past the idle timeout out of the lists', async () => {
      const { token, auth, username, userId } = await account();
      await signIn(auth, username);
      // Six days on, only this session is used; two more, and the other has been idle for 8 days
      // (the default idle timeout is 7).
      clock.advance(6 * 86_400_000);
      expect((await client.get('/v1/session', { cookie: token })).status).toBe(200);
      clock.advance(2 * 86_400_000);
      const mine = await client.get('/v1/me/sessions', { cookie: token });
      expect(mine.body.sessions).toHaveLength(1);
      expect(mine.body.sessions[0].current).toBe(true);
      const adminKey = await server.adminKey();
      const listed = await client.call('GET', `/v1/admin/users/${userId}/sessions`, {
        origin: null,
        headers: { authorization: `Bearer ${adminKey}` },
      });
      expect(listed.body.sessions).toHaveLength(1);
    });

    it('lists sessions with the current one marked; revoking another needs step-up; revoking this one signs out', async () => {
      const { token, auth, username } = await account();
      const other = await signIn(auth, username);
      const list = await client.get('/v1/me/sessions', { cookie: token });
      expect(list.body.sessions).toHaveLength(2);
      const otherId = list.body.sessions.find((s: { current: boolean }) => !s.current).id;
      clock.advance(6 * 60_000);
      expect(
        (await client.call('DELETE', `/v1/me/sessions/${otherId}`, { cookie: token })).body.error
          .code,
      ).toBe('reauthentication_required');
      expect((await reauth(token, auth)).status).toBe(200);
      expect(
        (await client.call('DELETE', `/v1/me/sessions/${otherId}`, { cookie: token })).status,
      ).toBe(204);
      expect((await client.get('/v1/session', { cookie: other })).status).toBe(401);
      const thisId = (await client.get('/v1/session', { cookie: token })).body.session.id;
      expect(
        (await client.call('DELETE', `/v1/me/sessions/${thisId}`, { cookie: token })).status,
      ).toBe(204);
      expect((await client.get('/v1/session', { cookie: token })).status).toBe(401);
    });

    it('ends every other session at once', async () => {
      const { token, auth, username } = await account();
      const others = [await signIn(auth, username), await signIn(auth, username)];
      const res = await client.call('DELETE', '/v1/me/sessions', { cookie: token });
      expect(res.body).toEqual({ ended: 2 });
      for (const t of others)
        expect((await client.get('/v1/session', { cookie: t })).status).toBe(401);
      expect((await client.get('/v1/session', { cookie: token })).status).toBe(200);
    });
  });

  describe('recovery codes', () => {
    it('creates 10 human-friendly codes, shown once, stored only as slow hashes', async () => {
      const { token, userId } = await account();
      const res = await client.post('/v1/me/recovery-codes', {}, { cookie: token });
      expect(res.status).toBe(200);
      expect(res.body.codes).toHaveLength(10);
      expect(new Set(res.body.codes).size).toBe(10);
      for (const code of res.body.codes)
        expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
      expect((await client.get('/v1/me/recovery-codes', { cookie: token })).body).toEqual({
        remaining: 10,
      });
      const stored = await server.store.recoveryCodes.listUnused(userId);
      const dump = JSON.stringify(stored.map((s) => Buffer.from(s.codeHash).toString('hex')));
      for (const code of res.body.codes)
        expect(dump).not.toContain(Buffer.from(code).toString('hex'));
    });

    it('signs in with a code into a limited recovery session that can enrol a passkey; codes are single use', async () => {
      const { token, username } = await account();
      const codes: string[] = (await client.post('/v1/me/recovery-codes', {}, { cookie: token }))
        .body.codes;
      const typed = ` ${codes[0]?.toLowerCase().replace(/-/g, ' ')} `;
      const recovered = await client.post('/v1/recover', { username, code: typed });
      expect(recovered.status).toBe(200);
      expect(recovered.body.session.kind).toBe('recovery');
      const recovery = recovered.sessionToken as string;
      for (const [method, path, body] of [
        ['GET', '/v1/me/passkeys', undefined],
        ['GET', '/v1/me/sessions', undefined],
        ['POST', '/v1/me/reauth/options', {}],
      ] as const) {
        const res = await client.call(method, path, {
          cookie: recovery,
          ...(body ? { body } : {}),
        });
        expect(res.status, path).toBe(403);
        expect(res.body.error.code).toBe('recovery_session_limited');
      }
      const fresh = new SoftAuthenticator({ origin: server.url });
      expect((await addPasskey(recovery, fresh)).status).toBe(200);
      expect((await client.get('/v1/me/recovery-codes', { cookie: recovery })).body.remaining).toBe(
        9,
      );
      // The new passkey signs in normally.
      expect(await signIn(fresh, username)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const reused = await client.post('/v1/recover', { username, code: codes[0] });
      expect(reused.status).toBe(400);
      expect(reused.body.error.code).toBe('invalid_recovery_code');
    });

    it('invalidates the old set when new codes are created', async () => {
      const { token, username } = await account();
      const first: string[] = (await client.post('/v1/me/recovery-codes', {}, { cookie: token }))
        .body.codes;
      await client.post('/v1/me/recovery-codes', {}, { cookie: token });
      expect((await client.post('/v1/recover', { username, code: first[1] })).body.error.code).toBe(
        'invalid_recovery_code',
      );
    });

    it('lets exactly one of concurrent uses of one code through', async () => {
      const { token, username } = await account();
      const codes: string[] = (await client.post('/v1/me/recovery-codes', {}, { cookie: token }))
        .body.codes;
      const results = await Promise.all(
        Array.from({ length: 4 }, () => client.post('/v1/recover', { username, code: codes[2] })),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    });

    it('answers an unknown user like a wrong code, and rate-limits guesses per account', async () => {
      const { username } = await account();
      const unknown = await client.post('/v1/recover', {
        username: 'nobody-at-all',
        code: 'AAAA-AAAA-AAAA-AAAA',
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.code).toBe('invalid_recovery_code');
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 6; i++) {
        const res = await client.post('/v1/recover', { username, code: '0000-0000-0000-0000' });
        statuses.push(res.status);
        retryAfter ??= res.headers.get('retry-after');
        if (res.status === 429) expect(res.body.error.code).toBe('rate_limited');
      }
      expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    });
  });
});

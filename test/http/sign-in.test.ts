import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { api, rowCounts } from '../helpers/api.js';
import { BACKENDS, startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { flipByte, SoftAuthenticator } from '../helpers/soft-authenticator.js';

describe.each(BACKENDS)('%s', (backend) => {
  let server: TestServer;
  let client: ReturnType<typeof api>;
  const clock = new TestClock();
  let seq = 0;
  const uniqueName = (): string => `signin${Date.now().toString(36)}${seq++}`;

  beforeAll(async () => {
    server = await startTestServer({ clock, backend });
    client = api(server);
  });
  afterAll(async () => server.close());

  /** A fresh account with one passkey held by the returned authenticator. */
  async function account(opts: { backupEligible?: boolean; counterStep?: number } = {}) {
    const username = uniqueName();
    const auth = new SoftAuthenticator({
      origin: server.url,
      ...opts,
      ...(opts.backupEligible ? { backupState: true } : {}),
    });
    const options = (await client.post('/v1/sign-up/options', { username })).body.options;
    const res = await client.post('/v1/sign-up/verify', { response: auth.register(options) });
    expect(res.status).toBe(200);
    return {
      username,
      auth,
      userId: res.body.user.id as string,
      token: res.sessionToken as string,
    };
  }

  async function signInOptions(username?: string) {
    const res = await client.post(
      '/v1/sign-in/options',
      username === undefined ? {} : { username },
    );
    expect(res.status).toBe(200);
    return res.body.options;
  }

  async function expectRefused(
    res: Awaited<ReturnType<typeof client.post>>,
    before: Awaited<ReturnType<typeof rowCounts>>,
    code: string,
  ) {
    expect(res.body?.error?.code).toBe(code);
    expect(res.status).toBe(400);
    expect(res.sessionToken).toBeUndefined();
    expect(await rowCounts(server)).toEqual(before);
    expect((await client.get('/healthz')).status).toBe(200);
  }

  describe('sign-in', () => {
    it('signs in with a username, lists only that user’s passkeys, and updates the counter', async () => {
      const { username, auth, userId } = await account();
      await account(); // someone else's passkey must not appear
      const options = await signInOptions(username);
      expect(options.allowCredentials).toEqual([
        {
          id: auth.credentials[0]?.idBase64url,
          type: 'public-key',
          transports: ['internal', 'hybrid'],
        },
      ]);
      expect(options.userVerification).toBe('required');
      const res = await client.post('/v1/sign-in/verify', { response: auth.authenticate(options) });
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ id: userId, username });
      expect(res.sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const stored = await server.store.credentials.findById(auth.credentials[0]?.id as Uint8Array);
      expect(stored?.signCount).toBe(1);
      expect(stored?.lastUsedAt).toBe(clock.now());
    });

    it('signs in without a username (discoverable credential, user handle names the account)', async () => {
      const { auth, userId } = await account();
      const options = await signInOptions();
      expect(options.allowCredentials).toEqual([]);
      const res = await client.post('/v1/sign-in/verify', { response: auth.authenticate(options) });
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe(userId);
    });

    it('answers 404 user_not_found for an unknown username', async () => {
      const res = await client.post('/v1/sign-in/options', { username: 'nobody-here' });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('user_not_found');
    });

    it('ends the session on sign-out, server-side', async () => {
      const { auth, username } = await account();
      const res = await client.post('/v1/sign-in/verify', {
        response: auth.authenticate(await signInOptions(username)),
      });
      const token = res.sessionToken as string;
      expect((await client.get('/v1/session', { cookie: token })).status).toBe(200);
      const out = await client.post('/v1/sign-out', undefined, { cookie: token });
      expect(out.status).toBe(204);
      expect(out.headers.getSetCookie().join()).toMatch(/passki_session=;.*Max-Age=0/);
      const after = await client.get('/v1/session', { cookie: token });
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe('unauthenticated');
    });

    it('refuses sign-out from a foreign origin and keeps the session', async () => {
      const { auth } = await account();
      const res = await client.post('/v1/sign-in/verify', {
        response: auth.authenticate(await signInOptions()),
      });
      const token = res.sessionToken as string;
      const out = await client.post('/v1/sign-out', undefined, {
        cookie: token,
        origin: 'https://evil.example',
      });
      expect(out.status).toBe(403);
      expect(out.body.error.code).toBe('forbidden_origin');
      const crossSite = await client.call('POST', '/v1/sign-out', {
        cookie: token,
        origin: null,
        headers: { 'sec-fetch-site': 'cross-site' },
      });
      expect(crossSite.status).toBe(403);
      expect((await client.get('/v1/session', { cookie: token })).status).toBe(200);
    });

    it('refuses a replayed assertion: one session only', async () => {
      const { auth } = await account();
      const response = auth.authenticate(await signInOptions());
      expect((await client.post('/v1/sign-in/verify', { response })).status).toBe(200);
      const before = await rowCounts(server);
      await expectRefused(
        await client.post('/v1/sign-in/verify', { response }),
        before,
        'challenge_used',
      );
    });

    it('gives exactly one success to concurrent submits of one assertion', async () => {
      const { auth } = await account();
      const response = auth.authenticate(await signInOptions());
      const before = await rowCounts(server);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => client.post('/v1/sign-in/verify', { response })),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(results.filter((r) => r.status === 400)).toHaveLength(9);
      expect((await rowCounts(server)).sessions).toBe(before.sessions + 1);
    });

    it('expires challenges after the TTL (5 minutes by default)', async () => {
      const { auth } = await account();
      const early = await signInOptions();
      clock.advance(5 * 60_000 - 1000);
      expect(
        (await client.post('/v1/sign-in/verify', { response: auth.authenticate(early) })).status,
      ).toBe(200);
      const late = await signInOptions();
      clock.advance(5 * 60_000 + 1000);
      const before = await rowCounts(server);
      await expectRefused(
        await client.post('/v1/sign-in/verify', { response: auth.authenticate(late) }),
        before,
        'challenge_expired',
      );
    });

    it('refuses a sign-up challenge on sign-in', async () => {
      const { auth } = await account();
      const signUp = (await client.post('/v1/sign-up/options', { username: uniqueName() })).body
        .options;
      const before = await rowCounts(server);
      const res = await client.post('/v1/sign-in/verify', {
        response: auth.authenticate(await signInOptions(), {
          clientData: { challenge: signUp.challenge },
        }),
      });
      await expectRefused(res, before, 'ceremony_mismatch');
      // The failed attempt used the challenge up: it cannot be taken back to sign up with.
      const reuse = await client.post('/v1/sign-up/verify', {
        response: new SoftAuthenticator({ origin: server.url }).register(signUp),
      });
      expect(reuse.status).toBe(400);
      expect(reuse.body.error.code).toBe('challenge_used');
      expect(await rowCounts(server)).toEqual(before);
    });

    it('refuses a counter that does not increase (cloned authenticator) and records it', async () => {
      const { auth, userId } = await account();
      const clone = auth.clone();
      expect(
        (
          await client.post('/v1/sign-in/verify', {
            response: auth.authenticate(await signInOptions()),
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await client.post('/v1/sign-in/verify', {
            response: auth.authenticate(await signInOptions()),
          })
        ).status,
      ).toBe(200);
      const before = await rowCounts(server);
      await expectRefused(
        await client.post('/v1/sign-in/verify', {
          response: clone.authenticate(await signInOptions()),
        }),
        before,
        'counter_regression',
      );
      const stored = await server.store.credentials.findById(auth.credentials[0]?.id as Uint8Array);
      expect(stored?.signCount).toBe(2);
      const events = await server.store.audit.list({
        limit: 5,
        type: 'counter_regression',
        userId,
      });
      expect(events).toHaveLength(1);
      // A counter that goes from non-zero back to 0 is a regression too.
      await expectRefused(
        await client.post('/v1/sign-in/verify', {
          response: auth.authenticate(await signInOptions(), { counter: 0 }),
        }),
        before,
        'counter_regression',
      );
    });

    it('accepts authenticators that always report 0 (synced passkeys)', async () => {
      const { auth } = await account({ counterStep: 0, backupEligible: true });
      for (let i = 0; i < 2; i++) {
        expect(
          (
            await client.post('/v1/sign-in/verify', {
              response: auth.authenticate(await signInOptions()),
            })
          ).status,
        ).toBe(200);
      }
      const stored = await server.store.credentials.findById(auth.credentials[0]?.id as Uint8Array);
      expect(stored).toMatchObject({
        signCount: 0,
        backupEligible: true,
        backedUp: true,
        deviceType: 'multiDevice',
      });
    });

    it('refuses another account’s passkey in a username-first ceremony (W3C issue 753)', async () => {
      const victim = await account();
      const attacker = await account();
      const options = await signInOptions(victim.username);
      const before = await rowCounts(server);
      const res = await client.post('/v1/sign-in/verify', {
        response: attacker.auth.authenticate(options, {
          credentialId: attacker.auth.credentials[0]?.id as Uint8Array,
        }),
      });
      await expectRefused(res, before, 'credential_not_allowed');
    });

    it('refuses a user handle that is not the credential owner’s, and a missing one without a username', async () => {
      const victim = await account();
      const attacker = await account();
      const before = await rowCounts(server);
      const swapped = attacker.auth.authenticate(await signInOptions(), {
        userHandle: victim.auth.credentials[0]?.userHandle as Uint8Array,
      });
      await expectRefused(
        await client.post('/v1/sign-in/verify', { response: swapped }),
        before,
        'user_handle_mismatch',
      );
      const missing = attacker.auth.authenticate(await signInOptions(), { userHandle: null });
      await expectRefused(
        await client.post('/v1/sign-in/verify', { response: missing }),
        before,
        'user_handle_mismatch',
      );
      // Username-first may omit the user handle (non-discoverable credentials do).
      const ok = attacker.auth.authenticate(await signInOptions(attacker.username), {
        userHandle: null,
      });
      expect((await client.post('/v1/sign-in/verify', { response: ok })).status).toBe(200);
    });

    it('refuses an unknown credential', async () => {
      const stranger = new SoftAuthenticator({ origin: server.url });
      stranger.register(
        (await client.post('/v1/sign-up/options', { username: uniqueName() })).body.options,
      );
      const before = await rowCounts(server);
      await expectRefused(
        await client.post('/v1/sign-in/verify', {
          response: stranger.authenticate(await signInOptions()),
        }),
        before,
        'credential_not_found',
      );
    });

    it('refuses a change of backup eligibility (§6.1.3)', async () => {
      const { auth } = await account();
      const before = await rowCounts(server);
      const res = await client.post('/v1/sign-in/verify', {
        response: auth.authenticate(await signInOptions(), { flags: { be: true } }),
      });
      await expectRefused(res, before, 'backup_eligibility_changed');
    });

    describe('refuses forged or corrupted assertions and writes nothing', () => {
      const cases: [string, Parameters<SoftAuthenticator['authenticate']>[1], string][] = [
        ['wrong origin', { clientData: { origin: 'https://evil.example' } }, 'origin_mismatch'],
        ['wrong RP ID hash', { rpId: 'evil.com' }, 'rp_id_mismatch'],
        ['webauthn.create type', { clientData: { type: 'webauthn.create' } }, 'ceremony_mismatch'],
        ['payment.get type', { clientData: { type: 'payment.get' } }, 'ceremony_mismatch'],
        ['cross-origin iframe', { clientData: { crossOrigin: true } }, 'cross_origin_not_allowed'],
        [
          'topOrigin',
          { clientData: { crossOrigin: true, topOrigin: 'https://evil.com' } },
          'cross_origin_not_allowed',
        ],
        ['UP cleared', { flags: { up: false } }, 'user_presence_required'],
        ['UV cleared', { flags: { uv: false } }, 'user_verification_required'],
        ['signature by another key', { signWith: 'fresh' }, 'verification_failed'],
        [
          'flipped signature byte',
          { signature: (s) => flipByte(s, 10, 0x01) },
          'verification_failed',
        ],
        [
          'truncated signature',
          { signature: (s) => s.slice(0, s.length - 2) },
          'verification_failed',
        ],
        [
          'authData flags changed after signing',
          { tamperAuthData: (a) => flipByte(a, 32, 0x02) },
          'verification_failed',
        ],
        [
          'counter changed after signing',
          { tamperAuthData: (a) => flipByte(a, 36, 0x10) },
          'verification_failed',
        ],
        [
          'clientDataJSON changed after signing',
          { tamperClientDataJSON: (c) => new Uint8Array([...c.slice(0, -1), 0x20, 0x7d]) },
          'verification_failed',
        ],
        [
          'random challenge',
          { clientData: { challenge: Buffer.alloc(80, 9).toString('base64url') } },
          'challenge_not_found',
        ],
      ];
      it.each(cases)('%s', async (_name, tweak, code) => {
        const { auth } = await account();
        const before = await rowCounts(server);
        const stored = await server.store.credentials.findById(
          auth.credentials[0]?.id as Uint8Array,
        );
        await expectRefused(
          await client.post('/v1/sign-in/verify', {
            response: auth.authenticate(await signInOptions(), tweak),
          }),
          before,
          code,
        );
        const after = await server.store.credentials.findById(
          auth.credentials[0]?.id as Uint8Array,
        );
        expect(after?.signCount).toBe(stored?.signCount);
      });
    });

    it('burns the challenge on failure (bad signature first, then the honest response)', async () => {
      const { auth } = await account();
      const options = await signInOptions();
      expect(
        (
          await client.post('/v1/sign-in/verify', {
            response: auth.authenticate(options, { signWith: 'fresh' }),
          })
        ).status,
      ).toBe(400);
      const honest = await client.post('/v1/sign-in/verify', {
        response: auth.authenticate(options),
      });
      expect(honest.status).toBe(400);
      expect(honest.body.error.code).toBe('challenge_used');
    });

    it('accepts spec-valid clientDataJSON variants: BOM, extra and reordered keys', async () => {
      const { auth } = await account();
      for (const clientData of [
        { bom: true },
        { extra: { other_keys_can_be_added_here: 'x' } },
        { order: ['origin', 'challenge', 'type'] },
      ]) {
        const res = await client.post('/v1/sign-in/verify', {
          response: auth.authenticate(await signInOptions(), { clientData }),
        });
        expect(res.status, JSON.stringify(clientData)).toBe(200);
      }
    });

    it('answers a forged assertion with a low counter as a forgery, not as a clone', async () => {
      const { username, auth, userId } = await account();
      const held = auth.credentials[0] as { id: Uint8Array; signCount: number };
      held.signCount = 7;
      expect(
        (
          await client.post('/v1/sign-in/verify', {
            response: auth.authenticate(await signInOptions(username)),
          })
        ).status,
      ).toBe(200);
      // Whoever knows the username learns the credential ID from allowCredentials; without the
      // key, a low counter must not be reported (it would reveal the stored count) or audited
      // as a cloned authenticator.
      for (const counter of [0, 3, 8]) {
        const before = await rowCounts(server);
        await expectRefused(
          await client.post('/v1/sign-in/verify', {
            response: auth.authenticate(await signInOptions(username), {
              counter,
              signWith: 'fresh',
            }),
          }),
          before,
          'verification_failed',
        );
      }
      expect(
        await server.store.audit.list({ limit: 5, type: 'counter_regression', userId }),
      ).toEqual([]);
      expect((await server.store.credentials.findById(held.id))?.signCount).toBe(8);
    });

    it('re-checks the user when committing: a disable landing after the first read leaves no session', async () => {
      const { username, auth, userId } = await account();
      const options = await signInOptions(username);
      const credentials = server.store.credentials;
      const findWithOwner = credentials.findWithOwner.bind(credentials);
      // The admin disables the user between the ceremony's read of it and its transaction.
      const spy = vi.spyOn(credentials, 'findWithOwner').mockImplementationOnce(async (id) => {
        const stale = await findWithOwner(id);
        await server.store.transaction(async (tx) => {
          await tx.users.update(userId, { disabledAt: clock.now() });
          await tx.sessions.deleteByUser(userId);
        });
        return stale;
      });
      try {
        const res = await client.post('/v1/sign-in/verify', {
          response: auth.authenticate(options),
        });
        expect(spy).toHaveBeenCalled();
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('user_disabled');
        expect(res.sessionToken).toBeUndefined();
      } finally {
        spy.mockRestore();
      }
      expect(await server.store.sessions.listByUser(userId, clock.now())).toEqual([]);
    });

    it('tells only the passkey holder that an account is disabled', async () => {
      const { username, auth, userId } = await account();
      await server.store.users.update(userId, { disabledAt: clock.now() });
      const before = await rowCounts(server);
      await expectRefused(
        await client.post('/v1/sign-in/verify', {
          response: auth.authenticate(await signInOptions(username), { signWith: 'fresh' }),
        }),
        before,
        'verification_failed',
      );
      const held = await client.post('/v1/sign-in/verify', {
        response: auth.authenticate(await signInOptions(username)),
      });
      expect(held.status).toBe(403);
      expect(held.body.error.code).toBe('user_disabled');
    });

    it('answers a sign-in racing the deletion of its passkey with credential_not_found', async () => {
      for (let round = 0; round < 8; round++) {
        const { auth, token, userId } = await account();
        expect((await client.post('/v1/me/recovery-codes', {}, { cookie: token })).status).toBe(
          200,
        );
        const response = auth.authenticate(await signInOptions());
        const [signIn, removal] = await Promise.all([
          client.post('/v1/sign-in/verify', { response }),
          client.call('DELETE', `/v1/me/passkeys/${auth.credentials[0]?.idBase64url}`, {
            cookie: token,
          }),
        ]);
        expect(removal.status).toBe(204);
        // Either order is fine; a 500 (a PostgreSQL deadlock) or a false clone alarm is not.
        if (signIn.status !== 200) {
          expect(signIn.status).toBe(400);
          expect(signIn.body.error.code).toBe('credential_not_found');
        }
        expect(
          await server.store.audit.list({ limit: 5, type: 'counter_regression', userId }),
        ).toEqual([]);
      }
    });

    it('issues distinct challenges with at least 32 random bytes', async () => {
      const challenges = new Set<string>();
      for (let i = 0; i < 300; i++) challenges.add((await signInOptions()).challenge);
      expect(challenges.size).toBe(300);
    });
  });
});

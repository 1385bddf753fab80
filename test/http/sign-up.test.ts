import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, rowCounts } from '../helpers/api.js';
import { BACKENDS, queryDatabase, startTestServer, type TestServer } from '../helpers/server.js';
import { type Alg, SoftAuthenticator } from '../helpers/soft-authenticator.js';

describe.each(BACKENDS)('%s', (backend) => {
  let server: TestServer;
  let client: ReturnType<typeof api>;
  let seq = 0;
  const uniqueName = (): string => `user${Date.now().toString(36)}${seq++}`;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    client = api(server);
  });
  afterAll(async () => server.close());

  async function signUpOptions(username: string) {
    const res = await client.post('/v1/sign-up/options', { username });
    expect(res.status).toBe(200);
    return res.body.options;
  }

  /** Asserts a refused ceremony left nothing behind and the server still answers. */
  async function expectRefused(
    res: Awaited<ReturnType<typeof client.post>>,
    before: Awaited<ReturnType<typeof rowCounts>>,
    status: number,
    code: string,
  ) {
    expect(res.body?.error?.code).toBe(code);
    expect(res.status).toBe(status);
    expect(res.sessionToken).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toMatch(/expected|challenge "|at .*\.ts/);
    expect(await rowCounts(server)).toEqual(before);
    expect((await client.get('/healthz')).status).toBe(200);
  }

  describe('sign-up', () => {
    it.each<Alg>(['ES256', 'EdDSA', 'RS256'])(
      'creates the account, its %s passkey and a session in one step',
      async (alg) => {
        const username = uniqueName();
        const auth = new SoftAuthenticator({ alg, origin: server.url });
        const options = await signUpOptions(username);
        // Discoverable, UV required, attestation none, the three algorithms, a random user handle.
        expect(options.authenticatorSelection).toMatchObject({
          residentKey: 'required',
          userVerification: 'required',
        });
        expect(options.attestation).toBe('none');
        expect(options.pubKeyCredParams.map((p: { alg: number }) => p.alg)).toEqual([-7, -8, -257]);
        const handle = Buffer.from(options.user.id, 'base64url');
        expect(handle.length).toBe(32);
        expect(handle.toString('utf8')).not.toContain(username);
        expect(options.rp.id).toBe('localhost');
        expect(Buffer.from(options.challenge, 'base64url').length).toBeGreaterThanOrEqual(32);

        const res = await client.post('/v1/sign-up/verify', { response: auth.register(options) });
        expect(res.status).toBe(200);
        expect(res.body.user).toMatchObject({ username, displayName: username });
        expect(res.body.session.id).toEqual(expect.any(String));
        const setCookie = res.headers.getSetCookie().join('\n');
        expect(setCookie).toMatch(/passki_session=[A-Za-z0-9_-]{43};/);
        expect(setCookie).toMatch(/HttpOnly/);
        expect(setCookie).toMatch(/SameSite=Lax/);
        expect(setCookie).toMatch(/Path=\//);
        expect(setCookie).not.toMatch(/Secure|Domain/); // http://localhost: not Secure

        const session = await client.get('/v1/session', { cookie: res.sessionToken as string });
        expect(session.status).toBe(200);
        expect(session.body.user.id).toBe(res.body.user.id);

        const credential = await server.store.credentials.findById(
          auth.credentials[0]?.id as Uint8Array,
        );
        expect(credential).toMatchObject({
          userId: res.body.user.id,
          signCount: 0,
          algorithm: { ES256: -7, EdDSA: -8, RS256: -257 }[alg],
          deviceType: 'singleDevice',
          backedUp: false,
          uvInitialized: true,
          aaguid: '00000000-0000-0000-0000-000000000000',
        });
        expect(credential?.transports).toEqual(['internal', 'hybrid']);
        expect(credential?.createdAt).toEqual(expect.any(Number));
        const user = await server.store.users.findById(res.body.user.id);
        expect(Buffer.from(user?.userHandle as Uint8Array).toString('base64url')).toBe(
          options.user.id,
        );
      },
    );

    it('stores only a hash of the session token', async () => {
      const auth = new SoftAuthenticator({ origin: server.url });
      const res = await client.post('/v1/sign-up/verify', {
        response: auth.register(await signUpOptions(uniqueName())),
      });
      const rows = (await queryDatabase(server, 'SELECT token_hash FROM sessions')) as {
        token_hash: Buffer;
      }[];
      const token = res.sessionToken as string;
      expect(rows.some((r) => r.token_hash.toString('base64url') === token)).toBe(false);
      const { createHash } = await import('node:crypto');
      const hash = createHash('sha256').update(token).digest();
      expect(rows.some((r) => r.token_hash.equals(hash))).toBe(true);
    });

    it('normalises usernames and refuses taken or invalid ones', async () => {
      const auth = new SoftAuthenticator({ origin: server.url });
      const base = uniqueName();
      const res = await client.post('/v1/sign-up/verify', {
        response: auth.register(await signUpOptions(`  ${base.toUpperCase()} `)),
      });
      expect(res.body.user.username).toBe(base);
      const taken = await client.post('/v1/sign-up/options', { username: base.toUpperCase() });
      expect(taken.status).toBe(409);
      expect(taken.body.error.code).toBe('username_taken');
      // Full-width letters fold into ASCII (NFKC), so they collide with the existing account.
      const fullWidth = [...base]
        .map((ch) => (/[a-z0-9]/.test(ch) ? String.fromCharCode(ch.charCodeAt(0) + 0xfee0) : ch))
        .join('');
      expect(
        (await client.post('/v1/sign-up/options', { username: fullWidth })).body.error.code,
      ).toBe('username_taken');
      for (const bad of ['ab', 'a'.repeat(65), 'white space', 'admin\u200b', 'semi;colon', '']) {
        const r = await client.post('/v1/sign-up/options', { username: bad });
        expect(r.status, bad).toBe(400);
        expect(r.body.error.code).toBe('invalid_username');
      }
    });

    it('leaves no user behind when a sign-up is abandoned', async () => {
      const before = await rowCounts(server);
      const username = uniqueName();
      await signUpOptions(username);
      expect(await rowCounts(server)).toEqual(before);
      // The username is still free.
      await signUpOptions(username);
    });

    it('lets exactly one of two concurrent sign-ups of one username through', async () => {
      const username = uniqueName();
      const [a, b] = [
        new SoftAuthenticator({ origin: server.url }),
        new SoftAuthenticator({ origin: server.url }),
      ];
      const [oa, ob] = await Promise.all([signUpOptions(username), signUpOptions(username)]);
      const before = await rowCounts(server);
      const results = await Promise.all([
        client.post('/v1/sign-up/verify', { response: a.register(oa) }),
        client.post('/v1/sign-up/verify', { response: b.register(ob) }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(results.find((r) => r.status === 409)?.body.error.code).toBe('username_taken');
      expect(await rowCounts(server)).toEqual({
        users: before.users + 1,
        credentials: before.credentials + 1,
        sessions: before.sessions + 1,
      });
    });

    it('refuses a replayed registration response', async () => {
      const auth = new SoftAuthenticator({ origin: server.url });
      const response = auth.register(await signUpOptions(uniqueName()));
      expect((await client.post('/v1/sign-up/verify', { response })).status).toBe(200);
      const before = await rowCounts(server);
      await expectRefused(
        await client.post('/v1/sign-up/verify', { response }),
        before,
        400,
        'challenge_used',
      );
    });

    it('answers concurrent double-submits of one response with exactly one success', async () => {
      const auth = new SoftAuthenticator({ origin: server.url });
      const response = auth.register(await signUpOptions(uniqueName()));
      const before = await rowCounts(server);
      const results = await Promise.all(
        Array.from({ length: 8 }, () => client.post('/v1/sign-up/verify', { response })),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(
        results
          .filter((r) => r.status !== 200)
          .every((r) => r.body.error.code === 'challenge_used'),
      ).toBe(true);
      expect((await rowCounts(server)).users).toBe(before.users + 1);
    });

    it('never registers one credential ID twice', async () => {
      const first = new SoftAuthenticator({ origin: server.url });
      const credentialId = new Uint8Array(32).fill(7);
      expect(
        (
          await client.post('/v1/sign-up/verify', {
            response: first.register(await signUpOptions(uniqueName()), { credentialId }),
          })
        ).status,
      ).toBe(200);
      const before = await rowCounts(server);
      const second = new SoftAuthenticator({ origin: server.url });
      const res = await client.post('/v1/sign-up/verify', {
        response: second.register(await signUpOptions(uniqueName()), { credentialId }),
      });
      await expectRefused(res, before, 409, 'credential_already_registered');
    });

    it('accepts a 1023-byte credential ID and refuses 1024 bytes', async () => {
      const auth = new SoftAuthenticator({ origin: server.url });
      const ok = await client.post('/v1/sign-up/verify', {
        response: auth.register(await signUpOptions(uniqueName()), { credentialIdLength: 1023 }),
      });
      expect(ok.status).toBe(200);
      const before = await rowCounts(server);
      const res = await client.post('/v1/sign-up/verify', {
        response: new SoftAuthenticator({ origin: server.url }).register(
          await signUpOptions(uniqueName()),
          { credentialIdLength: 1024 },
        ),
      });
      await expectRefused(res, before, 400, 'credential_id_too_long');
    });

    describe('refuses forged registrations and writes nothing', () => {
      const cases: [
        string,
        (auth: SoftAuthenticator, options: never) => unknown,
        number,
        string,
      ][] = [
        [
          'wrong origin',
          (a, o) => a.register(o, { clientData: { origin: 'http://evil.localhost:1' } }),
          400,
          'origin_mismatch',
        ],
        [
          'origin with trailing slash',
          (a, o) => a.register(o, { clientData: { origin: `${server.url}/` } }),
          400,
          'origin_mismatch',
        ],
        ['wrong RP ID hash', (a, o) => a.register(o, { rpId: 'evil.com' }), 400, 'rp_id_mismatch'],
        [
          'webauthn.get type',
          (a, o) => a.register(o, { clientData: { type: 'webauthn.get' } }),
          400,
          'ceremony_mismatch',
        ],
        [
          'cross-origin iframe',
          (a, o) => a.register(o, { clientData: { crossOrigin: true } }),
          400,
          'cross_origin_not_allowed',
        ],
        [
          'topOrigin',
          (a, o) =>
            a.register(o, { clientData: { crossOrigin: true, topOrigin: 'https://evil.com' } }),
          400,
          'cross_origin_not_allowed',
        ],
        [
          'UP cleared',
          (a, o) => a.register(o, { flags: { up: false } }),
          400,
          'user_presence_required',
        ],
        [
          'UV cleared',
          (a, o) => a.register(o, { flags: { uv: false } }),
          400,
          'user_verification_required',
        ],
        [
          'BS without BE',
          (a, o) => a.register(o, { flags: { be: false, bs: true } }),
          400,
          'verification_failed',
        ],
        [
          'algorithm not offered (ES384)',
          (a, o) => a.register(o, { coseAlg: -35 }),
          400,
          'unsupported_algorithm',
        ],
        [
          'random challenge',
          (a, o) =>
            a.register(o, { clientData: { challenge: Buffer.alloc(74, 1).toString('base64url') } }),
          400,
          'challenge_not_found',
        ],
        [
          'leftover authData bytes',
          (a, o) => a.register(o, { trailingBytes: new Uint8Array([0]) }),
          400,
          'verification_failed',
        ],
        [
          'none attestation with a statement',
          (a, o) => a.register(o, { attStmt: new Map([['sig', new Uint8Array(8)]]) }),
          400,
          'verification_failed',
        ],
      ];
      it.each(cases)('%s', async (_name, forge, status, code) => {
        const auth = new SoftAuthenticator({ origin: server.url });
        const username = uniqueName();
        const options = await signUpOptions(username);
        const before = await rowCounts(server);
        await expectRefused(
          await client.post('/v1/sign-up/verify', { response: forge(auth, options as never) }),
          before,
          status,
          code,
        );
        // The username stays free after a failed attempt.
        await signUpOptions(username);
      });
    });

    it('burns the challenge when a verification fails, so a second try with it fails too', async () => {
      const auth = new SoftAuthenticator({ origin: server.url });
      const options = await signUpOptions(uniqueName());
      const bad = await client.post('/v1/sign-up/verify', {
        response: auth.register(options, { flags: { uv: false }, keep: false }),
      });
      expect(bad.body.error.code).toBe('user_verification_required');
      const good = await client.post('/v1/sign-up/verify', { response: auth.register(options) });
      expect(good.status).toBe(400);
      expect(good.body.error.code).toBe('challenge_used');
    });

    it('refuses a sign-in challenge on sign-up', async () => {
      const auth = new SoftAuthenticator({ origin: server.url });
      const signIn = (await client.post('/v1/sign-in/options', {})).body.options;
      const options = await signUpOptions(uniqueName());
      const before = await rowCounts(server);
      const res = await client.post('/v1/sign-up/verify', {
        response: auth.register(options, { clientData: { challenge: signIn.challenge } }),
      });
      await expectRefused(res, before, 400, 'ceremony_mismatch');
      // The failed attempt used the challenge up: it cannot be taken back to sign in with.
      const reuse = await client.post('/v1/sign-in/verify', {
        response: auth.authenticate(signIn),
      });
      expect(reuse.status).toBe(400);
      expect(reuse.body.error.code).toBe('challenge_used');
    });
  });
});

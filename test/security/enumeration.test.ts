import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

/** Checklist E01/E02: with PASSKI_HIDE_ACCOUNT_EXISTENCE, sign-in reveals no account. */
describe('account existence hidden', () => {
  let server: TestServer;
  let client: ReturnType<typeof api>;
  let known: { username: string; auth: SoftAuthenticator; userId: string };

  beforeAll(async () => {
    server = await startTestServer({ env: { PASSKI_HIDE_ACCOUNT_EXISTENCE: 'true' } });
    client = api(server);
    const auth = new SoftAuthenticator({ origin: server.url });
    const username = 'known-user';
    const options = (await client.post('/v1/sign-up/options', { username })).body.options;
    const res = await client.post('/v1/sign-up/verify', { response: auth.register(options) });
    known = { username, auth, userId: res.body.user.id };
  });
  afterAll(async () => server.close());

  const shape = (options: Record<string, unknown>) =>
    JSON.stringify(options, (key, value) =>
      key === 'challenge' || key === 'id' ? `len:${String(value).length}` : value,
    );

  it('answers an unknown username with options of the same status, shape and size, stable per name', async () => {
    const real = await client.post('/v1/sign-in/options', { username: known.username });
    const fake = await client.post('/v1/sign-in/options', { username: 'nobody-here' });
    const again = await client.post('/v1/sign-in/options', { username: 'nobody-here' });
    expect(fake.status).toBe(real.status);
    expect(shape(fake.body.options)).toBe(shape(real.body.options));
    expect(fake.body.options.allowCredentials).toEqual(again.body.options.allowCredentials);
    expect(fake.body.options.allowCredentials).not.toEqual(
      (await client.post('/v1/sign-in/options', { username: 'someone-else' })).body.options
        .allowCredentials,
    );
  });

  it('takes about as long for unknown as for known usernames', async () => {
    const time = async (username: string) => {
      const samples: number[] = [];
      for (let i = 0; i < 150; i++) {
        const started = performance.now();
        await client.post('/v1/sign-in/options', { username });
        samples.push(performance.now() - started);
      }
      samples.sort((a, b) => a - b);
      return samples[Math.floor(samples.length / 2)] as number;
    };
    await time(known.username); // warm up
    const [knownMedian, unknownMedian] = [await time(known.username), await time('nobody-timing')];
    expect(Math.abs(knownMedian - unknownMedian)).toBeLessThan(5);
  });

  it('gives every failed sign-in the same status and body', async () => {
    const stranger = new SoftAuthenticator({ origin: server.url });
    stranger.register(
      (await client.post('/v1/sign-up/options', { username: 'never-finished' })).body.options,
    );
    const attacker = new SoftAuthenticator({ origin: server.url });
    const up = (await client.post('/v1/sign-up/options', { username: 'attacker' })).body.options;
    await client.post('/v1/sign-up/verify', { response: attacker.register(up) });

    const failures = [
      // unknown credential
      stranger.authenticate((await client.post('/v1/sign-in/options', {})).body.options),
      // bad signature
      known.auth.authenticate((await client.post('/v1/sign-in/options', {})).body.options, {
        signWith: 'fresh',
      }),
      // another account's passkey for this username
      attacker.authenticate(
        (await client.post('/v1/sign-in/options', { username: known.username })).body.options,
        { credentialId: attacker.credentials[0]?.id as Uint8Array },
      ),
      // a passkey answering the fake options of an unknown username
      attacker.authenticate(
        (await client.post('/v1/sign-in/options', { username: 'nobody-here' })).body.options,
        { credentialId: attacker.credentials[0]?.id as Uint8Array },
      ),
    ];
    const bodies = new Set<string>();
    for (const response of failures) {
      const res = await client.post('/v1/sign-in/verify', { response });
      expect(res.status).toBe(400);
      expect(res.sessionToken).toBeUndefined();
      bodies.add(JSON.stringify({ ...res.body.error, requestId: undefined }));
    }
    // Disabled account: the same again.
    const key = await server.adminKey();
    await client.call('POST', `/v1/admin/users/${known.userId}/disable`, {
      body: {},
      origin: null,
      headers: { authorization: `Bearer ${key}` },
    });
    const disabled = await client.post('/v1/sign-in/verify', {
      response: known.auth.authenticate(
        (await client.post('/v1/sign-in/options', {})).body.options,
      ),
    });
    bodies.add(JSON.stringify({ ...disabled.body.error, requestId: undefined }));
    expect([...bodies]).toEqual([
      JSON.stringify({
        code: 'verification_failed',
        message: 'Sign-in failed. Try again, or use another passkey.',
      }),
    ]);
  });
});

describe('account existence shown (the default, for username-first pages)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it('answers 404 user_not_found so the page can offer sign-up', async () => {
    const res = await api(server).post('/v1/sign-in/options', { username: 'nobody-here' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('user_not_found');
  });
});

import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../../packages/node/src/index.js';
import { api } from '../helpers/api.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { type Account, mintToken, signUp } from './helpers.js';

const AUDIENCE = 'https://app.example';

/**
 * Public metadata rides in session JWTs, but never as a claim Passki owns: RFC 7519 §4.1's
 * registered names and Passki's `sid`, `username` and `amr`.
 */
describe('session JWT claims that metadata cannot set', () => {
  let server: TestServer;
  let account: Account;
  const clock = new TestClock();

  beforeAll(async () => {
    server = await startTestServer({ clock, env: { PASSKI_JWT_AUDIENCE: AUDIENCE } });
    account = await signUp(server);
  });
  afterAll(async () => server.close());

  it('keeps Passki’s values for every reserved name and still verifies', async () => {
    const hostile = {
      iss: 'https://evil.example',
      sub: 'someone-else',
      aud: 'https://evil.example',
      exp: 9_999_999_999,
      nbf: 9_999_999_999,
      iat: 1,
      jti: 'x',
      sid: 'forged-session',
      username: 'admin',
      amr: ['pwd'],
      plan: 'pro',
      typ: 'x',
    };
    // The admin API refuses reserved names outright, one at a time.
    const adminKey = await server.adminKey();
    for (const name of ['nbf', 'jti', 'sid']) {
      const patched = await api(server).call('PATCH', `/v1/admin/users/${account.userId}`, {
        origin: null,
        headers: { authorization: `Bearer ${adminKey}` },
        body: { publicMetadata: { plan: 'pro', [name]: 1 } },
      });
      expect(patched.status).toBe(400);
      expect(patched.body.error.code).toBe('invalid_request');
      expect(patched.body.error.message).toContain(`"${name}"`);
    }
    // Metadata stored before that check (written here straight to the store) is still filtered
    // when a token is minted.
    await server.store.users.update(account.userId, { publicMetadata: hostile });

    const token = await mintToken(server, account.cookie);
    const payload = decodeJwt(token);
    const iat = Math.floor(clock.now() / 1000);
    expect(payload).toEqual({
      iss: server.url,
      sub: account.userId,
      aud: AUDIENCE,
      iat,
      exp: iat + 300,
      sid: expect.any(String),
      username: account.username,
      amr: ['passkey'],
      // Not reserved: a payload `typ` is not the header's, which is what verifiers check.
      plan: 'pro',
      typ: 'x',
    });
    expect(payload.sid).not.toBe('forged-session');

    // The backend SDK accepts it, with only the unreserved keys as metadata.
    const verifier = createVerifier({ issuer: server.url, audience: AUDIENCE, clock });
    const claims = await verifier.verifyToken(token);
    expect(claims).toMatchObject({
      userId: account.userId,
      username: account.username,
      sessionId: payload.sid,
      metadata: { plan: 'pro', typ: 'x' },
    });
    expect(Object.keys(claims.metadata).sort()).toEqual(['plan', 'typ']);

    // And so does plain jose, with its default claim checks (nbf among them).
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    const verified = await jwtVerify(token, jwks, {
      issuer: server.url,
      audience: AUDIENCE,
      currentDate: new Date(clock.now()),
    });
    expect(verified.payload.sub).toBe(account.userId);
  });
});

import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../../packages/node/src/index.js';
import { freshKeyPair } from '../helpers/keys.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { type Account, expectTokenError, mintToken, sessionClaims, signUp } from './helpers.js';

let server: TestServer;
let account: Account;
const clock = new TestClock();

beforeAll(async () => {
  server = await startTestServer({ clock });
  account = await signUp(server);
});
afterAll(async () => server.close());

/** A verifier whose JWKS fetches are counted. */
function countingVerifier(jwksCooldownSeconds?: number) {
  const counter = { fetches: 0 };
  const verifier = createVerifier({
    issuer: server.url,
    audience: server.url,
    clock,
    ...(jwksCooldownSeconds === undefined ? {} : { jwksCooldownSeconds }),
    fetch: (input, init) => {
      counter.fetches++;
      return fetch(input, init);
    },
  });
  return { verifier, counter };
}

/** Well-formed session tokens, each naming a random kid and signed by a key Passki never had. */
async function forgedTokens(count: number): Promise<string[]> {
  const { privateKey } = freshKeyPair('P-256');
  return Promise.all(
    Array.from({ length: count }, () =>
      new SignJWT(sessionClaims(server, server.url, clock.now()))
        .setProtectedHeader({
          alg: 'ES256',
          kid: randomBytes(12).toString('base64url'),
          typ: 'passki-session+jwt',
        })
        .sign(privateKey),
    ),
  );
}

describe('signing key rotation (S10)', () => {
  it('verifies tokens of the new kid through a refetch, and old tokens still', async () => {
    const { verifier, counter } = countingVerifier(1);
    const before = await mintToken(server, account.cookie);
    expect((await verifier.verifyToken(before)).userId).toBe(account.userId);
    expect(counter.fetches).toBe(1);

    const rotated = await server.keys.rotate();
    // The new key is published at once but signs only after 5 minutes, so a verifier holding a
    // cached JWKS keeps verifying every token without a refetch in the meantime.
    const during = await mintToken(server, account.cookie);
    expect(decodeProtectedHeader(during).kid).toBe(decodeProtectedHeader(before).kid);
    expect((await verifier.verifyToken(during)).userId).toBe(account.userId);
    expect(counter.fetches).toBe(1);

    clock.advance(5 * 60_000);
    const after = await mintToken(server, account.cookie);
    expect(decodeProtectedHeader(after).kid).toBe(rotated.kid);
    // An unknown kid makes the verifier refetch the JWKS (once its cooldown allows).
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await verifier.verifyToken(after)).userId).toBe(account.userId);
    expect(counter.fetches).toBe(2);
    // The retiring key stays published until its tokens have expired.
    expect((await verifier.verifyToken(during)).userId).toBe(account.userId);
    expect(counter.fetches).toBe(2);
  });

  it('a verifier that has not fetched yet takes the new key as soon as it signs', async () => {
    await server.keys.rotate();
    clock.advance(5 * 60_000);
    const token = await mintToken(server, account.cookie);
    const { verifier } = countingVerifier();
    expect((await verifier.verifyToken(token)).userId).toBe(account.userId);
  });

  it('forged kids cannot make it fetch the JWKS more than once per cooldown', async () => {
    const { verifier, counter } = countingVerifier();
    await verifier.verifyToken(await mintToken(server, account.cookie));
    expect(counter.fetches).toBe(1);
    const forged = await forgedTokens(50);
    for (const token of forged) await expectTokenError(verifier.verifyToken(token), 'unknown_key');
    expect(counter.fetches).toBe(1);
  });

  it('a failing JWKS endpoint is asked at most once per cooldown, and known keys keep working', async () => {
    const state = { failing: false, fetches: 0 };
    const verifier = createVerifier({
      issuer: server.url,
      audience: server.url,
      clock,
      // Long enough that the checks below fit in it even on a loaded machine.
      jwksCooldownSeconds: 3,
      fetch: (input, init) => {
        state.fetches++;
        return state.failing
          ? Promise.resolve(new Response('upstream down', { status: 500 }))
          : fetch(input, init);
      },
    });
    const good = await mintToken(server, account.cookie);
    await verifier.verifyToken(good);
    expect(state.fetches).toBe(1);
    // Past jose's own cooldown, with the endpoint now failing.
    await new Promise((r) => setTimeout(r, 3_100));
    state.failing = true;
    const forged = await forgedTokens(20);
    await expectTokenError(verifier.verifyToken(forged[0] as string), 'jwks_unavailable');
    for (const token of forged.slice(1))
      await expectTokenError(verifier.verifyToken(token), 'unknown_key');
    expect(state.fetches).toBe(2);
    // The keys fetched before still verify real tokens meanwhile.
    expect((await verifier.verifyToken(good)).userId).toBe(account.userId);
    // Once the cooldown is over and the endpoint is back, it fetches again.
    await new Promise((r) => setTimeout(r, 3_100));
    state.failing = false;
    await expectTokenError(verifier.verifyToken(forged[1] as string), 'unknown_key');
    expect(state.fetches).toBe(3);
  });
});

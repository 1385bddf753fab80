import { createHmac, type KeyObject, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createVerifier,
  PasskiTokenError,
  type PasskiVerifier,
} from '../../packages/node/src/index.js';
import { api } from '../helpers/api.js';
import { freshKeyPair } from '../helpers/keys.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import {
  type Account,
  b64json,
  expectTokenError,
  mintToken,
  sessionClaims,
  signUp,
  signWithServerKey,
} from './helpers.js';

const AUDIENCE = 'https://app.example';

let server: TestServer;
let verifier: PasskiVerifier;
let account: Account;
const clock = new TestClock();

beforeAll(async () => {
  server = await startTestServer({ clock, env: { PASSKI_JWT_AUDIENCE: AUDIENCE } });
  verifier = createVerifier({ issuer: server.url, audience: AUDIENCE, clock });
  account = await signUp(server);
});
afterAll(async () => server.close());

/** An ES256 key pair that is not the server's. */
function foreignKey(): { privateKey: KeyObject; publicKey: KeyObject; kid: string } {
  const { privateKey, publicKey } = freshKeyPair('P-256');
  return { privateKey, publicKey, kid: randomBytes(12).toString('base64url') };
}

describe('verifyToken: a real session JWT', () => {
  it('returns the claims of a token from POST /v1/token, with public metadata apart', async () => {
    const adminKey = await server.adminKey();
    await api(server).call('PATCH', `/v1/admin/users/${account.userId}`, {
      origin: null,
      headers: { authorization: `Bearer ${adminKey}` },
      body: { publicMetadata: { plan: 'pro', seats: 3 }, privateMetadata: { note: 'secret' } },
    });
    const res = await api(server).post('/v1/token', {}, { cookie: account.cookie });
    const claims = await verifier.verifyToken(res.body.token);
    expect(claims).toMatchObject({
      userId: account.userId,
      username: account.username,
      sessionId: expect.any(String),
      metadata: { plan: 'pro', seats: 3 },
    });
    expect(Object.keys(claims.metadata).sort()).toEqual(['plan', 'seats']);
    expect(claims.expiresAt.toISOString()).toBe(res.body.expiresAt);
    expect(claims.expiresAt.getTime() - claims.issuedAt.getTime()).toBe(300_000);
    expect(claims.raw).toMatchObject({ iss: server.url, aud: AUDIENCE, amr: ['passkey'] });
    // The session id is the one the admin API lists for this user.
    const sessions = await api(server).call('GET', `/v1/admin/users/${account.userId}/sessions`, {
      origin: null,
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(sessions.body.sessions.map((s: { id: string }) => s.id)).toContain(claims.sessionId);
  });

  it('reads the token from a Fetch Request and from a Node request', async () => {
    const token = await mintToken(server, account.cookie);
    const request = new Request('http://app.example/api', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect((await verifier.verifyToken(request)).userId).toBe(account.userId);
    // An IncomingMessage as Node builds it: lower-case `headers` plus `rawHeaders`.
    const nodeRequest = {
      headers: { authorization: `bearer  ${token}` },
      rawHeaders: ['Authorization', `bearer  ${token}`],
    };
    expect((await verifier.verifyToken(nodeRequest)).userId).toBe(account.userId);
  });

  it('accepts an issuer given with a trailing slash and an explicit JWKS URL', async () => {
    const token = await mintToken(server, account.cookie);
    const other = createVerifier({
      issuer: `${server.url}/`,
      audience: AUDIENCE,
      jwksUrl: `${server.url}/.well-known/jwks.json`,
      clock,
    });
    expect((await other.verifyToken(token)).userId).toBe(account.userId);
  });

  it('refuses bad options with a TypeError at creation (a programmer error, not a token error)', () => {
    expect(() => createVerifier({ issuer: 'localhost', audience: AUDIENCE })).toThrow(TypeError);
    expect(() => createVerifier({ issuer: server.url, audience: '' })).toThrow(TypeError);
    expect(() =>
      createVerifier({ issuer: server.url, audience: AUDIENCE, clockToleranceSeconds: -1 }),
    ).toThrow(TypeError);
    expect(() =>
      createVerifier({ issuer: server.url, audience: AUDIENCE, jwksUrl: 'file:///etc/passwd' }),
    ).toThrow(TypeError);
  });
});

describe('verifyToken: claims (S09, ASVS 9.2)', () => {
  it('token_expired: a real token checked after its exp, and one signed already expired', async () => {
    const token = await mintToken(server, account.cookie);
    const later = createVerifier({
      issuer: server.url,
      audience: AUDIENCE,
      clock: { now: () => clock.now() + 5 * 60_000 + 6_000 },
    });
    await expectTokenError(later.verifyToken(token), 'token_expired');
    // Within the 5 s tolerance it still verifies.
    const justAfter = createVerifier({
      issuer: server.url,
      audience: AUDIENCE,
      clock: { now: () => clock.now() + 5 * 60_000 + 2_000 },
    });
    await expect(justAfter.verifyToken(token)).resolves.toBeDefined();
    const expired = await signWithServerKey(
      server,
      sessionClaims(server, AUDIENCE, clock.now() - 10 * 60_000),
    );
    await expectTokenError(verifier.verifyToken(expired), 'token_expired');
  });

  it('token_not_yet_valid: nbf or iat in the future', async () => {
    const now = clock.now();
    const nbf = await signWithServerKey(
      server,
      sessionClaims(server, AUDIENCE, now, { nbf: Math.floor(now / 1000) + 60 }),
    );
    await expectTokenError(verifier.verifyToken(nbf), 'token_not_yet_valid');
    const iat = await signWithServerKey(server, sessionClaims(server, AUDIENCE, now + 60_000));
    await expectTokenError(verifier.verifyToken(iat), 'token_not_yet_valid');
  });

  it('wrong_audience: aud of another app, or a verifier for another app', async () => {
    const now = clock.now();
    const token = await signWithServerKey(
      server,
      sessionClaims(server, 'https://other.example', now),
    );
    await expectTokenError(verifier.verifyToken(token), 'wrong_audience');
    const other = createVerifier({ issuer: server.url, audience: 'https://other.example', clock });
    await expectTokenError(
      other.verifyToken(await mintToken(server, account.cookie)),
      'wrong_audience',
    );
  });

  it('wrong_issuer: iss of another Passki, even when signed by this one', async () => {
    const token = await signWithServerKey(
      server,
      sessionClaims(server, AUDIENCE, clock.now(), { iss: 'https://evil.example' }),
    );
    await expectTokenError(verifier.verifyToken(token), 'wrong_issuer');
    const { iss: _, ...noIssuer } = sessionClaims(server, AUDIENCE, clock.now());
    await expectTokenError(
      verifier.verifyToken(await signWithServerKey(server, noIssuer)),
      'wrong_issuer',
    );
  });

  it('wrong_token_type: another typ, or none, signed by the same key', async () => {
    const claims = sessionClaims(server, AUDIENCE, clock.now());
    for (const typ of ['JWT', 'at+jwt', 'passki-session']) {
      await expectTokenError(
        verifier.verifyToken(await signWithServerKey(server, claims, { typ })),
        'wrong_token_type',
      );
    }
    const { kid, key } = await server.keys.signingKey();
    const untyped = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).sign(key);
    await expectTokenError(verifier.verifyToken(untyped), 'wrong_token_type');
  });

  it('malformed_token: an opaque sign-in token from the admin API is not a session token', async () => {
    const adminKey = await server.adminKey();
    const issued = await api(server).call(
      'POST',
      `/v1/admin/users/${account.userId}/sign-in-tokens`,
      { origin: null, headers: { authorization: `Bearer ${adminKey}` }, body: {} },
    );
    expect(issued.status).toBe(201);
    await expectTokenError(verifier.verifyToken(issued.body.token), 'malformed_token');
    await expectTokenError(
      verifier.verifyToken(
        new Request('http://app.example/', {
          headers: { authorization: `Bearer ${issued.body.token}` },
        }),
      ),
      'malformed_token',
    );
  });

  it('malformed_token: required claims missing or of the wrong type', async () => {
    const now = clock.now();
    for (const drop of ['sub', 'sid', 'exp', 'iat'] as const) {
      const { [drop]: _, ...claims } = sessionClaims(server, AUDIENCE, now);
      await expectTokenError(
        verifier.verifyToken(await signWithServerKey(server, claims)),
        'malformed_token',
      );
    }
    await expectTokenError(
      verifier.verifyToken(
        await signWithServerKey(server, sessionClaims(server, AUDIENCE, now, { username: 7 })),
      ),
      'malformed_token',
    );
  });
});

describe('verifyToken: signatures and keys (ASVS 9.1)', () => {
  it('invalid_signature: a real token with a changed payload or signature', async () => {
    const token = await mintToken(server, account.cookie);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = `${header}.${b64json({ ...claims, sub: 'someone-else' })}.${signature}`;
    await expectTokenError(verifier.verifyToken(forged), 'invalid_signature');
    const flipped = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    await expectTokenError(verifier.verifyToken(flipped), 'invalid_signature');
  });

  it('unknown_key: a well-formed ES256 token signed by a key Passki never published', async () => {
    const { privateKey, kid } = foreignKey();
    const claims = sessionClaims(server, AUDIENCE, clock.now());
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'passki-session+jwt' })
      .sign(privateKey);
    await expectTokenError(verifier.verifyToken(token), 'unknown_key');
    const noKid = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'passki-session+jwt' })
      .sign(privateKey);
    await expectTokenError(verifier.verifyToken(noKid), 'unknown_key');
  });

  it('invalid_signature: alg none, before any key is looked at', async () => {
    const { kid } = await server.keys.signingKey();
    const claims = sessionClaims(server, AUDIENCE, clock.now());
    for (const alg of ['none', 'None', 'NONE']) {
      const token = `${b64json({ alg, kid, typ: 'passki-session+jwt' })}.${b64json(claims)}.`;
      await expectTokenError(verifier.verifyToken(token), 'invalid_signature');
    }
  });

  it('invalid_signature: HS256 keyed with the published public key (algorithm confusion)', async () => {
    const jwks = (await api(server).get('/.well-known/jwks.json')).body.keys as Record<
      string,
      string
    >[];
    const jwk = jwks[0] as Record<string, string>;
    const claims = sessionClaims(server, AUDIENCE, clock.now());
    const secrets = [
      Buffer.from(JSON.stringify(jwk)),
      Buffer.concat([
        Buffer.from(jwk.x as string, 'base64url'),
        Buffer.from(jwk.y as string, 'base64url'),
      ]),
    ];
    for (const secret of secrets) {
      const input = `${b64json({ alg: 'HS256', kid: jwk.kid, typ: 'passki-session+jwt' })}.${b64json(claims)}`;
      const mac = createHmac('sha256', secret).update(input).digest('base64url');
      await expectTokenError(verifier.verifyToken(`${input}.${mac}`), 'invalid_signature');
    }
  });

  describe('keys named by the token itself are never used (jwk, jku, x5u)', () => {
    let attackerServer: Server;
    let attackerUrl: string;
    let attackerHits = 0;
    const attacker = foreignKey();

    beforeAll(async () => {
      const publicJwk = await exportJWK(attacker.publicKey);
      attackerServer = createServer((_req, res) => {
        attackerHits++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: [{ ...publicJwk, kid: attacker.kid, alg: 'ES256' }] }));
      });
      await new Promise<void>((resolve) => attackerServer.listen(0, '127.0.0.1', resolve));
      attackerUrl = `http://127.0.0.1:${(attackerServer.address() as AddressInfo).port}/jwks.json`;
    });
    afterAll(async () => new Promise<void>((resolve) => attackerServer.close(() => resolve())));

    it('refuses a token that embeds its own key, whatever kid it names', async () => {
      const publicJwk = await exportJWK(attacker.publicKey);
      const { kid: realKid } = await server.keys.signingKey();
      const claims = sessionClaims(server, AUDIENCE, clock.now());
      const sign = (header: Record<string, unknown>): Promise<string> =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'ES256', typ: 'passki-session+jwt', ...header })
          .sign(attacker.privateKey);
      await expectTokenError(
        verifier.verifyToken(await sign({ kid: realKid, jwk: publicJwk })),
        'invalid_signature',
      );
      await expectTokenError(
        verifier.verifyToken(await sign({ kid: attacker.kid, jwk: publicJwk })),
        'unknown_key',
      );
    });

    it('never fetches a jku or x5u named by the token', async () => {
      const { kid: realKid } = await server.keys.signingKey();
      const claims = sessionClaims(server, AUDIENCE, clock.now());
      for (const header of [
        { kid: attacker.kid, jku: attackerUrl },
        { kid: realKid, jku: attackerUrl },
        { kid: attacker.kid, x5u: attackerUrl },
      ]) {
        const token = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'ES256', typ: 'passki-session+jwt', ...header })
          .sign(attacker.privateKey);
        const err = await verifier.verifyToken(token).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(PasskiTokenError);
        expect(['unknown_key', 'invalid_signature']).toContain((err as PasskiTokenError).code);
      }
      expect(attackerHits).toBe(0);
    });
  });

  it('jwks_unavailable (503): the JWKS cannot be fetched or is not a JWKS', async () => {
    const token = await mintToken(server, account.cookie);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = createVerifier({
      issuer: server.url,
      audience: AUDIENCE,
      jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
      clock,
    });
    await expectTokenError(unreachable.verifyToken(token), 'jwks_unavailable');
    for (const response of [
      new Response('<html>Bad gateway</html>', { status: 502 }),
      new Response('{"keys": "nope"}', { status: 200 }),
      new Response('not json', { status: 200 }),
    ]) {
      const broken = createVerifier({
        issuer: server.url,
        audience: AUDIENCE,
        clock,
        fetch: async () => response,
      });
      await expectTokenError(broken.verifyToken(token), 'jwks_unavailable');
    }
  });
});

describe('verifyToken: the Authorization header (S11)', () => {
  const request = (authorization: string): Request =>
    new Request('http://app.example/', { headers: { authorization } });

  it('missing_token: no header, an empty one, or an empty string', async () => {
    await expectTokenError(
      verifier.verifyToken(new Request('http://app.example/')),
      'missing_token',
    );
    await expectTokenError(verifier.verifyToken({ headers: {} }), 'missing_token');
    await expectTokenError(verifier.verifyToken(''), 'missing_token');
    await expectTokenError(
      verifier.verifyToken({ headers: { authorization: '' }, rawHeaders: ['Authorization', ''] }),
      'missing_token',
    );
  });

  it('malformed_token: garbage, other schemes, 64 KB, non-ASCII, two headers', async () => {
    const token = await mintToken(server, account.cookie);
    const cases = [
      'Bearer',
      'Bearer ',
      'Bearer garbage',
      'Bearer !!!.###.$$$',
      'Bearer a.b.c.d',
      `Basic ${Buffer.from('ada:pw').toString('base64')}`,
      token,
      `Bearer ${token} extra`,
      `Bearer ${token}, Bearer ${token}`,
      `Bearer ${'A'.repeat(64 * 1024)}`,
      `Bearer ${'a.'.repeat(32 * 1024)}a`,
      `Bearer ${token.slice(0, 20)}ü${token.slice(20)}`,
      `Bearer ${'ü'.repeat(100)}`,
    ];
    for (const header of cases) {
      await expectTokenError(verifier.verifyToken(request(header)), 'malformed_token');
    }
    // Node keeps only the first of two Authorization headers; the raw list shows both.
    await expectTokenError(
      verifier.verifyToken({
        headers: { authorization: `Bearer ${token}` },
        rawHeaders: ['Authorization', `Bearer ${token}`, 'authorization', 'Bearer garbage'],
      }),
      'malformed_token',
    );
    await expectTokenError(
      verifier.verifyToken({
        headers: { authorization: [`Bearer ${token}`] as unknown as string },
      }),
      'malformed_token',
    );
    await expectTokenError(verifier.verifyToken('x'.repeat(64 * 1024)), 'malformed_token');
    // Non-ASCII bytes arrive from Node's parser as Latin-1 characters.
    await expectTokenError(
      verifier.verifyToken({ headers: { authorization: `Bearer \u00c3\u00a9${token}` } }),
      'malformed_token',
    );
  });

  it('a TypeError for a source that is not a token, a Request or a Node request', async () => {
    await expect(verifier.verifyToken(42 as never)).rejects.toBeInstanceOf(TypeError);
    await expect(verifier.verifyToken(null as never)).rejects.toBeInstanceOf(TypeError);
  });
});

import { isoCBOR } from '@simplewebauthn/server/helpers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, rowCounts } from '../helpers/api.js';
import { freshKeyPair } from '../helpers/keys.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { ecdsaHighS, FLAG, SoftAuthenticator } from '../helpers/soft-authenticator.js';

/**
 * The security checklist's attack catalogue (../shared/docs/security-checklist.md §d) at the HTTP
 * level, for the cases the ceremony suites in test/http do not already cover. Each test is named
 * by its checklist ID. Every refusal is also checked to persist nothing, set no cookie, give a
 * generic body and leave the server answering.
 */
let server: TestServer;
let client: ReturnType<typeof api>;
const clock = new TestClock();
let seq = 0;
const name = (): string => `atk${Date.now().toString(36)}${seq++}`;

beforeAll(async () => {
  server = await startTestServer({ clock });
  client = api(server);
});
afterAll(async () => server.close());

async function refused(
  res: Awaited<ReturnType<typeof client.post>>,
  before: Awaited<ReturnType<typeof rowCounts>>,
  code: string | RegExp,
  status = 400,
) {
  expect(res.status).toBe(status);
  if (typeof code === 'string') expect(res.body.error.code).toBe(code);
  else expect(res.body.error.code).toMatch(code);
  expect(res.sessionToken).toBeUndefined();
  const text = JSON.stringify(res.body);
  // E08: no stack traces, SQL, or expected/received values echoed.
  expect(text).not.toMatch(/ at |\.ts:|SELECT|INSERT|sqlite|expected|received/i);
  expect(await rowCounts(server)).toEqual(before);
  expect((await client.get('/healthz')).status).toBe(200);
}

const signUpOptions = async (username = name()) =>
  (await client.post('/v1/sign-up/options', { username })).body.options;

async function account() {
  const auth = new SoftAuthenticator({ origin: server.url });
  const res = await client.post('/v1/sign-up/verify', {
    response: auth.register(await signUpOptions()),
  });
  expect(res.status).toBe(200);
  return { auth, token: res.sessionToken as string, userId: res.body.user.id as string };
}

describe('registration attacks', () => {
  it('R04: only exact allow-listed origins pass', async () => {
    const port = new URL(server.url).port;
    for (const origin of [
      `http://localhost:${Number(port) + 1}`,
      `https://localhost:${port}`,
      'null',
      `http://sub.localhost:${port}`,
      `http://localhost:${port}.evil.com`,
      `http://localhost`,
      `HTTP://LOCALHOST:${port}`,
    ]) {
      const before = await rowCounts(server);
      const res = await client.post('/v1/sign-up/verify', {
        response: new SoftAuthenticator({ origin: server.url }).register(await signUpOptions(), {
          clientData: { origin },
        }),
      });
      await refused(res, before, 'origin_mismatch');
    }
  });

  it('R06: RP ID hashes of a look-alike, a trailing dot or another domain are refused', async () => {
    for (const rpId of ['localhost.', 'localhost.evil.com', 'evil.com', 'LOCALHOST']) {
      const before = await rowCounts(server);
      await refused(
        await client.post('/v1/sign-up/verify', {
          response: new SoftAuthenticator({ origin: server.url }).register(await signUpOptions(), {
            rpId,
          }),
        }),
        before,
        'rp_id_mismatch',
      );
    }
  });

  it('R07: UP=0 is refused even when UV is set; UV=0 is refused under the UV-required policy', async () => {
    for (const flags of [
      { up: false, uv: true },
      { up: true, uv: false },
    ]) {
      const before = await rowCounts(server);
      await refused(
        await client.post('/v1/sign-up/verify', {
          response: new SoftAuthenticator({ origin: server.url }).register(await signUpOptions(), {
            flags,
          }),
        }),
        before,
        /user_(presence|verification)_required/,
      );
    }
  });

  it('R08: BE=0 with BS=1 (0x55) is refused', async () => {
    const before = await rowCounts(server);
    const flags = FLAG.UP | FLAG.UV | FLAG.BS | FLAG.AT;
    await refused(
      await client.post('/v1/sign-up/verify', {
        response: new SoftAuthenticator({ origin: server.url }).register(await signUpOptions(), {
          flags,
        }),
      }),
      before,
      'verification_failed',
    );
  });

  it('R09: keys of algorithms not offered are refused (RS1, ES384, and a -257 claim on an EC key)', async () => {
    for (const tweak of [{ coseAlg: -65535 }, { coseAlg: -35 }, { coseAlg: -257 }]) {
      const before = await rowCounts(server);
      await refused(
        await client.post('/v1/sign-up/verify', {
          response: new SoftAuthenticator({ origin: server.url }).register(
            await signUpOptions(),
            tweak,
          ),
        }),
        before,
        'unsupported_algorithm',
      );
    }
  });

  it('I07: malformed COSE keys are refused: EC point off the curve, RSA under 2048 bits, RSA e=1, kty/alg mismatch', async () => {
    const small = freshKeyPair('RSA-1024').publicKey.export({
      format: 'jwk',
    });
    const cose = (entries: [number, unknown][]) => isoCBOR.encode(new Map(entries) as never);
    const offCurve = cose([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(32).fill(1)],
      [-3, new Uint8Array(32).fill(2)],
    ]);
    const weakRsa = cose([
      [1, 3],
      [3, -257],
      [-1, new Uint8Array(Buffer.from(small.n as string, 'base64url'))],
      [-2, new Uint8Array([1, 0, 1])],
    ]);
    // The same 1024-bit modulus padded with zero bytes to 257 bytes: still 1024 bits.
    const smallN = Buffer.from(small.n as string, 'base64url');
    const paddedRsa = cose([
      [1, 3],
      [3, -257],
      [-1, new Uint8Array([...new Uint8Array(257 - smallN.length), ...smallN])],
      [-2, new Uint8Array([1, 0, 1])],
    ]);
    const bigN = new Uint8Array(256).fill(0xff);
    const exponentOne = cose([
      [1, 3],
      [3, -257],
      [-1, bigN],
      [-2, new Uint8Array([1])],
    ]);
    const ktyMismatch = cose([
      [1, 1],
      [3, -7],
      [-1, 1],
      [-2, new Uint8Array(32).fill(3)],
    ]);
    for (const cosePublicKey of [offCurve, weakRsa, paddedRsa, exponentOne, ktyMismatch]) {
      const before = await rowCounts(server);
      const res = await client.post('/v1/sign-up/verify', {
        response: new SoftAuthenticator({ origin: server.url }).register(await signUpOptions(), {
          cosePublicKey,
        }),
      });
      await refused(res, before, /unsupported_algorithm|verification_failed/);
    }
  });

  it('R14: unknown attestation formats and trailing bytes after the attestation object are refused', async () => {
    for (const tweak of [
      { fmt: 'tpm-ish' },
      { fmt: 'NONE' },
      { attestationObjectTrailingBytes: new Uint8Array([0]) },
    ]) {
      const before = await rowCounts(server);
      await refused(
        await client.post('/v1/sign-up/verify', {
          response: new SoftAuthenticator({ origin: server.url }).register(
            await signUpOptions(),
            tweak,
          ),
        }),
        before,
        /verification_failed|invalid_request/,
      );
    }
  });

  it('I04: authData with AT clear, ED without extensions, or too short is refused', async () => {
    const tweaks = [
      { flags: { at: false } },
      { flags: { ed: true } },
      { rewriteAuthData: (a: Uint8Array) => a.slice(0, 36) },
    ];
    for (const tweak of tweaks) {
      const before = await rowCounts(server);
      await refused(
        await client.post('/v1/sign-up/verify', {
          response: new SoftAuthenticator({ origin: server.url }).register(
            await signUpOptions(),
            tweak,
          ),
        }),
        before,
        /verification_failed|invalid_request/,
      );
    }
  });

  it('R10/RV16: the stored ID is the attested one; a rawId that differs from it, or hides one over 1023 bytes, is refused', async () => {
    const { token } = await account();
    const shortId = Buffer.alloc(32, 7).toString('base64url');
    const ceremonies = [
      {
        path: '/v1/sign-up/verify',
        options: async () => signUpOptions(),
        cookie: undefined,
      },
      {
        path: '/v1/me/passkeys/verify',
        options: async () =>
          (await client.post('/v1/me/passkeys/options', {}, { cookie: token })).body.options,
        cookie: token,
      },
    ];
    for (const ceremony of ceremonies) {
      for (const credentialIdLength of [2000, 32]) {
        const response = new SoftAuthenticator({ origin: server.url }).register(
          await ceremony.options(),
          { credentialIdLength },
        );
        // The JSON names a 32-byte ID the authenticator data does not contain.
        response.id = shortId;
        response.rawId = shortId;
        const before = await rowCounts(server);
        await refused(
          await client.post(
            ceremony.path,
            { response },
            ceremony.cookie === undefined ? {} : { cookie: ceremony.cookie },
          ),
          before,
          'verification_failed',
        );
      }
    }
  });

  it('R15: the user handle is 32 random bytes, stable per user, not derived from the username', async () => {
    const username = name();
    const first = await signUpOptions(username);
    const second = await signUpOptions(username);
    expect(Buffer.from(first.user.id, 'base64url')).toHaveLength(32);
    // A fresh random handle per attempt until the account exists, then the account's own.
    expect(first.user.id).not.toBe(second.user.id);
    const { auth, token } = await account();
    const add = (await client.post('/v1/me/passkeys/options', {}, { cookie: token })).body.options;
    expect(add.user.id).toBe(
      Buffer.from(auth.credentials[0]?.userHandle as Uint8Array).toString('base64url'),
    );
  });
});

describe('authentication attacks', () => {
  it('A10: a high-S ECDSA signature is mathematically valid and accepted (documented)', async () => {
    const { auth } = await account();
    const options = (await client.post('/v1/sign-in/options', {})).body.options;
    const res = await client.post('/v1/sign-in/verify', {
      response: auth.authenticate(options, { signature: (s) => ecdsaHighS(s) }),
    });
    expect(res.status).toBe(200);
  });

  it('A10: raw r||s instead of DER, and bytes appended to the DER signature, are refused', async () => {
    const { auth } = await account();
    for (const tweak of [
      { ecdsaEncoding: 'ieee-p1363' as const },
      { signature: (s: Uint8Array) => new Uint8Array([...s, 0]) },
    ]) {
      const before = await rowCounts(server);
      await refused(
        await client.post('/v1/sign-in/verify', {
          response: auth.authenticate(
            (await client.post('/v1/sign-in/options', {})).body.options,
            tweak,
          ),
        }),
        before,
        'verification_failed',
      );
    }
  });

  it('A14: a deleted passkey cannot sign in', async () => {
    const { auth, token } = await account();
    await client.post('/v1/me/recovery-codes', {}, { cookie: token });
    expect(
      (
        await client.call('DELETE', `/v1/me/passkeys/${auth.credentials[0]?.idBase64url}`, {
          cookie: token,
        })
      ).status,
    ).toBe(204);
    const before = await rowCounts(server);
    await refused(
      await client.post('/v1/sign-in/verify', {
        response: auth.authenticate((await client.post('/v1/sign-in/options', {})).body.options),
      }),
      before,
      'credential_not_found',
    );
  });

  it('A12: a counter lower than stored, or equal and non-zero, never lowers the stored value', async () => {
    const { auth } = await account();
    const held = auth.credentials[0] as { signCount: number };
    held.signCount = 9;
    expect(
      (
        await client.post('/v1/sign-in/verify', {
          response: auth.authenticate((await client.post('/v1/sign-in/options', {})).body.options),
        })
      ).status,
    ).toBe(200);
    for (const counter of [10, 5]) {
      const before = await rowCounts(server);
      await refused(
        await client.post('/v1/sign-in/verify', {
          response: auth.authenticate((await client.post('/v1/sign-in/options', {})).body.options, {
            counter,
          }),
        }),
        before,
        'counter_regression',
      );
    }
    expect(
      (await server.store.credentials.findById(auth.credentials[0]?.id as Uint8Array))?.signCount,
    ).toBe(10);
    expect(
      (
        await client.post('/v1/sign-in/verify', {
          response: auth.authenticate((await client.post('/v1/sign-in/options', {})).body.options, {
            counter: 11,
          }),
        })
      ).status,
    ).toBe(200);
    expect(
      (await server.store.credentials.findById(auth.credentials[0]?.id as Uint8Array))?.signCount,
    ).toBe(11);
  });

  it('I03: duplicate challenge members in clientDataJSON are refused', async () => {
    const { auth } = await account();
    const options = (await client.post('/v1/sign-in/options', {})).body.options;
    const res = await client.post('/v1/sign-in/verify', {
      response: auth.authenticate(options, {
        clientData: {
          raw: (json) =>
            json.replace('"challenge":', `"challenge":"${options.challenge}","challenge":`),
        },
      }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
  });
});

describe('challenges', () => {
  it('C04: thousands of options calls give distinct challenges of at least 32 random bytes', async () => {
    const seen = new Set<string>();
    for (let batch = 0; batch < 40; batch++) {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => client.post('/v1/sign-in/options', {})),
      );
      for (const r of results) seen.add(r.body.options.challenge);
    }
    expect(seen.size).toBe(2000);
  });

  it('E05: options calls write nothing, so flooding them cannot grow storage', async () => {
    const before = await server.store.challenges.count();
    await Promise.all(Array.from({ length: 200 }, () => client.post('/v1/sign-in/options', {})));
    expect(await server.store.challenges.count()).toBe(before);
  });

  it('C07: a challenge id is not a one-time token and vice versa', async () => {
    const options = (await client.post('/v1/sign-in/options', {})).body.options;
    expect(
      (await client.post('/v1/sign-in/ticket', { token: options.challenge.slice(0, 43) })).status,
    ).toBe(401);
    expect(
      (await client.post('/v1/enroll/options', { token: options.challenge.slice(0, 43) })).status,
    ).toBe(401);
  });
});

describe('sessions, cookies and CSRF', () => {
  it('S02: a planted session cookie is ignored and replaced by a fresh one at sign-in', async () => {
    const { auth } = await account();
    const planted = 'A'.repeat(43);
    const options = (await client.post('/v1/sign-in/options', {}, { cookie: planted })).body
      .options;
    const res = await client.post(
      '/v1/sign-in/verify',
      { response: auth.authenticate(options) },
      { cookie: planted },
    );
    expect(res.sessionToken).toBeDefined();
    expect(res.sessionToken).not.toBe(planted);
    expect((await client.get('/v1/session', { cookie: planted })).status).toBe(401);
  });

  it('S06: sessions end after the idle timeout and the absolute lifetime, server-side', async () => {
    const { token } = await account();
    clock.advance(6 * 86_400_000);
    expect((await client.get('/v1/session', { cookie: token })).status).toBe(200);
    clock.advance(6 * 86_400_000);
    expect((await client.get('/v1/session', { cookie: token })).status).toBe(200);
    clock.advance(8 * 86_400_000);
    // Idle for 8 days: gone.
    expect((await client.get('/v1/session', { cookie: token })).status).toBe(401);
    const fresh = await account();
    for (let day = 0; day < 31; day++) {
      clock.advance(86_400_000);
      await client.get('/v1/session', { cookie: fresh.token });
    }
    // Used daily, but past the 30-day absolute lifetime: gone.
    expect((await client.get('/v1/session', { cookie: fresh.token })).status).toBe(401);
  });

  it('S07: cross-site form posts and foreign origins cannot change state', async () => {
    const { token, auth } = await account();
    const id = auth.credentials[0]?.idBase64url as string;
    const attempts = [
      client.call('POST', '/v1/sign-out', {
        cookie: token,
        raw: 'x=1',
        contentType: 'text/plain',
        origin: 'https://evil.example',
      }),
      client.call('POST', '/v1/sign-out', {
        cookie: token,
        raw: 'x=1',
        contentType: 'application/x-www-form-urlencoded',
        origin: null,
        headers: { 'sec-fetch-site': 'cross-site' },
      }),
      client.call('PATCH', `/v1/me/passkeys/${id}`, {
        cookie: token,
        body: { name: 'pwned' },
        origin: 'https://evil.example',
      }),
      client.call('DELETE', `/v1/me/sessions`, { cookie: token, origin: 'null' }),
      client.call('POST', '/v1/me/recovery-codes', {
        cookie: token,
        raw: '{}',
        contentType: 'text/plain',
      }),
    ];
    for (const res of await Promise.all(attempts)) expect([403, 415]).toContain(res.status);
    expect((await client.get('/v1/session', { cookie: token })).status).toBe(200);
    expect(
      (await server.store.credentials.findById(auth.credentials[0]?.id as Uint8Array))?.name,
    ).toBe('Passkey');
    // GET never changes state.
    expect((await client.get('/v1/sign-out', { cookie: token })).status).toBe(404);
  });

  it('S12: no cookie or token before a ceremony completes', async () => {
    const res = await client.call('POST', '/v1/sign-up/options', { body: { username: name() } });
    expect(res.headers.getSetCookie()).toEqual([]);
    expect((await client.post('/v1/sign-in/options', {})).headers.getSetCookie()).toEqual([]);
  });

  it('S13: security headers on HTML and JSON responses', async () => {
    for (const path of ['/', '/v1/session', '/openapi.json', '/nope', '/healthz']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    const html = await fetch(`${server.url}/`);
    expect(html.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(html.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/);
    // The page's CSP replaces the API one rather than joining it (fetch joins repeats with ", ").
    expect(html.headers.get('content-security-policy')).not.toMatch(/default-src 'none'/);
    const asset = await fetch(`${server.url}/assets/page.css`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=300');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    // Refused input still carries them.
    const refused = await fetch(`${server.url}/v1/sign-in/options`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-frame-options')).toBe('DENY');
    expect(refused.headers.get('cache-control')).toBe('no-store');
    expect(refused.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('https deployment', () => {
  let secure: TestServer;
  beforeAll(async () => {
    secure = await startTestServer({ env: { PASSKI_PUBLIC_URL: 'https://localhost' } });
  });
  afterAll(async () => secure.close());

  it('S01: the session cookie is __Host-, Secure, HttpOnly, SameSite=Lax, Path=/, without Domain; HSTS is on', async () => {
    const auth = new SoftAuthenticator({ origin: secure.url });
    const c = api(secure);
    const options = (await c.post('/v1/sign-up/options', { username: 'secure-user' })).body.options;
    const res = await c.post('/v1/sign-up/verify', { response: auth.register(options) });
    const cookie = res.headers.getSetCookie().join('\n');
    expect(cookie).toMatch(/^__Host-passki_session=[A-Za-z0-9_-]{43};/);
    for (const attribute of ['Secure', 'HttpOnly', 'SameSite=Lax', 'Path=/'])
      expect(cookie).toContain(attribute);
    expect(cookie).not.toMatch(/Domain=/i);
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
  });
});

describe('admin API exposure', () => {
  it('M05/M09: no route mints API keys, and path tricks do not reach the admin API without a key', async () => {
    const { token } = await account();
    expect(
      (
        await client.call('POST', '/v1/admin/api-keys', {
          cookie: token,
          body: { userId: 'x' },
          origin: null,
        })
      ).status,
    ).not.toBe(200);
    for (const path of [
      '//v1/admin/users',
      '/V1/ADMIN/users',
      '/v1/admin/%2e%2e/users',
      '/v1/admin/users;',
      '/v1/admin/users/',
      '/v1/./admin/users',
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).not.toBe(200);
      expect([401, 404]).toContain(res.status);
    }
  });
});

// The Astro example end to end: a real Passki (the built CLI, its own port, a fresh SQLite file),
// the example's production build (the Node adapter's standalone server) on another port, and
// Chromium with the CDP virtual authenticator. Run `npm run build` here first, or
// `npm run test:examples` at the repository root, which installs, builds and tests every example.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser, openTab, type PasskeyTab } from '../../../test/e2e/browser.js';
import {
  type ExampleApp,
  type ExamplePasski,
  freePort,
  startExampleApp,
  startExamplePasski,
} from '../../../test/helpers/examples.js';

const EXAMPLE = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = join(EXAMPLE, 'dist/server/entry.mjs');

interface ApiReply {
  status: number;
  body: { username?: string; error?: { code: string } };
  challenge: string | null;
}

describeWithBrowser('examples/astro-passkey-only', (browser) => {
  let passki: ExamplePasski;
  let app: ExampleApp;
  const tabs: PasskeyTab[] = [];

  beforeAll(async () => {
    if (!existsSync(ENTRY)) {
      throw new Error('No production build: run `npm ci && npm run build` in this example first');
    }
    const port = await freePort();
    const appOrigin = `http://localhost:${port}`;
    // The JWT audience is the site, as in production (PASSKI_JWT_AUDIENCE).
    passki = await startExamplePasski(appOrigin, {
      PASSKI_RP_NAME: 'Stargazer',
      PASSKI_JWT_AUDIENCE: appOrigin,
    });
    app = await startExampleApp({
      cwd: EXAMPLE,
      command: [process.execPath, ENTRY],
      port,
      env: {
        HOST: '127.0.0.1',
        PORT: String(port),
        ASTRO_TELEMETRY_DISABLED: '1',
        PASSKI_URL: passki.url,
        PASSKI_AUDIENCE: appOrigin,
      },
    });
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await passki?.stop();
  });

  afterEach(async (context) => {
    for (const tab of tabs.splice(0)) {
      const problems = [...tab.problems];
      await tab.close();
      expect(problems).toEqual([]);
    }
    if (context.task.result?.state === 'fail') {
      console.error(
        `--- app output ---\n${app?.output()}\n--- passki output ---\n${passki?.output()}`,
      );
    }
  });

  async function newTab(): Promise<PasskeyTab> {
    const tab = await openTab(browser());
    tabs.push(tab);
    return tab;
  }

  async function callApi(authorization: string | null): Promise<ApiReply> {
    const res = await fetch(`${app.url}/api/me`, {
      headers: authorization === null ? {} : { authorization },
    });
    return {
      status: res.status,
      body: (await res.json()) as ApiReply['body'],
      challenge: res.headers.get('www-authenticate'),
    };
  }

  /** The protected page, loaded: its data came from /api/me with a verified JWT. */
  async function expectProtectedPage(tab: PasskeyTab, username: string): Promise<void> {
    await tab.page.waitForURL(`${app.url}/app`);
    await tab.page.locator('#protected').waitFor();
    expect(await tab.page.textContent('#me-username')).toBe(username);
    expect(await tab.page.textContent('#me-message')).toContain('verified your Passki token');
  }

  async function signOut(tab: PasskeyTab): Promise<void> {
    await tab.page.click('#sign-out');
    await tab.page.waitForURL(`${app.url}/?signed-out`);
    await tab.page.locator('#status', { hasText: 'You are signed out' }).waitFor();
  }

  async function signUp(tab: PasskeyTab, username: string): Promise<void> {
    await tab.page.goto(app.url);
    await tab.page.locator('#signed-out').waitFor();
    await tab.page.fill('#username', username);
    await tab.page.click('#continue');
    await tab.page.locator('#create-offer').waitFor();
    expect(await tab.page.textContent('#create-username')).toBe(username);
    await tab.page.click('#create-account');
    await expectProtectedPage(tab, username);
  }

  it('signs up username-first, then signs in usernameless, by username and by autofill', async () => {
    const tab = await newTab();
    const { page } = tab;

    // Username first: an unknown name is offered an account, created with a passkey.
    const apiCall = page.waitForRequest(`${app.url}/api/me`);
    await signUp(tab, 'vera');

    // The page sent Passki's JWT to the site's own API, which verified it server-side.
    const token = (await apiCall).headers().authorization?.replace(/^Bearer /, '') ?? '';
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', typ: 'passki-session+jwt' });
    expect(decodeJwt(token)).toMatchObject({ iss: passki.url, aud: app.url, username: 'vera' });
    // The session is Passki's (mode 1), in its HttpOnly cookie.
    const cookie = (await tab.context.cookies()).find((c) => c.name === 'passki_session');
    expect(cookie?.httpOnly).toBe(true);

    await signOut(tab);
    expect((await tab.context.request.get(`${passki.url}/v1/session`)).status()).toBe(401);

    // Usernameless: the discoverable passkey names the user.
    await page.click('#passkey-sign-in');
    await expectProtectedPage(tab, 'vera');
    await signOut(tab);

    // By username: the existing account signs in with its passkey.
    await page.fill('#username', 'Vera');
    await page.click('#continue');
    await expectProtectedPage(tab, 'vera');
    await signOut(tab);

    // Autofill: on a fresh visit the conditional request completes by itself (headless Chromium
    // picks the passkey without showing the list).
    await page.goto(app.url);
    await expectProtectedPage(tab, 'vera');
  });

  it('sends a signed-out visitor of the protected page back to sign in', async () => {
    const tab = await newTab();
    // No Passki session: no JWT, so the page never gets the protected data.
    const apiCalls: string[] = [];
    tab.page.on('request', (request) => {
      if (request.url().startsWith(`${app.url}/api/`)) apiCalls.push(request.url());
    });
    await tab.page.goto(`${app.url}/app`);
    await tab.page.waitForURL(`${app.url}/`);
    await tab.page.locator('#signed-out').waitFor();
    expect(apiCalls).toEqual([]);
    expect(await tab.page.locator('#protected').isVisible()).toBe(false);
  });

  it("signs in on Passki's hosted page, which sends the user back with redirect_to", async () => {
    const tab = await newTab();
    await signUp(tab, 'wren');
    await signOut(tab);

    const href = (await tab.page.getAttribute('#hosted-link', 'href')) ?? '';
    expect(href).toBe(`${passki.url}/?redirect_to=${encodeURIComponent(`${app.url}/app`)}`);
    await tab.page.click('#hosted-link');
    // The hosted page's autofill signs in on load, then it returns to the allow-listed URL.
    await expectProtectedPage(tab, 'wren');
  });

  it('refuses the API without a valid Passki JWT', async () => {
    const tab = await newTab();
    await signUp(tab, 'xena');
    const minted = await tab.context.request.post(`${passki.url}/v1/token`, { data: {} });
    expect(minted.status()).toBe(200);
    const { token } = (await minted.json()) as { token: string };

    // The genuine token works.
    const ok = await callApi(`Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(ok.body.username).toBe('xena');

    // No token, a malformed one, or one whose claims were edited.
    const none = await callApi(null);
    expect(none).toMatchObject({ status: 401, body: { error: { code: 'missing_token' } } });
    expect(none.challenge).toBe('Bearer');
    const garbage = await callApi('Bearer not-a-jwt');
    expect(garbage).toMatchObject({ status: 401, body: { error: { code: 'malformed_token' } } });
    expect(garbage.challenge).toBe('Bearer error="invalid_token"');
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as object;
    const edited = Buffer.from(JSON.stringify({ ...claims, username: 'admin' })).toString(
      'base64url',
    );
    const tampered = await callApi(`Bearer ${header}.${edited}.${signature}`);
    expect(tampered).toMatchObject({ status: 401, body: { error: { code: 'invalid_signature' } } });

    // A token signed with another key under Passki's key id, and an unsigned one.
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ ...claims, username: 'admin' })
      .setProtectedHeader({ ...decodeProtectedHeader(token), alg: 'ES256' })
      .sign(privateKey);
    expect((await callApi(`Bearer ${forged}`)).body.error?.code).toBe('invalid_signature');
    const none64 = Buffer.from(JSON.stringify({ alg: 'none', typ: 'passki-session+jwt' }));
    const unsigned = `${none64.toString('base64url')}.${payload}.`;
    expect((await callApi(`Bearer ${unsigned}`)).status).toBe(401);
  });
});

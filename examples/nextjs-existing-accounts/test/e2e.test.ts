// The Next.js example end to end: a real Passki (the built CLI, its own port, a fresh SQLite
// file), the example's production build (`next start`) on another port, and Chromium with the
// CDP virtual authenticator. Run `npm run build` here first, or `npm run test:examples` at the
// repository root, which installs, builds and tests every example.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser, openTab, type PasskeyTab } from '../../../test/e2e/browser.js';
import {
  adminCall,
  type ExampleApp,
  type ExamplePasski,
  freePort,
  startExampleApp,
  startExamplePasski,
} from '../../../test/helpers/examples.js';

const EXAMPLE = fileURLToPath(new URL('..', import.meta.url));
const NEXT_BIN = join(EXAMPLE, 'node_modules/next/dist/bin/next');

describeWithBrowser('examples/nextjs-existing-accounts', (browser) => {
  let passki: ExamplePasski;
  let app: ExampleApp;
  let adminKey: string;
  const tabs: PasskeyTab[] = [];

  beforeAll(async () => {
    if (!existsSync(join(EXAMPLE, '.next/BUILD_ID'))) {
      throw new Error('No production build: run `npm ci && npm run build` in this example first');
    }
    const port = await freePort();
    const appOrigin = `http://localhost:${port}`;
    passki = await startExamplePasski(appOrigin, { PASSKI_RP_NAME: 'Acme' });
    adminKey = passki.createAdminKey('nextjs-example');
    app = await startExampleApp({
      cwd: EXAMPLE,
      command: [process.execPath, NEXT_BIN, 'start', '--port', String(port)],
      port,
      env: {
        NEXT_TELEMETRY_DISABLED: '1',
        PASSKI_URL: passki.url,
        PASSKI_ADMIN_KEY: adminKey,
        APP_DATA_FILE: join(passki.databaseUrl.slice('sqlite:'.length), '..', 'accounts.json'),
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

  async function cookieNames(tab: PasskeyTab): Promise<string[]> {
    return (await tab.context.cookies()).map((cookie) => cookie.name).sort();
  }

  /** What Passki itself says about this browser: 401 unless it holds a Passki session. */
  async function passkiSessionStatus(tab: PasskeyTab): Promise<number> {
    return (await tab.context.request.get(`${passki.url}/v1/session`)).status();
  }

  it('adds a passkey to a password account, then signs in with it into the app session', async () => {
    const tab = await newTab();
    const { page } = tab;

    // An account of the app's own, with a password, as before passkeys.
    await page.goto(app.url);
    await page.fill('#register-username', 'grace');
    await page.fill('#register-password', 'correct horse battery');
    await page.click('#register-submit');
    await page.locator('#signed-in').waitFor();
    expect(await page.textContent('#signed-in-username')).toBe('grace');
    expect(await page.textContent('#session-method')).toContain('your password');
    expect(await page.textContent('#passkey-count')).toMatch(/no passkey yet/);

    // "Add a passkey": a server action gets an enrolment token from the admin API, the browser
    // SDK registers the passkey with Passki on its own origin.
    const enrolled = page.waitForResponse(`${passki.url}/v1/enroll/verify`);
    await page.click('#add-passkey');
    expect((await enrolled).status()).toBe(200);
    await page.locator('#passkey-status', { hasText: 'Passkey added' }).waitFor();
    await page.locator('#passkey-count', { hasText: 'You have 1 passkey.' }).waitFor();
    const [credential, ...others] = await tab.credentials();
    expect(others).toEqual([]);
    expect(credential?.isResidentCredential).toBe(true);
    expect(credential?.rpId).toBe('localhost');

    // Passki holds a user linked to the app's account, and never gave this browser a session.
    const users = await adminCall(passki, adminKey, 'GET', '/v1/admin/users?query=grace');
    const [passkiUser] = users.body.users as { id: string; externalId: string | null }[];
    expect(passkiUser?.externalId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await cookieNames(tab)).toEqual(['app_session']);
    expect(await passkiSessionStatus(tab)).toBe(401);

    // Signing out ends the app's session.
    await page.click('#sign-out');
    await page.locator('#passkey-sign-in').waitFor();
    expect(await cookieNames(tab)).toEqual([]);

    // "Sign in with a passkey": the ceremony runs against Passki for a one-time result, and a
    // server action redeems it and starts the app's own session.
    const verified = page.waitForResponse(`${passki.url}/v1/sign-in/verify`);
    const actionCall = page.waitForRequest(
      (request) => request.method() === 'POST' && request.headers()['next-action'] !== undefined,
    );
    await page.click('#passkey-sign-in');
    await page.locator('#signed-in').waitFor();
    expect(await page.textContent('#signed-in-username')).toBe('grace');
    expect(await page.textContent('#session-method')).toContain('a passkey');

    const verifyResponse = await verified;
    const verifyBody = (await verifyResponse.json()) as {
      user: { username: string };
      signInResult: { token: string };
      session?: unknown;
    };
    expect(verifyBody.user.username).toBe('grace');
    expect(verifyBody.session).toBeUndefined();
    expect((await verifyResponse.allHeaders())['set-cookie']).toBeUndefined();

    // The session is the app's: its cookie, HttpOnly; Passki has none for this user.
    const cookies = await tab.context.cookies();
    expect(cookies.map((cookie) => cookie.name)).toEqual(['app_session']);
    expect(cookies[0]?.httpOnly).toBe(true);
    expect(await passkiSessionStatus(tab)).toBe(401);
    const sessions = await adminCall(
      passki,
      adminKey,
      'GET',
      `/v1/admin/users/${passkiUser?.id}/sessions`,
    );
    expect(sessions.body.sessions).toEqual([]);

    // A replayed sign-in result is refused: by Passki's admin API...
    const replayed = await adminCall(passki, adminKey, 'POST', '/v1/admin/sign-in-results/redeem', {
      result: verifyBody.signInResult.token,
    });
    expect(replayed.status).toBe(401);
    expect((replayed.body.error as { code: string }).code).toBe('invalid_token');

    // ...and by the app: the very same server-action request, sent again from another browser,
    // starts no session there.
    const action = await actionCall;
    const attacker = await newTab();
    const headers = { ...action.headers() };
    delete headers.cookie;
    const replay = await attacker.context.request.post(action.url(), {
      headers,
      data: action.postDataBuffer() ?? '',
      maxRedirects: 0,
    });
    expect(replay.status()).toBe(200);
    expect(await replay.text()).toContain('already used');
    expect(replay.headers()['set-cookie']).toBeUndefined();
    expect(await cookieNames(attacker)).toEqual([]);
    await attacker.page.goto(app.url);
    await attacker.page.locator('#passkey-sign-in').waitFor();
    expect(await attacker.page.locator('#signed-in').count()).toBe(0);

    // The password still works as before.
    await page.click('#sign-out');
    await page.fill('#signin-username', 'grace');
    await page.fill('#signin-password', 'correct horse battery');
    await page.click('#password-sign-in-submit');
    await page.locator('#signed-in').waitFor();
    expect(await page.textContent('#session-method')).toContain('your password');
  });

  it('refuses a passkey that belongs to no account of the app', async () => {
    // Somebody signs up on Passki's hosted page: a passkey-only Passki user, no app account.
    const tab = await newTab();
    const { page } = tab;
    await page.goto(passki.url);
    await page.fill('#username', 'mallory');
    await page.click('#continue');
    await page.click('#create-account');
    await page.locator('#codes-view').waitFor();
    await page.click('#codes-done');
    await page.locator('#signed-in').waitFor();

    // Passki verifies that passkey, but the app finds no account linked to it.
    await page.goto(app.url);
    await page.click('#passkey-sign-in');
    await page
      .locator('#passkey-status', { hasText: 'does not belong to an account here' })
      .waitFor();
    expect(await page.locator('#signed-in').count()).toBe(0);
    expect(await cookieNames(tab)).not.toContain('app_session');
  });

  it('explains a cancelled passkey sign-in', async () => {
    const tab = await newTab();
    await tab.page.goto(app.url);
    // An authenticator with no passkey for localhost: Chromium rejects at once.
    await tab.page.click('#passkey-sign-in');
    await tab.page.locator('#passkey-status', { hasText: 'cancelled or timed out' }).waitFor();
    expect(await cookieNames(tab)).toEqual([]);
  });
});

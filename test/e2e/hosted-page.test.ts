// The hosted sign-in page in real headless Chromium against a real server: every ceremony is a
// genuine WebAuthn ceremony with the CDP virtual authenticator, verified by the server.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  base64ToBase64Url,
  describeWithBrowser,
  openTab,
  type PasskeyTab,
  screenshotStates,
  type TabOptions,
} from './browser.js';

interface GetCall {
  mediation: string;
  /** `pending`, `resolved`, or the name of the error it rejected with. */
  outcome: string;
}

declare global {
  interface Window {
    __getCalls?: GetCall[];
  }
}

/**
 * Runs before the page's own scripts (as an init script, outside its CSP): records every
 * navigator.credentials.get call and how it ended, so a test can tell which request did what.
 */
const RECORD_GET_CALLS = `(() => {
  const calls = [];
  window.__getCalls = calls;
  const get = navigator.credentials.get.bind(navigator.credentials);
  navigator.credentials.get = (options) => {
    const call = { mediation: options?.mediation ?? 'optional', outcome: 'pending' };
    calls.push(call);
    return get(options).then(
      (credential) => { call.outcome = 'resolved'; return credential; },
      (error) => { call.outcome = error.name; throw error; },
    );
  };
})();`;

async function getCalls(tab: PasskeyTab): Promise<GetCall[]> {
  return tab.page.evaluate(() => window.__getCalls ?? []);
}

interface SessionReply {
  status: number;
  username: string | undefined;
}

describeWithBrowser('hosted sign-in page', (browser) => {
  let server: TestServer;
  const tabs: PasskeyTab[] = [];

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(async () => {
    for (const tab of tabs.splice(0)) {
      const problems = [...tab.problems];
      await tab.close();
      // No uncaught exception and no CSP violation, in any test.
      expect(problems).toEqual([]);
    }
  });

  async function newTab(options: TabOptions = {}): Promise<PasskeyTab> {
    const tab = await openTab(browser(), options);
    tabs.push(tab);
    return tab;
  }

  /** Loads the page and waits until it has checked the session. */
  async function load(tab: PasskeyTab): Promise<void> {
    await tab.page.goto(server.url);
    await tab.page.locator('#loading').waitFor({ state: 'hidden' });
  }

  /** What the server thinks of this tab's cookies. */
  async function sessionOf(tab: PasskeyTab): Promise<SessionReply> {
    const response = await tab.context.request.get(`${server.url}/v1/session`);
    const body = (await response.json()) as { user?: { username?: string } };
    return { status: response.status(), username: body.user?.username };
  }

  async function statusText(tab: PasskeyTab): Promise<string> {
    return (await tab.page.locator('#status').textContent()) ?? '';
  }

  async function waitForStatus(tab: PasskeyTab, text: RegExp): Promise<void> {
    await tab.page.locator('#status').filter({ hasText: text }).waitFor();
  }

  async function signUpOnPage(tab: PasskeyTab, username: string): Promise<void> {
    await tab.page.fill('#username', username);
    await tab.page.click('#continue');
    await tab.page.click('#create-account');
    // Sign-up shows the new recovery codes once, before the signed-in view.
    await tab.page.locator('#codes-view').waitFor();
    await tab.page.click('#codes-done');
    await tab.page.locator('#signed-in').waitFor();
  }

  async function signOutOnPage(tab: PasskeyTab): Promise<void> {
    await tab.page.click('#signout');
    await tab.page.locator('#signed-out').waitFor();
  }

  it('signs up, then signs in with the username and without it', async () => {
    const tab = await newTab();
    const { page } = tab;
    await load(tab);
    expect(await page.locator('#signed-out').isVisible()).toBe(true);
    expect(await page.getAttribute('#username', 'autocomplete')).toBe('username webauthn');
    await screenshotStates(page, '01-signed-out');

    // Username first: an unknown name leads to the offer to create the account.
    await page.fill('#username', 'ada');
    await page.press('#username', 'Enter');
    await page.locator('#create-account').waitFor();
    expect(await page.textContent('#create-offer')).toMatch(/no account named ada/i);
    // Focus moves to the offer, so the keyboard user can press Enter right away; the button is
    // described by the offer's sentence, which screen readers read with it.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('create-account');
    expect(await page.getAttribute('#create-account', 'aria-describedby')).toBe('create-text');
    await screenshotStates(page, '02-create-offer');

    await page.keyboard.press('Enter');
    // The account's recovery codes come first, shown once; focus moves to their heading.
    await page.locator('#codes-view').waitFor();
    expect(await page.locator('#codes-list li').count()).toBe(10);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('codes-title');
    await page.click('#codes-done');
    await page.locator('#signed-in').waitFor();
    expect(await page.textContent('#signed-in')).toContain('Signed in as ada');
    expect(await statusText(tab)).toMatch(/account created/i);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('signed-in-title');
    await screenshotStates(page, '03-signed-in');

    // The server agrees, through the HttpOnly cookie the page itself cannot read.
    expect(await sessionOf(tab)).toEqual({ status: 200, username: 'ada' });
    const cookies = await tab.context.cookies();
    expect(cookies.find((cookie) => cookie.name === 'passki_session')?.httpOnly).toBe(true);
    expect(await page.evaluate(() => document.cookie)).not.toContain('passki_session');

    // A discoverable credential whose user handle is an opaque id, not the username: WebAuthn
    // #sctn-user-handle-privacy says it must not carry personally identifying information.
    const [credential, ...others] = await tab.credentials();
    expect(others).toEqual([]);
    expect(credential?.isResidentCredential).toBe(true);
    expect(credential?.rpId).toBe('localhost');
    const userHandle = Buffer.from(credential?.userHandle ?? '', 'base64');
    expect(userHandle.length).toBeGreaterThanOrEqual(16);
    expect(userHandle.toString('utf8')).not.toContain('ada');
    expect(base64ToBase64Url(credential?.userHandle ?? '')).not.toBe('ada');

    // A reload keeps the session (the page asks GET /v1/session on load).
    await load(tab);
    expect(await page.textContent('#signed-in')).toContain('ada');

    await signOutOnPage(tab);
    expect(await statusText(tab)).toMatch(/signed out/i);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('username');
    expect((await sessionOf(tab)).status).toBe(401);
    await screenshotStates(page, '04-signed-out-after-sign-out');

    // Sign in with the username: the server sends allowCredentials for ada's passkey.
    const countBefore = credential?.signCount ?? 0;
    await page.fill('#username', 'ADA');
    await page.click('#continue');
    await page.locator('#signed-in').waitFor();
    expect(await page.textContent('#signed-in')).toContain('Signed in as ada');
    expect(await sessionOf(tab)).toEqual({ status: 200, username: 'ada' });
    const [afterSignIn] = await tab.credentials();
    expect(afterSignIn?.signCount).toBeGreaterThan(countBefore);

    // Sign in without a username: the discoverable credential names the user.
    await signOutOnPage(tab);
    await page.click('#passkey-signin');
    await page.locator('#signed-in').waitFor();
    expect(await page.textContent('#signed-in')).toContain('Signed in as ada');
    expect(await sessionOf(tab)).toEqual({ status: 200, username: 'ada' });
  });

  it('signs in through passkey autofill as the page loads', async () => {
    const tab = await newTab();
    await load(tab);
    await signUpOnPage(tab, 'bea');
    await signOutOnPage(tab);
    expect((await sessionOf(tab)).status).toBe(401);

    // The authenticator now holds a discoverable credential, so the conditional request the page
    // starts on load completes by itself (headless Chromium shows no autofill list to pick from).
    await tab.page.goto(server.url);
    await tab.page.locator('#signed-in').waitFor();
    expect(await tab.page.textContent('#signed-in')).toContain('Signed in as bea');
    expect(await sessionOf(tab)).toEqual({ status: 200, username: 'bea' });
  });

  it('lets a button click take over from a pending autofill request', async () => {
    const donor = await newTab();
    await load(donor);
    await signUpOnPage(donor, 'gus');
    const [credential] = await donor.credentials();
    if (credential === undefined) throw new Error('the donor tab holds no credential');

    // With the WebAuthn domain off, Chromium behaves like a real browser: the autofill request the
    // page starts on load stays pending, waiting for the user to pick from the autofill list.
    const tab = await newTab({ deferAuthenticator: true });
    await tab.page.addInitScript(RECORD_GET_CALLS);
    await load(tab);
    // The authenticator must arrive after the request: one attached while the page is still
    // between its options and navigator.credentials.get would answer the autofill by itself.
    await tab.page.waitForFunction(() => window.__getCalls?.length === 1);
    await tab.attachAuthenticator();
    await tab.addCredential(credential);
    expect(await getCalls(tab)).toEqual([{ mediation: 'conditional', outcome: 'pending' }]);

    // The click aborts the autofill request (AbortError, silently ignored by the page) and runs
    // its own ceremony, which must not be cancelled in turn.
    await tab.page.click('#passkey-signin');
    await tab.page.locator('#signed-in').waitFor();
    expect(await tab.page.textContent('#signed-in')).toContain('Signed in as gus');
    expect(await statusText(tab)).toBe('');
    expect(await sessionOf(tab)).toEqual({ status: 200, username: 'gus' });
    expect(await getCalls(tab)).toEqual([
      { mediation: 'conditional', outcome: 'AbortError' },
      { mediation: 'optional', outcome: 'resolved' },
    ]);
  });

  it('explains a cancelled ceremony in plain words and recovers', async () => {
    const tab = await newTab();
    const { page } = tab;
    await load(tab);
    await signUpOnPage(tab, 'cal');
    await signOutOnPage(tab);

    // With user verification failing, Chromium rejects at once with NotAllowedError: what a
    // user who dismisses the browser's prompt produces.
    await tab.setUserVerified(false);
    await page.fill('#username', 'cal');
    await page.click('#continue');
    await waitForStatus(tab, /cancelled or timed out/i);
    const message = await statusText(tab);
    expect(message).not.toMatch(/NotAllowedError|DOMException|WebAuthn|undefined/);
    expect(await page.locator('#signed-in').isVisible()).toBe(false);
    expect((await sessionOf(tab)).status).toBe(401);
    await screenshotStates(page, '05-error-cancelled');

    await page.click('#passkey-signin');
    await waitForStatus(tab, /cancelled or timed out/i);

    // Once the user verifies, the same page signs in.
    await tab.setUserVerified(true);
    await page.click('#continue');
    await page.locator('#signed-in').waitFor();
    expect(await sessionOf(tab)).toEqual({ status: 200, username: 'cal' });
  });

  it('explains a cancelled passkey creation, and the lack of a passkey on this device', async () => {
    const tab = await newTab();
    const { page } = tab;
    await load(tab);
    await tab.setUserVerified(false);
    await page.fill('#username', 'dan');
    await page.click('#continue');
    await page.click('#create-account');
    await waitForStatus(tab, /creating the passkey was cancelled or timed out/i);
    expect(await tab.credentials()).toEqual([]);
    // The offer stays, so the user can try again.
    expect(await page.locator('#create-account').isVisible()).toBe(true);

    // Usernameless sign-in with an empty authenticator fails at once, the same way.
    await tab.setUserVerified(true);
    await page.click('#passkey-signin');
    await waitForStatus(tab, /no passkey for this site/i);
    expect((await sessionOf(tab)).status).toBe(401);
  });

  it('says a username is taken when someone else claimed it first', async () => {
    const first = await newTab();
    await load(first);
    await first.page.fill('#username', 'eve');
    await first.page.click('#continue');
    await first.page.locator('#create-account').waitFor();

    // Meanwhile, in another browser, somebody signs up as Eve.
    const second = await newTab();
    await load(second);
    await signUpOnPage(second, 'eve');

    await first.page.click('#create-account');
    await waitForStatus(first, /taken/i);
    expect(await statusText(first)).toMatch(/The username eve is already taken/);
    expect(await first.page.getAttribute('#username', 'aria-invalid')).toBe('true');
    // The name is valid, so the rules under the field stay neutral.
    expect(await first.page.getAttribute('#username-hint', 'class')).not.toContain('is-error');
    expect(await first.page.evaluate(() => document.activeElement?.id)).toBe('username');
    expect(await first.page.locator('#create-account').isVisible()).toBe(false);
    // The failed attempt left no credential and no session behind.
    expect(await first.credentials()).toEqual([]);
    expect((await sessionOf(first)).status).toBe(401);
    await screenshotStates(first.page, '06-error-username-taken');
  });

  it('explains what a valid username is', async () => {
    const tab = await newTab();
    const { page } = tab;
    await load(tab);

    await page.click('#continue');
    await waitForStatus(tab, /enter your username/i);

    await page.fill('#username', 'a b');
    await page.click('#continue');
    await waitForStatus(tab, /3 to 64 characters/i);
    expect(await page.getAttribute('#username', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#username-hint', 'class')).toContain('is-error');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('username');
    await screenshotStates(page, '07-error-invalid-username');

    // Typing clears the error marker.
    await page.type('#username', 'x');
    expect(await page.getAttribute('#username', 'aria-invalid')).toBeNull();
    expect(await page.getAttribute('#username-hint', 'class')).not.toContain('is-error');
  });

  it('sends the user back to an allow-listed redirect_to after sign-up and sign-in', async () => {
    // The "app": another origin on loopback that the hosted page may return to.
    const appServer = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>App</title><h1 id="app">Back in the app at ${req.url}</h1>`);
    });
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
    const appUrl = `http://localhost:${(appServer.address() as AddressInfo).port}`;
    const passki = await startTestServer({
      env: { PASSKI_REDIRECT_URLS: `${appUrl}/done` },
    });
    let tab: PasskeyTab | undefined;
    try {
      tab = await newTab();
      const { page } = tab;
      const withRedirect = (target: string): string =>
        `${passki.url}/?redirect_to=${encodeURIComponent(target)}`;
      const back = `${appUrl}/done?from=passki`;

      // Sign-up: the recovery codes first, then straight back to the app.
      await page.goto(withRedirect(back));
      await page.locator('#signed-out').waitFor();
      await page.fill('#username', 'hal');
      await page.click('#continue');
      await page.click('#create-account');
      await page.locator('#codes-view').waitFor();
      expect(page.url()).toMatch(new RegExp(`^${passki.url}/`));
      await page.click('#codes-done');
      await page.waitForURL(back);
      expect(await page.textContent('#app')).toBe('Back in the app at /done?from=passki');

      // Already signed in: a link back, no automatic bounce.
      await page.goto(withRedirect(back));
      await page.locator('#signed-in').waitFor();
      expect(await page.getAttribute('#return-link', 'href')).toBe(back);
      expect(page.url()).toMatch(new RegExp(`^${passki.url}/`));
      await page.click('#return-link');
      await page.waitForURL(back);

      // A return URL outside PASSKI_REDIRECT_URLS is ignored: autofill signs in on load and the
      // user stays on the hosted page.
      await page.goto(passki.url);
      await page.locator('#signed-in').waitFor();
      await page.click('#signout');
      await page.locator('#signed-out').waitFor();
      await page.goto(withRedirect(`${appUrl}/elsewhere`));
      await page.locator('#signed-in').waitFor();
      expect(await page.locator('#return-link').count()).toBe(0);
      expect(page.url()).toMatch(new RegExp(`^${passki.url}/`));

      // Signed out again, an allowed return URL follows the autofill sign-in too.
      await page.click('#signout');
      await page.locator('#signed-out').waitFor();
      await page.goto(withRedirect(`${appUrl}/done/again`));
      await page.waitForURL(`${appUrl}/done/again`);
      const session = await tab.context.request.get(`${passki.url}/v1/session`);
      expect(((await session.json()) as { user: { username: string } }).user.username).toBe('hal');
    } finally {
      // The browser's open sockets to both servers go first: a socket Chromium opened ahead of a
      // request it never sent is not idle to Node, and close() waited for it (up to 60 s).
      await tab?.context.close();
      await passki.close();
      appServer.closeAllConnections();
      await new Promise((resolve) => appServer.close(resolve));
    }
  });

  it('shows a busy state, then says when the server cannot be reached', async () => {
    const tab = await newTab();
    const { page } = tab;
    await load(tab);
    let release = (): void => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/v1/sign-in/options', async (route) => {
      await held;
      await route.abort('internetdisconnected');
    });
    await page.fill('#username', 'fay');
    await page.click('#continue');
    await page.locator('#continue.is-busy').waitFor();
    expect(await statusText(tab)).toMatch(/waiting for your passkey/i);
    expect(await page.getAttribute('#passkey-signin', 'aria-disabled')).toBe('true');
    await screenshotStates(page, '08-busy');

    release();
    await waitForStatus(tab, /cannot reach the server/i);
    expect(await page.getAttribute('#passkey-signin', 'aria-disabled')).toBeNull();
    await screenshotStates(page, '09-error-network');
  });
});

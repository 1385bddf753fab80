// The hosted account page (GET /account) and the recovery flow of the sign-in page, in real
// headless Chromium against a real server: every passkey ceremony is a genuine WebAuthn ceremony
// with CDP virtual authenticators, verified by the server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Download, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import {
  base64ToBase64Url,
  describeWithBrowser,
  openTab,
  type PasskeyTab,
  screenshotStates,
  type TabOptions,
} from './browser.js';

const GOOGLE_PASSWORD_MANAGER = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
const CODE_FORMAT = /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/;

interface SessionReply {
  status: number;
  kind: string | undefined;
}

describeWithBrowser('hosted account page', (browser) => {
  let server: TestServer;
  // Moved forward by tests that need a step-up to have gone stale.
  const clock = new TestClock();
  const tabs: PasskeyTab[] = [];

  beforeAll(async () => {
    server = await startTestServer({ clock });
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

  async function sessionOf(tab: PasskeyTab): Promise<SessionReply> {
    const response = await tab.context.request.get(`${server.url}/v1/session`);
    const body = (await response.json()) as { session?: { kind?: string } };
    return { status: response.status(), kind: body.session?.kind };
  }

  async function waitForStatus(page: Page, text: RegExp): Promise<void> {
    await page.locator('#status').filter({ hasText: text }).waitFor();
  }

  async function focusedId(page: Page): Promise<string | undefined> {
    return page.evaluate(() => document.activeElement?.id);
  }

  /** Signs up on the sign-in page; resolves the recovery codes shown once, after saving them. */
  async function signUp(tab: PasskeyTab, username: string): Promise<string[]> {
    const { page } = tab;
    await page.goto(server.url);
    await page.locator('#loading').waitFor({ state: 'hidden' });
    await page.fill('#username', username);
    await page.click('#continue');
    await page.click('#create-account');
    await page.locator('#codes-view').waitFor();
    const codes = await page.locator('#codes-list li').allTextContents();
    await page.click('#codes-done');
    await page.locator('#signed-in').waitFor();
    return codes;
  }

  async function openAccount(page: Page): Promise<void> {
    await page.goto(`${server.url}/account`);
    await page.locator('#loading').waitFor({ state: 'hidden' });
    await page.locator('#account-view').waitFor();
  }

  /**
   * Items of a list the page draws after the account view shows (its data loads next); waits for
   * the first, since each list is drawn at once and, outside recovery, is never empty.
   */
  async function drawnCount(page: Page, items: string): Promise<number> {
    await page.locator(items).first().waitFor();
    return page.locator(items).count();
  }

  async function passkeyNames(page: Page): Promise<string[]> {
    return page.locator('#passkey-list .item-name').allTextContents();
  }

  /** Adds a second virtual authenticator to the tab's page; optionally a "synced" one. */
  async function addAuthenticator(tab: PasskeyTab, options: { synced: boolean }): Promise<string> {
    const { authenticatorId } = await tab.cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        ctap2Version: 'ctap2_1',
        transport: 'usb',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
        ...(options.synced ? { defaultBackupEligibility: true, defaultBackupState: true } : {}),
      },
    });
    return authenticatorId;
  }

  async function presence(
    tab: PasskeyTab,
    authenticatorId: string,
    options: { enabled: boolean },
  ): Promise<void> {
    await tab.cdp.send('WebAuthn.setAutomaticPresenceSimulation', {
      authenticatorId,
      enabled: options.enabled,
    });
  }

  /** Pretends a passkey came from Google Password Manager: its AAGUID, as the server stored it. */
  async function setAaguid(credentialId: string, aaguid: string): Promise<void> {
    const Sqlite = (await import('better-sqlite3')).default;
    const db = new Sqlite(server.dbPath);
    try {
      db.prepare('UPDATE credentials SET aaguid = ? WHERE id = ?').run(
        aaguid,
        Buffer.from(credentialId, 'base64url'),
      );
    } finally {
      db.close();
    }
  }

  it('is served with the strict page CSP', async () => {
    const response = await fetch(`${server.url}/account`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("img-src 'self' data:");
    expect(await response.text()).not.toMatch(/<script>|style="/);
  });

  it('shows recovery codes once after sign-up, with copy and download', async () => {
    const tab = await newTab();
    const { page } = tab;
    await tab.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: server.url,
    });
    await page.goto(server.url);
    await page.locator('#loading').waitFor({ state: 'hidden' });
    await page.fill('#username', 'ada');
    await page.click('#continue');
    await page.click('#create-account');
    await page.locator('#codes-view').waitFor();
    expect(await focusedId(page)).toBe('codes-title');
    const codes = await page.locator('#codes-list li').allTextContents();
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(CODE_FORMAT);
    expect(new Set(codes).size).toBe(10);
    await screenshotStates(page, 'account-signup-codes');

    await page.click('#codes-copy');
    await waitForStatus(page, /copied/i);
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    for (const code of codes) expect(copied).toContain(code);

    const [download] = await Promise.all([
      page.waitForEvent('download') as Promise<Download>,
      page.click('#codes-download'),
    ]);
    expect(download.suggestedFilename()).toBe('recovery-codes.txt');
    const text = readFileSync((await download.path()) ?? '', 'utf8');
    expect(text).toContain('Recovery codes for ada');
    for (const code of codes) expect(text).toContain(code);

    await page.click('#codes-done');
    await page.locator('#signed-in').waitFor();
    expect(await page.locator('#codes-view').isHidden()).toBe(true);
    expect(await page.locator('#codes-list li').count()).toBe(0);
    expect(await focusedId(page)).toBe('signed-in-title');
    expect(await page.getAttribute('#manage-link', 'href')).toBe('/account');

    // The server holds 10 unused codes; the page can never show them again.
    await page.click('#manage-link');
    await page.waitForURL(`${server.url}/account`);
    await page.locator('#recovery-remaining').filter({ hasText: '10 unused' }).waitFor();
  });

  it('marks its lists busy for screen readers until they have loaded', async () => {
    const tab = await newTab();
    const { page } = tab;
    await signUp(tab, 'busy');
    // Hold the passkey list's answer, so the view is up while its lists are still loading.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(`${server.url}/v1/me/passkeys`, async (route) => {
      await held;
      await route.continue();
    });
    await openAccount(page);
    expect(await page.getAttribute('#passkey-list', 'aria-busy')).toBe('true');
    expect(await page.getAttribute('#session-list', 'aria-busy')).toBe('true');
    release();
    expect(await drawnCount(page, '#passkey-list > li')).toBe(1);
    expect(await page.getAttribute('#passkey-list', 'aria-busy')).toBeNull();
    expect(await page.getAttribute('#session-list', 'aria-busy')).toBeNull();
    expect(await page.getAttribute('main', 'aria-busy')).toBeNull();
  });

  it('adds a second passkey, refuses the same authenticator twice, renames and deletes', async () => {
    const tab = await newTab();
    const { page } = tab;
    await signUp(tab, 'bob');
    const [first] = await tab.credentials();
    if (first === undefined) throw new Error('no credential after sign-up');
    const firstId = base64ToBase64Url(first.credentialId);
    await setAaguid(firstId, GOOGLE_PASSWORD_MANAGER);

    await openAccount(page);
    expect(await page.textContent('#account-user')).toContain('bob');
    expect(await passkeyNames(page)).toEqual(['Passkey']);
    const firstItem = page.locator(`#passkey-list li[data-id="${firstId}"]`);
    expect(await firstItem.locator('.badge').isVisible()).toBe(true);
    expect(await firstItem.locator('.provider').textContent()).toBe(
      'Google Password Manager · Device-bound',
    );
    // The provider's icon, a data: URI from the AAGUID list, is allowed by the CSP and renders.
    const icon = firstItem.locator('.icon-light');
    expect(await icon.isVisible()).toBe(true);
    expect(await icon.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    expect(await drawnCount(page, '#session-list li')).toBe(1);
    expect(await page.locator('#revoke-others').isHidden()).toBe(true);

    // The same authenticator again: it already holds a passkey listed in excludeCredentials.
    await page.click('#add-passkey');
    await waitForStatus(page, /already has a passkey for your account/);
    expect(await page.getAttribute('#status', 'data-tone')).toBe('error');
    expect(await tab.credentials()).toHaveLength(1);
    expect(await passkeyNames(page)).toEqual(['Passkey']);

    // A second authenticator (a synced one). The first one must not answer: with automatic
    // presence it would report the excluded credential first and fail the ceremony for both.
    const second = await addAuthenticator(tab, { synced: true });
    await presence(tab, tab.authenticatorId, { enabled: false });
    await page.click('#add-passkey');
    await waitForStatus(page, /Passkey added/);
    await presence(tab, tab.authenticatorId, { enabled: true });
    const secondCredentials = await tab.cdp.send('WebAuthn.getCredentials', {
      authenticatorId: second,
    });
    expect(secondCredentials.credentials).toHaveLength(1);
    const secondId = base64ToBase64Url(secondCredentials.credentials[0]?.credentialId ?? '');
    expect(await passkeyNames(page)).toHaveLength(2);
    const secondItem = page.locator(`#passkey-list li[data-id="${secondId}"]`);
    expect(await secondItem.locator('.provider').textContent()).toBe(
      'Unrecognised authenticator · Synced',
    );
    expect(await secondItem.locator('.badge').isHidden()).toBe(true);
    expect(await secondItem.locator('.icon-generic').isVisible()).toBe(true);
    // Focus lands on the new passkey's Rename button, the likely next step.
    expect(await page.evaluate(() => document.activeElement?.className)).toContain('rename');

    // Rename, keyboard only: Enter opens the form with the name selected, Enter saves.
    await page.keyboard.press('Enter');
    const renameInput = secondItem.locator('.rename-form input');
    await renameInput.waitFor();
    expect(await renameInput.evaluate((input) => input === document.activeElement)).toBe(true);
    await screenshotStates(page, 'account-rename');
    await page.keyboard.type('Phone');
    await page.keyboard.press('Enter');
    await waitForStatus(page, /Renamed to “Phone”/);
    expect(await secondItem.locator('.item-name').textContent()).toBe('Phone');
    expect(await page.evaluate(() => document.activeElement?.className)).toContain('rename');

    // Escape closes a panel and gives focus back to the button that opened it.
    await secondItem.locator('.delete').click();
    await secondItem.locator('.confirm-delete').waitFor();
    expect(await secondItem.locator('.confirm-text').textContent()).toContain('Delete “Phone”?');
    await screenshotStates(page, 'account-delete-confirm');
    await page.keyboard.press('Escape');
    expect(await secondItem.locator('.confirm-delete').isHidden()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.className)).toContain('delete');

    await screenshotStates(page, 'account-overview');

    // Delete it for real; the browser is told which passkeys remain (Signal API), and Chromium
    // removes the deleted one from the authenticator.
    await secondItem.locator('.delete').click();
    await secondItem.locator('.confirm').click();
    await waitForStatus(page, /“Phone” is deleted/);
    expect(await passkeyNames(page)).toEqual(['Passkey']);
    await expect
      .poll(
        async () =>
          (await tab.cdp.send('WebAuthn.getCredentials', { authenticatorId: second })).credentials
            .length,
        { timeout: 5_000 },
      )
      .toBe(0);
    expect(await tab.credentials()).toHaveLength(1);
  });

  it('explains why the only passkey cannot be deleted without recovery codes', async () => {
    const tab = await newTab();
    const { page } = tab;
    // Sign up while creating recovery codes fails: the account ends up with a passkey only.
    await page.route('**/v1/me/recovery-codes', (route) => route.abort('failed'));
    await page.goto(server.url);
    await page.locator('#loading').waitFor({ state: 'hidden' });
    await page.fill('#username', 'cyd');
    await page.click('#continue');
    await page.click('#create-account');
    await page.locator('#signed-in').waitFor();
    await waitForStatus(page, /recovery codes could not be created/);
    await page.unroute('**/v1/me/recovery-codes');

    await openAccount(page);
    await page.locator('#recovery-remaining').filter({ hasText: 'no unused' }).waitFor();
    const item = page.locator('#passkey-list li').first();
    await item.locator('.delete').click();
    expect(await item.locator('.confirm-text').textContent()).toMatch(/only passkey/);
    await item.locator('.confirm').click();
    await waitForStatus(page, /only passkey, so deleting it would lock you out/);
    expect(await passkeyNames(page)).toEqual(['Passkey']);
    expect((await sessionOf(tab)).status).toBe(200);
  });

  it('revokes a session of another browser, asking for the passkey once the step-up is stale', async () => {
    const home = await newTab();
    await signUp(home, 'dee');
    const [credential] = await home.credentials();
    if (credential === undefined) throw new Error('no credential after sign-up');

    // Copies of one passkey share its signature counter on the server; each copy starts ahead
    // of every earlier use, as a synced passkey would, so that none looks like a clone.
    let counter = 0;
    const ahead = () => {
      counter += 1000;
      return { ...(credential as object), signCount: counter } as never;
    };

    // Another browser (a separate context) signs in with a copy of the passkey.
    async function signInElsewhere(): Promise<PasskeyTab> {
      const away = await newTab({ viewport: { width: 390, height: 844 } });
      await away.addCredential(ahead());
      await away.page.goto(server.url);
      await away.page.locator('#signed-in').waitFor();
      expect((await sessionOf(away)).status).toBe(200);
      return away;
    }
    const away = await signInElsewhere();

    const { page } = home;
    await openAccount(page);
    expect(await drawnCount(page, '#session-list li')).toBe(2);
    const other = page
      .locator('#session-list li')
      .filter({ hasNot: page.locator('.badge:visible') });
    expect(await other.locator('.item-name').textContent()).toMatch(/Chrome.* on Linux/);
    expect(await page.locator('#revoke-others').isVisible()).toBe(true);

    // The sign-up was a step-up, but 6 minutes later it no longer counts: the server answers
    // 403 reauthentication_required and the SDK asks for the passkey (here: the authenticator
    // answers by itself), then retries.
    clock.advance(6 * 60_000);
    const asserted = new Promise((resolve) =>
      home.cdp.once('WebAuthn.credentialAsserted', resolve),
    );
    await home.cdp.send('WebAuthn.removeCredential', {
      authenticatorId: home.authenticatorId,
      credentialId: credential.credentialId,
    });
    await home.addCredential(ahead());
    await other.locator('.revoke').click();
    await waitForStatus(page, /Signed out of Chrome/);
    await asserted;
    expect(await drawnCount(page, '#session-list li')).toBe(1);
    expect((await sessionOf(away)).status).toBe(401);
    expect((await sessionOf(home)).status).toBe(200);

    // "Sign out everywhere else" ends all the others at once.
    const third = await signInElsewhere();
    const fourth = await signInElsewhere();
    await openAccount(page);
    expect(await drawnCount(page, '#session-list li')).toBe(3);
    await screenshotStates(page, 'account-sessions');
    await page.click('#revoke-others');
    await waitForStatus(page, /Signed out of 2 other sessions/);
    expect((await sessionOf(third)).status).toBe(401);
    expect((await sessionOf(fourth)).status).toBe(401);
    expect(await page.locator('#revoke-others').isHidden()).toBe(true);

    // Signing out here from the list ends this session too.
    await page.locator('#session-list li .revoke').click();
    await page.locator('#signed-out-view').waitFor();
    expect(await focusedId(page)).toBe('signed-out-title');
    expect((await sessionOf(home)).status).toBe(401);
  });

  it('recovers with a recovery code after the passkey is lost, and enrols a new one', async () => {
    const tab = await newTab();
    const { page } = tab;
    const codes = await signUp(tab, 'eve');
    const [lost] = await tab.credentials();
    const lostId = base64ToBase64Url(lost?.credentialId ?? '');
    await page.click('#signout');
    await page.locator('#signed-out').waitFor();
    // The device is gone: its authenticator no longer holds the passkey.
    await tab.cdp.send('WebAuthn.clearCredentials', { authenticatorId: tab.authenticatorId });

    await page.goto(server.url);
    await page.locator('#loading').waitFor({ state: 'hidden' });
    await page.click('#recover-toggle');
    expect(await page.getAttribute('#recover-toggle', 'aria-expanded')).toBe('true');
    expect(await focusedId(page)).toBe('recover-username');
    await page.fill('#recover-username', 'eve');
    await page.fill('#recover-code', 'AAAA-BBBB-CCCC-DDDD');
    await page.press('#recover-code', 'Enter');
    await waitForStatus(page, /do not match/);
    expect(await page.getAttribute('#recover-code', 'aria-invalid')).toBe('true');
    expect(await focusedId(page)).toBe('recover-code');
    await screenshotStates(page, 'account-recover-form');

    // Typed loosely (lower case, spaces instead of hyphens): still accepted.
    await page.fill('#recover-code', (codes[0] ?? '').toLowerCase().replaceAll('-', ' '));
    await page.click('#recover-submit');
    await page.waitForURL(`${server.url}/account`);
    await page.locator('#account-view').waitFor();
    expect(await sessionOf(tab)).toEqual({ status: 200, kind: 'recovery' });
    expect(await page.locator('#recovery-notice').isVisible()).toBe(true);
    expect(await page.locator('#passkey-list').isHidden()).toBe(true);
    expect(await page.locator('#sessions-section').isHidden()).toBe(true);
    await page.locator('#recovery-remaining').filter({ hasText: '9 unused' }).waitFor();
    await screenshotStates(page, 'account-recovery-mode');

    // The code is used up.
    const again = await tab.context.request.post(`${server.url}/v1/recover`, {
      data: { username: 'eve', code: codes[0] },
      headers: { origin: server.url },
    });
    expect(again.status()).toBe(400);

    // A recovery session may add a passkey without a step-up (the code was the proof)...
    await page.click('#add-passkey');
    await page.locator('#recovery-next').waitFor();
    expect(await focusedId(page)).toBe('recovery-next-title');
    const [enrolled] = await tab.credentials();
    const enrolledId = base64ToBase64Url(enrolled?.credentialId ?? '');
    expect(enrolledId).not.toBe(lostId);
    await screenshotStates(page, 'account-recovery-added');

    // ...and then signs in with it: a standard session, and the recovery session ends.
    await page.click('#recovery-signin');
    await waitForStatus(page, /Your account is recovered/);
    expect(await sessionOf(tab)).toEqual({ status: 200, kind: 'standard' });
    expect(await page.locator('#recovery-notice').isHidden()).toBe(true);
    const current = page.locator(`#passkey-list li[data-id="${enrolledId}"]`);
    expect(await current.locator('.badge').isVisible()).toBe(true);
    expect(await drawnCount(page, '#session-list li')).toBe(1);

    // The lost passkey can go now.
    const lostItem = page.locator(`#passkey-list li[data-id="${lostId}"]`);
    await lostItem.locator('.delete').click();
    await lostItem.locator('.confirm').click();
    await waitForStatus(page, /is deleted/);
    expect(await drawnCount(page, '#passkey-list li')).toBe(1);

    // New recovery codes replace the old set; they are shown once on the account page.
    await page.click('#create-codes');
    await page.locator('#codes-view').waitFor();
    const fresh = await page.locator('#codes-list li').allTextContents();
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(codes[1]);
    await screenshotStates(page, 'account-codes');
    await page.click('#codes-done');
    await page.locator('#recovery-remaining').filter({ hasText: '10 unused' }).waitFor();
    const stale = await tab.context.request.post(`${server.url}/v1/recover`, {
      data: { username: 'eve', code: codes[1] },
      headers: { origin: server.url },
    });
    expect(stale.status()).toBe(400);

    // Finally, a plain sign-in with the new passkey on the sign-in page.
    await page.click('#signout');
    await page.locator('#signed-out-view').waitFor();
    // The sign-in page offers the new passkey through autofill as it loads, and the virtual
    // authenticator accepts at once.
    await page.goto(server.url);
    await page.locator('#signed-in').waitFor();
    expect(await sessionOf(tab)).toEqual({ status: 200, kind: 'standard' });
  });

  it('sends a signed-out visitor to sign in', async () => {
    const tab = await newTab();
    await tab.page.goto(`${server.url}/account`);
    await tab.page.locator('#signed-out-view').waitFor();
    expect(await tab.page.getAttribute('#signed-out-view a', 'href')).toBe('/');
  });
});

// Keeps the data file honest: the shipped list parses and names the well-known providers.
it('ships the community AAGUID list', () => {
  const file = join(process.cwd(), 'packages/server/data/aaguids.json');
  const list = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { name: string }>;
  expect(list[GOOGLE_PASSWORD_MANAGER]?.name).toBe('Google Password Manager');
  expect(Object.keys(list).length).toBeGreaterThan(40);
});

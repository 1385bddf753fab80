// Real-browser harness: Debian's Chromium driven by playwright-core, with a CDP virtual
// authenticator per test. See shared/docs/browser-testing.md for the facts this relies on.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Browser,
  type BrowserContext,
  type CDPSession,
  chromium,
  type Page,
} from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';

/** A credential as `WebAuthn.getCredentials` returns it (ids in standard base64). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  userHandle?: string;
  userName?: string;
  signCount: number;
}

/** One test's browser tab: its own context (cookies), page and virtual authenticator. */
export interface PasskeyTab {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  /** The virtual authenticator's id; throws while `deferAuthenticator` left none attached. */
  readonly authenticatorId: string;
  /** Uncaught exceptions and CSP violations seen on the page; tests expect none. */
  problems: string[];
  /** Enables the WebAuthn domain and adds the authenticator (done by `openTab` unless deferred). */
  attachAuthenticator(): Promise<void>;
  credentials(): Promise<VirtualCredential[]>;
  /** Imports a credential, e.g. one taken from another tab with `credentials()`. */
  addCredential(credential: VirtualCredential): Promise<void>;
  setUserVerified(verified: boolean): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_PATHS = ['/usr/bin/chromium', '/usr/lib/chromium/chromium'];

/**
 * The Chromium binary to use, or undefined when there is none. An explicit PASSKI_CHROMIUM wins
 * and is not second-guessed: a wrong path there reports "not found" rather than falling back.
 */
export function findChromium(): string | undefined {
  const explicit = process.env.PASSKI_CHROMIUM;
  if (explicit !== undefined && explicit !== '') return existsSync(explicit) ? explicit : undefined;
  return DEFAULT_PATHS.find((path) => existsSync(path));
}

function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

/**
 * `describe` for browser tests. Without Chromium the suite is skipped with a loud warning on a
 * developer machine, and fails under CI, where a silently skipped e2e suite would look green.
 * `body` receives a getter for the browser, launched once for the file.
 */
export function describeWithBrowser(name: string, body: (browser: () => Browser) => void): void {
  const executablePath = findChromium();
  if (executablePath === undefined) {
    const where = process.env.PASSKI_CHROMIUM || DEFAULT_PATHS.join(', ');
    const hint = `Chromium not found at ${where}; install it (apt-get install -y chromium) or set PASSKI_CHROMIUM to its path`;
    if (isCi()) {
      describe(name, () => {
        it('has Chromium to run the browser tests', () => {
          throw new Error(`${hint}. CI must run the browser tests.`);
        });
      });
      return;
    }
    process.stderr.write(
      `\n\u001b[33m⚠ WARNING: SKIPPING browser e2e tests "${name}": ${hint}.\u001b[0m\n\n`,
    );
  }
  describe.skipIf(executablePath === undefined)(
    executablePath === undefined ? `SKIPPED: Chromium not found: ${name}` : name,
    () => {
      let browser: Browser | undefined;
      beforeAll(async () => {
        browser = await chromium.launch({
          executablePath,
          headless: true,
          // As root the sandbox cannot start; the rest keeps Chromium quiet and offline.
          args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-component-update'],
        });
        // Debian moves Chromium across major versions in security updates: record which ran.
        console.info(`[e2e] Chromium ${browser.version()} (${executablePath})`);
      });
      afterAll(async () => {
        await browser?.close();
      });
      body(() => {
        if (browser === undefined) throw new Error('the browser is not launched yet');
        return browser;
      });
    },
  );
}

export interface TabOptions {
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
  /**
   * Leave the WebAuthn domain off until `attachAuthenticator()`. Until then the page sees a "real"
   * browser: `isConditionalMediationAvailable()` is true and an autofill request stays pending.
   */
  deferAuthenticator?: boolean;
}

/**
 * A fresh context + page with a CTAP 2.1 internal authenticator (resident keys, user verification,
 * automatic presence), added before any navigation so that autofill is available on first load.
 * A fresh one per test also sidesteps the limit of 3 discoverable credentials per authenticator.
 */
export async function openTab(browser: Browser, options: TabOptions = {}): Promise<PasskeyTab> {
  const context = await browser.newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ?? DESKTOP,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    // 401/404 answers from the API also log "Failed to load resource"; those are expected.
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });

  const cdp = await context.newCDPSession(page);
  let authenticatorId: string | undefined;
  function requireAuthenticator(): string {
    if (authenticatorId === undefined) throw new Error('no virtual authenticator attached yet');
    return authenticatorId;
  }
  async function attachAuthenticator(): Promise<void> {
    // enableUI stays false: with it, every ceremony hangs in headless mode.
    await cdp.send('WebAuthn.enable');
    const added = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        ctap2Version: 'ctap2_1',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    authenticatorId = added.authenticatorId;
  }
  if (options.deferAuthenticator !== true) await attachAuthenticator();

  return {
    context,
    page,
    cdp,
    get authenticatorId() {
      return requireAuthenticator();
    },
    problems,
    attachAuthenticator,
    async credentials() {
      const result = await cdp.send('WebAuthn.getCredentials', {
        authenticatorId: requireAuthenticator(),
      });
      return result.credentials as VirtualCredential[];
    },
    async addCredential(credential) {
      await cdp.send('WebAuthn.addCredential', {
        authenticatorId: requireAuthenticator(),
        credential: credential as never,
      });
    },
    async setUserVerified(verified) {
      await cdp.send('WebAuthn.setUserVerified', {
        authenticatorId: requireAuthenticator(),
        isUserVerified: verified,
      });
    },
    async close() {
      await context.close();
    },
  };
}

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'screenshots');

/**
 * Saves the page as it is now in light and dark, at desktop and phone width, as
 * test-results/screenshots/<name>-<scheme>-<device>.png, then restores light + desktop. Also
 * checks that the phone layout does not scroll sideways.
 */
export async function screenshotStates(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const original = page.viewportSize() ?? DESKTOP;
  for (const [device, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await page.screenshot({
        path: join(SCREENSHOT_DIR, `${name}-${colorScheme}-${device}.png`),
        fullPage: true,
        // The blinking caret would make screenshots differ from run to run.
        caret: 'hide',
        animations: 'disabled',
      });
    }
    if (device === 'phone') {
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      if (overflow > 0)
        throw new Error(`${name}: the phone layout scrolls sideways by ${overflow}px`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(original);
}

/** CDP ids are standard base64; WebAuthn JSON and the server use base64url. */
export function base64ToBase64Url(value: string): string {
  return Buffer.from(value, 'base64').toString('base64url');
}

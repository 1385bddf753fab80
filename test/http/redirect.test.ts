// `GET /?redirect_to=`: the hosted page sends the user back to the app after signing in, but only
// to URLs under PASSKI_REDIRECT_URLS. Anything else must not become an open redirect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedRedirect } from '../../packages/server/src/pages/redirect.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

interface Page {
  status: number;
  html: string;
  /** The data-redirect-to attribute on <main>, unescaped, or null. */
  redirectTo: string | null;
  location: string | null;
  csp: string | null;
}

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

async function loadPage(server: TestServer, redirectTo: string | null): Promise<Page> {
  const query = redirectTo === null ? '' : `?redirect_to=${encodeURIComponent(redirectTo)}`;
  const res = await fetch(`${server.url}/${query}`, { redirect: 'manual' });
  const html = await res.text();
  const raw = /<main [^>]*data-redirect-to="([^"]*)"/.exec(html)?.[1];
  return {
    status: res.status,
    html,
    redirectTo:
      raw === undefined ? null : raw.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e] ?? e),
    location: res.headers.get('location'),
    csp: res.headers.get('content-security-policy'),
  };
}

describe('hosted page redirect_to', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        PASSKI_REDIRECT_URLS:
          'https://app.example/return,https://other.example/,https://slash.example/app/',
      },
    });
  });
  afterAll(async () => server?.close());

  it('renders the plain page without redirect_to', async () => {
    const page = await loadPage(server, null);
    expect(page.status).toBe(200);
    expect(page.redirectTo).toBeNull();
    expect(page.html).not.toContain('return-link');
  });

  it.each([
    ['the prefix itself', 'https://app.example/return', 'https://app.example/return'],
    ['a deeper path', 'https://app.example/return/deep/er', 'https://app.example/return/deep/er'],
    [
      'a query and fragment',
      'https://app.example/return?next=/a#top',
      'https://app.example/return?next=/a#top',
    ],
    ['any path of a prefix with path /', 'https://other.example/x/y', 'https://other.example/x/y'],
    ['an upper-case host', 'https://APP.Example/return', 'https://app.example/return'],
    [
      'the default port spelled out',
      'https://app.example:443/return',
      'https://app.example/return',
    ],
    [
      'dot segments that stay under the prefix',
      'https://app.example/return/a/../b',
      'https://app.example/return/b',
    ],
    [
      'a backslash, which browsers read as a slash',
      'https://app.example\\return',
      'https://app.example/return',
    ],
    [
      'a prefix ending in / and a path under it',
      'https://slash.example/app/home',
      'https://slash.example/app/home',
    ],
  ])('allows %s', async (_, candidate, expected) => {
    const page = await loadPage(server, candidate);
    expect(page.status).toBe(200);
    // What was checked is what the page navigates to: the parser's serialisation.
    expect(page.redirectTo).toBe(expected);
    expect(page.html).toContain('id="return-link"');
    // Rendered into the page for its script, never as an HTTP redirect.
    expect(page.location).toBeNull();
  });

  it.each([
    ['another site', 'https://evil.example/return'],
    ['a sibling path sharing the prefix text', 'https://app.example/returnx'],
    ['the origin outside the prefix path', 'https://app.example/'],
    ['dot segments that climb out of the prefix', 'https://app.example/return/../admin'],
    ['encoded dot segments', 'https://app.example/return/%2e%2E/admin'],
    ['http instead of https', 'http://app.example/return'],
    ['another port', 'https://app.example:8443/return'],
    ['a protocol-relative URL', '//evil.example/return'],
    ['a protocol-relative URL with backslashes', '\\\\evil.example/return'],
    ['a relative path', '/return'],
    ['javascript:', 'javascript:alert(document.domain)'],
    [
      'javascript: in mixed case with the prefix in a comment',
      'JaVaScRiPt:alert(1)//https://app.example/return',
    ],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['a look-alike host', 'https://app.example.evil.example/return'],
    ['userinfo that hides the real host', 'https://app.example@evil.example/return'],
    ['userinfo on the allowed host', 'https://evil@app.example/return'],
    ['a backslash that makes the host evil', 'https:\\\\evil.example/return'],
    ['a newline inside the URL', 'https://app.example/ret\nurn'],
    ['a tab inside the scheme', 'ja\tvascript:alert(1)'],
    ['a prefix ending in / without the slash', 'https://slash.example/app'],
    ['an empty value', ''],
    ['an overlong value', `https://app.example/return/${'a'.repeat(3000)}`],
  ])('refuses %s', async (_, candidate) => {
    const page = await loadPage(server, candidate);
    // The page still works, as if there were no redirect_to.
    expect(page.status).toBe(200);
    expect(page.redirectTo).toBeNull();
    expect(page.html).not.toContain('return-link');
    expect(page.html).not.toContain('evil.example');
    expect(page.location).toBeNull();
  });

  it('escapes the URL in the attribute and the link, and keeps the strict CSP', async () => {
    const candidate = `https://app.example/return?a=1&b="><script>alert(1)</script>&c='x'`;
    const page = await loadPage(server, candidate);
    expect(page.redirectTo).toBe(new URL(candidate).href);
    expect(page.html).not.toMatch(/<script>alert/);
    expect(page.html).toContain('data-redirect-to="https://app.example/return?a=1&amp;b=');
    expect(page.html).toContain('href="https://app.example/return?a=1&amp;b=');
    expect(page.csp).toContain("script-src 'self'");
  });

  it('uses the first redirect_to when there are several', async () => {
    const res = await fetch(
      `${server.url}/?redirect_to=${encodeURIComponent('https://evil.example/')}&redirect_to=${encodeURIComponent('https://app.example/return')}`,
    );
    expect(await res.text()).not.toContain('data-redirect-to');
  });
});

describe('redirect_to with the default PASSKI_REDIRECT_URLS', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      env: { PASSKI_ORIGINS: 'http://localhost:1,http://app.localhost:3000' },
    });
  });
  afterAll(async () => server?.close());

  it('allows the configured origins (PASSKI_ORIGINS) and nothing else', async () => {
    expect((await loadPage(server, 'http://app.localhost:3000/after/sign-in')).redirectTo).toBe(
      'http://app.localhost:3000/after/sign-in',
    );
    expect((await loadPage(server, 'http://localhost:1/x')).redirectTo).toBe(
      'http://localhost:1/x',
    );
    expect((await loadPage(server, 'http://localhost:2/x')).redirectTo).toBeNull();
  });
});

describe('allowedRedirect', () => {
  it('compares parsed URLs, path prefixes at a segment boundary', () => {
    const prefixes = ['https://a.example/app', 'not a url'];
    expect(allowedRedirect('https://a.example/app', prefixes)).toBe('https://a.example/app');
    expect(allowedRedirect('https://a.example/app?x', prefixes)).toBe('https://a.example/app?x');
    expect(allowedRedirect('https://a.example/app/', prefixes)).toBe('https://a.example/app/');
    expect(allowedRedirect('https://a.example/apple', prefixes)).toBeNull();
    expect(allowedRedirect(undefined, prefixes)).toBeNull();
    expect(allowedRedirect('https://a.example/app', [])).toBeNull();
    expect(allowedRedirect('ftp://a.example/app', ['ftp://a.example/'])).toBeNull();
  });
});

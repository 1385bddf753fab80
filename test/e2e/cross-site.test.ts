import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { api } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { describeWithBrowser } from './browser.js';

/**
 * Checklist S07 and M10 in a real browser: a page on another site (http://127.0.0.1:PORT is a
 * different site from http://localhost:PORT) tries a cross-site form post and credentialed fetches
 * against Passki while the user is signed in. Nothing may change and nothing may be read.
 */
describeWithBrowser('cross-site attacks in the browser', (browser) => {
  let server: TestServer;
  let evil: Server;
  let evilOrigin = '';
  let token = '';
  let adminKey = '';

  beforeAll(async () => {
    server = await startTestServer();
    adminKey = await server.adminKey();
    const auth = new SoftAuthenticator({ origin: server.url });
    const client = api(server);
    const options = (await client.post('/v1/sign-up/options', { username: 'victim' })).body.options;
    token = (await client.post('/v1/sign-up/verify', { response: auth.register(options) }))
      .sessionToken as string;
    evil = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><html><body>
        <form id="f" method="POST" action="${server.url}/v1/sign-out" enctype="text/plain">
          <input name='{"x":"' value='"}'>
        </form>
        <form id="g" method="POST" action="${server.url}/v1/me/sessions" enctype="application/x-www-form-urlencoded">
          <input name="_method" value="DELETE">
        </form>
      </body></html>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const address = evil.address();
    evilOrigin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    evil?.close();
    await server?.close();
  });

  it('S07: a cross-site form post cannot sign the user out or end sessions', async () => {
    const context = await browser().newContext();
    try {
      await context.addCookies([
        { name: 'passki_session', value: token, url: server.url, httpOnly: true, sameSite: 'Lax' },
      ]);
      const page = await context.newPage();
      await page.goto(`${evilOrigin}/`);
      for (const form of ['#f', '#g']) {
        // Wait for the form's own navigation to Passki's answer before going back.
        await Promise.all([
          page.waitForURL((url) => url.toString().startsWith(server.url)),
          page.evaluate((id) => (document.querySelector(id) as HTMLFormElement).submit(), form),
        ]);
        await page.goto(`${evilOrigin}/`);
      }
      // The session is intact.
      expect((await api(server).get('/v1/session', { cookie: token })).status).toBe(200);
    } finally {
      await context.close();
    }
  });

  it('M10: a page on another origin cannot read the account or the admin API with credentials', async () => {
    const context = await browser().newContext();
    try {
      await context.addCookies([
        { name: 'passki_session', value: token, url: server.url, httpOnly: true, sameSite: 'Lax' },
      ]);
      const page = await context.newPage();
      await page.goto(`${evilOrigin}/`);
      const outcomes = await page.evaluate(
        async ({ base, key }) => {
          const attempt = async (path: string, init: RequestInit) => {
            try {
              const res = await fetch(`${base}${path}`, { credentials: 'include', ...init });
              return `read ${res.status}`;
            } catch {
              return 'blocked';
            }
          };
          return [
            await attempt('/v1/session', {}),
            await attempt('/v1/me/passkeys', {}),
            await attempt('/v1/admin/users', { headers: { authorization: `Bearer ${key}` } }),
            await attempt('/v1/me/sessions', { method: 'DELETE' }),
          ];
        },
        { base: server.url, key: adminKey },
      );
      // CORS answers only the configured origins: the browser refuses to hand any response over.
      expect(outcomes).toEqual(['blocked', 'blocked', 'blocked', 'blocked']);
      expect((await api(server).get('/v1/session', { cookie: token })).status).toBe(200);
    } finally {
      await context.close();
    }
  });
});

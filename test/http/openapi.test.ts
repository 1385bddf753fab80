import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  creationOptionsView,
  errorView,
  requestOptionsView,
  signedInView,
} from '../../packages/server/src/http/schemas.js';
import { api } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

let server: TestServer;
let client: ReturnType<typeof api>;
// biome-ignore lint/suspicious/noExplicitAny: the document is inspected loosely.
let doc: any;

beforeAll(async () => {
  server = await startTestServer();
  client = api(server);
  doc = (await client.get('/openapi.json')).body;
});
afterAll(async () => server.close());

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 and documents every route the server answers', () => {
    expect(doc.openapi).toBe('3.1.0');
    const mounted = server.app.routes.filter((r) => r.method !== 'ALL');
    expect(mounted.length).toBeGreaterThan(5);
    for (const route of mounted) {
      const path = route.path.replace(/:(\w+)/g, '{$1}');
      expect(
        doc.paths[path]?.[route.method.toLowerCase()],
        `${route.method} ${path}`,
      ).toBeDefined();
    }
  });

  it('documents only routes the server answers', async () => {
    for (const [path, methods] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(methods)) {
        const concrete = path.replace(/\{\w+\}/g, 'x');
        const res = await client.call(
          method.toUpperCase(),
          concrete,
          method === 'get' ? {} : { body: {} },
        );
        expect(res.body?.error?.message ?? '', `${method} ${path}`).not.toBe(
          'There is nothing at this address.',
        );
      }
    }
  });

  it('matches the shapes the running server returns', async () => {
    const auth = new SoftAuthenticator({ origin: server.url });
    const up = await client.post('/v1/sign-up/options', { username: 'openapi-shape' });
    creationOptionsView.parse(up.body);
    const verified = await client.post('/v1/sign-up/verify', {
      response: auth.register(up.body.options),
    });
    signedInView.strict().parse(verified.body);
    const inOptions = await client.post('/v1/sign-in/options', {});
    requestOptionsView.parse(inOptions.body);
    signedInView.parse(
      (await client.get('/v1/session', { cookie: verified.sessionToken as string })).body,
    );
    errorView.parse((await client.get('/v1/session')).body);
    expect(
      doc.paths['/v1/sign-up/options'].post.requestBody.content['application/json'].schema
        .properties.username.type,
    ).toBe('string');
  });
});

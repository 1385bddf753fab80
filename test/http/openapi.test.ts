import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../packages/server/src/config/config.js';
import { createApp } from '../../packages/server/src/http/app.js';
import type { AppDeps } from '../../packages/server/src/http/context.js';
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

  it('describes the CORS preflight the server answers on every path', () => {
    // The headers named here are the ones integration.test.ts checks a preflight for.
    const description = doc.info.description as string;
    expect(description).toMatch(/`OPTIONS` on any path answers 204/);
    for (const value of ['`GET, POST, PATCH, DELETE`', '`content-type`', '`600`', '`true`'])
      expect(description).toContain(value);
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

/** The parts of an OpenAPI operation the checks below read. */
interface Operation {
  security?: Record<string, string[]>[];
  requestBody?: unknown;
  parameters?: { name: string; in: string }[];
}

/** The errors the HTTP layer itself answers, each with the one code it carries. */
const LAYER_CODES: Record<number, string[]> = {
  400: ['invalid_request'],
  401: ['invalid_api_key', 'unauthenticated'],
  403: ['forbidden_origin'],
  413: ['payload_too_large'],
  415: ['unsupported_media_type'],
  429: ['rate_limited'],
};

function expectDocumented(
  doc: {
    paths: Record<string, Record<string, { responses?: Record<string, { description: string }> }>>;
  },
  method: string,
  path: string,
  status: number,
  code: string,
): void {
  const responses: Record<string, { description: string }> =
    doc.paths[path]?.[method]?.responses ?? {};
  const where = `${method.toUpperCase()} ${path} answers ${status} ${code}`;
  const documented = responses[status];
  expect(documented, `${where}, undocumented`).toBeDefined();
  if (LAYER_CODES[status]?.includes(code))
    expect(documented?.description, `${where}, code not named`).toContain(`\`${code}\``);
}

describe('OpenAPI document: error statuses', () => {
  /**
   * From each route's declaration (what it authenticates, validates and limits), the statuses
   * the document must list. Written out here, apart from `openapi.ts`, so each check is stated
   * twice: once where it is enforced, once here.
   */
  it('lists, for every route, the errors its declaration implies', () => {
    const config = loadConfig({
      PASSKI_PORT: '1',
      PASSKI_ORIGINS: 'http://localhost:1',
      PASSKI_DATABASE_URL: 'sqlite::memory:',
    });
    // Only the declarations are read; no handler runs, so nothing else is needed.
    const deps = {
      config,
      logger: pino({ level: 'silent' }),
      publicDir: null,
    } as unknown as AppDeps;
    const { routes } = createApp(deps);
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes) {
      const expected: [number, string][] = [];
      if (route.body !== undefined)
        expected.push(
          [400, 'invalid_request'],
          [413, 'payload_too_large'],
          [415, 'unsupported_media_type'],
        );
      if (route.query !== undefined) expected.push([400, 'invalid_request']);
      if (route.auth === 'apiKey') expected.push([401, 'invalid_api_key']);
      if (route.auth === 'session') expected.push([401, 'unauthenticated']);
      if (route.method !== 'get') expected.push([403, 'forbidden_origin']);
      if (
        route.method !== 'get' &&
        route.path.startsWith('/v1/') &&
        !route.path.startsWith('/v1/admin')
      )
        expected.push([429, 'rate_limited']);
      for (const [status, code] of expected)
        expectDocumented(doc, route.method, route.path, status, code);
    }
  });

  /**
   * The running server, provoked into each error the HTTP layer can answer on every documented
   * route; any answer the document does not list fails.
   */
  it('lists every error the running server answers', async () => {
    const adminKey = await server.adminKey();
    const auth = new SoftAuthenticator({ origin: server.url });
    const options = (await client.post('/v1/sign-up/options', { username: 'openapi-errors' })).body
      .options;
    const cookie = (await client.post('/v1/sign-up/verify', { response: auth.register(options) }))
      .sessionToken as string;
    let checked = 0;
    for (const [path, methods] of Object.entries<Record<string, Operation>>(doc.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const [method, op] of Object.entries(methods)) {
        const concrete = path.replace(/\{\w+\}/g, 'x');
        const credentials = {
          ...(op.security?.[0]?.adminApiKey
            ? { headers: { authorization: `Bearer ${adminKey}` } }
            : {}),
          ...(op.security?.[0]?.sessionCookie && path !== '/v1/sign-out' ? { cookie } : {}),
        };
        const answers = [
          // No credentials at all.
          await client.call(method.toUpperCase(), concrete, method === 'get' ? {} : { body: {} }),
          // A foreign Origin.
          await client.call(method.toUpperCase(), concrete, {
            ...credentials,
            ...(method === 'get' ? {} : { body: {} }),
            origin: 'https://evil.example',
          }),
        ];
        if (op.requestBody !== undefined) {
          for (const call of [
            { raw: 'a=b', contentType: 'application/x-www-form-urlencoded' },
            { raw: JSON.stringify({ pad: 'a'.repeat(70_000) }) },
            { raw: '[]' },
          ])
            answers.push(
              await client.call(method.toUpperCase(), concrete, { ...credentials, ...call }),
            );
        }
        for (const param of op.parameters ?? []) {
          if (param.in !== 'query') continue;
          answers.push(
            await client.call(method.toUpperCase(), `${concrete}?${param.name}=%00`, credentials),
          );
        }
        for (const res of answers) {
          if (res.status >= 400 && res.status < 500) {
            expectDocumented(doc, method, path, res.status, res.body.error.code);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('lists 429 wherever the running server rate-limits', async () => {
    const limited = await startTestServer({
      env: { PASSKI_RATE_LIMITS: 'on', PASSKI_RATE_LIMIT_IP: '1/1m' },
    });
    const limitedClient = api(limited);
    try {
      const seen: string[] = [];
      for (const [path, methods] of Object.entries<Record<string, unknown>>(doc.paths)) {
        for (const method of Object.keys(methods)) {
          const concrete = path.replace(/\{\w+\}/g, 'x');
          for (let i = 0; i < 2; i++) {
            const res = await limitedClient.call(
              method.toUpperCase(),
              concrete,
              method === 'get' ? {} : { body: {} },
            );
            if (res.status === 429) {
              expectDocumented(doc, method, path, 429, res.body.error.code);
              seen.push(`${method} ${path}`);
            }
          }
        }
      }
      expect(seen).toContain('post /v1/sign-in/options');
      expect(seen).toContain('delete /v1/me/sessions/{id}');
    } finally {
      await limited.close();
    }
  });
});

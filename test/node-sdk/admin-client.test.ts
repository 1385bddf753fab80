import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdminClient,
  type AdminUser,
  createAdminClient,
  createVerifier,
  PasskiAdminError,
} from '../../packages/node/src/index.js';
import { api } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { mintToken, uniqueName } from './helpers.js';

let server: TestServer;
let admin: AdminClient;

beforeAll(async () => {
  server = await startTestServer();
  admin = createAdminClient({ baseUrl: server.url, apiKey: await server.adminKey() });
});
afterAll(async () => server.close());

/** Asserts the promise rejects with a PasskiAdminError, and returns it. */
async function adminError(promise: Promise<unknown>): Promise<PasskiAdminError> {
  const err = await promise.then(
    () => expect.fail('expected the admin API to refuse'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PasskiAdminError);
  return err as PasskiAdminError;
}

describe('admin client, end to end', () => {
  it('creates, gets, updates, disables, enables and deletes a user', async () => {
    const username = uniqueName('adm');
    const user = await admin.createUser({
      username,
      displayName: 'Ada Lovelace',
      externalId: `ext-${username}`,
      publicMetadata: { plan: 'pro' },
      privateMetadata: { stripe: 'cus_1' },
    });
    expect(user).toMatchObject({
      username,
      displayName: 'Ada Lovelace',
      externalId: `ext-${username}`,
      disabledAt: null,
      publicMetadata: { plan: 'pro' },
      privateMetadata: { stripe: 'cus_1' },
    });
    expect(await admin.getUser(user.id)).toEqual(user);

    const updated = await admin.updateUser(user.id, {
      displayName: 'Countess',
      publicMetadata: { plan: 'team' },
    });
    expect(updated).toMatchObject({ id: user.id, displayName: 'Countess' });
    expect(updated.publicMetadata).toEqual({ plan: 'team' });

    const disabled = await admin.disableUser(user.id);
    expect(disabled.disabledAt).toEqual(expect.any(String));
    expect((await adminError(admin.createSignInToken(user.id))).code).toBe('user_disabled');
    expect((await admin.enableUser(user.id)).disabledAt).toBeNull();

    await admin.deleteUser(user.id);
    const gone = await adminError(admin.getUser(user.id));
    expect(gone).toMatchObject({ code: 'not_found', status: 404 });
    expect(gone.requestId).toEqual(expect.any(String));
  });

  it('lists users page by page, iterates over every page, and finds by externalId', async () => {
    const created: AdminUser[] = [];
    for (let i = 0; i < 5; i++) {
      const username = uniqueName('page');
      created.push(await admin.createUser({ username, externalId: `x-${username}` }));
    }
    const first = await admin.listUsers({ limit: 2 });
    expect(first.users).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await admin.listUsers({ limit: 2, cursor: first.nextCursor as string });
    expect(second.users.map((u) => u.id)).not.toContain(first.users[0]?.id);

    const all: string[] = [];
    for await (const user of admin.listAllUsers({ limit: 2 })) all.push(user.id);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(await server.store.users.count());
    for (const user of created) expect(all).toContain(user.id);

    const target = created[3] as AdminUser;
    const found = await admin.listUsers({ query: target.externalId as string });
    expect(found.users.map((u) => u.id)).toEqual([target.id]);
    expect(found.nextCursor).toBeNull();
  });

  it('issues a sign-in token redeemed through POST /v1/sign-in/ticket; lists and ends sessions', async () => {
    const user = await admin.createUser({ username: uniqueName('ticket') });
    const issued = await admin.createSignInToken(user.id, { ttlSeconds: 30 });
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(issued.expiresAt)).toBeGreaterThan(Date.now());

    const signedIn = await api(server).post('/v1/sign-in/ticket', { token: issued.token });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.id).toBe(user.id);
    const cookie = signedIn.sessionToken as string;
    // The session's JWT names the same session the admin API lists.
    const claims = await createVerifier({ issuer: server.url, audience: server.url }).verifyToken(
      await mintToken(server, cookie),
    );
    const sessions = await admin.listSessions(user.id);
    expect(sessions.map((s) => s.id)).toEqual([claims.sessionId]);

    await admin.revokeSession(user.id, claims.sessionId);
    expect(await admin.listSessions(user.id)).toEqual([]);
    expect((await api(server).get('/v1/session', { cookie })).status).toBe(401);
    expect((await adminError(admin.revokeSession(user.id, claims.sessionId))).status).toBe(404);

    for (let i = 0; i < 2; i++) {
      const again = await admin.createSignInToken(user.id);
      expect((await api(server).post('/v1/sign-in/ticket', { token: again.token })).status).toBe(
        200,
      );
    }
    expect(await admin.revokeSessions(user.id)).toEqual({ ended: 2 });
    expect(await admin.listSessions(user.id)).toEqual([]);

    // The audit log saw all of it, newest first.
    const page = await admin.listAuditEvents({ userId: user.id, limit: 500 });
    const types = page.events.map((e) => e.type);
    expect(types.filter((t) => t === 'sign_in')).toHaveLength(3);
    expect(types.filter((t) => t === 'admin_sessions_revoked')).toHaveLength(2);
    expect(page.events.every((e) => e.userId === user.id)).toBe(true);
    const all = [];
    for await (const event of admin.listAllAuditEvents({ userId: user.id, limit: 2 })) {
      all.push(event);
    }
    expect(all).toEqual(page.events);
    const signIns = await admin.listAuditEvents({
      userId: user.id,
      type: 'sign_in',
      since: new Date(Date.now() - 60_000),
    });
    expect(signIns.events).toHaveLength(3);
  });

  it('enrols a passkey with an enrolment token, redeems a sign-in result, deletes the passkey', async () => {
    const username = uniqueName('enrol');
    const user = await admin.createUser({ username, externalId: `app-${username}` });
    const enrollment = await admin.createEnrollmentToken(user.id, { ttlSeconds: 600 });
    const auth = new SoftAuthenticator({ origin: server.url });
    const client = api(server);
    const options = await client.post('/v1/enroll/options', { token: enrollment.token });
    expect(options.status).toBe(200);
    const enrolled = await client.post('/v1/enroll/verify', {
      token: enrollment.token,
      response: auth.register(options.body.options),
    });
    expect(enrolled.status).toBe(200);
    const credentialId = auth.credentials[0]?.idBase64url as string;

    const passkeys = await admin.listPasskeys(user.id);
    expect(passkeys.map((p) => p.id)).toEqual([credentialId]);

    const signIn = (await client.post('/v1/sign-in/options', {})).body.options;
    const verified = await client.post('/v1/sign-in/verify', {
      response: auth.authenticate(signIn),
      result: true,
    });
    expect(verified.status).toBe(200);
    const result = verified.body.signInResult.token as string;
    expect(await admin.redeemSignInResult(result)).toEqual({
      userId: user.id,
      externalId: `app-${username}`,
      username,
      credentialId,
      userVerified: true,
    });
    const twice = await adminError(admin.redeemSignInResult(result));
    expect(twice.code).toBe('invalid_token');

    await admin.deletePasskey(user.id, credentialId);
    expect(await admin.listPasskeys(user.id)).toEqual([]);
    expect((await adminError(admin.deletePasskey(user.id, credentialId))).code).toBe('not_found');
  });

  it('percent-encodes path parameters', async () => {
    const err = await adminError(admin.getUser('../users?x=1'));
    expect(err).toMatchObject({ code: 'not_found', status: 404 });
  });
});

describe('admin client errors', () => {
  it('a wrong API key: PasskiAdminError invalid_api_key, 401', async () => {
    const key = await server.adminKey();
    const wrong = createAdminClient({
      baseUrl: server.url,
      apiKey: `${key.slice(0, key.indexOf('.') + 1)}${'A'.repeat(43)}`,
    });
    const err = await adminError(wrong.listUsers());
    expect(err).toMatchObject({ code: 'invalid_api_key', status: 401 });
    expect(err.message).toEqual(expect.any(String));
    expect(err.requestId).toEqual(expect.any(String));
  });

  it('carries the server code, status and message of a refusal', async () => {
    const username = uniqueName('dup');
    await admin.createUser({ username });
    const taken = await adminError(admin.createUser({ username }));
    expect(taken).toMatchObject({ code: 'username_taken', status: 409 });
    const invalid = await adminError(
      admin.updateUser((await admin.createUser({ username: uniqueName('md') })).id, {
        publicMetadata: { blob: 'x'.repeat(9000) },
      }),
    );
    expect(invalid).toMatchObject({ code: 'invalid_request', status: 400 });
  });

  it('a response that is not Passki JSON: unexpected_response with the status', async () => {
    const proxy = createServer((_req, res) =>
      res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'),
    );
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const behindProxy = createAdminClient({
        baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`,
        apiKey: await server.adminKey(),
      });
      expect(await adminError(behindProxy.getUser('u1'))).toMatchObject({
        code: 'unexpected_response',
        status: 502,
      });
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('a 200 without a JSON object, or a page cursor that does not move: unexpected_response', async () => {
    const apiKey = await server.adminKey();
    const answering = (body: string) =>
      createAdminClient({
        baseUrl: 'http://passki.test',
        apiKey,
        fetch: async () =>
          new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }),
      });
    for (const body of ['', 'null', '[]', '"user"']) {
      expect(await adminError(answering(body).getUser('u1')), body).toMatchObject({
        code: 'unexpected_response',
        status: 200,
      });
    }
    const stuck = answering(JSON.stringify({ users: [], nextCursor: 'same' }));
    const iterate = async (client: typeof stuck): Promise<number> => {
      let users = 0;
      for await (const _user of client.listAllUsers()) users++;
      return users;
    };
    expect(await adminError(iterate(stuck))).toMatchObject({ code: 'unexpected_response' });
    // A cycle (A, B, A) is caught too, not only a cursor repeated at once.
    let page = 0;
    const cycling = createAdminClient({
      baseUrl: 'http://passki.test',
      apiKey,
      fetch: async () => Response.json({ users: [], nextCursor: ['A', 'B'][page++ % 2] as string }),
    });
    expect(await adminError(iterate(cycling))).toMatchObject({ code: 'unexpected_response' });
  });

  it('refuses . and .. as path parameters, which would be resolved as path segments', async () => {
    await expect(admin.deletePasskey('some-user', '..')).rejects.toThrow(TypeError);
    await expect(admin.getUser('.')).rejects.toThrow(TypeError);
  });

  it('refuses bad options with a TypeError at creation', async () => {
    expect(() => createAdminClient({ baseUrl: 'localhost:8787', apiKey: 'pk_a.b' })).toThrow(
      TypeError,
    );
    expect(() => createAdminClient({ baseUrl: server.url, apiKey: 'not-a-key' })).toThrow(
      TypeError,
    );
    await expect(admin.getUser('')).rejects.toBeInstanceOf(TypeError);
  });
});

describe('admin client coverage of the OpenAPI document', () => {
  // Every admin operation the server documents has exactly one client method, and back.
  const METHODS: Record<string, keyof AdminClient> = {
    'post /v1/admin/users': 'createUser',
    'get /v1/admin/users': 'listUsers',
    'get /v1/admin/users/{id}': 'getUser',
    'patch /v1/admin/users/{id}': 'updateUser',
    'delete /v1/admin/users/{id}': 'deleteUser',
    'post /v1/admin/users/{id}/disable': 'disableUser',
    'post /v1/admin/users/{id}/enable': 'enableUser',
    'get /v1/admin/users/{id}/passkeys': 'listPasskeys',
    'delete /v1/admin/users/{id}/passkeys/{credentialId}': 'deletePasskey',
    'get /v1/admin/users/{id}/sessions': 'listSessions',
    'delete /v1/admin/users/{id}/sessions': 'revokeSessions',
    'delete /v1/admin/users/{id}/sessions/{sessionId}': 'revokeSession',
    'post /v1/admin/users/{id}/sign-in-tokens': 'createSignInToken',
    'post /v1/admin/users/{id}/enrollment-tokens': 'createEnrollmentToken',
    'post /v1/admin/sign-in-results/redeem': 'redeemSignInResult',
    'get /v1/admin/audit-events': 'listAuditEvents',
  };

  it('has a method for each documented admin operation', async () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../packages/node/openapi.json', import.meta.url), 'utf8'),
    ) as { paths: Record<string, Record<string, unknown>> };
    const served = (await api(server).get('/openapi.json')).body as typeof committed;
    for (const doc of [committed, served]) {
      const operations = Object.entries(doc.paths)
        .filter(([path]) => path.startsWith('/v1/admin/'))
        .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`));
      expect(operations.sort()).toEqual(Object.keys(METHODS).sort());
    }
    for (const method of Object.values(METHODS)) expect(typeof admin[method]).toBe('function');
  });
});

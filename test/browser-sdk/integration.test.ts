import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as sdk from '../../packages/browser/src/index.js';
import {
  createPasskiClient,
  type FetchFunction,
  type PasskiClient,
} from '../../packages/browser/src/index.js';
import { apiError, failure, fakeAssertion, fakeAttestation, json } from './fakes.js';

// The integration methods (enrolment tokens, sign-in results, sign-in tickets, session JWTs)
// against a scripted fake server. Node has no WebAuthn: navigator.credentials and
// PublicKeyCredential are doubles, just enough for SimpleWebAuthn's control flow. Real ceremonies
// against a real Passki on another origin run in examples/*/test/e2e.test.ts.

interface FakeServer {
  fetch: ReturnType<typeof vi.fn<FetchFunction>>;
  /** "METHOD /path" of every request, in order. */
  calls: string[];
  /** The parsed JSON body of the first request to "METHOD /path". */
  body(route: string): unknown;
}

/** One canned reply per route; unknown routes are 404. */
function fakeServer(routes: Record<string, () => Response>): FakeServer {
  const calls: string[] = [];
  const bodies: Record<string, unknown> = {};
  const fetch = vi.fn<FetchFunction>(async (url, init) => {
    const path = new URL(url, 'https://auth.example.com').pathname;
    const route = `${init.method ?? 'GET'} ${path}`;
    calls.push(route);
    if (!(route in bodies)) {
      bodies[route] = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    }
    const reply = routes[route];
    return reply === undefined ? apiError(404, 'not_found') : reply();
  });
  return { fetch, calls, body: (route) => bodies[route] };
}

const creationOptions = {
  options: {
    challenge: 'Y2hhbGxlbmdl',
    rp: { id: 'localhost', name: 'Passki' },
    user: { id: 'dXNlcg', name: 'ada', displayName: 'Ada' },
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    timeout: 60_000,
  },
};
const requestOptions = {
  options: { challenge: 'Y2hhbGxlbmdl', rpId: 'localhost', timeout: 60_000 },
};
const user = { id: 'u1', username: 'ada', displayName: 'Ada', createdAt: '2025-01-01T00:00:00Z' };
const session = {
  id: 's1',
  kind: 'standard',
  createdAt: '2025-01-01T00:00:00Z',
  expiresAt: '2025-02-01T00:00:00Z',
};
const passkey = {
  id: 'CAkK',
  name: 'Passkey',
  provider: { name: 'Passkey', iconLight: null, iconDark: null },
  aaguid: '00000000-0000-0000-0000-000000000000',
  deviceType: 'singleDevice',
  backupEligible: false,
  backedUp: false,
  transports: ['internal'],
  createdAt: '2025-01-01T00:00:00.000Z',
  lastUsedAt: null,
  current: false,
};
const signInResult = { token: 'sr_one-time', expiresAt: '2025-01-01T00:01:00.000Z' };

const credentials = { create: vi.fn(), get: vi.fn() };
const signalApi = {
  signalUnknownCredential: vi.fn(async () => undefined),
  signalAllAcceptedCredentials: vi.fn(async () => undefined),
  signalCurrentUserDetails: vi.fn(async () => undefined),
};

function client(server: FakeServer): PasskiClient {
  return createPasskiClient({ baseUrl: 'https://auth.example.com', fetch: server.fetch });
}

beforeEach(() => {
  vi.stubGlobal(
    'PublicKeyCredential',
    Object.assign(function PublicKeyCredential() {}, signalApi),
  );
  vi.stubGlobal('navigator', { credentials });
  vi.stubGlobal('location', { hostname: 'localhost' });
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetAllMocks();
});

describe('enrollPasskey', () => {
  it('registers a passkey with the enrolment token and resolves the passkey', async () => {
    const server = fakeServer({
      'POST /v1/enroll/options': () => json(200, creationOptions),
      'POST /v1/enroll/verify': () => json(200, { user, passkey }),
    });
    credentials.create.mockResolvedValue(fakeAttestation());

    const added = await client(server).enrollPasskey('et_token');
    expect(added).toEqual(passkey);
    expect(server.calls).toEqual(['POST /v1/enroll/options', 'POST /v1/enroll/verify']);
    expect(server.body('POST /v1/enroll/options')).toEqual({ token: 'et_token' });
    // The same token finishes the ceremony it started, with the new credential.
    expect(server.body('POST /v1/enroll/verify')).toMatchObject({
      token: 'et_token',
      response: { id: 'CAkK', response: { transports: ['internal'] } },
    });
    expect(server.fetch.mock.calls[0]?.[0]).toBe('https://auth.example.com/v1/enroll/options');
    expect(server.fetch.mock.calls[0]?.[1].credentials).toBe('include');
  });

  it('passes invalid_token through without starting a ceremony', async () => {
    const server = fakeServer({
      'POST /v1/enroll/options': () => apiError(401, 'invalid_token'),
    });
    const error = await failure(client(server).enrollPasskey('used'));
    expect(error.code).toBe('invalid_token');
    expect(error.status).toBe(401);
    expect(credentials.create).not.toHaveBeenCalled();
  });

  it('maps a passkey already on this authenticator to already_registered', async () => {
    const server = fakeServer({ 'POST /v1/enroll/options': () => json(200, creationOptions) });
    credentials.create.mockRejectedValue(new DOMException('excluded', 'InvalidStateError'));
    const error = await failure(client(server).enrollPasskey('et_token'));
    expect(error.code).toBe('already_registered');
    expect(server.calls).toEqual(['POST /v1/enroll/options']);
  });

  it('does not verify after the caller aborted', async () => {
    const server = fakeServer({ 'POST /v1/enroll/options': () => json(200, creationOptions) });
    const controller = new AbortController();
    credentials.create.mockImplementation(async () => {
      controller.abort();
      return fakeAttestation();
    });
    const error = await failure(
      client(server).enrollPasskey('et_token', { signal: controller.signal }),
    );
    expect(error.code).toBe('cancelled');
    expect(server.calls).not.toContain('POST /v1/enroll/verify');
  });

  it('reports user_disabled as a known code', async () => {
    const server = fakeServer({
      'POST /v1/enroll/options': () => apiError(403, 'user_disabled'),
    });
    expect((await failure(client(server).enrollPasskey('et_token'))).code).toBe('user_disabled');
  });
});

describe('signInForResult', () => {
  it('asks for a sign-in result instead of a session and resolves it', async () => {
    const server = fakeServer({
      'POST /v1/sign-in/options': () => json(200, requestOptions),
      'POST /v1/sign-in/verify': () => json(200, { user, signInResult }),
    });
    credentials.get.mockResolvedValue(fakeAssertion());

    const verified = await client(server).signInForResult();
    expect(verified).toEqual({ user, signInResult });
    expect(server.body('POST /v1/sign-in/options')).toEqual({});
    expect(server.body('POST /v1/sign-in/verify')).toMatchObject({
      result: true,
      response: { id: 'AQID' },
    });
    // No Passki session exists, so no account-state signal (it would read /v1/me/passkeys).
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(server.calls).toEqual(['POST /v1/sign-in/options', 'POST /v1/sign-in/verify']);
    expect(signalApi.signalAllAcceptedCredentials).not.toHaveBeenCalled();
  });

  it('takes signIn options: a username limits the passkeys', async () => {
    const server = fakeServer({
      'POST /v1/sign-in/options': () =>
        json(200, {
          options: {
            ...requestOptions.options,
            allowCredentials: [{ id: 'AQID', type: 'public-key' }],
          },
        }),
      'POST /v1/sign-in/verify': () => json(200, { user, signInResult }),
    });
    credentials.get.mockResolvedValue(fakeAssertion());
    await client(server).signInForResult({ username: 'ada' });
    expect(server.body('POST /v1/sign-in/options')).toEqual({ username: 'ada' });
    const getOptions = credentials.get.mock.calls[0]?.[0] as CredentialRequestOptions;
    expect(getOptions.publicKey?.allowCredentials).toHaveLength(1);
  });

  it('rejects a session reply (a server that ignored result: true) with server_error', async () => {
    const server = fakeServer({
      'POST /v1/sign-in/options': () => json(200, requestOptions),
      'POST /v1/sign-in/verify': () => json(200, { user, session }),
    });
    credentials.get.mockResolvedValue(fakeAssertion());
    expect((await failure(client(server).signInForResult())).code).toBe('server_error');
  });

  it('signals an unknown credential on credential_not_found, like signIn', async () => {
    const server = fakeServer({
      'POST /v1/sign-in/options': () => json(200, requestOptions),
      'POST /v1/sign-in/verify': () => apiError(400, 'credential_not_found'),
    });
    credentials.get.mockResolvedValue(fakeAssertion());
    expect((await failure(client(server).signInForResult())).code).toBe('credential_not_found');
    expect(signalApi.signalUnknownCredential).toHaveBeenCalledWith({
      rpId: 'localhost',
      credentialId: 'AQID',
    });
  });

  it('passes user_disabled through', async () => {
    const server = fakeServer({
      'POST /v1/sign-in/options': () => json(200, requestOptions),
      'POST /v1/sign-in/verify': () => apiError(403, 'user_disabled'),
    });
    credentials.get.mockResolvedValue(fakeAssertion());
    const error = await failure(client(server).signInForResult());
    expect(error.code).toBe('user_disabled');
    expect(error.status).toBe(403);
  });
});

describe('redeemSignInTicket', () => {
  it('posts the token and resolves the session', async () => {
    const server = fakeServer({ 'POST /v1/sign-in/ticket': () => json(200, { user, session }) });
    expect(await client(server).redeemSignInTicket('st_ticket')).toEqual({ user, session });
    expect(server.body('POST /v1/sign-in/ticket')).toEqual({ token: 'st_ticket' });
  });

  it('rejects a used or unknown token with invalid_token', async () => {
    const server = fakeServer({
      'POST /v1/sign-in/ticket': () => apiError(401, 'invalid_token'),
    });
    const error = await failure(client(server).redeemSignInTicket('st_used'));
    expect(error.code).toBe('invalid_token');
    expect(error.status).toBe(401);
  });
});

describe('getToken', () => {
  it('resolves the session JWT and its expiry', async () => {
    const server = fakeServer({
      'POST /v1/token': () => json(200, { token: 'a.b.c', expiresAt: '2025-01-01T00:05:00.000Z' }),
    });
    expect(await client(server).getToken()).toEqual({
      token: 'a.b.c',
      expiresAt: '2025-01-01T00:05:00.000Z',
    });
    expect(server.body('POST /v1/token')).toEqual({});
  });

  it('rejects with unauthenticated when signed out, and server_error on a bad reply', async () => {
    const signedOut = fakeServer({ 'POST /v1/token': () => apiError(401, 'unauthenticated') });
    expect((await failure(client(signedOut).getToken())).code).toBe('unauthenticated');
    const broken = fakeServer({ 'POST /v1/token': () => json(200, { jwt: 'a.b.c' }) });
    expect((await failure(client(broken).getToken())).code).toBe('server_error');
  });
});

describe('the error codes of the integration API', () => {
  it.each([
    [403, 'user_disabled'],
    [401, 'invalid_token'],
    [401, 'invalid_api_key'],
    [409, 'external_id_taken'],
  ])('%i %s arrives as its own code, not unknown', async (status, code) => {
    const server = fakeServer({ 'POST /v1/sign-in/ticket': () => apiError(status, code) });
    const error = await failure(client(server).redeemSignInTicket('t'));
    expect(error.code).toBe(code);
    expect(sdk.isPasskiError(error)).toBe(true);
  });
});

describe('the same-origin functions', () => {
  it('are exported next to createPasskiClient and call the page origin', async () => {
    const fetch = vi.fn<FetchFunction>(async () =>
      json(200, { token: 'a.b.c', expiresAt: '2025-01-01T00:05:00.000Z' }),
    );
    vi.stubGlobal('fetch', fetch);
    for (const name of ['enrollPasskey', 'signInForResult', 'redeemSignInTicket', 'getToken']) {
      expect(typeof Reflect.get(sdk, name)).toBe('function');
    }
    await sdk.getToken();
    expect(fetch.mock.calls[0]?.[0]).toBe('/v1/token');
  });
});

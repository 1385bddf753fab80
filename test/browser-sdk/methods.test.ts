import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPasskiClient, type FetchFunction } from '../../packages/browser/src/index.js';
import { failure, json } from './fakes.js';

// Node has no WebAuthn: these tests give it just enough (a PublicKeyCredential constructor and a
// navigator.credentials double) to drive the SDK's control flow. Real ceremonies run in test/e2e.

const user = { id: 'u1', username: 'ada', displayName: 'ada', createdAt: '2025-01-01T00:00:00Z' };
const session = { id: 's1', createdAt: '2025-01-01T00:00:00Z', expiresAt: '2025-02-01T00:00:00Z' };
const creationOptions = {
  challenge: 'Y2hhbGxlbmdl',
  rp: { id: 'localhost', name: 'Passki' },
  user: { id: 'dXNlcg', name: 'ada', displayName: 'ada' },
  pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
  timeout: 60_000,
};

/** A fake server: one canned response per path. */
function fakeServer(
  routes: Record<string, () => Response>,
): ReturnType<typeof vi.fn<FetchFunction>> {
  return vi.fn<FetchFunction>(async (url) => {
    const path = new URL(url, 'https://auth.example.com').pathname;
    const route = routes[path];
    if (!route) return json(404, { error: { code: 'not_found', message: path } });
    return route();
  });
}

const credentials = { create: vi.fn(), get: vi.fn() };

beforeEach(() => {
  vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {});
  vi.stubGlobal('navigator', { credentials });
  vi.stubGlobal('location', { hostname: 'localhost' });
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetAllMocks();
});

describe('the browser SDK methods', () => {
  it('getSession resolves null on 401 and the session otherwise', async () => {
    const signedOut = createPasskiClient({
      fetch: fakeServer({
        '/v1/session': () => json(401, { error: { code: 'unauthenticated', message: 'No.' } }),
      }),
    });
    expect(await signedOut.getSession()).toBeNull();
    const signedIn = createPasskiClient({
      fetch: fakeServer({ '/v1/session': () => json(200, { user, session }) }),
    });
    expect(await signedIn.getSession()).toEqual({ user, session });
  });

  it('getSession rejects with server_error on a reply of the wrong shape', async () => {
    const client = createPasskiClient({
      fetch: fakeServer({ '/v1/session': () => json(200, { hello: 'world' }) }),
    });
    expect((await failure(client.getSession())).code).toBe('server_error');
  });

  it('uses baseUrl for every call', async () => {
    const fetch = fakeServer({ '/v1/sign-out': () => new Response(null, { status: 204 }) });
    await createPasskiClient({ baseUrl: 'https://auth.example.com', fetch }).signOut();
    expect(fetch.mock.calls[0]?.[0]).toBe('https://auth.example.com/v1/sign-out');
  });

  it('signUp maps InvalidStateError from create() to already_registered', async () => {
    const fetch = fakeServer({
      '/v1/sign-up/options': () => json(200, { options: creationOptions }),
    });
    credentials.create.mockRejectedValue(new DOMException('excluded', 'InvalidStateError'));
    const error = await failure(createPasskiClient({ fetch }).signUp('ada'));
    expect(error.code).toBe('already_registered');
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('signUp passes username_taken through without starting a ceremony', async () => {
    const fetch = fakeServer({
      '/v1/sign-up/options': () =>
        json(409, { error: { code: 'username_taken', message: 'Taken.' } }),
    });
    const error = await failure(
      createPasskiClient({ fetch }).signUp('ada', { displayName: 'Ada' }),
    );
    expect(error.code).toBe('username_taken');
    expect(error.status).toBe(409);
    expect(JSON.parse(String(fetch.mock.calls[0]?.[1].body))).toEqual({
      username: 'ada',
      displayName: 'Ada',
    });
    expect(credentials.create).not.toHaveBeenCalled();
  });

  it('signIn with a username whose account has no passkey rejects with no_passkey', async () => {
    const fetch = fakeServer({
      '/v1/sign-in/options': () =>
        json(200, { options: { challenge: 'Y2hhbGxlbmdl', allowCredentials: [] } }),
    });
    const error = await failure(createPasskiClient({ fetch }).signIn({ username: 'ada' }));
    expect(error.code).toBe('no_passkey');
    expect(credentials.get).not.toHaveBeenCalled();
  });

  it('signIn maps NotAllowedError from get() to cancelled', async () => {
    const fetch = fakeServer({
      '/v1/sign-in/options': () =>
        json(200, {
          options: { challenge: 'Y2hhbGxlbmdl', allowCredentials: [], timeout: 60_000 },
        }),
    });
    credentials.get.mockRejectedValue(new DOMException('no', 'NotAllowedError'));
    const error = await failure(createPasskiClient({ fetch }).signIn());
    expect(error.code).toBe('cancelled');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('signIn aborted while fetching options never starts the ceremony', async () => {
    const controller = new AbortController();
    const fetch = vi.fn<FetchFunction>(async () => {
      controller.abort();
      return json(200, { options: { challenge: 'Y2hhbGxlbmdl' } });
    });
    const error = await failure(
      createPasskiClient({ fetch }).signIn({ signal: controller.signal }),
    );
    expect(error.code).toBe('cancelled');
    expect(credentials.get).not.toHaveBeenCalled();
  });

  it('reports not_supported before calling the server when WebAuthn is missing', async () => {
    vi.stubGlobal('PublicKeyCredential', undefined);
    const fetch = fakeServer({});
    const error = await failure(createPasskiClient({ fetch }).signIn());
    expect(error.code).toBe('not_supported');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('reports not_supported for autofill when conditional mediation is unavailable', async () => {
    const fetch = fakeServer({});
    const error = await failure(createPasskiClient({ fetch }).signIn({ autofill: true }));
    expect(error.code).toBe('not_supported');
    expect(fetch).not.toHaveBeenCalled();
  });
});

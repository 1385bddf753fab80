import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createPasskiClient,
  type FetchFunction,
  type PasskiClient,
} from '../../packages/browser/src/index.js';
import { apiError, failure, fakeAssertion, fakeAttestation, json } from './fakes.js';

// The account methods against a scripted fake server. Node has no WebAuthn: navigator.credentials
// and PublicKeyCredential are doubles, just enough for SimpleWebAuthn's control flow. Real
// ceremonies against the real server run in test/e2e/account.test.ts.

type Reply = Response | (() => Response);

interface FakeServer {
  fetch: ReturnType<typeof vi.fn<FetchFunction>>;
  /** "METHOD /path" of every request, in order. */
  calls: string[];
  /** The parsed JSON body of the n-th request to "METHOD /path". */
  body(route: string, n?: number): unknown;
}

const noContent = (): Response => new Response(null, { status: 204 });

/** Each route answers with its replies in turn; the last one repeats. Unknown routes are 404. */
function fakeServer(routes: Record<string, Reply[]>): FakeServer {
  const calls: string[] = [];
  const bodies: Record<string, unknown[]> = {};
  const fetch = vi.fn<FetchFunction>(async (url, init) => {
    const path = new URL(url, 'https://auth.example.com').pathname;
    const route = `${init.method ?? 'GET'} ${decodeURIComponent(path)}`;
    calls.push(route);
    const seen = bodies[route] ?? [];
    seen.push(typeof init.body === 'string' ? JSON.parse(init.body) : undefined);
    bodies[route] = seen;
    const replies = routes[route];
    if (replies === undefined || replies.length === 0) return apiError(404, 'not_found');
    const reply = replies.length > 1 ? replies.shift() : replies[0];
    return typeof reply === 'function' ? reply() : (reply as Response).clone();
  });
  return { fetch, calls, body: (route, n = 0) => bodies[route]?.[n] };
}

const creationOptions = {
  options: {
    challenge: 'Y2hhbGxlbmdl',
    rp: { id: 'localhost', name: 'Passki' },
    user: { id: 'dXNlcg', name: 'ada', displayName: 'Ada' },
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    excludeCredentials: [{ id: 'AQID', type: 'public-key' }],
    timeout: 60_000,
  },
};
const requestOptions = {
  options: {
    challenge: 'Y2hhbGxlbmdl',
    rpId: 'localhost',
    allowCredentials: [{ id: 'AQID', type: 'public-key' }],
    timeout: 60_000,
    userVerification: 'required',
  },
};

function passkey(id: string, name: string): Record<string, unknown> {
  return {
    id,
    name,
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
}

const signals = { rpId: 'localhost', userId: 'dXNlcg', name: 'ada', displayName: 'Ada' };
const user = { id: 'u1', username: 'ada', displayName: 'Ada', createdAt: '2025-01-01T00:00:00Z' };
const session = {
  id: 's1',
  kind: 'standard',
  createdAt: '2025-01-01T00:00:00Z',
  expiresAt: '2025-02-01T00:00:00Z',
};

const credentials = { create: vi.fn(), get: vi.fn() };
const signalApi = {
  signalUnknownCredential: vi.fn(async () => undefined),
  signalAllAcceptedCredentials: vi.fn(async () => undefined),
  signalCurrentUserDetails: vi.fn(async () => undefined),
};

function client(server: FakeServer): PasskiClient {
  return createPasskiClient({ fetch: server.fetch });
}

beforeEach(() => {
  // A constructor with the Signal API's static methods, like Chrome 132+ and Safari 26+.
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

describe('listing', () => {
  it('listPasskeys resolves the passkeys', async () => {
    const server = fakeServer({
      'GET /v1/me/passkeys': [json(200, { passkeys: [passkey('AQID', 'Laptop')], signals })],
    });
    const list = await client(server).listPasskeys();
    expect(list.map((p) => p.name)).toEqual(['Laptop']);
  });

  it('listPasskeys passes recovery_session_limited through', async () => {
    const server = fakeServer({
      'GET /v1/me/passkeys': [apiError(403, 'recovery_session_limited')],
    });
    const error = await failure(client(server).listPasskeys());
    expect(error.code).toBe('recovery_session_limited');
    expect(error.status).toBe(403);
  });

  it('listSessions and recoveryCodesRemaining read their replies', async () => {
    const active = { ...session, lastSeenAt: session.createdAt, userAgent: null };
    const server = fakeServer({
      'GET /v1/me/sessions': [
        json(200, { sessions: [{ ...active, credentialId: null, current: true }] }),
      ],
      'GET /v1/me/recovery-codes': [json(200, { remaining: 7 })],
    });
    const sessions = await client(server).listSessions();
    expect(sessions[0]?.current).toBe(true);
    expect(await client(server).recoveryCodesRemaining()).toBe(7);
  });

  it('rejects replies of the wrong shape with server_error', async () => {
    const server = fakeServer({
      'GET /v1/me/recovery-codes': [json(200, { remaining: 'seven' })],
      'GET /v1/me/sessions': [json(200, { sessions: 'none' })],
    });
    expect((await failure(client(server).recoveryCodesRemaining())).code).toBe('server_error');
    expect((await failure(client(server).listSessions())).code).toBe('server_error');
  });
});

describe('the step-up dance', () => {
  it('addPasskey asks for a passkey on 403 reauthentication_required, then retries once', async () => {
    const server = fakeServer({
      'POST /v1/me/passkeys/options': [
        apiError(403, 'reauthentication_required'),
        json(200, creationOptions),
      ],
      'POST /v1/me/reauth/options': [json(200, requestOptions)],
      'POST /v1/me/reauth/verify': [json(200, { verifiedAt: '2025-01-01T00:00:00.000Z' })],
      'POST /v1/me/passkeys/verify': [json(200, { passkey: passkey('CAkK', 'Passkey') })],
    });
    credentials.get.mockResolvedValue(fakeAssertion());
    credentials.create.mockResolvedValue(fakeAttestation());

    const added = await client(server).addPasskey();
    expect(added.id).toBe('CAkK');
    expect(server.calls).toEqual([
      'POST /v1/me/passkeys/options',
      'POST /v1/me/reauth/options',
      'POST /v1/me/reauth/verify',
      'POST /v1/me/passkeys/options',
      'POST /v1/me/passkeys/verify',
    ]);
    // The step-up sent the assertion; the registration sent the new credential.
    expect(server.body('POST /v1/me/reauth/verify')).toMatchObject({ response: { id: 'AQID' } });
    expect(server.body('POST /v1/me/passkeys/verify')).toMatchObject({
      response: { id: 'CAkK', response: { transports: ['internal'] } },
    });
    // The step-up was limited to the user's own passkeys.
    const getOptions = credentials.get.mock.calls[0]?.[0] as CredentialRequestOptions;
    expect(getOptions.publicKey?.allowCredentials).toHaveLength(1);
  });

  it('retries only once: a second refusal reaches the caller', async () => {
    const server = fakeServer({
      'POST /v1/me/recovery-codes': [apiError(403, 'reauthentication_required')],
      'POST /v1/me/reauth/options': [json(200, requestOptions)],
      'POST /v1/me/reauth/verify': [json(200, { verifiedAt: '2025-01-01T00:00:00.000Z' })],
    });
    credentials.get.mockResolvedValue(fakeAssertion());
    const error = await failure(client(server).createRecoveryCodes());
    expect(error.code).toBe('reauthentication_required');
    expect(server.calls.filter((c) => c === 'POST /v1/me/recovery-codes')).toHaveLength(2);
    expect(credentials.get).toHaveBeenCalledTimes(1);
  });

  it('a dismissed step-up rejects with cancelled and does not retry', async () => {
    const server = fakeServer({
      'DELETE /v1/me/sessions': [apiError(403, 'reauthentication_required')],
      'POST /v1/me/reauth/options': [json(200, requestOptions)],
    });
    credentials.get.mockRejectedValue(new DOMException('no', 'NotAllowedError'));
    const error = await failure(client(server).revokeOtherSessions());
    expect(error.code).toBe('cancelled');
    expect(server.calls).toEqual(['DELETE /v1/me/sessions', 'POST /v1/me/reauth/options']);
  });

  it("the caller's signal cancels the step-up's passkey prompt too", async () => {
    const server = fakeServer({
      'DELETE /v1/me/passkeys/AQID': [apiError(403, 'reauthentication_required')],
      'POST /v1/me/reauth/options': [json(200, requestOptions)],
      'GET /v1/me/passkeys': [json(200, { passkeys: [], signals })],
    });
    // The prompt stays open until its own signal (the SDK's, tied to the caller's) aborts it.
    credentials.get.mockImplementation(
      (options: CredentialRequestOptions) =>
        new Promise((_resolve, reject) => {
          options.signal?.addEventListener('abort', () =>
            reject(new DOMException('aborted', 'AbortError')),
          );
        }),
    );
    const controller = new AbortController();
    const deleting = client(server).deletePasskey('AQID', { signal: controller.signal });
    await vi.waitFor(() => expect(credentials.get).toHaveBeenCalled());
    controller.abort();
    expect((await failure(deleting)).code).toBe('cancelled');
  });

  it('an already aborted signal sends nothing', async () => {
    const server = fakeServer({});
    const controller = new AbortController();
    controller.abort();
    const error = await failure(
      client(server).deletePasskey('AQID', { signal: controller.signal }),
    );
    expect(error.code).toBe('cancelled');
    expect(server.calls).toEqual([]);
  });

  it('each step-up-protected method runs the dance', async () => {
    const stepUp = (route: string, ok: Reply): Record<string, Reply[]> => ({
      [route]: [apiError(403, 'reauthentication_required'), ok],
      'POST /v1/me/reauth/options': [json(200, requestOptions)],
      'POST /v1/me/reauth/verify': [json(200, { verifiedAt: '2025-01-01T00:00:00.000Z' })],
      'GET /v1/me/passkeys': [json(200, { passkeys: [], signals })],
    });
    credentials.get.mockResolvedValue(fakeAssertion());
    const cases: [string, Reply, (c: PasskiClient) => Promise<unknown>][] = [
      ['PATCH /v1/me/passkeys/AQID', noContent, (c) => c.renamePasskey('AQID', 'Work')],
      ['DELETE /v1/me/passkeys/AQID', noContent, (c) => c.deletePasskey('AQID')],
      ['DELETE /v1/me/sessions/s2', noContent, (c) => c.revokeSession('s2')],
      ['DELETE /v1/me/sessions', json(200, { ended: 2 }), (c) => c.revokeOtherSessions()],
      [
        'POST /v1/me/recovery-codes',
        json(200, { codes: ['7KQ2-M9XD-4HPT-ZW3N'] }),
        (c) => c.createRecoveryCodes(),
      ],
    ];
    for (const [route, ok, call] of cases) {
      const server = fakeServer(stepUp(route, ok));
      await call(client(server));
      expect(
        server.calls.filter((c) => c === route),
        route,
      ).toHaveLength(2);
      expect(server.calls, route).toContain('POST /v1/me/reauth/verify');
    }
  });

  it('reauthenticate refuses an empty allowCredentials list instead of asking any passkey', async () => {
    const server = fakeServer({
      'POST /v1/me/reauth/options': [
        json(200, { options: { ...requestOptions.options, allowCredentials: [] } }),
      ],
    });
    const error = await failure(client(server).reauthenticate());
    expect(error.code).toBe('no_passkey');
    expect(credentials.get).not.toHaveBeenCalled();
  });
});

describe('account changes', () => {
  it('addPasskey turns InvalidStateError (already on this authenticator) into already_registered', async () => {
    const server = fakeServer({ 'POST /v1/me/passkeys/options': [json(200, creationOptions)] });
    credentials.create.mockRejectedValue(new DOMException('excluded', 'InvalidStateError'));
    const error = await failure(client(server).addPasskey());
    expect(error.code).toBe('already_registered');
    expect(error.message).toMatch(/already holds a passkey for this account/);
    expect(error.cause).toBeInstanceOf(Error);
    expect(server.calls).toEqual(['POST /v1/me/passkeys/options']);
  });

  it('addPasskey passes passkey_limit_reached through', async () => {
    const server = fakeServer({
      'POST /v1/me/passkeys/options': [apiError(409, 'passkey_limit_reached')],
    });
    expect((await failure(client(server).addPasskey())).code).toBe('passkey_limit_reached');
    expect(credentials.create).not.toHaveBeenCalled();
  });

  it('renamePasskey sends PATCH with the name and an encoded id', async () => {
    const server = fakeServer({
      'PATCH /v1/me/passkeys/a/b': [noContent],
      'GET /v1/me/passkeys': [json(200, { passkeys: [], signals })],
    });
    await client(server).renamePasskey('a/b', 'Work laptop');
    const [url, init] = server.fetch.mock.calls[0] ?? [];
    expect(url).toBe('/v1/me/passkeys/a%2Fb');
    expect(init?.method).toBe('PATCH');
    expect(init?.body).toBe('{"name":"Work laptop"}');
  });

  it('deletePasskey passes last_credential through', async () => {
    const server = fakeServer({
      'GET /v1/me/passkeys': [json(200, { passkeys: [passkey('AQID', 'Laptop')], signals })],
      'DELETE /v1/me/passkeys/AQID': [apiError(409, 'last_credential')],
    });
    const error = await failure(client(server).deletePasskey('AQID'));
    expect(error.code).toBe('last_credential');
    expect(error.status).toBe(409);
  });

  it('revokeOtherSessions resolves how many ended', async () => {
    const server = fakeServer({ 'DELETE /v1/me/sessions': [json(200, { ended: 3 })] });
    expect(await client(server).revokeOtherSessions()).toBe(3);
    expect(server.fetch.mock.calls[0]?.[1].body).toBeUndefined();
  });

  it('createRecoveryCodes resolves the codes', async () => {
    const codes = Array.from({ length: 10 }, (_, i) => `AAAA-BBBB-CCCC-DDD${i}`);
    const server = fakeServer({ 'POST /v1/me/recovery-codes': [json(200, { codes })] });
    expect(await client(server).createRecoveryCodes()).toEqual(codes);
  });

  it('recover posts the username and code and resolves the recovery session', async () => {
    const recovery = { ...session, kind: 'recovery' };
    const server = fakeServer({ 'POST /v1/recover': [json(200, { user, session: recovery })] });
    const result = await client(server).recover('ada', '7kq2 m9xd 4hpt zw3n');
    expect(result.session.kind).toBe('recovery');
    expect(server.body('POST /v1/recover')).toEqual({
      username: 'ada',
      code: '7kq2 m9xd 4hpt zw3n',
    });
  });

  it('recover passes invalid_recovery_code and rate_limited through', async () => {
    const server = fakeServer({
      'POST /v1/recover': [apiError(400, 'invalid_recovery_code'), apiError(429, 'rate_limited')],
    });
    expect((await failure(client(server).recover('ada', 'x'))).code).toBe('invalid_recovery_code');
    expect((await failure(client(server).recover('ada', 'x'))).code).toBe('rate_limited');
  });
});

describe('the WebAuthn Signal API', () => {
  const signInRoutes = (verify: Reply): Record<string, Reply[]> => ({
    'POST /v1/sign-in/options': [json(200, requestOptions)],
    'POST /v1/sign-in/verify': [verify],
    'GET /v1/me/passkeys': [
      json(200, { passkeys: [passkey('AQID', 'Laptop'), passkey('BAUG', 'Phone')], signals }),
    ],
  });

  it('after credential_not_found, signals the unknown credential and rejects', async () => {
    const server = fakeServer(signInRoutes(apiError(400, 'credential_not_found')));
    credentials.get.mockResolvedValue(fakeAssertion());
    const error = await failure(client(server).signIn());
    expect(error.code).toBe('credential_not_found');
    expect(signalApi.signalUnknownCredential).toHaveBeenCalledWith({
      rpId: 'localhost',
      credentialId: 'AQID',
    });
    expect(signalApi.signalAllAcceptedCredentials).not.toHaveBeenCalled();
  });

  it('does not signal an unknown credential for other failures', async () => {
    const server = fakeServer(signInRoutes(apiError(400, 'verification_failed')));
    credentials.get.mockResolvedValue(fakeAssertion());
    expect((await failure(client(server).signIn())).code).toBe('verification_failed');
    expect(signalApi.signalUnknownCredential).not.toHaveBeenCalled();
  });

  it('after sign-in, signals the accepted credentials and the user details', async () => {
    const server = fakeServer(signInRoutes(json(200, { user, session })));
    credentials.get.mockResolvedValue(fakeAssertion());
    await client(server).signIn();
    await vi.waitFor(() => expect(signalApi.signalCurrentUserDetails).toHaveBeenCalled());
    expect(signalApi.signalAllAcceptedCredentials).toHaveBeenCalledWith({
      rpId: 'localhost',
      userId: 'dXNlcg',
      allAcceptedCredentialIds: ['AQID', 'BAUG'],
    });
    expect(signalApi.signalCurrentUserDetails).toHaveBeenCalledWith(signals);
  });

  it('after a delete that ended this session, signals the list as it was minus the deleted one', async () => {
    const server = fakeServer({
      'GET /v1/me/passkeys': [
        json(200, { passkeys: [passkey('AQID', 'Laptop'), passkey('BAUG', 'Phone')], signals }),
        apiError(401, 'unauthenticated'),
      ],
      'DELETE /v1/me/passkeys/AQID': [noContent],
    });
    await client(server).deletePasskey('AQID');
    await vi.waitFor(() => expect(signalApi.signalAllAcceptedCredentials).toHaveBeenCalled());
    expect(signalApi.signalAllAcceptedCredentials).toHaveBeenCalledWith({
      rpId: 'localhost',
      userId: 'dXNlcg',
      allAcceptedCredentialIds: ['BAUG'],
    });
  });

  it('after a rename, signals the current user details', async () => {
    const server = fakeServer({
      'PATCH /v1/me/passkeys/AQID': [noContent],
      'GET /v1/me/passkeys': [json(200, { passkeys: [passkey('AQID', 'Work')], signals })],
    });
    await client(server).renamePasskey('AQID', 'Work');
    await vi.waitFor(() =>
      expect(signalApi.signalCurrentUserDetails).toHaveBeenCalledWith(signals),
    );
  });

  it('works without the Signal API, and swallows a signal that throws', async () => {
    vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {});
    const plain = fakeServer(signInRoutes(apiError(400, 'credential_not_found')));
    credentials.get.mockResolvedValue(fakeAssertion());
    expect((await failure(client(plain).signIn())).code).toBe('credential_not_found');
    // Only the sign-in itself: no list was fetched for signals nobody can send.
    expect(plain.calls).toEqual(['POST /v1/sign-in/options', 'POST /v1/sign-in/verify']);

    vi.stubGlobal(
      'PublicKeyCredential',
      Object.assign(function PublicKeyCredential() {}, signalApi),
    );
    signalApi.signalUnknownCredential.mockRejectedValue(new DOMException('bad', 'SecurityError'));
    signalApi.signalAllAcceptedCredentials.mockRejectedValue(new TypeError('bad id'));
    const throwing = fakeServer(signInRoutes(apiError(400, 'credential_not_found')));
    expect((await failure(client(throwing).signIn())).code).toBe('credential_not_found');
    const ok = fakeServer(signInRoutes(json(200, { user, session })));
    expect((await client(ok).signIn()).user.username).toBe('ada');
    await vi.waitFor(() => expect(signalApi.signalCurrentUserDetails).toHaveBeenCalled());
  });
});

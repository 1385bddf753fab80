import { describe, expect, it, vi } from 'vitest';
import { isPasskiError } from '../../packages/browser/src/errors.js';
import { apiRequest } from '../../packages/browser/src/http.js';
import type { FetchFunction } from '../../packages/browser/src/types.js';
import { failure } from './fakes.js';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

describe('apiRequest', () => {
  it('sends JSON with credentials to baseUrl + path and returns the parsed body', async () => {
    const fetch = vi.fn<FetchFunction>(async () => jsonResponse(200, { ok: 1 }));
    const result = await apiRequest(
      { baseUrl: 'https://auth.example.com/', fetch },
      { method: 'POST', path: '/v1/sign-in/options', body: { username: 'ada' } },
    );
    expect(result).toEqual({ ok: 1 });
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(url).toBe('https://auth.example.com/v1/sign-in/options');
    expect(init?.method).toBe('POST');
    expect(init?.credentials).toBe('include');
    expect(init?.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(init?.body).toBe('{"username":"ada"}');
  });

  it('sends an empty JSON object for a POST without a body, and no body on GET', async () => {
    const fetch = vi.fn<FetchFunction>(async () => new Response(null, { status: 204 }));
    expect(await apiRequest({ baseUrl: '', fetch }, { method: 'POST', path: '/v1/sign-out' })).toBe(
      undefined,
    );
    expect(fetch.mock.calls[0]?.[1].body).toBe('{}');
    await apiRequest({ baseUrl: '', fetch }, { method: 'GET', path: '/v1/session' });
    expect(fetch.mock.calls[1]?.[1].body).toBeUndefined();
    expect(fetch.mock.calls[1]?.[1].credentials).toBe('include');
  });

  it('maps the API error body to its code and keeps the status', async () => {
    const fetch: FetchFunction = async () =>
      jsonResponse(409, { error: { code: 'username_taken', message: 'That username is taken.' } });
    const error = await failure(
      apiRequest({ baseUrl: '', fetch }, { method: 'POST', path: '/v1/sign-up/options' }),
    );
    expect(error.code).toBe('username_taken');
    expect(error.status).toBe(409);
    expect(error.message).toBe('That username is taken.');
    expect(isPasskiError(error)).toBe(true);
  });

  it.each([
    [401, 'unauthenticated'],
    [429, 'rate_limited'],
    [502, 'server_error'],
    [418, 'unknown'],
  ] as const)('maps a non-Passki %i body by status to %s', async (status, code) => {
    const fetch: FetchFunction = async () => new Response('<html>proxy</html>', { status });
    const error = await failure(
      apiRequest({ baseUrl: '', fetch }, { method: 'GET', path: '/v1/session' }),
    );
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
  });

  it('maps a server code this SDK does not know by status', async () => {
    const fetch: FetchFunction = async () =>
      jsonResponse(400, { error: { code: 'brand_new_code', message: 'New.' } });
    const error = await failure(
      apiRequest({ baseUrl: '', fetch }, { method: 'GET', path: '/v1/session' }),
    );
    expect(error.code).toBe('unknown');
    expect(error.status).toBe(400);
  });

  it('maps a fetch TypeError to network and an abort to cancelled', async () => {
    const offline = new TypeError('Failed to fetch');
    const network = await failure(
      apiRequest(
        {
          baseUrl: '',
          fetch: async () => {
            throw offline;
          },
        },
        { method: 'GET', path: '/v1/session' },
      ),
    );
    expect(network.code).toBe('network');
    expect(network.status).toBeUndefined();
    expect(network.cause).toBe(offline);

    const controller = new AbortController();
    controller.abort();
    const aborted = await failure(
      apiRequest(
        { baseUrl: '', fetch: (url, init) => globalThis.fetch(url, init) },
        { method: 'GET', path: 'http://localhost:9/v1/session', signal: controller.signal },
      ),
    );
    expect(aborted.code).toBe('cancelled');

    // fetch rejects with the signal's own reason: a timeout, or any reason the caller gave.
    const hanging: typeof globalThis.fetch = (_url, init) =>
      new Promise((_resolve, reject) => {
        const signal = init?.signal as AbortSignal;
        signal.addEventListener('abort', () => reject(signal.reason));
      });
    const timedOut = await failure(
      apiRequest(
        { baseUrl: '', fetch: hanging },
        { method: 'GET', path: '/v1/session', signal: AbortSignal.timeout(1) },
      ),
    );
    expect(timedOut.code).toBe('timeout');
    const navigating = new AbortController();
    const leaving = apiRequest(
      { baseUrl: '', fetch: hanging },
      { method: 'GET', path: '/v1/session', signal: navigating.signal },
    );
    navigating.abort(new Error('user navigated'));
    expect((await failure(leaving)).code).toBe('cancelled');
    // A fetch that times out by itself (no signal of ours aborted) is a timeout too.
    const selfTimed = await failure(
      apiRequest(
        {
          baseUrl: '',
          fetch: async () => {
            throw new DOMException('took too long', 'TimeoutError');
          },
        },
        { method: 'GET', path: '/v1/session' },
      ),
    );
    expect(selfTimed.code).toBe('timeout');
  });

  it('calls fetch as a plain function, never as a method of the config', async () => {
    let receiver: unknown = 'unset';
    const fetch = function (this: unknown): Promise<Response> {
      receiver = this;
      return Promise.resolve(jsonResponse(200, {}));
    };
    await apiRequest({ baseUrl: '', fetch }, { method: 'GET', path: '/v1/session' });
    expect(receiver).toBeUndefined();
  });
});

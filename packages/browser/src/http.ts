import { isApiErrorCode, PasskiError, type PasskiErrorOptions } from './errors.js';
import type { FetchFunction } from './types.js';

/** Where and how the SDK talks to the Passki API. */
export interface ClientConfig {
  baseUrl: string;
  fetch?: FetchFunction | undefined;
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  signal?: AbortSignal | undefined;
}

/**
 * Calls the Passki API and returns the parsed JSON body (`undefined` for 204). Rejects with a
 * `PasskiError`: the server's own code for API errors, `network` when no response arrived.
 */
export async function apiRequest(config: ClientConfig, request: ApiRequest): Promise<unknown> {
  // Read `fetch` at call time, and call it as a plain function: `window.fetch` throws "Illegal
  // invocation" when called as a method of another object (e.g. `config.fetch(...)`).
  const fetchFn: FetchFunction = config.fetch ?? globalThis.fetch;
  const headers: Record<string, string> = { accept: 'application/json' };
  const init: RequestInit = {
    method: request.method,
    headers,
    // The session cookie must travel when the API is on another origin too.
    credentials: 'include',
    signal: request.signal ?? null,
  };
  if (request.method === 'POST' || request.method === 'PATCH') {
    // Every POST and PATCH carries a JSON body: `application/json` is not a CORS-safelisted content
    // type, so a cross-site form or `no-cors` request cannot imitate this one. (PATCH and DELETE
    // are not safelisted methods either, so cross-origin they always need a preflight.)
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(request.body ?? {});
  }

  let response: Response;
  try {
    response = await fetchFn(joinUrl(config.baseUrl, request.path), init);
  } catch (error) {
    throw fromFetchFailure(error, request.signal);
  }

  if (response.ok) {
    if (response.status === 204) return undefined;
    try {
      return await response.json();
    } catch (error) {
      throw new PasskiError('server_error', 'The server sent a response that is not JSON', {
        status: response.status,
        cause: error,
      });
    }
  }
  throw await fromErrorResponse(response);
}

function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + path;
}

/**
 * `fetch` rejects with a `TypeError` when no response arrived. On abort it rejects with the
 * signal's reason, which is an `AbortError` only when `abort()` was given none: a
 * `TimeoutError` from `AbortSignal.timeout()`, or any reason the caller chose, is an abort too.
 */
function fromFetchFailure(error: unknown, signal: AbortSignal | undefined): PasskiError {
  const timedOut = (value: unknown): boolean =>
    value instanceof Error && value.name === 'TimeoutError';
  if (timedOut(error) && signal?.aborted !== true) {
    return new PasskiError('timeout', 'The request timed out', { cause: error });
  }
  if (signal?.aborted === true || (error instanceof Error && error.name === 'AbortError')) {
    if (timedOut(signal?.reason)) {
      return new PasskiError('timeout', 'The request timed out', { cause: error });
    }
    return new PasskiError('cancelled', 'The request was aborted', { cause: error });
  }
  return new PasskiError('network', 'Could not reach the Passki server', { cause: error });
}

/** Maps `{"error":{"code","message"}}`, or just the status when the body is not ours (a proxy). */
async function fromErrorResponse(response: Response): Promise<PasskiError> {
  const status = response.status;
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const code = error?.code;
  const message =
    typeof error?.message === 'string' ? error.message : `The server answered HTTP ${status}`;
  const options: PasskiErrorOptions = { status, cause: body };
  // RFC 9110 §10.2.3: Retry-After is an HTTP-date or a number of seconds; Passki sends seconds.
  const retryAfter = response.headers.get('retry-after');
  if (retryAfter !== null && /^\d+$/.test(retryAfter.trim())) {
    options.retryAfterSeconds = Number(retryAfter.trim());
  }
  if (isApiErrorCode(code)) return new PasskiError(code, message, options);
  if (status === 401) return new PasskiError('unauthenticated', message, options);
  if (status === 429) return new PasskiError('rate_limited', message, options);
  if (status >= 500) return new PasskiError('server_error', message, options);
  return new PasskiError('unknown', message, options);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

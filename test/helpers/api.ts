import type { TestServer } from './server.js';

export interface ApiResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected loosely.
  body: any;
  headers: Headers;
  /** The session token set by this response, if any. */
  sessionToken: string | undefined;
}

/** A tiny client for a test server: JSON in, JSON out, cookies handled by hand. */
export function api(server: TestServer) {
  const call = async (
    method: string,
    path: string,
    opts: {
      body?: unknown;
      raw?: string;
      cookie?: string;
      origin?: string | null;
      contentType?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<ApiResponse> => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined || opts.raw !== undefined)
      headers['content-type'] = opts.contentType ?? 'application/json';
    if (opts.cookie !== undefined) headers.cookie = `passki_session=${opts.cookie}`;
    if (opts.origin !== null && method !== 'GET') headers.origin = opts.origin ?? server.url;
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers,
      body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text.length > 0 ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('passki_session='));
    const value = cookie?.split(';')[0]?.slice('passki_session='.length);
    return {
      status: res.status,
      body,
      headers: res.headers,
      sessionToken: value && value.length > 0 ? value : undefined,
    };
  };
  return {
    call,
    post: (path: string, body?: unknown, opts: { cookie?: string; origin?: string | null } = {}) =>
      call('POST', path, { ...opts, body: body ?? {} }),
    get: (path: string, opts: { cookie?: string } = {}) => call('GET', path, opts),
  };
}

/** Row counts of everything a ceremony may write, to prove a failure wrote nothing. */
export async function rowCounts(
  server: TestServer,
): Promise<{ users: number; credentials: number; sessions: number }> {
  return {
    users: await server.store.users.count(),
    credentials: await server.store.credentials.count(),
    sessions: await server.store.sessions.count(),
  };
}

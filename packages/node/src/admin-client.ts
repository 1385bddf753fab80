import { PasskiAdminError } from './errors.js';
import type { paths } from './generated/admin-api.js';

// Request and response types come from the server's OpenAPI document (src/generated/, made by
// scripts/generate-admin-types.mjs): a server change that alters them changes these types too.
type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

/** A user as the admin API returns it (with private metadata). */
export type AdminUser = Json<paths['/v1/admin/users/{id}']['get']['responses'][200]>['user'];
export type CreateUserInput = Json<paths['/v1/admin/users']['post']['requestBody']>;
export type UpdateUserInput = Json<paths['/v1/admin/users/{id}']['patch']['requestBody']>;
/** One page of `listUsers()`: pass `nextCursor` back as `cursor` until it is null. */
export type UserPage = Json<paths['/v1/admin/users']['get']['responses'][200]>;
export type AdminPasskey = Json<
  paths['/v1/admin/users/{id}/passkeys']['get']['responses'][200]
>['passkeys'][number];
export type AdminSession = Json<
  paths['/v1/admin/users/{id}/sessions']['get']['responses'][200]
>['sessions'][number];
/** A one-time token, shown once, and when it stops working (ISO 8601). */
export type IssuedToken = Json<
  paths['/v1/admin/users/{id}/sign-in-tokens']['post']['responses'][201]
>;
export type SignInTokenOptions = Json<
  paths['/v1/admin/users/{id}/sign-in-tokens']['post']['requestBody']
>;
export type EnrollmentTokenOptions = Json<
  paths['/v1/admin/users/{id}/enrollment-tokens']['post']['requestBody']
>;
/** One page of `listAuditEvents()`, newest first. */
export type AuditEventPage = Json<paths['/v1/admin/audit-events']['get']['responses'][200]>;
export type AuditEvent = AuditEventPage['events'][number];
/** Who signed in, with which passkey: the answer to `redeemSignInResult()`. */
export type SignInResult = Json<
  paths['/v1/admin/sign-in-results/redeem']['post']['responses'][200]
>;

/** Query of `GET /v1/admin/users`. */
export interface ListUsersQuery {
  /** 1 to 200; the server uses 50 otherwise. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** A username prefix or an exact externalId. */
  query?: string;
}

/** Query of `GET /v1/admin/audit-events`, written by hand for the same reason. */
export interface AuditEventQuery {
  /** 1 to 500; the server uses 100 otherwise. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Only events of this type, e.g. `sign_in`. */
  type?: string;
  userId?: string;
  /** Only events at or after this time. */
  since?: Date;
}

export interface AdminClientOptions {
  /** Where the admin API is served: Passki's URL, or its admin listener (`PASSKI_ADMIN_PORT`). */
  baseUrl: string;
  /** An admin API key, `pk_<id>.<secret>` (`passki keys create-admin`). */
  apiKey: string;
  /** Fetch implementation (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** A call that takes longer is aborted. Default 10 000 ms. */
  timeoutMs?: number;
}

export interface AdminClient {
  createUser(input: CreateUserInput): Promise<AdminUser>;
  getUser(userId: string): Promise<AdminUser>;
  /** One page of users, ordered by id. */
  listUsers(query?: ListUsersQuery): Promise<UserPage>;
  /** Every user, fetching page after page as the loop asks for more. */
  listAllUsers(query?: Omit<ListUsersQuery, 'cursor'>): AsyncGenerator<AdminUser, void, undefined>;
  updateUser(userId: string, input: UpdateUserInput): Promise<AdminUser>;
  /** Deletes the user with its passkeys and sessions. */
  deleteUser(userId: string): Promise<void>;
  /** Ends the user's sessions at once; no sign-in or token until `enableUser()`. */
  disableUser(userId: string): Promise<AdminUser>;
  enableUser(userId: string): Promise<AdminUser>;
  listPasskeys(userId: string): Promise<AdminPasskey[]>;
  /** Deletes one passkey (`credentialId` is its base64url id); the sessions it signed in end. */
  deletePasskey(userId: string, credentialId: string): Promise<void>;
  listSessions(userId: string): Promise<AdminSession[]>;
  /** Ends every session of the user; returns how many ended. */
  revokeSessions(userId: string): Promise<{ ended: number }>;
  revokeSession(userId: string, sessionId: string): Promise<void>;
  /** A one-time sign-in token, redeemed with `POST /v1/sign-in/ticket`. */
  createSignInToken(userId: string, options?: SignInTokenOptions): Promise<IssuedToken>;
  /** A one-time token with which the user registers a passkey without a session (`/v1/enroll/*`). */
  createEnrollmentToken(userId: string, options?: EnrollmentTokenOptions): Promise<IssuedToken>;
  /** Exchanges a one-time sign-in result (a sign-in with `result: true`) for who signed in, once. */
  redeemSignInResult(result: string): Promise<SignInResult>;
  /** One page of the audit log, newest first. */
  listAuditEvents(query?: AuditEventQuery): Promise<AuditEventPage>;
  /** Every matching audit event, newest first, fetching page after page as the loop asks. */
  listAllAuditEvents(
    query?: Omit<AuditEventQuery, 'cursor'>,
  ): AsyncGenerator<AuditEvent, void, undefined>;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type AdminPath = keyof paths;

const API_KEY = /^pk_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * A typed client for Passki's admin API. Every refusal throws `PasskiAdminError` with the
 * server's error code; network failures reject with the fetch implementation's own error.
 *
 * @example
 * const admin = createAdminClient({ baseUrl: 'https://auth.example.com', apiKey });
 * const user = await admin.createUser({ username: 'ada', externalId: 'user_42' });
 * const { token } = await admin.createEnrollmentToken(user.id);
 */
export function createAdminClient(options: AdminClientOptions): AdminClient {
  if (
    typeof options.baseUrl !== 'string' ||
    !URL.canParse(options.baseUrl) ||
    !/^https?:$/.test(new URL(options.baseUrl).protocol)
  ) {
    throw new TypeError('createAdminClient: `baseUrl` must be an http(s) URL');
  }
  if (typeof options.apiKey !== 'string' || !API_KEY.test(options.apiKey)) {
    throw new TypeError('createAdminClient: `apiKey` must be an admin API key, pk_<id>.<secret>');
  }
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const authorization = `Bearer ${options.apiKey}`;

  /**
   * One call: `path` is a path of the OpenAPI document, so a route the server renamed is a type
   * error here; `{name}` segments are filled from `params`, percent-encoded.
   */
  async function call(
    method: Method,
    path: AdminPath,
    opts: { params?: Record<string, string>; query?: URLSearchParams; body?: unknown } = {},
  ): Promise<unknown> {
    const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = opts.params?.[name];
      // `.` and `..` survive percent-encoding and would be resolved as path segments.
      if (typeof value !== 'string' || value.length === 0 || value === '.' || value === '..') {
        throw new TypeError(`${method} ${path}: \`${name}\` must be a non-empty string`);
      }
      return encodeURIComponent(value);
    });
    const search = opts.query?.size ? `?${opts.query}` : '';
    const headers: Record<string, string> = { authorization, accept: 'application/json' };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetchImpl(`${baseUrl}${filled}${search}`, {
      method,
      headers,
      body: opts.body === undefined ? null : JSON.stringify(opts.body),
      // The admin API never redirects; following one would send the key somewhere else.
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status === 204) return undefined;
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text.length === 0 ? undefined : JSON.parse(text);
    } catch (cause) {
      throw new PasskiAdminError(
        {
          code: 'unexpected_response',
          status: res.status,
          message: `${method} ${path} answered ${res.status} with a body that is not JSON.`,
        },
        { cause },
      );
    }
    if (!res.ok) throw adminError(res, parsed, `${method} ${path}`);
    // Every admin answer other than 204 is a JSON object; anything else is not Passki talking.
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new PasskiAdminError({
        code: 'unexpected_response',
        status: res.status,
        message: `${method} ${path} answered ${res.status} without a JSON object.`,
      });
    }
    return parsed;
  }

  /** A page's `nextCursor` must be new; a server that repeats one would loop us forever. */
  function nextCursor(seen: Set<string>, next: string | null, path: AdminPath): string | null {
    if (next === null) return null;
    if (seen.has(next)) {
      throw new PasskiAdminError({
        code: 'unexpected_response',
        status: 200,
        message: `GET ${path} gave a nextCursor it had given before.`,
      });
    }
    seen.add(next);
    return next;
  }

  const client: AdminClient = {
    async createUser(input) {
      const body = (await call('POST', '/v1/admin/users', { body: input })) as {
        user: AdminUser;
      };
      return body.user;
    },
    async getUser(userId) {
      const body = (await call('GET', '/v1/admin/users/{id}', { params: { id: userId } })) as {
        user: AdminUser;
      };
      return body.user;
    },
    async listUsers(query = {}) {
      return (await call('GET', '/v1/admin/users', { query: listQuery(query) })) as UserPage;
    },
    async *listAllUsers(query = {}) {
      const seen = new Set<string>();
      let cursor: string | null = null;
      do {
        const page: UserPage = await client.listUsers({
          ...query,
          ...(cursor === null ? {} : { cursor }),
        });
        yield* page.users;
        cursor = nextCursor(seen, page.nextCursor, '/v1/admin/users');
      } while (cursor !== null);
    },
    async updateUser(userId, input) {
      const body = (await call('PATCH', '/v1/admin/users/{id}', {
        params: { id: userId },
        body: input,
      })) as { user: AdminUser };
      return body.user;
    },
    async deleteUser(userId) {
      await call('DELETE', '/v1/admin/users/{id}', { params: { id: userId } });
    },
    async disableUser(userId) {
      const body = (await call('POST', '/v1/admin/users/{id}/disable', {
        params: { id: userId },
        body: {},
      })) as { user: AdminUser };
      return body.user;
    },
    async enableUser(userId) {
      const body = (await call('POST', '/v1/admin/users/{id}/enable', {
        params: { id: userId },
        body: {},
      })) as { user: AdminUser };
      return body.user;
    },
    async listPasskeys(userId) {
      const body = (await call('GET', '/v1/admin/users/{id}/passkeys', {
        params: { id: userId },
      })) as { passkeys: AdminPasskey[] };
      return body.passkeys;
    },
    async deletePasskey(userId, credentialId) {
      await call('DELETE', '/v1/admin/users/{id}/passkeys/{credentialId}', {
        params: { id: userId, credentialId },
      });
    },
    async listSessions(userId) {
      const body = (await call('GET', '/v1/admin/users/{id}/sessions', {
        params: { id: userId },
      })) as { sessions: AdminSession[] };
      return body.sessions;
    },
    async revokeSessions(userId) {
      return (await call('DELETE', '/v1/admin/users/{id}/sessions', {
        params: { id: userId },
      })) as { ended: number };
    },
    async revokeSession(userId, sessionId) {
      await call('DELETE', '/v1/admin/users/{id}/sessions/{sessionId}', {
        params: { id: userId, sessionId },
      });
    },
    async createSignInToken(userId, tokenOptions = {}) {
      return (await call('POST', '/v1/admin/users/{id}/sign-in-tokens', {
        params: { id: userId },
        body: tokenOptions,
      })) as IssuedToken;
    },
    async createEnrollmentToken(userId, tokenOptions = {}) {
      return (await call('POST', '/v1/admin/users/{id}/enrollment-tokens', {
        params: { id: userId },
        body: tokenOptions,
      })) as IssuedToken;
    },
    async redeemSignInResult(result) {
      return (await call('POST', '/v1/admin/sign-in-results/redeem', {
        body: { result },
      })) as SignInResult;
    },
    async listAuditEvents(query = {}) {
      return (await call('GET', '/v1/admin/audit-events', {
        query: auditQuery(query),
      })) as AuditEventPage;
    },
    async *listAllAuditEvents(query = {}) {
      const seen = new Set<string>();
      let cursor: string | null = null;
      do {
        const page: AuditEventPage = await client.listAuditEvents({
          ...query,
          ...(cursor === null ? {} : { cursor }),
        });
        yield* page.events;
        cursor = nextCursor(seen, page.nextCursor, '/v1/admin/audit-events');
      } while (cursor !== null);
    },
  };
  return client;
}

function listQuery(query: ListUsersQuery): URLSearchParams {
  const search = new URLSearchParams();
  if (query.limit !== undefined) search.set('limit', String(query.limit));
  if (query.cursor !== undefined) search.set('cursor', query.cursor);
  if (query.query !== undefined) search.set('query', query.query);
  return search;
}

function auditQuery(query: AuditEventQuery): URLSearchParams {
  const search = new URLSearchParams();
  if (query.limit !== undefined) search.set('limit', String(query.limit));
  if (query.cursor !== undefined) search.set('cursor', query.cursor);
  if (query.type !== undefined) search.set('type', query.type);
  if (query.userId !== undefined) search.set('userId', query.userId);
  if (query.since !== undefined) search.set('since', query.since.toISOString());
  return search;
}

/** The server's `{"error": {"code", "message", "requestId"}}`, or `unexpected_response`. */
function adminError(res: Response, body: unknown, what: string): PasskiAdminError {
  const error = (body as { error?: unknown } | undefined)?.error as
    | { code?: unknown; message?: unknown; requestId?: unknown }
    | undefined;
  const requestId =
    typeof error?.requestId === 'string'
      ? error.requestId
      : (res.headers.get('x-request-id') ?? undefined);
  if (typeof error?.code === 'string' && typeof error.message === 'string') {
    return new PasskiAdminError({
      code: error.code,
      status: res.status,
      message: error.message,
      requestId,
    });
  }
  return new PasskiAdminError({
    code: 'unexpected_response',
    status: res.status,
    message: `${what} answered ${res.status} without a Passki error body.`,
    requestId,
  });
}

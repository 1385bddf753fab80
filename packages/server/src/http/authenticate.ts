import type { Context } from 'hono';
import { authenticateApiKey } from '../admin/api-keys.js';
import { AuthError } from '../core/errors.js';
import { readSession } from '../sessions/sessions.js';
import type { ApiKeyRecord, SessionRecord, UserRecord } from '../storage/records.js';
import type { AppDeps, AppEnv } from './context.js';
import { readSessionCookie } from './cookies.js';

/**
 * How a route authenticates its caller. `apiKey` and `session` are required and checked before
 * the query or body is read, so an unauthenticated caller gets 401 and its body is never read.
 * `optionalSession` documents a cookie the route reads without requiring it (sign-out).
 */
export type RouteAuth = 'apiKey' | 'session' | 'optionalSession';

/** The checks behind the required kinds: each throws 401 or sets its `c.var` entry. */
export type Authenticators = Record<
  Exclude<RouteAuth, 'optionalSession'>,
  (c: Context<AppEnv>) => Promise<void>
>;

/** Longer than any `Bearer pk_<id>.<secret>`, short enough that parsing it costs nothing. */
const MAX_AUTHORIZATION_LENGTH = 200;

export function createAuthenticators(deps: AppDeps): Authenticators {
  return {
    apiKey: async (c) => {
      const token = bearerToken(c.req.header('authorization'));
      // The key check owns the key format; it is handed the header in its canonical form.
      const key = await authenticateApiKey(deps, token === null ? undefined : `Bearer ${token}`);
      c.set('apiKey', key);
    },
    session: async (c) => {
      const found = await readSession(deps, readSessionCookie(c, deps.config));
      if (found === null) throw new AuthError('unauthenticated', 'You are not signed in.');
      c.set('signedIn', found);
    },
  };
}

/**
 * The token of an `Authorization: Bearer <token>` header, or null. RFC 9110 §11.1: the
 * authentication scheme is "a case-insensitive token", so `bearer` and `BEARER` are accepted;
 * §11.4 separates it from the credentials by `1*SP`.
 */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined || header.length > MAX_AUTHORIZATION_LENGTH) return null;
  const match = /^Bearer +([^\s]+)$/i.exec(header);
  return match === null ? null : (match[1] as string);
}

/** The API key that authenticated this request; only on routes declared `auth: 'apiKey'`. */
export function apiKeyOf(c: Context<AppEnv>): ApiKeyRecord {
  const key = c.get('apiKey');
  if (key === undefined) throw new TypeError(`${c.req.path} is not declared auth: 'apiKey'`);
  return key;
}

/** The signed-in session and user; only on routes declared `auth: 'session'`. */
export function signedInOf(c: Context<AppEnv>): { session: SessionRecord; user: UserRecord } {
  const found = c.get('signedIn');
  if (found === undefined) throw new TypeError(`${c.req.path} is not declared auth: 'session'`);
  return found;
}

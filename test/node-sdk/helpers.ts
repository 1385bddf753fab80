import { type JWTPayload, SignJWT } from 'jose';
import { expect } from 'vitest';
import { PasskiTokenError, type PasskiTokenErrorCode } from '../../packages/node/src/index.js';
import { api } from '../helpers/api.js';
import type { TestServer } from '../helpers/server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

let seq = 0;
export const uniqueName = (prefix = 'sdk'): string => `${prefix}${Date.now().toString(36)}${seq++}`;

export interface Account {
  userId: string;
  username: string;
  /** The Passki session cookie's value. */
  cookie: string;
  auth: SoftAuthenticator;
}

/** Signs a new user up through the public API, the way a browser does. */
export async function signUp(server: TestServer): Promise<Account> {
  const client = api(server);
  const username = uniqueName();
  const auth = new SoftAuthenticator({ origin: server.url });
  const options = (await client.post('/v1/sign-up/options', { username })).body.options;
  const res = await client.post('/v1/sign-up/verify', { response: auth.register(options) });
  expect(res.status).toBe(200);
  return { userId: res.body.user.id, username, cookie: res.sessionToken as string, auth };
}

/** A real session JWT from `POST /v1/token`. */
export async function mintToken(server: TestServer, cookie: string): Promise<string> {
  const res = await api(server).post('/v1/token', {}, { cookie });
  expect(res.status).toBe(200);
  return res.body.token as string;
}

/**
 * A JWT signed with the server's own current signing key, so that only the part a test changes
 * is wrong: the signature is always good.
 */
export async function signWithServerKey(
  server: TestServer,
  payload: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  const { kid, key } = await server.keys.signingKey();
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'passki-session+jwt', ...header })
    .sign(key);
}

/** Claims like the server's, for `nowMs`, which a test then spoils one at a time. */
export function sessionClaims(
  server: TestServer,
  audience: string,
  nowMs: number,
  overrides: JWTPayload = {},
): JWTPayload {
  const iat = Math.floor(nowMs / 1000);
  return {
    iss: server.url,
    aud: audience,
    sub: 'user-1',
    sid: 'session-1',
    username: 'ada',
    amr: ['passkey'],
    iat,
    exp: iat + 300,
    ...overrides,
  };
}

/** Base64url of a JSON value, for tokens assembled by hand. */
export const b64json = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/** Asserts the promise rejects with a PasskiTokenError of this code, and returns it. */
export async function expectTokenError(
  promise: Promise<unknown>,
  code: PasskiTokenErrorCode,
): Promise<PasskiTokenError> {
  const err = await promise.then(
    () => expect.fail(`expected ${code}, but the token verified`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PasskiTokenError);
  const tokenError = err as PasskiTokenError;
  expect(tokenError.code).toBe(code);
  expect(tokenError.status).toBe(code === 'jwks_unavailable' ? 503 : 401);
  // The message is ours, never jose's wording.
  expect(tokenError.message).not.toMatch(/jose|JWS|JWK|claim|Header Parameter|timestamp/i);
  if (tokenError.cause instanceof Error && tokenError.cause.message.length > 0)
    expect(tokenError.message).not.toContain(tokenError.cause.message);
  return tokenError;
}

import type { Context } from 'hono';
import { generateCookie, getCookie } from 'hono/cookie';
import type { Config } from '../config/config.js';
import type { SessionRecord } from '../storage/records.js';
import { nodeResponse } from './context.js';

/**
 * The session cookie: HttpOnly, SameSite=Lax, Path=/, no Domain. Over https it is also Secure and
 * carries the `__Host-` prefix, which makes the browser refuse it from subdomains or plain http.
 */
export function sessionCookieName(config: Config): string {
  return isHttps(config) ? '__Host-passki_session' : 'passki_session';
}

export function isHttps(config: Config): boolean {
  return config.publicUrl.startsWith('https:');
}

export function readSessionCookie(c: Context, config: Config): string | undefined {
  return getCookie(c, sessionCookieName(config));
}

export function setSessionCookie(
  c: Context,
  config: Config,
  token: string,
  session: SessionRecord,
  now: number,
): void {
  const maxAge = Math.max(0, Math.floor((session.expiresAt - now) / 1000));
  appendSetCookie(c, sessionCookie(config, token, maxAge));
}

export function clearSessionCookie(c: Context, config: Config): void {
  appendSetCookie(c, sessionCookie(config, '', 0));
}

/** The one set of attributes the session cookie is set and cleared with. */
function sessionCookie(config: Config, value: string, maxAge: number): string {
  return generateCookie(sessionCookieName(config), value, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: isHttps(config),
    maxAge,
  });
}

/**
 * Set-Cookie goes straight onto Node's response, like the base headers (`baseHeader`): through
 * `c.header` it would make Hono build a Fetch `Headers` for the response. Like them it would also
 * go out with an error response, so every caller sets the cookie only after everything that can
 * fail, just before it answers.
 */
function appendSetCookie(c: Context, cookie: string): void {
  const outgoing = nodeResponse(c);
  if (outgoing === undefined) c.header('Set-Cookie', cookie, { append: true });
  else outgoing.appendHeader('Set-Cookie', cookie);
}

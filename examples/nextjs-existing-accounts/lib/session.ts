// The app's session cookie, on top of the account store. Only server code imports this.
import { cookies, headers } from 'next/headers';
import {
  type AppSession,
  createSession,
  deleteSession,
  readSession,
  SESSION_TTL_MS,
} from './accounts';

/** Not `passki_session`: Passki's cookie is Passki's, and this app never sets or reads it. */
export const SESSION_COOKIE = 'app_session';

/** The signed-in account, or null. */
export async function currentSession(): Promise<AppSession | null> {
  return readSession((await cookies()).get(SESSION_COOKIE)?.value);
}

/** Starts the app's own session (from a server action) and sets its cookie. */
export async function startSession(
  accountId: string,
  method: 'password' | 'passkey',
): Promise<void> {
  const token = createSession(accountId, method);
  (await cookies()).set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: !(await isLoopback()),
    maxAge: SESSION_TTL_MS / 1000,
  });
}

export async function endSession(): Promise<void> {
  const jar = await cookies();
  deleteSession(jar.get(SESSION_COOKIE)?.value);
  jar.delete(SESSION_COOKIE);
}

/** `Secure` everywhere but plain-http loopback, where the example runs by default. */
async function isLoopback(): Promise<boolean> {
  const host = (await headers()).get('host') ?? '';
  return /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(host);
}

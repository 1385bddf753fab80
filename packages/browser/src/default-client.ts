// The top-level functions: the SDK bound to the page's own origin (baseUrl '').
import type { ClientConfig } from './http.js';
import { getSessionWith } from './methods/get-session.js';
import { signInWith } from './methods/sign-in.js';
import { signOutWith } from './methods/sign-out.js';
import { signUpWith } from './methods/sign-up.js';
import type { AuthResult, SignInOptions, SignUpOptions } from './types.js';

const SAME_ORIGIN: ClientConfig = { baseUrl: '' };

/**
 * Creates an account with a new passkey on this device and signs it in.
 *
 * @example
 * const { user } = await signUp('ada', { displayName: 'Ada Lovelace' });
 */
export function signUp(username: string, options?: SignUpOptions): Promise<AuthResult> {
  return signUpWith(SAME_ORIGIN, username, options);
}

/**
 * Signs in with a passkey: `username` limits it to that user's passkeys, `autofill` offers
 * passkeys in the browser's autofill list, and neither lets the user pick any passkey.
 *
 * @example
 * const autofill = new AbortController();
 * signIn({ autofill: true, signal: autofill.signal }).then(showSignedIn, () => {});
 * // later, on a button click:
 * autofill.abort();
 * const { user } = await signIn({ username: 'ada' });
 */
export function signIn(options?: SignInOptions): Promise<AuthResult> {
  return signInWith(SAME_ORIGIN, options);
}

/**
 * Ends the session and clears the session cookie.
 *
 * @example
 * await signOut();
 */
export function signOut(): Promise<void> {
  return signOutWith(SAME_ORIGIN);
}

/**
 * The signed-in user and session, or `null` when signed out.
 *
 * @example
 * const current = await getSession();
 * if (current) greet(current.user.username);
 */
export function getSession(): Promise<AuthResult | null> {
  return getSessionWith(SAME_ORIGIN);
}

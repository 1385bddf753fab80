// The top-level functions: the SDK bound to the page's own origin (baseUrl '').
import type { ClientConfig } from './http.js';
import { addPasskeyWith } from './methods/add-passkey.js';
import { createRecoveryCodesWith } from './methods/create-recovery-codes.js';
import { deletePasskeyWith } from './methods/delete-passkey.js';
import { enrollPasskeyWith } from './methods/enroll-passkey.js';
import { getSessionWith } from './methods/get-session.js';
import { getTokenWith } from './methods/get-token.js';
import { listPasskeysWith } from './methods/list-passkeys.js';
import { listSessionsWith } from './methods/list-sessions.js';
import { reauthenticateWith } from './methods/reauthenticate.js';
import { recoverWith } from './methods/recover.js';
import { recoveryCodesRemainingWith } from './methods/recovery-codes-remaining.js';
import { redeemSignInTicketWith } from './methods/redeem-sign-in-ticket.js';
import { renamePasskeyWith } from './methods/rename-passkey.js';
import { revokeOtherSessionsWith } from './methods/revoke-other-sessions.js';
import { revokeSessionWith } from './methods/revoke-session.js';
import { signInWith } from './methods/sign-in.js';
import { signInForResultWith } from './methods/sign-in-for-result.js';
import { signOutWith } from './methods/sign-out.js';
import { signUpWith } from './methods/sign-up.js';
import type {
  ActiveSession,
  AuthResult,
  CeremonyOptions,
  Passkey,
  SessionToken,
  SignInOptions,
  SignUpOptions,
  VerifiedSignIn,
} from './types.js';

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
 * Signs in with a passkey without creating a Passki session: for apps that keep their own
 * accounts and sessions and use Passki only for passkeys. Takes the same options as `signIn`
 * (`username`, `autofill`, `signal`) and resolves with the user and a one-time sign-in result,
 * which the page sends to its backend; the backend redeems it once with the admin API
 * (`redeemSignInResult` in `@passki/node`) and starts its own session for the user.
 *
 * @example
 * const { signInResult } = await signInForResult();
 * await fetch('/api/passkey-sign-in', {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ result: signInResult.token }),
 * });
 */
export function signInForResult(options?: SignInOptions): Promise<VerifiedSignIn> {
  return signInForResultWith(SAME_ORIGIN, options);
}

/**
 * Signs in with a one-time sign-in token that the app's backend got from the admin API
 * (`createSignInToken` in `@passki/node`), e.g. from a magic link or right after the app's own
 * sign-in. Passki sets its session cookie. Each token works once (`invalid_token` afterwards).
 *
 * @example
 * const token = new URLSearchParams(location.search).get('ticket');
 * if (token) await redeemSignInTicket(token);
 */
export function redeemSignInTicket(token: string): Promise<AuthResult> {
  return redeemSignInTicketWith(SAME_ORIGIN, token);
}

/**
 * Registers a passkey with an enrolment token instead of a Passki session: the app's backend
 * asks the admin API for the token (`createEnrollmentToken` in `@passki/node`) for a user it
 * has signed in itself, and the page hands it here. The token is used up with the new passkey.
 *
 * @example
 * const { token } = await (await fetch('/api/passkeys/enrollment-token', { method: 'POST' })).json();
 * const passkey = await enrollPasskey(token);
 */
export function enrollPasskey(token: string, options?: CeremonyOptions): Promise<Passkey> {
  return enrollPasskeyWith(SAME_ORIGIN, token, options);
}

/**
 * A short-lived session JWT (ES256) for the signed-in user, to send to the app's backend as
 * `Authorization: Bearer ...`; the backend verifies it with `@passki/node`. Ask for a new one
 * when it expires (`expiresAt`) or the backend answers 401.
 *
 * @example
 * const { token } = await getToken();
 * const me = await fetch('/api/me', { headers: { authorization: `Bearer ${token}` } });
 */
export function getToken(): Promise<SessionToken> {
  return getTokenWith(SAME_ORIGIN);
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

/**
 * The signed-in user's passkeys, with their provider's name and icon and which one signed in
 * this session. Not available to a recovery session (`recovery_session_limited`).
 *
 * @example
 * for (const passkey of await listPasskeys()) console.log(passkey.name, passkey.provider.name);
 */
export function listPasskeys(): Promise<Passkey[]> {
  return listPasskeysWith(SAME_ORIGIN);
}

/**
 * Adds a passkey to the signed-in account. When the server wants proof that it is still the
 * user, asks for an existing passkey first, then retries once. Two passkeys cannot live on the
 * same authenticator: trying rejects with `already_registered`.
 *
 * @example
 * try {
 *   const passkey = await addPasskey();
 * } catch (err) {
 *   if (isPasskiError(err) && err.code === 'already_registered') pickAnotherDevice();
 * }
 */
export function addPasskey(options?: CeremonyOptions): Promise<Passkey> {
  return addPasskeyWith(SAME_ORIGIN, options);
}

/**
 * Renames one of the user's passkeys (their own label; the provider name stays as it is).
 *
 * @example
 * await renamePasskey(passkey.id, 'Work laptop');
 */
export function renamePasskey(id: string, name: string, options?: CeremonyOptions): Promise<void> {
  return renamePasskeyWith(SAME_ORIGIN, id, name, options);
}

/**
 * Deletes one of the user's passkeys and ends the sessions it signed in. The last passkey can go
 * only while unused recovery codes remain (`last_credential` otherwise).
 *
 * @example
 * await deletePasskey(passkey.id);
 */
export function deletePasskey(id: string, options?: CeremonyOptions): Promise<void> {
  return deletePasskeyWith(SAME_ORIGIN, id, options);
}

/**
 * The user's active sessions, newest first; `current` marks the one making the request.
 *
 * @example
 * const others = (await listSessions()).filter((session) => !session.current);
 */
export function listSessions(): Promise<ActiveSession[]> {
  return listSessionsWith(SAME_ORIGIN);
}

/**
 * Ends one of the user's sessions at once; ending the current one signs out.
 *
 * @example
 * await revokeSession(session.id);
 */
export function revokeSession(id: string, options?: CeremonyOptions): Promise<void> {
  return revokeSessionWith(SAME_ORIGIN, id, options);
}

/**
 * Ends every other session of the user ("sign out everywhere else") and resolves how many ended.
 *
 * @example
 * const ended = await revokeOtherSessions();
 */
export function revokeOtherSessions(options?: CeremonyOptions): Promise<number> {
  return revokeOtherSessionsWith(SAME_ORIGIN, options);
}

/**
 * Asks for one of the user's passkeys with user verification, so that account changes are
 * allowed for the next few minutes. The other account methods call it by themselves when needed.
 *
 * @example
 * await reauthenticate();
 */
export function reauthenticate(options?: CeremonyOptions): Promise<void> {
  return reauthenticateWith(SAME_ORIGIN, options);
}

/**
 * Creates 10 new single-use recovery codes, to show once; the previous set stops working.
 *
 * @example
 * const codes = await createRecoveryCodes();
 */
export function createRecoveryCodes(options?: CeremonyOptions): Promise<string[]> {
  return createRecoveryCodesWith(SAME_ORIGIN, options);
}

/**
 * How many of the user's recovery codes are unused.
 *
 * @example
 * if ((await recoveryCodesRemaining()) < 3) suggestNewCodes();
 */
export function recoveryCodesRemaining(): Promise<number> {
  return recoveryCodesRemainingWith(SAME_ORIGIN);
}

/**
 * Signs in with a recovery code when no passkey is at hand. The session is a recovery session
 * (`session.kind === 'recovery'`) that may only add a passkey and create new recovery codes.
 *
 * @example
 * const { session } = await recover('ada', '7KQ2-M9XD-4HPT-ZW3N');
 * if (session.kind === 'recovery') await addPasskey();
 */
export function recover(username: string, code: string): Promise<AuthResult> {
  return recoverWith(SAME_ORIGIN, username, code);
}

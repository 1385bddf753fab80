// The top-level functions: the SDK bound to the page's own origin (baseUrl '').
import type { ClientConfig } from './http.js';
import { addPasskeyWith } from './methods/add-passkey.js';
import { createRecoveryCodesWith } from './methods/create-recovery-codes.js';
import { deletePasskeyWith } from './methods/delete-passkey.js';
import { getSessionWith } from './methods/get-session.js';
import { listPasskeysWith } from './methods/list-passkeys.js';
import { listSessionsWith } from './methods/list-sessions.js';
import { reauthenticateWith } from './methods/reauthenticate.js';
import { recoverWith } from './methods/recover.js';
import { recoveryCodesRemainingWith } from './methods/recovery-codes-remaining.js';
import { renamePasskeyWith } from './methods/rename-passkey.js';
import { revokeOtherSessionsWith } from './methods/revoke-other-sessions.js';
import { revokeSessionWith } from './methods/revoke-session.js';
import { signInWith } from './methods/sign-in.js';
import { signOutWith } from './methods/sign-out.js';
import { signUpWith } from './methods/sign-up.js';
import type {
  ActiveSession,
  AuthResult,
  CeremonyOptions,
  Passkey,
  SignInOptions,
  SignUpOptions,
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
export function renamePasskey(id: string, name: string): Promise<void> {
  return renamePasskeyWith(SAME_ORIGIN, id, name);
}

/**
 * Deletes one of the user's passkeys and ends the sessions it signed in. The last passkey can go
 * only while unused recovery codes remain (`last_credential` otherwise).
 *
 * @example
 * await deletePasskey(passkey.id);
 */
export function deletePasskey(id: string): Promise<void> {
  return deletePasskeyWith(SAME_ORIGIN, id);
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
export function revokeSession(id: string): Promise<void> {
  return revokeSessionWith(SAME_ORIGIN, id);
}

/**
 * Ends every other session of the user ("sign out everywhere else") and resolves how many ended.
 *
 * @example
 * const ended = await revokeOtherSessions();
 */
export function revokeOtherSessions(): Promise<number> {
  return revokeOtherSessionsWith(SAME_ORIGIN);
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
export function createRecoveryCodes(): Promise<string[]> {
  return createRecoveryCodesWith(SAME_ORIGIN);
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

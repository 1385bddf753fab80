import { apiRequest, type ClientConfig } from './http.js';
import { type PasskeyList, readPasskeyList } from './responses.js';

// The WebAuthn Level 3 Signal API (§5.1.10, https://www.w3.org/TR/webauthn-3/#sctn-signal-methods):
// static methods of PublicKeyCredential through which the relying party tells the browser and
// authenticators which credentials it still accepts, so that a passkey deleted on the server stops
// being offered. They are hints: user agents MAY ignore them, and none returns anything useful.
// Everything here is best effort and never throws, because a signal that fails must not turn a
// successful sign-in or deletion into an error.

interface UnknownCredentialOptions {
  rpId: string;
  credentialId: string;
}

interface AllAcceptedCredentialsOptions {
  rpId: string;
  userId: string;
  allAcceptedCredentialIds: string[];
}

interface CurrentUserDetailsOptions {
  rpId: string;
  userId: string;
  name: string;
  displayName: string;
}

/** The part of `PublicKeyCredential` that only newer browsers have (Chrome 132+, Safari 26+). */
interface SignalMethods {
  signalUnknownCredential?: (options: UnknownCredentialOptions) => Promise<void>;
  signalAllAcceptedCredentials?: (options: AllAcceptedCredentialsOptions) => Promise<void>;
  signalCurrentUserDetails?: (options: CurrentUserDetailsOptions) => Promise<void>;
}

function signalMethods(): SignalMethods | undefined {
  const pkc: unknown = Reflect.get(globalThis, 'PublicKeyCredential');
  return typeof pkc === 'function' ? (pkc as SignalMethods) : undefined;
}

/**
 * After the server answered `credential_not_found`: "signals to the authenticator that a
 * credential id was not recognized by the relying party", so it can hide or delete it.
 */
export async function signalUnknownCredential(
  rpId: string | undefined,
  credentialId: string,
): Promise<void> {
  const api = signalMethods();
  if (rpId === undefined || typeof api?.signalUnknownCredential !== 'function') return;
  try {
    await api.signalUnknownCredential({ rpId, credentialId });
  } catch {
    // Best effort: a SecurityError (RP ID not valid here) or TypeError changes nothing for the user.
  }
}

/**
 * Tells the browser the user's complete, current list of passkeys and their name, e.g. after a
 * sign-in, a deletion or a rename. Reads the list from the server; `fallback` is used when that
 * fails (deleting the passkey that signed this session in also ends the session).
 */
export async function signalAccountState(
  config: ClientConfig,
  fallback?: PasskeyList,
): Promise<void> {
  const api = signalMethods();
  if (
    typeof api?.signalAllAcceptedCredentials !== 'function' &&
    typeof api?.signalCurrentUserDetails !== 'function'
  ) {
    return;
  }
  let list = fallback;
  try {
    list = readPasskeyList(await apiRequest(config, { method: 'GET', path: '/v1/me/passkeys' }));
  } catch {
    // Signed out meanwhile, or a recovery session (which may not list passkeys): use the fallback.
  }
  if (list === undefined) return;
  const { rpId, userId, name, displayName } = list.signals;
  await Promise.allSettled([
    api.signalAllAcceptedCredentials?.({
      rpId,
      userId,
      allAcceptedCredentialIds: list.passkeys.map((passkey) => passkey.id),
    }),
    api.signalCurrentUserDetails?.({ rpId, userId, name, displayName }),
  ]);
}

/** The list as it is now, for use as `signalAccountState`'s fallback; undefined on any error. */
export async function snapshotPasskeyList(config: ClientConfig): Promise<PasskeyList | undefined> {
  if (signalMethods()?.signalAllAcceptedCredentials === undefined) return undefined;
  try {
    return readPasskeyList(await apiRequest(config, { method: 'GET', path: '/v1/me/passkeys' }));
  } catch {
    return undefined;
  }
}

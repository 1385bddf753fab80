import { startAuthentication } from '@simplewebauthn/browser';
import { runCeremony, throwIfAborted } from '../ceremony.js';
import { PasskiError } from '../errors.js';
import { apiRequest, type ClientConfig } from '../http.js';
import { readAuthResult, readRequestOptions } from '../responses.js';
import { signalAccountState, signalUnknownCredential } from '../signals.js';
import { assertWebAuthnSupported, isAutofillSupported } from '../support.js';
import type { AuthResult, SignInOptions } from '../types.js';

/**
 * Signs in with a passkey: the named user's passkeys with `username`, any discoverable passkey
 * without, or through the browser's autofill list with `autofill`. Rejects with `PasskiError`:
 * `user_not_found`, `no_passkey`, `cancelled`, `timeout`, `not_supported`, `credential_not_found`,
 * `verification_failed`, `network`, ...
 */
export async function signInWith(
  config: ClientConfig,
  options: SignInOptions = {},
): Promise<AuthResult> {
  const result = readAuthResult(await signInCeremony(config, options, {}));
  // Best effort and not awaited: sign-in is done whatever the browser makes of the signals.
  void signalAccountState(config);
  return result;
}

/**
 * The sign-in ceremony shared by `signIn` and `signInForResult`: options, the WebAuthn request,
 * then `POST /v1/sign-in/verify` with `extraBody` added. Resolves with the verify call's JSON.
 */
export async function signInCeremony(
  config: ClientConfig,
  options: SignInOptions,
  extraBody: Record<string, unknown>,
): Promise<unknown> {
  assertWebAuthnSupported();
  const { signal, username, autofill = false } = options;
  if (autofill) {
    if (username !== undefined) {
      // Autofill lets the user pick any account, so a username cannot restrict it.
      throw new TypeError('signIn: `autofill` and `username` cannot be combined');
    }
    // Checked here rather than left to SimpleWebAuthn (which throws a plain Error): a typed code,
    // and no challenge spent on a request that cannot run.
    if (!(await isAutofillSupported())) {
      throw new PasskiError('not_supported', 'This browser does not offer passkeys in autofill');
    }
  }

  const optionsJSON = readRequestOptions(
    await apiRequest(config, {
      method: 'POST',
      path: '/v1/sign-in/options',
      body: username === undefined ? {} : { username },
      signal,
    }),
  );
  if (username !== undefined && optionsJSON.allowCredentials?.length === 0) {
    // The account exists but has no passkey left. An empty list would turn the request into a
    // discoverable one, which could sign in as somebody else on a shared device.
    throw new PasskiError('no_passkey', 'This account has no passkey');
  }

  const response = await runCeremony({
    ceremony: 'authentication',
    // A conditional request waits for the user for as long as the page is open.
    timeoutMs: autofill ? undefined : optionsJSON.timeout,
    signal,
    start: () => startAuthentication({ optionsJSON, useBrowserAutofill: autofill }),
  });
  // The caller gave up meanwhile: do not create a session (or result) it no longer expects.
  throwIfAborted(signal);
  try {
    return await apiRequest(config, {
      method: 'POST',
      path: '/v1/sign-in/verify',
      body: { response, ...extraBody },
      signal,
    });
  } catch (error) {
    if (error instanceof PasskiError && error.code === 'credential_not_found') {
      // The passkey belongs to an account or credential the server no longer has: tell the
      // browser, so it stops offering it (WebAuthn L3 signal methods, see ../signals.ts). Awaited,
      // so that a retry by the caller already sees the updated list; it never throws.
      await signalUnknownCredential(optionsJSON.rpId ?? pageHostname(), response.id);
    }
    throw error;
  }
}

/**
 * WebAuthn §5.1.4.1: "If options.rpId is not present, then set rpId to effectiveDomain", i.e. the
 * page's host, which is then the RP ID the credential was asserted for.
 */
function pageHostname(): string | undefined {
  const hostname: unknown = Reflect.get(globalThis, 'location')?.hostname;
  return typeof hostname === 'string' && hostname !== '' ? hostname : undefined;
}

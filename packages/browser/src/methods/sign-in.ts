import { startAuthentication } from '@simplewebauthn/browser';
import { runCeremony, throwIfAborted } from '../ceremony.js';
import { PasskiError } from '../errors.js';
import { apiRequest, type ClientConfig } from '../http.js';
import { readAuthResult, readRequestOptions } from '../responses.js';
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
  // The caller gave up meanwhile: do not create a session it no longer expects.
  throwIfAborted(signal);
  return readAuthResult(
    await apiRequest(config, {
      method: 'POST',
      path: '/v1/sign-in/verify',
      body: { response },
      signal,
    }),
  );
}

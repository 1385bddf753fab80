import { startRegistration } from '@simplewebauthn/browser';
import { runCeremony, throwIfAborted } from '../ceremony.js';
import { apiRequest, type ClientConfig } from '../http.js';
import { readAuthResult, readCreationOptions } from '../responses.js';
import { assertWebAuthnSupported } from '../support.js';
import type { AuthResult, SignUpOptions } from '../types.js';

/**
 * Creates an account with a new passkey on this device and signs it in (the server sets the
 * session cookie). Rejects with `PasskiError`: `username_taken`, `invalid_username`,
 * `cancelled`, `timeout`, `already_registered`, `not_supported`, `network`, ...
 */
export async function signUpWith(
  config: ClientConfig,
  username: string,
  options: SignUpOptions = {},
): Promise<AuthResult> {
  assertWebAuthnSupported();
  const { signal } = options;
  const body: { username: string; displayName?: string } = { username };
  if (options.displayName !== undefined) body.displayName = options.displayName;
  const optionsJSON = readCreationOptions(
    await apiRequest(config, { method: 'POST', path: '/v1/sign-up/options', body, signal }),
  );
  const response = await runCeremony({
    ceremony: 'registration',
    timeoutMs: optionsJSON.timeout,
    signal,
    start: () => startRegistration({ optionsJSON }),
  });
  // The caller gave up meanwhile: do not create an account and session it no longer expects.
  throwIfAborted(signal);
  return readAuthResult(
    await apiRequest(config, {
      method: 'POST',
      path: '/v1/sign-up/verify',
      body: { response },
      signal,
    }),
  );
}

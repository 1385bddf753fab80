import { startRegistration } from '@simplewebauthn/browser';
import { runCeremony, throwIfAborted } from '../ceremony.js';
import { apiRequest, type ClientConfig } from '../http.js';
import { readCreationOptions, readPasskey } from '../responses.js';
import { assertWebAuthnSupported } from '../support.js';
import type { CeremonyOptions, Passkey } from '../types.js';

/**
 * Registers a passkey for the user an enrolment token was issued to, without a Passki session:
 * the app's backend asks the admin API for the token and hands it to the page. The token is used
 * up with the new passkey; Passki creates no session. Rejects with `PasskiError`:
 * `invalid_token` (unknown, used or expired), `user_disabled`, `already_registered`,
 * `passkey_limit_reached`, `cancelled`, `timeout`, `not_supported`, `network`, ...
 */
export async function enrollPasskeyWith(
  config: ClientConfig,
  token: string,
  options: CeremonyOptions = {},
): Promise<Passkey> {
  assertWebAuthnSupported();
  const { signal } = options;
  const optionsJSON = readCreationOptions(
    await apiRequest(config, {
      method: 'POST',
      path: '/v1/enroll/options',
      body: { token },
      signal,
    }),
  );
  const response = await runCeremony({
    ceremony: 'registration',
    timeoutMs: optionsJSON.timeout,
    signal,
    start: () => startRegistration({ optionsJSON }),
  });
  // The caller gave up meanwhile: do not store a passkey it no longer expects.
  throwIfAborted(signal);
  return readPasskey(
    await apiRequest(config, {
      method: 'POST',
      path: '/v1/enroll/verify',
      body: { token, response },
      signal,
    }),
  );
}

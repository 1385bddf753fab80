import { startRegistration } from '@simplewebauthn/browser';
import { runCeremony, throwIfAborted } from '../ceremony.js';
import { PasskiError } from '../errors.js';
import { apiRequest, type ClientConfig } from '../http.js';
import { readCreationOptions, readPasskey } from '../responses.js';
import { withStepUp } from '../step-up.js';
import { assertWebAuthnSupported } from '../support.js';
import type { CeremonyOptions, Passkey } from '../types.js';

/**
 * Creates another passkey for the signed-in user, on this device or a security key or password
 * manager the user picks. Asks for an existing passkey first when the server wants a fresh
 * step-up (a recovery session needs none). Rejects with `PasskiError`: `already_registered`,
 * `credential_already_registered`, `passkey_limit_reached`, `cancelled`, `timeout`, ...
 */
export async function addPasskeyWith(
  config: ClientConfig,
  options: CeremonyOptions = {},
): Promise<Passkey> {
  assertWebAuthnSupported();
  const { signal } = options;
  // Only the options request is retried after a step-up: once the authenticator has created a
  // credential, asking for another one would leave an orphan passkey on it.
  const optionsJSON = readCreationOptions(
    await withStepUp(
      config,
      () => apiRequest(config, { method: 'POST', path: '/v1/me/passkeys/options', signal }),
      signal,
    ),
  );
  let response: Awaited<ReturnType<typeof startRegistration>>;
  try {
    response = await runCeremony({
      ceremony: 'registration',
      timeoutMs: optionsJSON.timeout,
      signal,
      start: () => startRegistration({ optionsJSON }),
    });
  } catch (error) {
    if (error instanceof PasskiError && error.code === 'already_registered') {
      // WebAuthn §6.3.2 step 3: a credential in excludeCredentials (this account's passkeys) is
      // already on the authenticator the user chose, so it cannot hold a second one.
      throw new PasskiError(
        'already_registered',
        'This device or password manager already holds a passkey for this account. Choose another one to add a second passkey.',
        { cause: error.cause },
      );
    }
    throw error;
  }
  throwIfAborted(signal);
  return readPasskey(
    await apiRequest(config, {
      method: 'POST',
      path: '/v1/me/passkeys/verify',
      body: { response },
      signal,
    }),
  );
}

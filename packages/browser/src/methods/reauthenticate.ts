import { startAuthentication } from '@simplewebauthn/browser';
import { runCeremony, throwIfAborted } from '../ceremony.js';
import { PasskiError } from '../errors.js';
import { apiRequest, type ClientConfig } from '../http.js';
import { readRequestOptions } from '../responses.js';
import { assertWebAuthnSupported } from '../support.js';
import type { CeremonyOptions } from '../types.js';

/**
 * Confirms it is still the signed-in user (a "step-up"): a user-verified assertion by one of the
 * user's own passkeys, which lets this session make account changes for the next few minutes.
 * Rejects with `PasskiError`: `cancelled`, `timeout`, `no_passkey`, `recovery_session_limited`,
 * `verification_failed`, `unauthenticated`, ...
 */
export async function reauthenticateWith(
  config: ClientConfig,
  options: CeremonyOptions = {},
): Promise<void> {
  assertWebAuthnSupported();
  const { signal } = options;
  const optionsJSON = readRequestOptions(
    await apiRequest(config, { method: 'POST', path: '/v1/me/reauth/options', signal }),
  );
  if (optionsJSON.allowCredentials?.length === 0) {
    // An empty list would let any discoverable passkey answer, possibly somebody else's.
    throw new PasskiError('no_passkey', 'This account has no passkey to confirm it is you');
  }
  const response = await runCeremony({
    ceremony: 'authentication',
    timeoutMs: optionsJSON.timeout,
    signal,
    start: () => startAuthentication({ optionsJSON }),
  });
  throwIfAborted(signal);
  await apiRequest(config, {
    method: 'POST',
    path: '/v1/me/reauth/verify',
    body: { response },
    signal,
  });
}

import { PasskiError } from './errors.js';
import type { ClientConfig } from './http.js';
import { reauthenticateWith } from './methods/reauthenticate.js';

/**
 * Runs `action`; when the server answers 403 `reauthentication_required` (the account change needs
 * a user-verified passkey assertion from the last few minutes), asks for the passkey once and
 * retries once. Any other failure, and a second refusal, reach the caller unchanged.
 */
export async function withStepUp<T>(
  config: ClientConfig,
  action: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof PasskiError && error.code === 'reauthentication_required')) throw error;
  }
  // The caller's signal cancels the passkey prompt of the step-up too.
  await reauthenticateWith(config, signal === undefined ? {} : { signal });
  return action();
}

import { apiRequest, type ClientConfig } from '../http.js';
import { readRecoveryCodes } from '../responses.js';
import { withStepUp } from '../step-up.js';
import type { CeremonyOptions } from '../types.js';

/**
 * Creates a new set of single-use recovery codes and resolves them; the server keeps only slow
 * hashes, so this is the only time they can be shown. The previous set stops working. A recovery
 * session may do this without a step-up; a standard one may be asked for its passkey first.
 */
export async function createRecoveryCodesWith(
  config: ClientConfig,
  options: CeremonyOptions = {},
): Promise<string[]> {
  const { signal } = options;
  return readRecoveryCodes(
    await withStepUp(
      config,
      () => apiRequest(config, { method: 'POST', path: '/v1/me/recovery-codes', signal }),
      signal,
    ),
  );
}

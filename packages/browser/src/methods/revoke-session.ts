import { apiRequest, type ClientConfig } from '../http.js';
import { withStepUp } from '../step-up.js';
import type { CeremonyOptions } from '../types.js';

/**
 * Ends one of the user's sessions at once. Ending the current one signs out; ending another asks
 * for a passkey step-up when the server wants one. Rejects with `not_found`, `cancelled`, ...
 */
export async function revokeSessionWith(
  config: ClientConfig,
  id: string,
  options: CeremonyOptions = {},
): Promise<void> {
  const { signal } = options;
  await withStepUp(
    config,
    () =>
      apiRequest(config, {
        method: 'DELETE',
        path: `/v1/me/sessions/${encodeURIComponent(id)}`,
        signal,
      }),
    signal,
  );
}

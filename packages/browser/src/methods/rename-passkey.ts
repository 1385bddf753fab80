import { apiRequest, type ClientConfig } from '../http.js';
import { signalAccountState } from '../signals.js';
import { withStepUp } from '../step-up.js';
import type { CeremonyOptions } from '../types.js';

/**
 * Sets the user's own label on one of their passkeys (1 to 64 characters after trimming), then
 * tells the browser the account's current details (Signal API). Rejects with `invalid_request`,
 * `not_found`, `cancelled` (the step-up was dismissed), ...
 */
export async function renamePasskeyWith(
  config: ClientConfig,
  id: string,
  name: string,
  options: CeremonyOptions = {},
): Promise<void> {
  const { signal } = options;
  await withStepUp(
    config,
    () =>
      apiRequest(config, {
        method: 'PATCH',
        path: `/v1/me/passkeys/${encodeURIComponent(id)}`,
        body: { name },
        signal,
      }),
    signal,
  );
  void signalAccountState(config);
}

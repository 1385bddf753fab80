import { apiRequest, type ClientConfig } from '../http.js';
import { signalAccountState } from '../signals.js';
import { withStepUp } from '../step-up.js';

/**
 * Sets the user's own label on one of their passkeys (1 to 64 characters after trimming), then
 * tells the browser the account's current details (Signal API). Rejects with `invalid_request`,
 * `not_found`, `cancelled` (the step-up was dismissed), ...
 */
export async function renamePasskeyWith(
  config: ClientConfig,
  id: string,
  name: string,
): Promise<void> {
  await withStepUp(config, () =>
    apiRequest(config, {
      method: 'PATCH',
      path: `/v1/me/passkeys/${encodeURIComponent(id)}`,
      body: { name },
    }),
  );
  void signalAccountState(config);
}

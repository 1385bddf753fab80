import { apiRequest, type ClientConfig } from '../http.js';
import { readCount } from '../responses.js';
import { withStepUp } from '../step-up.js';
import type { CeremonyOptions } from '../types.js';

/** Ends every session of the user but this one ("sign out everywhere else"); resolves how many. */
export async function revokeOtherSessionsWith(
  config: ClientConfig,
  options: CeremonyOptions = {},
): Promise<number> {
  const { signal } = options;
  return readCount(
    await withStepUp(
      config,
      () => apiRequest(config, { method: 'DELETE', path: '/v1/me/sessions', signal }),
      signal,
    ),
    'ended',
  );
}

import { apiRequest, type ClientConfig } from '../http.js';
import { readCount } from '../responses.js';
import { withStepUp } from '../step-up.js';

/** Ends every session of the user but this one ("sign out everywhere else"); resolves how many. */
export async function revokeOtherSessionsWith(config: ClientConfig): Promise<number> {
  return readCount(
    await withStepUp(config, () =>
      apiRequest(config, { method: 'DELETE', path: '/v1/me/sessions' }),
    ),
    'ended',
  );
}

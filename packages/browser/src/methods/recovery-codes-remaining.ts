import { apiRequest, type ClientConfig } from '../http.js';
import { readCount } from '../responses.js';

/** How many of the user's recovery codes are still unused. */
export async function recoveryCodesRemainingWith(config: ClientConfig): Promise<number> {
  return readCount(
    await apiRequest(config, { method: 'GET', path: '/v1/me/recovery-codes' }),
    'remaining',
  );
}

import { apiRequest, type ClientConfig } from '../http.js';
import { readAuthResult } from '../responses.js';
import type { AuthResult } from '../types.js';

/**
 * Signs in with a username and one of its recovery codes (typed as shown, any case, with or
 * without hyphens). The result's session has `kind: 'recovery'`: it may only add a passkey and
 * create new recovery codes. Rejects with `invalid_recovery_code`, `user_disabled` (the code
 * matched a disabled account; it stays unused), `rate_limited` (wait and try again), `network`, ...
 */
export async function recoverWith(
  config: ClientConfig,
  username: string,
  code: string,
): Promise<AuthResult> {
  return readAuthResult(
    await apiRequest(config, { method: 'POST', path: '/v1/recover', body: { username, code } }),
  );
}

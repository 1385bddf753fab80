import { apiRequest, type ClientConfig } from '../http.js';
import { readAuthResult } from '../responses.js';
import type { AuthResult } from '../types.js';

/**
 * Exchanges a one-time sign-in token, issued by the app's backend through the admin API, for a
 * Passki session (the server sets the session cookie). Each token works once, for about a
 * minute. Rejects with `PasskiError`: `invalid_token` (unknown, used or expired),
 * `user_disabled`, `network`, ...
 */
export async function redeemSignInTicketWith(
  config: ClientConfig,
  token: string,
): Promise<AuthResult> {
  return readAuthResult(
    await apiRequest(config, { method: 'POST', path: '/v1/sign-in/ticket', body: { token } }),
  );
}

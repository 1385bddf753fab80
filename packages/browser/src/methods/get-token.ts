import { apiRequest, type ClientConfig } from '../http.js';
import { readSessionToken } from '../responses.js';
import type { SessionToken } from '../types.js';

/**
 * Mints a short-lived session JWT (ES256, 5 minutes by default) from the Passki session, for the
 * app's backend to verify on each request (`@passki/node`). Rejects with `PasskiError`:
 * `unauthenticated` (signed out), `recovery_session_limited`, `network`, ...
 */
export async function getTokenWith(config: ClientConfig): Promise<SessionToken> {
  return readSessionToken(await apiRequest(config, { method: 'POST', path: '/v1/token' }));
}

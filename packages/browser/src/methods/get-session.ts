import { PasskiError } from '../errors.js';
import { apiRequest, type ClientConfig } from '../http.js';
import { readAuthResult } from '../responses.js';
import type { AuthResult } from '../types.js';

/** The signed-in user and session, or `null` when there is no valid session (HTTP 401). */
export async function getSessionWith(config: ClientConfig): Promise<AuthResult | null> {
  try {
    return readAuthResult(await apiRequest(config, { method: 'GET', path: '/v1/session' }));
  } catch (error) {
    if (error instanceof PasskiError && error.code === 'unauthenticated') return null;
    throw error;
  }
}

import { apiRequest, type ClientConfig } from '../http.js';

/** Ends the current session on the server, which also clears the session cookie. */
export async function signOutWith(config: ClientConfig): Promise<void> {
  await apiRequest(config, { method: 'POST', path: '/v1/sign-out' });
}

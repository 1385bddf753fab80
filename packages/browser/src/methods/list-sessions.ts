import { apiRequest, type ClientConfig } from '../http.js';
import { readSessionList } from '../responses.js';
import type { ActiveSession } from '../types.js';

/** The signed-in user's active sessions, newest first; `current` marks this one. */
export async function listSessionsWith(config: ClientConfig): Promise<ActiveSession[]> {
  return readSessionList(await apiRequest(config, { method: 'GET', path: '/v1/me/sessions' }));
}

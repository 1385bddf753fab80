import { apiRequest, type ClientConfig } from '../http.js';
import { readPasskeyList } from '../responses.js';
import type { Passkey } from '../types.js';

/** The signed-in user's passkeys. Rejects with `unauthenticated` or `recovery_session_limited`. */
export async function listPasskeysWith(config: ClientConfig): Promise<Passkey[]> {
  const list = readPasskeyList(
    await apiRequest(config, { method: 'GET', path: '/v1/me/passkeys' }),
  );
  return list.passkeys;
}

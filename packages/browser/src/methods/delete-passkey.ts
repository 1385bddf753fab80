import { throwIfAborted } from '../ceremony.js';
import { apiRequest, type ClientConfig } from '../http.js';
import { signalAccountState, snapshotPasskeyList } from '../signals.js';
import { withStepUp } from '../step-up.js';
import type { CeremonyOptions } from '../types.js';

/**
 * Deletes one of the user's passkeys; the sessions it signed in end, possibly this one. Then tells
 * the browser which passkeys remain (Signal API), so it stops offering the deleted one. Rejects
 * with `last_credential` (the only passkey, and no unused recovery codes), `not_found`, ...
 */
export async function deletePasskeyWith(
  config: ClientConfig,
  id: string,
  options: CeremonyOptions = {},
): Promise<void> {
  const { signal } = options;
  throwIfAborted(signal);
  // Taken first: when this session ends with the passkey, the list can no longer be read after.
  const before = await snapshotPasskeyList(config);
  await withStepUp(
    config,
    () =>
      apiRequest(config, {
        method: 'DELETE',
        path: `/v1/me/passkeys/${encodeURIComponent(id)}`,
        signal,
      }),
    signal,
  );
  const fallback =
    before === undefined
      ? undefined
      : { ...before, passkeys: before.passkeys.filter((passkey) => passkey.id !== id) };
  void signalAccountState(config, fallback);
}

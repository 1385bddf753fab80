import type { ClientConfig } from './http.js';
import { addPasskeyWith } from './methods/add-passkey.js';
import { createRecoveryCodesWith } from './methods/create-recovery-codes.js';
import { deletePasskeyWith } from './methods/delete-passkey.js';
import { enrollPasskeyWith } from './methods/enroll-passkey.js';
import { getSessionWith } from './methods/get-session.js';
import { getTokenWith } from './methods/get-token.js';
import { listPasskeysWith } from './methods/list-passkeys.js';
import { listSessionsWith } from './methods/list-sessions.js';
import { reauthenticateWith } from './methods/reauthenticate.js';
import { recoverWith } from './methods/recover.js';
import { recoveryCodesRemainingWith } from './methods/recovery-codes-remaining.js';
import { redeemSignInTicketWith } from './methods/redeem-sign-in-ticket.js';
import { renamePasskeyWith } from './methods/rename-passkey.js';
import { revokeOtherSessionsWith } from './methods/revoke-other-sessions.js';
import { revokeSessionWith } from './methods/revoke-session.js';
import { signInWith } from './methods/sign-in.js';
import { signInForResultWith } from './methods/sign-in-for-result.js';
import { signOutWith } from './methods/sign-out.js';
import { signUpWith } from './methods/sign-up.js';
import type { PasskiClient, PasskiClientOptions } from './types.js';

/**
 * The SDK's functions bound to one Passki server, e.g. one on its own origin.
 *
 * @example
 * const passki = createPasskiClient({ baseUrl: 'https://auth.example.com' });
 * const { user } = await passki.signIn({ username: 'ada' });
 */
export function createPasskiClient(options: PasskiClientOptions = {}): PasskiClient {
  const config: ClientConfig = { baseUrl: options.baseUrl ?? '', fetch: options.fetch };
  return {
    signUp: (username, signUpOptions) => signUpWith(config, username, signUpOptions),
    signIn: (signInOptions) => signInWith(config, signInOptions),
    signInForResult: (signInOptions) => signInForResultWith(config, signInOptions),
    redeemSignInTicket: (token) => redeemSignInTicketWith(config, token),
    enrollPasskey: (token, ceremonyOptions) => enrollPasskeyWith(config, token, ceremonyOptions),
    signOut: () => signOutWith(config),
    getSession: () => getSessionWith(config),
    getToken: () => getTokenWith(config),
    listPasskeys: () => listPasskeysWith(config),
    addPasskey: (ceremonyOptions) => addPasskeyWith(config, ceremonyOptions),
    renamePasskey: (id, name, ceremonyOptions) =>
      renamePasskeyWith(config, id, name, ceremonyOptions),
    deletePasskey: (id, ceremonyOptions) => deletePasskeyWith(config, id, ceremonyOptions),
    listSessions: () => listSessionsWith(config),
    revokeSession: (id, ceremonyOptions) => revokeSessionWith(config, id, ceremonyOptions),
    revokeOtherSessions: (ceremonyOptions) => revokeOtherSessionsWith(config, ceremonyOptions),
    reauthenticate: (ceremonyOptions) => reauthenticateWith(config, ceremonyOptions),
    createRecoveryCodes: (ceremonyOptions) => createRecoveryCodesWith(config, ceremonyOptions),
    recoveryCodesRemaining: () => recoveryCodesRemainingWith(config),
    recover: (username, code) => recoverWith(config, username, code),
  };
}

import type { ClientConfig } from '../http.js';
import { readVerifiedSignIn } from '../responses.js';
import type { SignInOptions, VerifiedSignIn } from '../types.js';
import { signInCeremony } from './sign-in.js';

/**
 * Signs in with a passkey like `signIn`, but Passki creates no session and sets no cookie: it
 * answers a one-time sign-in result for the app's backend to redeem (mode 2, passkeys added to
 * an existing account system). Rejects like `signIn`, and with `user_disabled`.
 */
export async function signInForResultWith(
  config: ClientConfig,
  options: SignInOptions = {},
): Promise<VerifiedSignIn> {
  // No account-state signals afterwards: they read the user's passkeys through a Passki session,
  // and there is none.
  return readVerifiedSignIn(await signInCeremony(config, options, { result: true }));
}

import type { ClientConfig } from './http.js';
import { getSessionWith } from './methods/get-session.js';
import { signInWith } from './methods/sign-in.js';
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
    signOut: () => signOutWith(config),
    getSession: () => getSessionWith(config),
  };
}

export { createPasskiClient } from './client.js';
export { getSession, signIn, signOut, signUp } from './default-client.js';
export {
  type ApiErrorCode,
  isPasskiError,
  PasskiError,
  type PasskiErrorCode,
  type PasskiErrorOptions,
} from './errors.js';
export { isAutofillSupported, isPasskeySupported } from './support.js';
export type {
  AuthResult,
  FetchFunction,
  PasskiClient,
  PasskiClientOptions,
  Session,
  SignInOptions,
  SignUpOptions,
  User,
} from './types.js';

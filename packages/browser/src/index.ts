export { createPasskiClient } from './client.js';
export {
  addPasskey,
  createRecoveryCodes,
  deletePasskey,
  getSession,
  listPasskeys,
  listSessions,
  reauthenticate,
  recover,
  recoveryCodesRemaining,
  renamePasskey,
  revokeOtherSessions,
  revokeSession,
  signIn,
  signOut,
  signUp,
} from './default-client.js';
export {
  type ApiErrorCode,
  isPasskiError,
  PasskiError,
  type PasskiErrorCode,
  type PasskiErrorOptions,
} from './errors.js';
export { isAutofillSupported, isPasskeySupported } from './support.js';
export type {
  ActiveSession,
  AuthResult,
  CeremonyOptions,
  FetchFunction,
  Passkey,
  PasskeyProvider,
  PasskiClient,
  PasskiClientOptions,
  Session,
  SessionKind,
  SignInOptions,
  SignUpOptions,
  User,
} from './types.js';

// @passki/node: verify Passki session JWTs in your backend, protect routes with middleware, and
// manage users through the admin API. Hono middleware lives in `@passki/node/hono`.
export {
  type AdminClient,
  type AdminClientOptions,
  type AdminPasskey,
  type AdminSession,
  type AdminUser,
  type AuditEvent,
  type AuditEventPage,
  type AuditEventQuery,
  type CreateUserInput,
  createAdminClient,
  type EnrollmentTokenOptions,
  type IssuedToken,
  type ListUsersQuery,
  type SignInResult,
  type SignInTokenOptions,
  type UpdateUserInput,
  type UserPage,
} from './admin-client.js';
export type { NodeRequestLike, TokenSource } from './bearer.js';
export { PasskiAdminError, PasskiTokenError, type PasskiTokenErrorCode } from './errors.js';
export { expressMiddleware, getPasskiClaims, type NodeMiddleware } from './express-middleware.js';
export {
  createVerifier,
  type PasskiClaims,
  type PasskiVerifier,
  SESSION_JWT_TYPE,
  type VerifierOptions,
} from './verify-token.js';

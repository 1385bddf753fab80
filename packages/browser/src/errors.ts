/**
 * Every code a {@link PasskiError} can carry. The list is closed so that `switch (err.code)` is
 * exhaustive; server codes the SDK does not know arrive as `server_error` (5xx) or `unknown`.
 */
export type PasskiErrorCode =
  // The WebAuthn ceremony in the browser
  | 'cancelled'
  | 'timeout'
  | 'not_supported'
  | 'already_registered'
  | 'no_passkey'
  // Transport
  | 'network'
  // The Passki API (same strings as the server's `error.code`)
  | ApiErrorCode
  // Anything unrecognised; `cause` holds the original
  | 'unknown';

/** The codes the Passki HTTP API sends in `{"error":{"code":...}}`. */
export type ApiErrorCode =
  // Input
  | 'invalid_request'
  | 'payload_too_large'
  | 'headers_too_large'
  | 'request_timeout'
  | 'unsupported_media_type'
  | 'invalid_username'
  | 'not_found'
  // Accounts and sessions
  | 'username_taken'
  | 'user_not_found'
  | 'unauthenticated'
  | 'forbidden_origin'
  // Account management
  | 'reauthentication_required'
  | 'recovery_session_limited'
  | 'last_credential'
  | 'passkey_limit_reached'
  | 'invalid_recovery_code'
  // Integration: enrolment and sign-in tokens, the admin API
  | 'user_disabled'
  | 'invalid_token'
  | 'invalid_api_key'
  | 'external_id_taken'
  // Challenges
  | 'challenge_not_found'
  | 'challenge_expired'
  | 'challenge_used'
  | 'ceremony_mismatch'
  // Verification of the passkey's response
  | 'origin_mismatch'
  | 'cross_origin_not_allowed'
  | 'rp_id_mismatch'
  | 'user_presence_required'
  | 'user_verification_required'
  | 'unsupported_algorithm'
  | 'credential_id_too_long'
  | 'credential_already_registered'
  | 'credential_not_found'
  | 'credential_not_allowed'
  | 'user_handle_mismatch'
  | 'backup_eligibility_changed'
  | 'counter_regression'
  | 'verification_failed'
  // Operations
  | 'rate_limited'
  | 'database_unavailable'
  | 'server_error';

// A plain object rather than a Set: a constructor call at module top level would count as a side
// effect and stop bundlers from tree-shaking this module. The Record type keeps it complete.
const API_ERROR_CODES: Record<ApiErrorCode, true> = {
  invalid_request: true,
  payload_too_large: true,
  headers_too_large: true,
  request_timeout: true,
  unsupported_media_type: true,
  invalid_username: true,
  not_found: true,
  username_taken: true,
  user_not_found: true,
  unauthenticated: true,
  forbidden_origin: true,
  reauthentication_required: true,
  recovery_session_limited: true,
  last_credential: true,
  passkey_limit_reached: true,
  invalid_recovery_code: true,
  user_disabled: true,
  invalid_token: true,
  invalid_api_key: true,
  external_id_taken: true,
  challenge_not_found: true,
  challenge_expired: true,
  challenge_used: true,
  ceremony_mismatch: true,
  origin_mismatch: true,
  cross_origin_not_allowed: true,
  rp_id_mismatch: true,
  user_presence_required: true,
  user_verification_required: true,
  unsupported_algorithm: true,
  credential_id_too_long: true,
  credential_already_registered: true,
  credential_not_found: true,
  credential_not_allowed: true,
  user_handle_mismatch: true,
  backup_eligibility_changed: true,
  counter_regression: true,
  verification_failed: true,
  rate_limited: true,
  database_unavailable: true,
  server_error: true,
};

/** Whether `code` is one of the API error codes this SDK version knows. */
export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && Object.hasOwn(API_ERROR_CODES, code);
}

export interface PasskiErrorOptions {
  /** The HTTP status, when the error came from the Passki API. */
  status?: number;
  /** The original error (a DOMException, a `TypeError` from `fetch`, ...). */
  cause?: unknown;
  /** For `rate_limited`: the seconds the server asked to wait (its Retry-After header). */
  retryAfterSeconds?: number;
}

/**
 * The error type the SDK's functions reject with, whatever goes wrong at run time. (Calling a
 * function with options that cannot work together, such as `autofill` with a `username`, throws a
 * `TypeError` instead: a mistake in the calling code, not something to show a user.)
 *
 * @example
 * try {
 *   await signIn({ username });
 * } catch (err) {
 *   if (err instanceof PasskiError && err.code === 'user_not_found') offerSignUp(username);
 *   else throw err;
 * }
 */
export class PasskiError extends Error {
  readonly code: PasskiErrorCode;
  readonly status: number | undefined;
  /** For `rate_limited`, when the server said: seconds until trying again may succeed. */
  readonly retryAfterSeconds: number | undefined;
  // Assigned explicitly: with class-field semantics an uninitialised `cause` field would reset the
  // value that `super(message, { cause })` stored.
  override readonly cause: unknown;

  constructor(code: PasskiErrorCode, message: string, options: PasskiErrorOptions = {}) {
    super(message);
    this.name = 'PasskiError';
    this.code = code;
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.cause = options.cause;
  }
}

/**
 * `instanceof` fails when an app ends up with two copies of the SDK; this checks the shape too.
 */
export function isPasskiError(value: unknown): value is PasskiError {
  return (
    value instanceof PasskiError ||
    (value instanceof Error &&
      value.name === 'PasskiError' &&
      typeof Reflect.get(value, 'code') === 'string')
  );
}

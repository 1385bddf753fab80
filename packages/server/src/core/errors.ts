/**
 * Every failure that untrusted input can cause is an `AuthError` with a stable snake_case code.
 * The HTTP edge maps codes to statuses in one table (`http/errors.ts`); anything that is not an
 * `AuthError` is a bug or an outage and leaves the process only as `server_error`.
 */
export type ErrorCode =
  // Input
  | 'invalid_request'
  | 'payload_too_large'
  | 'headers_too_large'
  | 'request_timeout'
  | 'unsupported_media_type'
  | 'invalid_username'
  | 'not_found'
  // Accounts
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
  | 'rate_limited'
  // Integration
  | 'user_disabled'
  | 'invalid_token'
  | 'invalid_api_key'
  | 'external_id_taken'
  // Challenges (WebAuthn §13.4.3)
  | 'challenge_not_found'
  | 'challenge_expired'
  | 'challenge_used'
  | 'ceremony_mismatch'
  // Ceremony verification (WebAuthn §7.1 / §7.2)
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
  | 'database_unavailable'
  | 'server_error';

export class AuthError extends Error {
  readonly code: ErrorCode;
  /** Internal detail for logs; never sent to the client. */
  readonly detail: string | undefined;
  /** For `rate_limited`: seconds until the limit resets (sent as Retry-After). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts?: { detail?: string; cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, opts?.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AuthError';
    this.code = code;
    this.detail = opts?.detail;
    this.retryAfterSeconds = opts?.retryAfterSeconds;
  }
}

export function isAuthError(err: unknown): err is AuthError {
  return err instanceof AuthError;
}

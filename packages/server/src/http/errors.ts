import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode } from '../core/errors.js';

/**
 * Code → HTTP status, in one place. Failed ceremonies are 400 (the request was wrong for this
 * server), conflicts 409, a foreign Origin 403, an outage 503; only `server_error` is a 500.
 */
export const ERROR_STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_request: 400,
  payload_too_large: 413,
  headers_too_large: 431,
  request_timeout: 408,
  unsupported_media_type: 415,
  invalid_username: 400,
  not_found: 404,
  username_taken: 409,
  user_not_found: 404,
  unauthenticated: 401,
  forbidden_origin: 403,
  reauthentication_required: 403,
  recovery_session_limited: 403,
  last_credential: 409,
  passkey_limit_reached: 409,
  invalid_recovery_code: 400,
  rate_limited: 429,
  user_disabled: 403,
  invalid_token: 401,
  invalid_api_key: 401,
  external_id_taken: 409,
  challenge_not_found: 400,
  challenge_expired: 400,
  challenge_used: 400,
  ceremony_mismatch: 400,
  origin_mismatch: 400,
  cross_origin_not_allowed: 400,
  rp_id_mismatch: 400,
  user_presence_required: 400,
  user_verification_required: 400,
  unsupported_algorithm: 400,
  credential_id_too_long: 400,
  credential_already_registered: 409,
  credential_not_found: 400,
  credential_not_allowed: 400,
  user_handle_mismatch: 400,
  backup_eligibility_changed: 400,
  counter_regression: 400,
  verification_failed: 400,
  database_unavailable: 503,
  server_error: 500,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId?: string };
}

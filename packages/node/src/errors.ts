/**
 * Why a session JWT was refused. The codes are stable API strings: switch on `code`, never on
 * `message` (the message is plain words, safe to show, and never carries jose's internals).
 */
export type PasskiTokenErrorCode =
  | 'missing_token'
  | 'malformed_token'
  | 'invalid_signature'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_token_type'
  | 'unknown_key'
  | 'jwks_unavailable';

const TOKEN_MESSAGES: Readonly<Record<PasskiTokenErrorCode, string>> = {
  missing_token: 'No bearer token was sent.',
  malformed_token: 'The bearer token is not a well-formed Passki session token.',
  invalid_signature: 'The token signature is invalid.',
  token_expired: 'The token has expired.',
  token_not_yet_valid: 'The token is not valid yet.',
  wrong_issuer: 'The token was issued by another issuer.',
  wrong_audience: 'The token is meant for another audience.',
  wrong_token_type: 'The token is not a Passki session token.',
  unknown_key: 'The token was signed with an unknown key.',
  jwks_unavailable: 'The signing keys could not be fetched. Try again shortly.',
};

/**
 * A session JWT that cannot be trusted (`status` 401), or signing keys that cannot be fetched to
 * check it (`jwks_unavailable`, `status` 503: the token may be fine, the verifier cannot tell).
 * The underlying jose error, if any, is kept as `cause` for logs.
 *
 * @example
 * try {
 *   const claims = await verifier.verifyToken(request);
 * } catch (err) {
 *   if (err instanceof PasskiTokenError && err.code === 'token_expired') refreshAndRetry();
 *   else throw err;
 * }
 */
export class PasskiTokenError extends Error {
  readonly code: PasskiTokenErrorCode;
  readonly status: 401 | 503;

  constructor(code: PasskiTokenErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? TOKEN_MESSAGES[code], options);
    this.name = 'PasskiTokenError';
    this.code = code;
    this.status = code === 'jwks_unavailable' ? 503 : 401;
  }
}

/** The JSON body, status and headers that middleware answers a refused token with. */
export interface TokenErrorResponse {
  status: 401 | 503;
  headers: Record<string, string>;
  body: { error: { code: PasskiTokenErrorCode; message: string } };
}

export function tokenErrorResponse(err: PasskiTokenError): TokenErrorResponse {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  };
  // RFC 6750 §3: a 401 carries a Bearer challenge; a request without credentials gets no error
  // code ("the resource server SHOULD NOT include an error code"), a refused token gets
  // invalid_token. The description stays in the body: it needs no quoting rules there.
  if (err.status === 401) {
    headers['www-authenticate'] =
      err.code === 'missing_token' ? 'Bearer' : 'Bearer error="invalid_token"';
  }
  return {
    status: err.status,
    headers,
    body: { error: { code: err.code, message: err.message } },
  };
}

/**
 * An admin API call the server refused, with the server's own error `code` (`invalid_api_key`,
 * `not_found`, `username_taken`, …), the HTTP `status` and the `requestId` to find it in the
 * server's logs. A response that is not Passki's JSON error (a proxy's HTML page, say) has the code
 * `unexpected_response`.
 */
export class PasskiAdminError extends Error {
  readonly code: string;
  readonly status: number;
  readonly requestId: string | undefined;

  constructor(
    init: { code: string; status: number; message: string; requestId?: string | undefined },
    options?: { cause?: unknown },
  ) {
    super(init.message, options);
    this.name = 'PasskiAdminError';
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
  }
}

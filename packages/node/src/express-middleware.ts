import type { IncomingMessage, ServerResponse } from 'node:http';
import { PasskiTokenError, tokenErrorResponse } from './errors.js';
import type { PasskiClaims, PasskiVerifier } from './verify-token.js';

declare module 'http' {
  interface IncomingMessage {
    /** Set by `expressMiddleware()` once the request's session JWT has been verified. */
    passki?: PasskiClaims;
  }
}

/** The `(req, res, next)` signature of Express, Connect, Polka and plain Node servers. */
export type NodeMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

/**
 * Middleware for Express (and anything with `(req, res, next)`): verifies the request's
 * `Authorization: Bearer` session JWT and sets `req.passki`, or answers 401 (503 when the keys
 * cannot be fetched) with `{"error": {"code", "message"}}` and does not call `next`. Errors that
 * are not about the token (a bug) go to `next(err)`.
 *
 * @example
 * app.get('/api/me', expressMiddleware(verifier), (req, res) => {
 *   res.json({ userId: getPasskiClaims(req).userId });
 * });
 */
export function expressMiddleware(verifier: PasskiVerifier): NodeMiddleware {
  return function passkiMiddleware(req, res, next): void {
    authenticate(verifier, req, res, next).catch(next);
  };
}

async function authenticate(
  verifier: PasskiVerifier,
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
): Promise<void> {
  let claims: PasskiClaims;
  try {
    claims = await verifier.verifyToken(req);
  } catch (err) {
    if (!(err instanceof PasskiTokenError) || res.headersSent) throw err;
    const { status, headers, body } = tokenErrorResponse(err);
    const json = JSON.stringify(body);
    res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(json) }).end(json);
    return;
  }
  req.passki = claims;
  next();
}

/**
 * The claims `expressMiddleware()` verified for this request. Throws a `TypeError` when the
 * middleware did not run before the handler (a wiring mistake, not a bad token).
 */
export function getPasskiClaims(req: IncomingMessage): PasskiClaims {
  if (req.passki === undefined) {
    throw new TypeError('getPasskiClaims: expressMiddleware(verifier) did not run for this route');
  }
  return req.passki;
}

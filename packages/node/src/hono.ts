// `@passki/node/hono`: kept out of the main entry so that Express users never need hono, not
// even its types. Only types are imported from hono; nothing of it is loaded at run time.
import type { MiddlewareHandler } from 'hono';
import { PasskiTokenError, tokenErrorResponse } from './errors.js';
import type { PasskiClaims, PasskiVerifier } from './verify-token.js';

/** Hono environment for apps and routes behind `honoMiddleware()`: `c.var.passki` is typed. */
export interface PasskiEnv {
  Variables: { passki: PasskiClaims };
}

/**
 * Hono middleware: verifies the request's `Authorization: Bearer` session JWT and sets
 * `c.var.passki`, or answers 401 (503 when the keys cannot be fetched) with
 * `{"error": {"code", "message"}}`.
 *
 * @example
 * const app = new Hono<PasskiEnv>();
 * app.use('/api/*', honoMiddleware(verifier));
 * app.get('/api/me', (c) => c.json({ userId: c.var.passki.userId }));
 */
export function honoMiddleware(verifier: PasskiVerifier): MiddlewareHandler<PasskiEnv> {
  return async function passkiMiddleware(c, next): Promise<Response | undefined> {
    let claims: PasskiClaims;
    try {
      claims = await verifier.verifyToken(c.req.raw);
    } catch (err) {
      if (!(err instanceof PasskiTokenError)) throw err;
      const { status, headers, body } = tokenErrorResponse(err);
      return c.json(body, status, headers);
    }
    c.set('passki', claims);
    await next();
    return undefined;
  };
}

export type { PasskiClaims, PasskiVerifier } from './verify-token.js';

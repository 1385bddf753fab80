// Every /api/ route needs a valid Passki session JWT in `Authorization: Bearer ...`; the route
// then finds the verified claims in `Astro.locals.passki`. Nothing else is trusted: not a cookie,
// not a user id the page sends.

import { defineMiddleware } from 'astro:middleware';
import { PasskiTokenError } from '@passki/node';
import { passkiVerifier } from './lib/passki';

export const onRequest = defineMiddleware(async (context, next) => {
  if (!context.url.pathname.startsWith('/api/')) return next();
  try {
    context.locals.passki = await passkiVerifier().verifyToken(context.request);
  } catch (error) {
    if (!(error instanceof PasskiTokenError)) throw error;
    // RFC 6750 §3: no token at all gets a bare challenge; a bad one says invalid_token.
    const challenge = error.code === 'missing_token' ? 'Bearer' : 'Bearer error="invalid_token"';
    return Response.json(
      { error: { code: error.code, message: error.message } },
      {
        status: error.status,
        headers: {
          'cache-control': 'no-store',
          ...(error.status === 401 ? { 'www-authenticate': challenge } : {}),
        },
      },
    );
  }
  const response = await next();
  response.headers.set('cache-control', 'no-store');
  return response;
});

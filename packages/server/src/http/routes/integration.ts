import { z } from 'zod';
import { finishEnrollment, startEnrollment } from '../../integration/enroll.js';
import { redeemSignInTicket } from '../../integration/ticket.js';
import { mintSessionJwt } from '../../tokens/session-jwt.js';
import { signedInOf } from '../authenticate.js';
import type { AppDeps } from '../context.js';
import { setSessionCookie } from '../cookies.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { creationOptionsView, errorView, registrationResponse, signedInView } from '../schemas.js';
import { sessionView, userView } from '../views.js';
import { clientInfo } from './auth.js';

const tokenField = z.string().min(1).max(128);

/** JWTs, JWKS, one-time sign-in tokens and enrolment: how other apps trust and use Passki. */
export function integrationRoutes(deps: AppDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/token',
      tag: 'Tokens',
      summary: 'Mint a short-lived session JWT (ES256) from the session cookie',
      auth: 'session',
      body: z.object({}),
      responses: {
        200: {
          description: 'The JWT and when it expires',
          schema: z.object({ token: z.string(), expiresAt: z.string() }),
        },
        403: { description: '`recovery_session_limited`', schema: errorView },
      },
      handler: async (c) => {
        const found = signedInOf(c);
        const { token, expiresAt } = await mintSessionJwt(deps, found.session, found.user);
        return c.json({ token, expiresAt: new Date(expiresAt).toISOString() });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/.well-known/jwks.json',
      tag: 'Tokens',
      summary: 'Public keys that verify session JWTs (cached for 5 minutes)',
      responses: {
        200: {
          description: 'JWK Set with public members only',
          schema: z.object({
            keys: z.array(
              z.object({
                kty: z.string(),
                crv: z.string(),
                x: z.string(),
                y: z.string(),
                kid: z.string(),
                alg: z.string(),
                use: z.string(),
              }),
            ),
          }),
        },
      },
      handler: async (c) => {
        // Bounded: verifiers refetch on an unknown kid anyway, and retired keys stay published
        // longer than this after a rotation.
        c.header('Cache-Control', 'public, max-age=300');
        return c.json(await deps.keys.jwks());
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/sign-in/ticket',
      tag: 'Sign-in',
      summary: 'Redeem a one-time sign-in token (from the admin API) for a session, exactly once',
      body: z.object({ token: tokenField }),
      responses: {
        200: { description: 'Signed in; sets the session cookie', schema: signedInView },
        401: { description: '`invalid_token`: unknown, used or expired', schema: errorView },
        403: { description: '`user_disabled`', schema: errorView },
      },
      handler: async (c, body) => {
        const result = await redeemSignInTicket(deps, body.token, clientInfo(c));
        setSessionCookie(c, deps.config, result.token, result.session, deps.clock.now());
        c.header('Referrer-Policy', 'no-referrer');
        return c.json({ user: userView(result.user), session: sessionView(result.session) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/enroll/options',
      tag: 'Enrolment',
      summary: 'Start registering a passkey with an enrolment token (no session needed)',
      body: z.object({ token: tokenField }),
      responses: {
        200: { description: 'Creation options', schema: creationOptionsView },
        401: { description: '`invalid_token`', schema: errorView },
        403: { description: '`user_disabled`', schema: errorView },
      },
      handler: async (c, body) => c.json({ options: await startEnrollment(deps, body.token) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/enroll/verify',
      tag: 'Enrolment',
      summary: 'Finish registering; the enrolment token is used up with the new passkey',
      body: z.object({ token: tokenField, response: registrationResponse }),
      responses: {
        200: {
          description: 'The user and the new passkey (no session is created)',
          schema: z.object({
            user: z.object({
              id: z.string(),
              username: z.string(),
              displayName: z.string(),
              createdAt: z.string(),
            }),
            passkey: z.record(z.string(), z.unknown()),
          }),
        },
        400: { description: 'Failed verification', schema: errorView },
        401: { description: '`invalid_token`', schema: errorView },
        403: { description: '`user_disabled`', schema: errorView },
        409: { description: '`credential_already_registered`', schema: errorView },
      },
      handler: async (c, body) => {
        const { user, passkey } = await finishEnrollment(
          deps,
          body.token,
          body.response as never,
          clientInfo(c),
        );
        return c.json({ user: userView(user), passkey });
      },
    }),
  ];
}

import type { Context } from 'hono';
import { z } from 'zod';
import type { ClientInfo } from '../../ceremonies/context.js';
import {
  finishSignIn,
  finishSignInForResult,
  hideFailure,
  startSignIn,
} from '../../ceremonies/sign-in.js';
import { finishSignUp, startSignUp } from '../../ceremonies/sign-up.js';
import { endSession } from '../../sessions/sessions.js';
import { signedInOf } from '../authenticate.js';
import type { AppDeps, AppEnv } from '../context.js';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from '../cookies.js';
import { defineRoute, type RouteSpec } from '../route.js';
import {
  creationOptionsView,
  errorView,
  requestOptionsView,
  signedInView,
  signInOptionsBody,
  signInResultView,
  signInVerifyBody,
  signUpOptionsBody,
  signUpVerifyBody,
} from '../schemas.js';
import { sessionView, userView } from '../views.js';

const failed = { description: 'Failed verification or bad input', schema: errorView };

/** Who is asking, resolved once per request by the app's first middleware. */
export function clientInfo(c: Context<AppEnv>): ClientInfo {
  return c.get('client');
}

export function authRoutes(deps: AppDeps): RouteSpec[] {
  const signedIn = (
    c: Context<AppEnv>,
    result: Awaited<ReturnType<typeof finishSignIn>>,
  ): Response => {
    setSessionCookie(c, deps.config, result.token, result.session, deps.clock.now());
    return c.json({ user: userView(result.user), session: sessionView(result.session) });
  };

  return [
    defineRoute({
      method: 'post',
      path: '/v1/sign-up/options',
      tag: 'Sign-up',
      summary: 'Start a sign-up: creation options for a new account with this username',
      body: signUpOptionsBody,
      responses: {
        200: { description: 'Creation options', schema: creationOptionsView },
        400: { description: '`invalid_username` or `invalid_request`', schema: errorView },
        409: { description: '`username_taken`', schema: errorView },
      },
      handler: async (c, body) => c.json({ options: await startSignUp(deps, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/sign-up/verify',
      tag: 'Sign-up',
      summary: 'Finish a sign-up: verify the new passkey, create the account and a session',
      body: signUpVerifyBody,
      responses: {
        200: { description: 'Signed in; sets the session cookie', schema: signedInView },
        400: failed,
        409: {
          description: '`username_taken` or `credential_already_registered`',
          schema: errorView,
        },
      },
      handler: async (c, body) =>
        signedIn(c, await finishSignUp(deps, body.response as never, clientInfo(c))),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/sign-in/options',
      tag: 'Sign-in',
      summary: 'Start a sign-in: request options, for one user or for discoverable credentials',
      body: signInOptionsBody,
      responses: {
        200: { description: 'Request options', schema: requestOptionsView },
        400: { description: '`invalid_username` or `invalid_request`', schema: errorView },
        404: { description: '`user_not_found`', schema: errorView },
      },
      handler: async (c, body) => c.json({ options: await startSignIn(deps, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/sign-in/verify',
      tag: 'Sign-in',
      summary:
        'Finish a sign-in: verify the assertion and create a session (or a one-time sign-in result)',
      body: signInVerifyBody,
      responses: {
        200: {
          description:
            'Signed in and the session cookie set; with `result: true`, a sign-in result and no session',
          schema: z.union([signedInView, signInResultView]),
        },
        400: failed,
        403: { description: '`user_disabled`', schema: errorView },
      },
      handler: async (c, body) => {
        if (body.result === true) {
          const { user, result, expiresAt } = await hideFailure(deps, () =>
            finishSignInForResult(deps, body.response as never, clientInfo(c)),
          );
          return c.json({
            user: userView(user),
            signInResult: { token: result, expiresAt: new Date(expiresAt).toISOString() },
          });
        }
        return signedIn(
          c,
          await hideFailure(deps, () => finishSignIn(deps, body.response as never, clientInfo(c))),
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/session',
      tag: 'Session',
      summary: 'The signed-in user and session',
      auth: 'session',
      responses: {
        200: { description: 'Signed in', schema: signedInView },
      },
      handler: async (c) => {
        const found = signedInOf(c);
        return c.json({ user: userView(found.user), session: sessionView(found.session) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/sign-out',
      tag: 'Session',
      summary: 'End the session server-side and clear the cookie',
      auth: 'optionalSession',
      responses: {
        204: { description: 'Signed out (also when there was no session)' },
      },
      handler: async (c) => {
        await endSession(deps, readSessionCookie(c, deps.config));
        clearSessionCookie(c, deps.config);
        return c.body(null, 204);
      },
    }),
  ];
}

import type { Context } from 'hono';
import { z } from 'zod';
import {
  deletePasskey,
  finishAddPasskey,
  listPasskeys,
  renamePasskey,
  startAddPasskey,
} from '../../account/passkeys.js';
import {
  countRecoveryCodes,
  recoverWithCode,
  regenerateRecoveryCodes,
} from '../../account/recovery.js';
import { listSessions, revokeOtherSessions, revokeSession } from '../../account/sessions.js';
import { finishReauth, startReauth } from '../../account/step-up.js';
import { toBase64Url } from '../../core/encoding.js';
import { AuthError } from '../../core/errors.js';
import { readSession } from '../../sessions/sessions.js';
import type { SessionRecord, UserRecord } from '../../storage/records.js';
import type { AppDeps, AppEnv } from '../context.js';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from '../cookies.js';
import { defineRoute, type RouteSpec } from '../route.js';
import {
  authenticationResponse,
  creationOptionsView,
  errorView,
  passkeySchema,
  registrationResponse,
  requestOptionsView,
  sessionListItemSchema,
  signedInView,
} from '../schemas.js';
import { sessionView, userView } from '../views.js';
import { clientInfo } from './auth.js';

const passkeyListView = z.object({
  passkeys: z.array(passkeySchema),
  signals: z
    .object({ rpId: z.string(), userId: z.string(), name: z.string(), displayName: z.string() })
    .describe('For PublicKeyCredential.signalAllAcceptedCredentials / signalCurrentUserDetails'),
});

const sessionListView = z.object({
  sessions: z.array(sessionListItemSchema.extend({ current: z.boolean() })),
});

const stepUp = {
  description:
    '`reauthentication_required` (run /v1/me/reauth first) or `recovery_session_limited`',
  schema: errorView,
};
const unauthenticated = { description: '`unauthenticated`', schema: errorView };
const notFound = { description: '`not_found`: not one of your own', schema: errorView };

export function meRoutes(deps: AppDeps): RouteSpec[] {
  const current = async (
    c: Context<AppEnv>,
  ): Promise<{ session: SessionRecord; user: UserRecord }> => {
    const found = await readSession(deps, readSessionCookie(c, deps.config));
    if (found === null) throw new AuthError('unauthenticated', 'You are not signed in.');
    return found;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/v1/me/passkeys',
      tag: 'Account',
      summary: "The signed-in user's passkeys, and what the browser's Signal API needs",
      cookieAuth: true,
      responses: {
        200: { description: 'Passkeys', schema: passkeyListView },
        401: unauthenticated,
        403: stepUp,
      },
      handler: async (c) => {
        const { session, user } = await current(c);
        const passkeys = await listPasskeys(deps, session);
        return c.json({
          passkeys,
          signals: {
            rpId: deps.config.rpId,
            userId: toBase64Url(user.userHandle),
            name: user.username,
            displayName: user.displayName,
          },
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/passkeys/options',
      tag: 'Account',
      summary: 'Start adding a passkey (step-up, or a recovery session)',
      cookieAuth: true,
      body: z.object({}),
      responses: {
        200: { description: 'Creation options', schema: creationOptionsView },
        401: unauthenticated,
        403: stepUp,
        409: { description: '`passkey_limit_reached`', schema: errorView },
      },
      handler: async (c) =>
        c.json({ options: await startAddPasskey(deps, (await current(c)).session) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/passkeys/verify',
      tag: 'Account',
      summary: 'Finish adding a passkey',
      cookieAuth: true,
      body: z.object({ response: registrationResponse }),
      responses: {
        200: { description: 'The new passkey', schema: z.object({ passkey: passkeySchema }) },
        400: { description: 'Failed verification', schema: errorView },
        401: unauthenticated,
        403: stepUp,
        409: {
          description: '`credential_already_registered` or `passkey_limit_reached`',
          schema: errorView,
        },
      },
      handler: async (c, body) => {
        const { session } = await current(c);
        const passkey = await finishAddPasskey(
          deps,
          session,
          body.response as never,
          clientInfo(c),
        );
        return c.json({ passkey });
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/v1/me/passkeys/{id}',
      tag: 'Account',
      summary: 'Rename a passkey (step-up)',
      cookieAuth: true,
      body: z.object({ name: z.string().max(256) }),
      responses: {
        204: { description: 'Renamed' },
        400: { description: '`invalid_request`', schema: errorView },
        401: unauthenticated,
        403: stepUp,
        404: notFound,
      },
      handler: async (c, body) => {
        await renamePasskey(
          deps,
          (await current(c)).session,
          c.req.param('id') ?? '',
          body.name,
          clientInfo(c),
        );
        return c.body(null, 204);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/me/passkeys/{id}',
      tag: 'Account',
      summary: 'Delete a passkey (step-up); the sessions it signed in end',
      cookieAuth: true,
      responses: {
        204: { description: 'Deleted' },
        401: unauthenticated,
        403: stepUp,
        404: notFound,
        409: { description: '`last_credential`', schema: errorView },
      },
      handler: async (c) => {
        const { endedThisSession } = await deletePasskey(
          deps,
          (await current(c)).session,
          c.req.param('id') ?? '',
          clientInfo(c),
        );
        if (endedThisSession) clearSessionCookie(c, deps.config);
        return c.body(null, 204);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/sessions',
      tag: 'Account',
      summary: "The signed-in user's active sessions",
      cookieAuth: true,
      responses: {
        200: { description: 'Sessions, newest first', schema: sessionListView },
        401: unauthenticated,
        403: stepUp,
      },
      handler: async (c) =>
        c.json({ sessions: await listSessions(deps, (await current(c)).session) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/me/sessions/{id}',
      tag: 'Account',
      summary: 'End a session: this one (sign out) or another (step-up)',
      cookieAuth: true,
      responses: {
        204: { description: 'Ended' },
        401: unauthenticated,
        403: stepUp,
        404: notFound,
      },
      handler: async (c) => {
        const { endedThisSession } = await revokeSession(
          deps,
          (await current(c)).session,
          c.req.param('id') ?? '',
          clientInfo(c),
        );
        if (endedThisSession) clearSessionCookie(c, deps.config);
        return c.body(null, 204);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/me/sessions',
      tag: 'Account',
      summary: 'End every other session (step-up)',
      cookieAuth: true,
      responses: {
        200: { description: 'How many ended', schema: z.object({ ended: z.number() }) },
        401: unauthenticated,
        403: stepUp,
      },
      handler: async (c) =>
        c.json({
          ended: await revokeOtherSessions(deps, (await current(c)).session, clientInfo(c)),
        }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/reauth/options',
      tag: 'Account',
      summary:
        'Start a step-up: request options for one of your passkeys, user verification required',
      cookieAuth: true,
      body: z.object({}),
      responses: {
        200: { description: 'Request options', schema: requestOptionsView },
        401: unauthenticated,
        403: stepUp,
      },
      handler: async (c) =>
        c.json({ options: await startReauth(deps, (await current(c)).session) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/reauth/verify',
      tag: 'Account',
      summary: 'Finish a step-up: sensitive changes are allowed for the re-authentication window',
      cookieAuth: true,
      body: z.object({ response: authenticationResponse }),
      responses: {
        200: { description: 'Verified', schema: z.object({ verifiedAt: z.string() }) },
        400: { description: 'Failed verification', schema: errorView },
        401: unauthenticated,
        403: stepUp,
      },
      handler: async (c, body) => {
        const { verifiedAt } = await finishReauth(
          deps,
          (await current(c)).session,
          body.response as never,
          clientInfo(c),
        );
        return c.json({ verifiedAt: new Date(verifiedAt).toISOString() });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/me/recovery-codes',
      tag: 'Account',
      summary: 'How many unused recovery codes remain',
      cookieAuth: true,
      responses: {
        200: { description: 'Remaining codes', schema: z.object({ remaining: z.number() }) },
        401: unauthenticated,
      },
      handler: async (c) =>
        c.json({ remaining: await countRecoveryCodes(deps, (await current(c)).session) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/recovery-codes',
      tag: 'Account',
      summary:
        'Create 10 new recovery codes, shown once; the old set stops working (step-up, or a recovery session)',
      cookieAuth: true,
      body: z.object({}),
      responses: {
        200: { description: 'The new codes', schema: z.object({ codes: z.array(z.string()) }) },
        401: unauthenticated,
        403: stepUp,
      },
      handler: async (c) => {
        const codes = await regenerateRecoveryCodes(
          deps,
          (await current(c)).session,
          clientInfo(c),
        );
        c.header('Referrer-Policy', 'no-referrer');
        return c.json({ codes });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/recover',
      tag: 'Account',
      summary:
        'Sign in with a recovery code: a recovery session that may only add a passkey and manage codes',
      body: z.object({ username: z.string().max(256), code: z.string().max(64) }),
      responses: {
        200: { description: 'Recovery session; sets the session cookie', schema: signedInView },
        400: { description: '`invalid_recovery_code`', schema: errorView },
        429: { description: '`rate_limited`, with Retry-After', schema: errorView },
      },
      handler: async (c, body) => {
        const result = await recoverWithCode(deps, body, clientInfo(c));
        setSessionCookie(c, deps.config, result.token, result.session, deps.clock.now());
        return c.json({ user: userView(result.user), session: sessionView(result.session) });
      },
    }),
  ];
}

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
import { signedInOf } from '../authenticate.js';
import type { AppDeps } from '../context.js';
import { clearSessionCookie, setSessionCookie } from '../cookies.js';
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
const notFound = { description: '`not_found`: not one of your own', schema: errorView };

export function meRoutes(deps: AppDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/me/passkeys',
      tag: 'Account',
      summary: "The signed-in user's passkeys, and what the browser's Signal API needs",
      auth: 'session',
      responses: {
        200: { description: 'Passkeys', schema: passkeyListView },
        403: stepUp,
      },
      handler: async (c) => {
        const { session, user } = signedInOf(c);
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
      auth: 'session',
      body: z.object({}),
      responses: {
        200: { description: 'Creation options', schema: creationOptionsView },
        403: stepUp,
        409: { description: '`passkey_limit_reached`', schema: errorView },
      },
      handler: async (c) => c.json({ options: await startAddPasskey(deps, signedInOf(c).session) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/passkeys/verify',
      tag: 'Account',
      summary: 'Finish adding a passkey',
      auth: 'session',
      body: z.object({ response: registrationResponse }),
      responses: {
        200: { description: 'The new passkey', schema: z.object({ passkey: passkeySchema }) },
        400: { description: 'Failed verification', schema: errorView },
        403: stepUp,
        409: {
          description: '`credential_already_registered` or `passkey_limit_reached`',
          schema: errorView,
        },
      },
      handler: async (c, body) => {
        const { session } = signedInOf(c);
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
      auth: 'session',
      // Past 256 code units the body is refused outright, in the words of the core's check.
      body: z.object({ name: z.string().max(256, 'must be 1 to 64 characters') }),
      responses: {
        204: { description: 'Renamed' },
        400: { description: '`invalid_request`', schema: errorView },
        403: stepUp,
        404: notFound,
      },
      handler: async (c, body) => {
        await renamePasskey(
          deps,
          signedInOf(c).session,
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
      auth: 'session',
      responses: {
        204: { description: 'Deleted' },
        403: stepUp,
        404: notFound,
        409: { description: '`last_credential`', schema: errorView },
      },
      handler: async (c) => {
        const { endedThisSession } = await deletePasskey(
          deps,
          signedInOf(c).session,
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
      auth: 'session',
      responses: {
        200: { description: 'Sessions, newest first', schema: sessionListView },
        403: stepUp,
      },
      handler: async (c) => c.json({ sessions: await listSessions(deps, signedInOf(c).session) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/v1/me/sessions/{id}',
      tag: 'Account',
      summary: 'End a session: this one (sign out) or another (step-up)',
      auth: 'session',
      responses: {
        204: { description: 'Ended' },
        403: stepUp,
        404: notFound,
      },
      handler: async (c) => {
        const { endedThisSession } = await revokeSession(
          deps,
          signedInOf(c).session,
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
      auth: 'session',
      responses: {
        200: { description: 'How many ended', schema: z.object({ ended: z.number() }) },
        403: stepUp,
      },
      handler: async (c) =>
        c.json({
          ended: await revokeOtherSessions(deps, signedInOf(c).session, clientInfo(c)),
        }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/reauth/options',
      tag: 'Account',
      summary:
        'Start a step-up: request options for one of your passkeys, user verification required',
      auth: 'session',
      body: z.object({}),
      responses: {
        200: { description: 'Request options', schema: requestOptionsView },
        403: stepUp,
      },
      handler: async (c) => c.json({ options: await startReauth(deps, signedInOf(c).session) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/reauth/verify',
      tag: 'Account',
      summary: 'Finish a step-up: sensitive changes are allowed for the re-authentication window',
      auth: 'session',
      body: z.object({ response: authenticationResponse }),
      responses: {
        200: { description: 'Verified', schema: z.object({ verifiedAt: z.string() }) },
        400: { description: 'Failed verification', schema: errorView },
        403: stepUp,
      },
      handler: async (c, body) => {
        const { verifiedAt } = await finishReauth(
          deps,
          signedInOf(c).session,
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
      auth: 'session',
      responses: {
        200: { description: 'Remaining codes', schema: z.object({ remaining: z.number() }) },
      },
      handler: async (c) =>
        c.json({ remaining: await countRecoveryCodes(deps, signedInOf(c).session) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/me/recovery-codes',
      tag: 'Account',
      summary:
        'Create 10 new recovery codes, shown once; the old set stops working (step-up, or a recovery session)',
      auth: 'session',
      body: z.object({}),
      responses: {
        200: { description: 'The new codes', schema: z.object({ codes: z.array(z.string()) }) },
        403: stepUp,
      },
      handler: async (c) => {
        const codes = await regenerateRecoveryCodes(deps, signedInOf(c).session, clientInfo(c));
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
        403: {
          description: '`user_disabled`: the code matched a disabled account (it stays unused)',
          schema: errorView,
        },
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

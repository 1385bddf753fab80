import type { Context } from 'hono';
import { z } from 'zod';
import { passkeyId, passkeyView } from '../../account/passkeys.js';
import { liveSessionViews } from '../../account/sessions.js';
import {
  adminUserView,
  createUser,
  deleteUser,
  getUser,
  issueUserToken,
  setDisabled,
  updateUser,
} from '../../admin/users.js';
import type { ClientInfo } from '../../ceremonies/context.js';
import { toBase64Url } from '../../core/encoding.js';
import { AuthError } from '../../core/errors.js';
import { redeemOneTimeToken } from '../../tokens/one-time.js';
import { apiKeyOf } from '../authenticate.js';
import type { AppDeps, AppEnv } from '../context.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorView, passkeySchema, queryInteger, sessionListItemSchema } from '../schemas.js';
import { clientInfo } from './auth.js';

const adminUser = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  externalId: z.string().nullable(),
  createdAt: z.string(),
  disabledAt: z.string().nullable(),
  publicMetadata: z.record(z.string(), z.unknown()).describe('Copied into session JWTs'),
  privateMetadata: z.record(z.string(), z.unknown()).describe('Never leaves the admin API'),
});
const metadata = z
  .record(z.string(), z.unknown())
  .describe('JSON object, at most 8 KiB and 10 levels');
const issuedToken = z.object({ token: z.string().describe('Shown once'), expiresAt: z.string() });

const notFound = { description: '`not_found`', schema: errorView };

/**
 * The admin API: Bearer API key on every route (no key exists until an operator creates one).
 * These routes never answer CORS, and may be served on their own listener (PASSKI_ADMIN_PORT).
 */
export function adminRoutes(deps: AppDeps): RouteSpec[] {
  /** Who acts, for the audit log: the key was checked before the handler (`auth: 'apiKey'`). */
  const actor = (c: Context<AppEnv>): { keyId: string; client: ClientInfo } => ({
    keyId: apiKeyOf(c).id,
    client: clientInfo(c),
  });
  const id = (c: Context<AppEnv>): string => c.req.param('id') ?? '';
  const route = <B extends z.ZodType, Q extends z.ZodType = z.ZodType>(
    spec: Omit<RouteSpec<B, Q>, 'tag'>,
  ): RouteSpec =>
    defineRoute({
      ...spec,
      tag: 'Admin',
      auth: 'apiKey',
    }) as unknown as RouteSpec;
  /** One-time tokens for a user: the two kinds differ only in purpose and allowed lifetime. */
  const tokenRoute = (spec: {
    purpose: 'sign_in' | 'enrollment';
    path: string;
    summary: string;
    ttlSeconds: { min: number; max: number };
  }): RouteSpec =>
    route({
      method: 'post',
      path: spec.path,
      summary: spec.summary,
      body: z.object({
        ttlSeconds: z.number().int().min(spec.ttlSeconds.min).max(spec.ttlSeconds.max).optional(),
      }),
      responses: {
        201: { description: 'The token, shown once', schema: issuedToken },
        403: { description: '`user_disabled`', schema: errorView },
        404: notFound,
      },
      handler: async (c, body) => {
        const issued = await issueUserToken(deps, id(c), spec.purpose, body.ttlSeconds, actor(c));
        return c.json(
          { token: issued.token, expiresAt: new Date(issued.expiresAt).toISOString() },
          201,
        );
      },
    });

  return [
    route({
      method: 'post',
      path: '/v1/admin/users',
      summary: 'Create a user (no passkey yet; enrol one with an enrolment token)',
      body: z.object({
        username: z.string().max(256),
        displayName: z.string().max(256).optional(),
        externalId: z.string().max(255).nullish().describe("Your app's own id for this user"),
        publicMetadata: metadata.optional(),
        privateMetadata: metadata.optional(),
      }),
      responses: {
        201: { description: 'Created', schema: z.object({ user: adminUser }) },
        400: { description: '`invalid_username` or `invalid_request`', schema: errorView },
        409: { description: '`username_taken` or `external_id_taken`', schema: errorView },
      },
      handler: async (c, body) =>
        c.json({ user: adminUserView(await createUser(deps, body as never, actor(c))) }, 201),
    }),
    route({
      method: 'get',
      path: '/v1/admin/users',
      summary:
        'List users (cursor pagination; `query` matches a username prefix or an exact externalId)',
      query: z.object({
        limit: queryInteger({ min: 1, max: 200 }).default(50).describe('Page size, 1 to 200'),
        cursor: z.string().max(64).optional().describe('nextCursor of the previous page'),
        query: z.string().max(255).optional().describe('Username prefix or exact externalId'),
      }),
      responses: {
        200: {
          description: 'A page of users',
          schema: z.object({ users: z.array(adminUser), nextCursor: z.string().nullable() }),
        },
        400: { description: '`invalid_request`', schema: errorView },
      },
      handler: async (c, _body, q) => {
        const users = await deps.store.users.list({
          limit: q.limit,
          ...(q.cursor ? { cursor: q.cursor } : {}),
          ...(q.query ? { query: q.query } : {}),
        });
        return c.json({
          users: users.map(adminUserView),
          nextCursor: users.length === q.limit ? (users[users.length - 1]?.id ?? null) : null,
        });
      },
    }),
    route({
      method: 'get',
      path: '/v1/admin/users/{id}',
      summary: 'Get a user',
      responses: {
        200: { description: 'The user', schema: z.object({ user: adminUser }) },
        404: notFound,
      },
      handler: async (c) => {
        return c.json({ user: adminUserView(await getUser(deps, id(c))) });
      },
    }),
    route({
      method: 'patch',
      path: '/v1/admin/users/{id}',
      summary: 'Update displayName, externalId and metadata (other fields are ignored)',
      body: z.object({
        displayName: z.string().max(256).optional(),
        externalId: z.string().max(255).nullish(),
        publicMetadata: metadata.optional(),
        privateMetadata: metadata.optional(),
      }),
      responses: {
        200: { description: 'The updated user', schema: z.object({ user: adminUser }) },
        404: notFound,
        409: { description: '`external_id_taken`', schema: errorView },
      },
      handler: async (c, body) =>
        c.json({
          user: adminUserView(await updateUser(deps, id(c), body as never, actor(c))),
        }),
    }),
    route({
      method: 'delete',
      path: '/v1/admin/users/{id}',
      summary: 'Delete a user with its passkeys and sessions',
      responses: { 204: { description: 'Deleted' }, 404: notFound },
      handler: async (c) => {
        await deleteUser(deps, id(c), actor(c));
        return c.body(null, 204);
      },
    }),
    route({
      method: 'post',
      path: '/v1/admin/users/{id}/disable',
      summary: 'Disable a user: sessions end at once; no sign-in or token until enabled',
      body: z.object({}),
      responses: {
        200: { description: 'The user', schema: z.object({ user: adminUser }) },
        404: notFound,
      },
      handler: async (c) =>
        c.json({ user: adminUserView(await setDisabled(deps, id(c), true, actor(c))) }),
    }),
    route({
      method: 'post',
      path: '/v1/admin/users/{id}/enable',
      summary: 'Enable a disabled user',
      body: z.object({}),
      responses: {
        200: { description: 'The user', schema: z.object({ user: adminUser }) },
        404: notFound,
      },
      handler: async (c) =>
        c.json({ user: adminUserView(await setDisabled(deps, id(c), false, actor(c))) }),
    }),
    route({
      method: 'get',
      path: '/v1/admin/users/{id}/passkeys',
      summary: "A user's passkeys",
      responses: {
        200: {
          description: 'Passkeys',
          schema: z.object({ passkeys: z.array(passkeySchema) }),
        },
        404: notFound,
      },
      handler: async (c) => {
        const user = await getUser(deps, id(c));
        const credentials = await deps.store.credentials.listByUser(user.id);
        return c.json({
          passkeys: credentials.map((cred) => passkeyView(cred, deps.providers(cred.aaguid), null)),
        });
      },
    }),
    route({
      method: 'delete',
      path: '/v1/admin/users/{id}/passkeys/{credentialId}',
      summary: "Delete one of a user's passkeys (the sessions it signed in end)",
      responses: { 204: { description: 'Deleted' }, 404: notFound },
      handler: async (c) => {
        const who = actor(c);
        const credentialId = passkeyId(c.req.param('credentialId') ?? '');
        if (!(await deps.store.credentials.delete(id(c), credentialId)))
          throw new AuthError('not_found', 'No such passkey.');
        await deps.store.audit.record({
          at: deps.clock.now(),
          type: 'admin_passkey_deleted',
          userId: id(c),
          credentialId,
          ip: who.client.ip,
          userAgent: who.client.userAgent,
          detail: `api_key:${who.keyId}`,
        });
        return c.body(null, 204);
      },
    }),
    route({
      method: 'get',
      path: '/v1/admin/users/{id}/sessions',
      summary: "A user's active sessions",
      responses: {
        200: {
          description: 'Sessions',
          schema: z.object({ sessions: z.array(sessionListItemSchema) }),
        },
        404: notFound,
      },
      handler: async (c) => {
        const user = await getUser(deps, id(c));
        return c.json({ sessions: await liveSessionViews(deps, user.id) });
      },
    }),
    route({
      method: 'delete',
      path: '/v1/admin/users/{id}/sessions',
      summary: "End all of a user's sessions",
      responses: {
        200: { description: 'How many ended', schema: z.object({ ended: z.number() }) },
        404: notFound,
      },
      handler: async (c) => {
        const who = actor(c);
        const user = await getUser(deps, id(c));
        const ended = await deps.store.sessions.deleteByUser(user.id);
        await deps.store.audit.record({
          at: deps.clock.now(),
          type: 'admin_sessions_revoked',
          userId: user.id,
          ip: who.client.ip,
          userAgent: who.client.userAgent,
          detail: `api_key:${who.keyId}`,
        });
        return c.json({ ended });
      },
    }),
    route({
      method: 'delete',
      path: '/v1/admin/users/{id}/sessions/{sessionId}',
      summary: "End one of a user's sessions",
      responses: { 204: { description: 'Ended' }, 404: notFound },
      handler: async (c) => {
        const who = actor(c);
        if (!(await deps.store.sessions.deleteById(id(c), c.req.param('sessionId') ?? '')))
          throw new AuthError('not_found', 'No such session.');
        await deps.store.audit.record({
          at: deps.clock.now(),
          type: 'admin_sessions_revoked',
          userId: id(c),
          ip: who.client.ip,
          userAgent: who.client.userAgent,
          detail: `api_key:${who.keyId}`,
        });
        return c.body(null, 204);
      },
    }),
    tokenRoute({
      purpose: 'sign_in',
      path: '/v1/admin/users/{id}/sign-in-tokens',
      summary: 'Issue a one-time sign-in token (redeem with POST /v1/sign-in/ticket)',
      ttlSeconds: { min: 5, max: 600 },
    }),
    tokenRoute({
      purpose: 'enrollment',
      path: '/v1/admin/users/{id}/enrollment-tokens',
      summary:
        'Issue a one-time enrolment token: its user registers a passkey without a session (/v1/enroll/*)',
      ttlSeconds: { min: 10, max: 7 * 86_400 },
    }),
    route({
      method: 'get',
      path: '/v1/admin/audit-events',
      summary:
        'Audit events, newest first: filter by type, userId and since (ISO time); page with cursor',
      query: z.object({
        limit: queryInteger({ min: 1, max: 500 }).default(100).describe('Page size, 1 to 500'),
        cursor: queryInteger({ min: 1, max: Number.MAX_SAFE_INTEGER })
          .optional()
          .describe('nextCursor of the previous page'),
        type: z.string().max(64).optional().describe('Event type, e.g. sign_in_failed'),
        userId: z.string().max(64).optional(),
        since: z.iso.datetime().optional().describe('ISO 8601 time: events at or after it'),
      }),
      responses: {
        200: {
          description: 'A page of events',
          schema: z.object({
            events: z.array(
              z.object({
                id: z.number(),
                at: z.string(),
                type: z.string(),
                userId: z.string().nullable(),
                credentialId: z.string().nullable(),
                ip: z.string().nullable(),
                userAgent: z.string().nullable(),
                detail: z.string().nullable(),
              }),
            ),
            nextCursor: z.string().nullable(),
          }),
        },
      },
      handler: async (c, _body, q) => {
        const limit = q.limit;
        const events = await deps.store.audit.list({
          limit,
          ...(q.type ? { type: q.type } : {}),
          ...(q.userId ? { userId: q.userId } : {}),
          ...(q.cursor !== undefined ? { before: q.cursor } : {}),
          ...(q.since !== undefined ? { since: Date.parse(q.since) } : {}),
        });
        return c.json({
          events: events.map((e) => ({
            id: e.id,
            at: new Date(e.at).toISOString(),
            type: e.type,
            userId: e.userId,
            credentialId: e.credentialId === null ? null : toBase64Url(e.credentialId),
            ip: e.ip,
            userAgent: e.userAgent,
            detail: e.detail,
          })),
          nextCursor: events.length === limit ? String(events[events.length - 1]?.id) : null,
        });
      },
    }),
    route({
      method: 'post',
      path: '/v1/admin/sign-in-results/redeem',
      summary:
        'Exchange a one-time sign-in result (from a passkey sign-in with `result: true`) for who signed in, once',
      body: z.object({ result: z.string().min(1).max(128) }),
      responses: {
        200: {
          description: 'Who signed in, with which passkey',
          schema: z.object({
            userId: z.string(),
            externalId: z.string().nullable(),
            username: z.string(),
            credentialId: z.string(),
            userVerified: z.boolean(),
          }),
        },
        401: {
          description: '`invalid_api_key`, or `invalid_token`: unknown, used or expired',
          schema: errorView,
        },
        403: { description: '`user_disabled`', schema: errorView },
      },
      handler: async (c, body) => {
        const used = await redeemOneTimeToken(deps, 'sign_in_result', body.result);
        const user = used === null ? null : await deps.store.users.findById(used.userId);
        // A result is worth what its passkey is: once that is deleted, like the sessions it
        // signed in, the result is gone too.
        const credential =
          used?.credentialId == null
            ? null
            : await deps.store.credentials.findById(used.credentialId);
        if (
          used === null ||
          user === null ||
          used.credentialId === null ||
          credential === null ||
          credential.userId !== user.id
        ) {
          throw new AuthError('invalid_token', 'This sign-in result is invalid, used or expired.');
        }
        if (user.disabledAt !== null)
          throw new AuthError('user_disabled', 'This account is disabled.');
        return c.json({
          userId: user.id,
          externalId: user.externalId,
          username: user.username,
          credentialId: toBase64Url(used.credentialId),
          userVerified: used.userVerified,
        });
      },
    }),
  ];
}

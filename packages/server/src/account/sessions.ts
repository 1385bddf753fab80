import type { CeremonyContext, ClientInfo } from '../ceremonies/context.js';
import { toBase64Url } from '../core/encoding.js';
import { AuthError } from '../core/errors.js';
import { isIdle } from '../sessions/sessions.js';
import type { SessionRecord } from '../storage/records.js';
import { requireStandardSession, requireStepUp } from './step-up.js';

export interface SessionListView {
  id: string;
  kind: 'standard' | 'recovery';
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  userAgent: string | null;
  /** The passkey that signed it in (base64url), if any. */
  credentialId: string | null;
  current: boolean;
}

/**
 * A user's sessions that still work, as the account page and the admin API list them: neither
 * expired nor past the idle timeout (such a row stays until presented or purged).
 */
export async function liveSessionViews(
  ctx: CeremonyContext,
  userId: string,
): Promise<Omit<SessionListView, 'current'>[]> {
  const now = ctx.clock.now();
  const sessions = await ctx.store.sessions.listByUser(userId, now);
  return sessions
    .filter((s) => !isIdle(s, now, ctx.config.sessionIdleMs))
    .map((s) => ({
      id: s.id,
      kind: s.kind,
      createdAt: new Date(s.createdAt).toISOString(),
      lastSeenAt: new Date(s.lastSeenAt).toISOString(),
      expiresAt: new Date(s.expiresAt).toISOString(),
      userAgent: s.userAgent,
      credentialId: s.credentialId === null ? null : toBase64Url(s.credentialId),
    }));
}

export async function listSessions(
  ctx: CeremonyContext,
  session: SessionRecord,
): Promise<SessionListView[]> {
  requireStandardSession(session);
  const views = await liveSessionViews(ctx, session.userId);
  return views.map((view) => ({ ...view, current: view.id === session.id }));
}

/**
 * Ends one of the user's sessions. Ending this session is signing out and needs nothing more;
 * ending another needs a fresh step-up. Another user's session id answers 404.
 */
export async function revokeSession(
  ctx: CeremonyContext,
  session: SessionRecord,
  id: string,
  client: ClientInfo,
): Promise<{ endedThisSession: boolean }> {
  if (id !== session.id) requireStepUp(ctx, session);
  if (!(await ctx.store.sessions.deleteById(session.userId, id)))
    throw new AuthError('not_found', 'No such session.');
  await ctx.store.audit.record({
    at: ctx.clock.now(),
    type: 'session_revoked',
    userId: session.userId,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: id === session.id ? 'self' : 'other',
  });
  return { endedThisSession: id === session.id };
}

export async function revokeOtherSessions(
  ctx: CeremonyContext,
  session: SessionRecord,
  client: ClientInfo,
): Promise<number> {
  requireStepUp(ctx, session);
  const ended = await ctx.store.sessions.deleteOthers(session.userId, session.id);
  await ctx.store.audit.record({
    at: ctx.clock.now(),
    type: 'session_revoked',
    userId: session.userId,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: `others:${ended}`,
  });
  return ended;
}

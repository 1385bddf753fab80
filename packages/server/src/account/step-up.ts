import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { runAssertion } from '../ceremonies/assertion.js';
import type { CeremonyContext, ClientInfo } from '../ceremonies/context.js';
import { requestOptions } from '../ceremonies/webauthn-lib.js';
import { AuthError } from '../core/errors.js';
import type { SessionRecord } from '../storage/records.js';

/**
 * Sensitive account changes need a user-verified assertion no older than the re-authentication
 * window in *this* session (ASVS 5.0 §7.5.1). A recovery session may enrol a passkey and manage
 * recovery codes without one: the recovery code was the proof.
 */
export function requireStepUp(
  ctx: CeremonyContext,
  session: SessionRecord,
  opts: { allowRecovery: boolean } = { allowRecovery: false },
): void {
  if (session.kind === 'recovery') {
    if (opts.allowRecovery) return;
    throw new AuthError(
      'recovery_session_limited',
      'A recovery session can only add a passkey or create new recovery codes.',
    );
  }
  if (
    session.verifiedAt === 0 ||
    ctx.clock.now() - session.verifiedAt > ctx.config.reauthWindowMs
  ) {
    throw new AuthError('reauthentication_required', 'Confirm it is you with your passkey first.');
  }
}

/** A standard session is required: recovery sessions cannot reach the rest of the account. */
export function requireStandardSession(session: SessionRecord): void {
  if (session.kind === 'recovery') {
    throw new AuthError(
      'recovery_session_limited',
      'A recovery session can only add a passkey or create new recovery codes.',
    );
  }
}

/** Step-up options: the user's own passkeys, user verification required. */
export async function startReauth(
  ctx: CeremonyContext,
  session: SessionRecord,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  requireStandardSession(session);
  const credentials = await ctx.store.credentials.listByUser(session.userId);
  const { challenge } = ctx.challenges.issue('reauth', {
    userId: session.userId,
    sessionId: session.id,
  });
  return requestOptions(
    { ...ctx.rp, requireUserVerification: true },
    {
      challenge,
      allow: credentials.map((c) => ({ id: c.id, transports: c.transports })),
    },
  );
}

/** Step-up verification: a UV assertion by one of the user's passkeys refreshes `verifiedAt`. */
export async function finishReauth(
  ctx: CeremonyContext,
  session: SessionRecord,
  response: AuthenticationResponseJSON,
  client: ClientInfo,
): Promise<{ verifiedAt: number }> {
  requireStandardSession(session);
  return runAssertion(ctx, {
    type: 'reauth',
    response,
    client,
    boundUserId: (opened) => {
      // The challenge names the session it was issued to; another session cannot use it.
      if (opened.context.sessionId !== session.id || opened.context.userId !== session.userId) {
        throw new AuthError(
          'challenge_not_found',
          'This confirmation was started in another session.',
        );
      }
      return session.userId;
    },
    requireUserVerification: true,
    commit: async (tx, { credentialId }, now) => {
      await tx.sessions.markVerified(session.id, now);
      await tx.audit.record({
        at: now,
        type: 'reauthenticated',
        userId: session.userId,
        credentialId,
        ip: client.ip,
        userAgent: client.userAgent,
      });
      return { verifiedAt: now };
    },
  });
}

import { type CeremonyContext, type ClientInfo, lockUser } from '../ceremonies/context.js';
import type { SignedIn } from '../ceremonies/sign-up.js';
import { AuthError } from '../core/errors.js';
import { newSession } from '../sessions/sessions.js';
import { hashToken } from '../tokens/one-time.js';

/**
 * Redeems an admin-issued one-time sign-in token for a Passki session, exactly once: the token is
 * claimed and the session created in one transaction, so concurrent redemptions yield one session.
 * The session is not user-verified (no passkey was used), so step-up is still needed for changes.
 */
export async function redeemSignInTicket(
  ctx: CeremonyContext,
  token: string,
  client: ClientInfo,
): Promise<SignedIn> {
  const hash = hashToken(token);
  const invalid = (): never => {
    throw new AuthError('invalid_token', 'This sign-in link is invalid, used or expired.');
  };
  if (hash === null) return invalid();
  const now = ctx.clock.now();
  return ctx.store.transaction(async (tx) => {
    // The user's row is locked before the token's, the order a disable or delete takes them in
    // (the other order deadlocks with one), so the token is only peeked at to find its user.
    const peeked = await tx.oneTimeTokens.peek(hash, 'sign_in', now);
    if (peeked === null) return invalid();
    // Under the user's lock, so a disable cannot slip in before the session below exists.
    const user = await lockUser(tx, peeked.userId);
    const used = await tx.oneTimeTokens.consume(hash, 'sign_in', now);
    if (used === null || user === null || used.userId !== user.id) return invalid();
    if (user.disabledAt !== null) throw new AuthError('user_disabled', 'This account is disabled.');
    const session = newSession(
      { ...ctx, store: tx },
      { userId: user.id, credentialId: null, userVerified: false, userAgent: client.userAgent },
    );
    await tx.sessions.create(session.record);
    await tx.audit.record({
      at: now,
      type: 'sign_in',
      userId: user.id,
      ip: client.ip,
      userAgent: client.userAgent,
      detail: 'sign_in_token',
    });
    return { user, session: session.record, token: session.token };
  });
}

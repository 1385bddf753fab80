import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { fromBase64Url } from '../core/encoding.js';
import { AuthError } from '../core/errors.js';
import { newSession } from '../sessions/sessions.js';
import { runAssertion } from './assertion.js';
import type { CeremonyContext, ClientInfo } from './context.js';
import type { SignedIn } from './sign-up.js';
import { normalizeUsername } from './usernames.js';
import { requestOptions } from './webauthn-lib.js';

/**
 * Sign-in options. With a username, `allowCredentials` lists that user's passkeys and the
 * challenge is bound to the user; without, the browser offers its discoverable credentials.
 */
export async function startSignIn(
  ctx: CeremonyContext,
  input: { username?: string | undefined },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  if (input.username === undefined) {
    const { challenge } = ctx.challenges.issue('sign-in', {});
    return requestOptions(ctx.rp, { challenge: fromBase64Url(challenge) as Uint8Array, allow: [] });
  }
  const username = normalizeUsername(input.username);
  const user = await ctx.store.users.findByUsername(username);
  if (user === null) throw new AuthError('user_not_found', 'No account has that username.');
  const credentials = await ctx.store.credentials.listByUser(user.id);
  const { challenge } = ctx.challenges.issue('sign-in', { userId: user.id });
  return requestOptions(ctx.rp, {
    challenge: fromBase64Url(challenge) as Uint8Array,
    allow: credentials.map((c) => ({ id: c.id, transports: c.transports })),
  });
}

/** Sign-in verification (§7.2): a verified assertion opens a new session. */
export async function finishSignIn(
  ctx: CeremonyContext,
  response: AuthenticationResponseJSON,
  client: ClientInfo,
): Promise<SignedIn> {
  const sessionDeps = {
    store: ctx.store,
    clock: ctx.clock,
    random: ctx.random,
    sessionTtlMs: ctx.config.sessionTtlMs,
  };
  return runAssertion(ctx, {
    type: 'sign-in',
    response,
    client,
    boundUserId: (opened) => opened.context.userId,
    requireUserVerification: ctx.rp.requireUserVerification,
    commit: async (tx, { owner, credentialId, verified }, now) => {
      const session = newSession(sessionDeps, {
        userId: owner.id,
        credentialId,
        userVerified: verified.userVerified,
        userAgent: client.userAgent,
      });
      await tx.sessions.create(session.record);
      await tx.audit.record({
        at: now,
        type: 'sign_in',
        userId: owner.id,
        credentialId,
        ip: client.ip,
        userAgent: client.userAgent,
      });
      return { user: owner, session: session.record, token: session.token };
    },
  });
}

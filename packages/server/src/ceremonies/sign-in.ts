import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { toBase64Url } from '../core/encoding.js';
import { AuthError } from '../core/errors.js';
import { limitAccount } from '../core/rate-limit.js';
import { newSession } from '../sessions/sessions.js';
import type { UserRecord } from '../storage/records.js';
import { issueOneTimeToken } from '../tokens/one-time.js';
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
    return requestOptions(ctx.rp, { challenge, allow: [] });
  }
  const username = normalizeUsername(input.username);
  await limitAccount(ctx, username, null);
  const user = await ctx.store.users.findByUsername(username);
  if (user === null && !ctx.config.hideAccountExistence) {
    throw new AuthError('user_not_found', 'No account has that username.');
  }
  // WebAuthn §14.6.2: with account existence hidden, an unknown username gets options of the
  // same shape (a stable fake credential, a challenge bound to a fake user id of the same length),
  // after the same queries, so neither the answer nor its size or timing tells them apart.
  const userId = user?.id ?? toBase64Url(ctx.prf('fake-user-id', username).slice(0, 16));
  const credentials = await ctx.store.credentials.listByUser(userId);
  const allow =
    user === null
      ? [{ id: ctx.prf('fake-credential-id', username), transports: ['internal', 'hybrid'] }]
      : credentials.map((c) => ({ id: c.id, transports: c.transports }));
  const { challenge } = ctx.challenges.issue('sign-in', { userId });
  return requestOptions(ctx.rp, { challenge, allow });
}

/** Codes a failed sign-in may still show when account existence is hidden: input, not identity. */
const VISIBLE_WHEN_HIDDEN = new Set([
  'invalid_request',
  'payload_too_large',
  'rate_limited',
  'database_unavailable',
  'challenge_expired',
]);

/** With account existence hidden, every failed sign-in gets one answer (checklist E02). */
export async function hideFailure<T>(ctx: CeremonyContext, attempt: () => Promise<T>): Promise<T> {
  if (!ctx.config.hideAccountExistence) return attempt();
  try {
    return await attempt();
  } catch (err) {
    if (err instanceof AuthError && !VISIBLE_WHEN_HIDDEN.has(err.code)) {
      throw new AuthError(
        'verification_failed',
        'Sign-in failed. Try again, or use another passkey.',
        { detail: err.code, cause: err },
      );
    }
    throw err;
  }
}

/** Sign-in verification (§7.2): a verified assertion opens a new session. */
export async function finishSignIn(
  ctx: CeremonyContext,
  response: AuthenticationResponseJSON,
  client: ClientInfo,
): Promise<SignedIn> {
  return runAssertion(ctx, {
    type: 'sign-in',
    response,
    client,
    boundUserId: (opened) => opened.context.userId,
    requireUserVerification: ctx.rp.requireUserVerification,
    commit: async (tx, { owner, credentialId, verified }, now) => {
      const session = newSession(ctx, {
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

/**
 * Sign-in for an app that keeps its own sessions (mode 2): the verified assertion yields a
 * one-time *sign-in result* instead of a Passki session; the app's backend redeems it
 * server-to-server (`POST /v1/admin/sign-in-results/redeem`) and signs the user in itself.
 */
export async function finishSignInForResult(
  ctx: CeremonyContext,
  response: AuthenticationResponseJSON,
  client: ClientInfo,
): Promise<{ user: UserRecord; result: string; expiresAt: number }> {
  return runAssertion(ctx, {
    type: 'sign-in',
    response,
    client,
    boundUserId: (opened) => opened.context.userId,
    requireUserVerification: ctx.rp.requireUserVerification,
    commit: async (tx, { owner, credentialId, verified }, now) => {
      const { token, expiresAt } = await issueOneTimeToken(
        { store: tx, clock: ctx.clock, random: ctx.random },
        {
          purpose: 'sign_in_result',
          userId: owner.id,
          ttlMs: ctx.config.signInTokenTtlMs,
          credentialId,
          userVerified: verified.userVerified,
        },
      );
      await tx.audit.record({
        at: now,
        type: 'sign_in',
        userId: owner.id,
        credentialId,
        ip: client.ip,
        userAgent: client.userAgent,
        detail: 'result',
      });
      return { user: owner, result: token, expiresAt };
    },
  });
}

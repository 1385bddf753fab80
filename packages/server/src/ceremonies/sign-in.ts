import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { bytesEqual, fromBase64Url } from '../core/encoding.js';
import { AuthError } from '../core/errors.js';
import { newSession } from '../sessions/sessions.js';
import {
  type CeremonyContext,
  type ClientInfo,
  checkCrossOrigin,
  claimChallenge,
  readClientData,
  withChallenge,
} from './context.js';
import { checkCredentialId, type SignedIn } from './sign-up.js';
import { normalizeUsername } from './usernames.js';
import { requestOptions, verifyAuthentication } from './webauthn-lib.js';

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

/** Sign-in verification, §7.2, in the spec's order where it matters. */
export async function finishSignIn(
  ctx: CeremonyContext,
  response: AuthenticationResponseJSON,
  client: ClientInfo,
): Promise<SignedIn> {
  const clientData = readClientData(response.response.clientDataJSON);
  const opened = ctx.challenges.open(clientData.challenge, 'sign-in');
  let ownerId: string | null = null;
  let credentialIdBytes: Uint8Array | null = null;

  try {
    return await withChallenge(ctx, opened, async () => {
      checkCrossOrigin(ctx.rp, clientData);
      const credentialId = checkCredentialId(response.id, response.rawId);
      credentialIdBytes = credentialId;

      // §7.2 steps 5–6: the credential is looked up by rawId; its owner must be the user the
      // ceremony started with (if any) and the user named by userHandle (if any).
      const credential = await ctx.store.credentials.findById(credentialId);
      if (credential === null) {
        throw new AuthError('credential_not_found', 'This passkey is not registered here.');
      }
      ownerId = credential.userId;
      const boundUser = opened.context.userId;
      if (boundUser !== undefined && credential.userId !== boundUser) {
        throw new AuthError(
          'credential_not_allowed',
          'This passkey does not belong to that account.',
        );
      }
      const owner = await ctx.store.users.findById(credential.userId);
      if (owner === null)
        throw new AuthError('credential_not_found', 'This passkey is not registered here.');
      const userHandle = response.response.userHandle;
      if (userHandle !== undefined && userHandle !== null) {
        const handle = typeof userHandle === 'string' ? fromBase64Url(userHandle) : null;
        if (handle === null || !bytesEqual(handle, owner.userHandle)) {
          throw new AuthError(
            'user_handle_mismatch',
            'This passkey does not belong to that account.',
          );
        }
      } else if (boundUser === undefined) {
        // §7.2 step 6, user not identified: the response must name its user (W3C issue 753).
        throw new AuthError(
          'user_handle_mismatch',
          'The passkey response did not name its account.',
        );
      }

      const verified = await verifyAuthentication(
        ctx.rp,
        response,
        clientData.challenge,
        credential,
      );

      // §6.1.3: backup eligibility is fixed when the credential is created.
      if ((verified.deviceType === 'multiDevice') !== credential.backupEligible) {
        throw new AuthError(
          'backup_eligibility_changed',
          'The passkey reported a different backup eligibility.',
        );
      }

      const now = ctx.clock.now();
      const session = newSession(
        {
          store: ctx.store,
          clock: ctx.clock,
          random: ctx.random,
          sessionTtlMs: ctx.config.sessionTtlMs,
        },
        {
          userId: owner.id,
          credentialId,
          userVerified: verified.userVerified,
          userAgent: client.userAgent,
        },
      );
      await ctx.store.transaction(async (tx) => {
        await claimChallenge(tx, opened);
        // §7.2 step 24, compare-and-set: a concurrent or cloned assertion cannot move it back.
        const moved = await tx.credentials.recordUse({
          id: credentialId,
          signCount: verified.signCount,
          backedUp: verified.backedUp,
          at: now,
        });
        if (!moved) {
          throw new AuthError(
            'counter_regression',
            'The passkey counter went backwards; the authenticator may have been cloned.',
          );
        }
        await tx.sessions.create(session.record);
        await tx.audit.record({
          at: now,
          type: 'sign_in',
          userId: owner.id,
          credentialId,
          ip: client.ip,
          userAgent: client.userAgent,
        });
      });
      return { user: owner, session: session.record, token: session.token };
    });
  } catch (err) {
    if (err instanceof AuthError) {
      // Failures are audited with their reason; counter regressions are the clone signal (§6.1.1).
      await ctx.store.audit
        .record({
          at: ctx.clock.now(),
          type: err.code === 'counter_regression' ? 'counter_regression' : 'sign_in_failed',
          userId: ownerId,
          credentialId: credentialIdBytes,
          ip: client.ip,
          userAgent: client.userAgent,
          detail: err.code,
        })
        .catch(() => undefined);
    }
    throw err;
  }
}

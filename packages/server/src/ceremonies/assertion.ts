import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { bytesEqual, fromBase64Url } from '../core/encoding.js';
import { AuthError } from '../core/errors.js';
import { limitAccount } from '../core/rate-limit.js';
import type { CredentialRecord, UserRecord } from '../storage/records.js';
import type { Store } from '../storage/store.js';
import type { CeremonyType, OpenedChallenge } from './challenge.js';
import {
  type CeremonyContext,
  type ClientInfo,
  checkCrossOrigin,
  claimChallenge,
  lockUser,
  openChallenge,
  readClientData,
  withChallenge,
} from './context.js';
import { checkCredentialId } from './sign-up.js';
import { type VerifiedAuthentication, verifyAuthentication } from './webauthn-lib.js';

/** What a verified assertion proved; nothing is recorded yet. */
export interface CheckedAssertion {
  credentialId: Uint8Array;
  credential: CredentialRecord;
  owner: UserRecord;
  verified: VerifiedAuthentication;
}

type AssertionCeremony = Extract<CeremonyType, 'sign-in' | 'reauth'>;

/**
 * Runs an assertion ceremony (§7.2) for sign-in or step-up: authenticate the challenge, check the
 * credential and its owner, verify the signature, then hand over to `commit`, which runs in the
 * transaction that also claims the challenge and moves the counter. Failures are audited.
 */
export async function runAssertion<T extends AssertionCeremony, R>(
  ctx: CeremonyContext,
  input: {
    type: T;
    response: AuthenticationResponseJSON;
    client: ClientInfo;
    /** The user the ceremony must prove, from server state (the challenge or the session). */
    boundUserId: (opened: OpenedChallenge<T>) => string | undefined;
    /** Step-up always requires user verification, whatever the sign-in policy. */
    requireUserVerification: boolean;
    commit: (tx: Store, checked: CheckedAssertion, now: number) => Promise<R>;
  },
): Promise<R> {
  const { response, client } = input;
  const clientData = readClientData(response.response.clientDataJSON);
  const opened = await openChallenge(ctx, clientData.challenge, input.type);
  const audit = { userId: null as string | null, credentialId: null as Uint8Array | null };

  try {
    return await withChallenge(ctx, opened, async () => {
      checkCrossOrigin(ctx.rp, clientData);
      const credentialId = checkCredentialId(response.id, response.rawId);
      audit.credentialId = credentialId;

      // §7.2 steps 5–6: the credential is looked up by rawId; its owner must be the user the
      // ceremony started with (if any) and the user named by userHandle (if any).
      const found = await ctx.store.credentials.findWithOwner(credentialId);
      if (found === null) {
        throw new AuthError('credential_not_found', 'This passkey is not registered here.');
      }
      const { credential, owner } = found;
      audit.userId = credential.userId;
      await limitAccount(ctx, `user:${credential.userId}`, client);
      const boundUser = input.boundUserId(opened);
      if (boundUser !== undefined && credential.userId !== boundUser) {
        throw new AuthError(
          'credential_not_allowed',
          'This passkey does not belong to that account.',
        );
      }
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

      const rp = input.requireUserVerification
        ? { ...ctx.rp, requireUserVerification: true }
        : ctx.rp;
      const verified = await verifyAuthentication(rp, response, clientData.challenge, credential);

      // After the signature, like the counter: that an account is disabled is told only to
      // someone holding its passkey.
      if (owner.disabledAt !== null) {
        throw new AuthError('user_disabled', 'This account is disabled.');
      }
      // §6.1.3: backup eligibility is fixed when the credential is created.
      if ((verified.deviceType === 'multiDevice') !== credential.backupEligible) {
        throw new AuthError(
          'backup_eligibility_changed',
          'The passkey reported a different backup eligibility.',
        );
      }

      const now = ctx.clock.now();
      const checked: CheckedAssertion = { credentialId, credential, owner, verified };
      return ctx.store.transaction(async (tx) => {
        // Read again under the user's lock: a disable that committed since the read above must
        // not be followed by a session it would never delete.
        const current = await lockUser(tx, owner.id);
        if (current === null) {
          throw new AuthError('credential_not_found', 'This passkey is not registered here.');
        }
        if (current.disabledAt !== null) {
          throw new AuthError('user_disabled', 'This account is disabled.');
        }
        await claimChallenge(tx, opened);
        // §7.2 step 24, compare-and-set: a concurrent or cloned assertion cannot move it back.
        const moved = await tx.credentials.recordUse({
          id: credentialId,
          signCount: verified.signCount,
          backedUp: verified.backedUp,
          at: now,
        });
        if (!moved) {
          // Deleted since it was read (a sign-in racing "remove passkey"): not a clone signal.
          if ((await tx.credentials.findById(credentialId)) === null) {
            throw new AuthError('credential_not_found', 'This passkey is not registered here.');
          }
          throw new AuthError(
            'counter_regression',
            'The passkey counter went backwards; the authenticator may have been cloned.',
          );
        }
        return input.commit(tx, { ...checked, owner: current }, now);
      });
    });
  } catch (err) {
    if (err instanceof AuthError) {
      // Counter regressions are the clone signal (§6.1.1); every other failure keeps its reason.
      await ctx.store.audit
        .record({
          at: ctx.clock.now(),
          type:
            err.code === 'counter_regression'
              ? 'counter_regression'
              : `${input.type.replace('-', '_')}_failed`,
          userId: audit.userId,
          credentialId: audit.credentialId,
          ip: client.ip,
          userAgent: client.userAgent,
          detail: err.code,
        })
        .catch(() => undefined);
    }
    throw err;
  }
}

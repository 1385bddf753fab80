import type {
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { type PasskeyView, passkeyView } from '../account/passkeys.js';
import type { CeremonyContext, ClientInfo } from '../ceremonies/context.js';
import {
  checkCrossOrigin,
  claimChallenge,
  openChallenge,
  readClientData,
  withChallenge,
} from '../ceremonies/context.js';
import { checkCredentialId, credentialRecord } from '../ceremonies/sign-up.js';
import { creationOptions, verifyRegistration } from '../ceremonies/webauthn-lib.js';
import { fromBase64Url, toBase64Url } from '../core/encoding.js';
import { AuthError } from '../core/errors.js';
import { UniqueViolation, type UserRecord } from '../storage/records.js';
import { hashToken } from '../tokens/one-time.js';

const invalidToken = (): AuthError =>
  new AuthError('invalid_token', 'This enrolment link is invalid, used or expired.');

async function tokenUser(
  ctx: CeremonyContext,
  token: string,
): Promise<{ user: UserRecord; hash: Uint8Array }> {
  const hash = hashToken(token);
  const record =
    hash === null ? null : await ctx.store.oneTimeTokens.peek(hash, 'enrollment', ctx.clock.now());
  const user = record === null ? null : await ctx.store.users.findById(record.userId);
  if (hash === null || user === null) throw invalidToken();
  if (user.disabledAt !== null) throw new AuthError('user_disabled', 'This account is disabled.');
  return { user, hash };
}

/**
 * Enrolment options: an admin-issued enrolment token lets its user register a passkey without a
 * Passki session (mode 2's "add a passkey", or admin-led recovery). The token is only checked
 * here; it is used up when the passkey is stored.
 */
export async function startEnrollment(
  ctx: CeremonyContext,
  token: string,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { user, hash } = await tokenUser(ctx, token);
  const existing = await ctx.store.credentials.listByUser(user.id);
  if (existing.length >= ctx.config.maxPasskeysPerUser) {
    throw new AuthError(
      'passkey_limit_reached',
      `This account already has ${ctx.config.maxPasskeysPerUser} passkeys.`,
    );
  }
  const { challenge } = ctx.challenges.issue('enroll', {
    userId: user.id,
    tokenHash: toBase64Url(hash),
  });
  return creationOptions(ctx.rp, {
    challenge: fromBase64Url(challenge) as Uint8Array,
    userHandle: user.userHandle,
    username: user.username,
    displayName: user.displayName,
    exclude: existing.map((c) => ({ id: c.id, transports: c.transports })),
  });
}

export async function finishEnrollment(
  ctx: CeremonyContext,
  token: string,
  response: RegistrationResponseJSON,
  client: ClientInfo,
): Promise<{ user: UserRecord; passkey: PasskeyView }> {
  const clientData = readClientData(response.response.clientDataJSON);
  const opened = await openChallenge(ctx, clientData.challenge, 'enroll');
  return withChallenge(ctx, opened, async () => {
    const hash = hashToken(token);
    // The challenge names the token it was issued for; another token cannot finish it.
    if (hash === null || toBase64Url(hash) !== opened.context.tokenHash) throw invalidToken();
    checkCrossOrigin(ctx.rp, clientData);
    checkCredentialId(response.id, response.rawId);
    const verified = await verifyRegistration(ctx.rp, response, clientData.challenge);
    const now = ctx.clock.now();
    const record = credentialRecord(verified, opened.context.userId, now, ctx.providers);
    let user: UserRecord;
    try {
      user = await ctx.store.transaction(async (tx) => {
        await claimChallenge(tx, opened);
        // The user's row first, as a disable takes it before the tokens it deletes: taking the
        // token first could deadlock with one.
        await tx.users.lock(opened.context.userId);
        // Used up in the same transaction that stores the passkey: one token, one passkey.
        const used = await tx.oneTimeTokens.consume(hash, 'enrollment', now);
        if (used === null || used.userId !== opened.context.userId) throw invalidToken();
        const owner = await tx.users.findById(used.userId);
        if (owner === null) throw invalidToken();
        // Checked again here: the user may have been disabled since the options call.
        if (owner.disabledAt !== null) {
          throw new AuthError('user_disabled', 'This account is disabled.');
        }
        if ((await tx.credentials.countByUser(used.userId)) >= ctx.config.maxPasskeysPerUser) {
          throw new AuthError(
            'passkey_limit_reached',
            `This account already has ${ctx.config.maxPasskeysPerUser} passkeys.`,
          );
        }
        await tx.credentials.create(record);
        await tx.audit.record({
          at: now,
          type: 'passkey_added',
          userId: used.userId,
          credentialId: record.id,
          ip: client.ip,
          userAgent: client.userAgent,
          detail: 'enrollment_token',
        });
        return owner;
      });
    } catch (err) {
      if (err instanceof UniqueViolation && err.field === 'credential_id') {
        throw new AuthError('credential_already_registered', 'This passkey is already registered.');
      }
      throw err;
    }
    return { user, passkey: passkeyView(record, ctx.providers(record.aaguid), null) };
  });
}

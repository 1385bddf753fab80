import type {
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { CeremonyContext, ClientInfo } from '../ceremonies/context.js';
import {
  checkCrossOrigin,
  claimChallenge,
  lockSignedInUser,
  openChallenge,
  readClientData,
  withChallenge,
} from '../ceremonies/context.js';
import { checkCredentialId, credentialRecord } from '../ceremonies/sign-up.js';
import { creationOptions, verifyRegistration } from '../ceremonies/webauthn-lib.js';
import { bytesEqual, fromBase64Url, toBase64Url } from '../core/encoding.js';
import { AuthError } from '../core/errors.js';
import { type CredentialRecord, type SessionRecord, UniqueViolation } from '../storage/records.js';
import type { Provider } from './aaguids.js';
import { requireStandardSession, requireStepUp } from './step-up.js';

export interface PasskeyView {
  id: string;
  name: string;
  provider: { name: string; known: boolean; iconLight: string | null; iconDark: string | null };
  aaguid: string;
  /** Synced (multi-device, backup eligible) or bound to one device. */
  deviceType: 'singleDevice' | 'multiDevice';
  backupEligible: boolean;
  backedUp: boolean;
  transports: string[];
  createdAt: string;
  lastUsedAt: string | null;
  /** This passkey signed in the current session. */
  current: boolean;
}

export function passkeyView(
  c: CredentialRecord,
  provider: Provider,
  /** The passkey that signed in the current session, if any. */
  currentCredentialId: Uint8Array | null,
): PasskeyView {
  return {
    id: toBase64Url(c.id),
    name: c.name,
    provider: {
      name: provider.name,
      known: provider.known,
      iconLight: provider.iconLight,
      iconDark: provider.iconDark,
    },
    aaguid: c.aaguid,
    deviceType: c.deviceType,
    backupEligible: c.backupEligible,
    backedUp: c.backedUp,
    transports: c.transports,
    createdAt: new Date(c.createdAt).toISOString(),
    lastUsedAt: c.lastUsedAt === null ? null : new Date(c.lastUsedAt).toISOString(),
    current: currentCredentialId !== null && bytesEqual(currentCredentialId, c.id),
  };
}

/** Decodes a passkey id from a URL; an id that cannot exist answers 404 like a foreign one. */
export function passkeyId(id: string): Uint8Array {
  const bytes = fromBase64Url(id);
  if (bytes === null || bytes.length === 0 || bytes.length > 1023)
    throw new AuthError('not_found', 'No such passkey.');
  return bytes;
}

export async function listPasskeys(
  ctx: CeremonyContext,
  session: SessionRecord,
): Promise<PasskeyView[]> {
  requireStandardSession(session);
  const credentials = await ctx.store.credentials.listByUser(session.userId);
  return credentials.map((c) => passkeyView(c, ctx.providers(c.aaguid), session.credentialId));
}

/** Options to add a passkey; `excludeCredentials` stops an authenticator from registering twice. */
export async function startAddPasskey(
  ctx: CeremonyContext,
  session: SessionRecord,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  requireStepUp(ctx, session, { allowRecovery: true });
  const user = await ctx.store.users.findById(session.userId);
  if (user === null) throw new AuthError('unauthenticated', 'You are not signed in.');
  const existing = await ctx.store.credentials.listByUser(user.id);
  if (existing.length >= ctx.config.maxPasskeysPerUser) {
    throw new AuthError(
      'passkey_limit_reached',
      `You already have ${ctx.config.maxPasskeysPerUser} passkeys. Delete one first.`,
    );
  }
  const { challenge } = ctx.challenges.issue('add-passkey', {
    userId: user.id,
    sessionId: session.id,
  });
  return creationOptions(ctx.rp, {
    challenge: fromBase64Url(challenge) as Uint8Array,
    userHandle: user.userHandle,
    username: user.username,
    displayName: user.displayName,
    exclude: existing.map((c) => ({ id: c.id, transports: c.transports })),
  });
}

export async function finishAddPasskey(
  ctx: CeremonyContext,
  session: SessionRecord,
  response: RegistrationResponseJSON,
  client: ClientInfo,
): Promise<PasskeyView> {
  requireStepUp(ctx, session, { allowRecovery: true });
  const clientData = readClientData(response.response.clientDataJSON);
  const opened = await openChallenge(ctx, clientData.challenge, 'add-passkey');
  return withChallenge(ctx, opened, async () => {
    if (opened.context.sessionId !== session.id || opened.context.userId !== session.userId) {
      throw new AuthError('challenge_not_found', 'This ceremony was started in another session.');
    }
    checkCrossOrigin(ctx.rp, clientData);
    checkCredentialId(response.id, response.rawId);
    const verified = await verifyRegistration(ctx.rp, response, clientData.challenge);
    const now = ctx.clock.now();
    const record = credentialRecord(verified, session.userId, now, ctx.providers);
    try {
      await ctx.store.transaction(async (tx) => {
        await claimChallenge(tx, opened);
        // The limit is checked under the user's lock, so parallel additions cannot overshoot it.
        // The user may have been disabled (its sessions ended) or deleted since this request
        // was authenticated: the lock orders this against both.
        await lockSignedInUser(tx, session.userId);
        if ((await tx.credentials.countByUser(session.userId)) >= ctx.config.maxPasskeysPerUser) {
          throw new AuthError(
            'passkey_limit_reached',
            `You already have ${ctx.config.maxPasskeysPerUser} passkeys. Delete one first.`,
          );
        }
        await tx.credentials.create(record);
        await tx.audit.record({
          at: now,
          type: 'passkey_added',
          userId: session.userId,
          credentialId: record.id,
          ip: client.ip,
          userAgent: client.userAgent,
        });
      });
    } catch (err) {
      if (err instanceof UniqueViolation && err.field === 'credential_id') {
        throw new AuthError('credential_already_registered', 'This passkey is already registered.');
      }
      throw err;
    }
    return passkeyView(record, ctx.providers(record.aaguid), session.credentialId);
  });
}

/**
 * A passkey's new name as it is stored and shown: NFC, without control characters or the bidi
 * overrides and isolates that would let `\u202Egnp.exe` read as `exe.png`, trimmed, and empty
 * when nothing visible is left (only spaces, or format characters like U+200B). A lone
 * surrogate, which no UTF-8 store keeps, is refused.
 */
export function passkeyLabel(name: string): string {
  if (/\p{Cs}/u.test(name)) {
    throw new AuthError('invalid_request', 'name is not well-formed Unicode text.');
  }
  const label = name
    .normalize('NFC')
    .replace(/[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu, '')
    .trim();
  return /[^\p{Z}\p{Cf}]/u.test(label) ? label : '';
}

export async function renamePasskey(
  ctx: CeremonyContext,
  session: SessionRecord,
  id: string,
  name: string,
  client: ClientInfo,
): Promise<void> {
  requireStepUp(ctx, session);
  const label = passkeyLabel(name);
  if (label.length === 0 || label.length > 64) {
    throw new AuthError('invalid_request', 'name must be 1 to 64 characters.');
  }
  const credentialId = passkeyId(id);
  if (!(await ctx.store.credentials.rename(session.userId, credentialId, label))) {
    throw new AuthError('not_found', 'No such passkey.');
  }
  await ctx.store.audit.record({
    at: ctx.clock.now(),
    type: 'passkey_renamed',
    userId: session.userId,
    credentialId,
    ip: client.ip,
    userAgent: client.userAgent,
  });
}

/**
 * Deletes one of the user's passkeys. The last one may go only if unused recovery codes remain,
 * checked under the user's lock so two concurrent deletes of the last two leave one.
 * Sessions signed in with it end (the database cascades); returns whether this session ended.
 */
export async function deletePasskey(
  ctx: CeremonyContext,
  session: SessionRecord,
  id: string,
  client: ClientInfo,
): Promise<{ endedThisSession: boolean }> {
  requireStepUp(ctx, session);
  const credentialId = passkeyId(id);
  const now = ctx.clock.now();
  await ctx.store.transaction(async (tx) => {
    await tx.users.lock(session.userId);
    const owned = await tx.credentials.findById(credentialId);
    if (owned === null || owned.userId !== session.userId)
      throw new AuthError('not_found', 'No such passkey.');
    if (
      (await tx.credentials.countByUser(session.userId)) <= 1 &&
      (await tx.recoveryCodes.listUnused(session.userId)).length === 0
    ) {
      throw new AuthError(
        'last_credential',
        'This is your only passkey. Add another passkey or create recovery codes before deleting it.',
      );
    }
    await tx.credentials.delete(session.userId, credentialId);
    await tx.audit.record({
      at: now,
      type: 'passkey_deleted',
      userId: session.userId,
      credentialId,
      ip: client.ip,
      userAgent: client.userAgent,
    });
  });
  return {
    endedThisSession:
      session.credentialId !== null && bytesEqual(session.credentialId, credentialId),
  };
}

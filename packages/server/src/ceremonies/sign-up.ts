import type {
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Provider } from '../account/aaguids.js';
import { fromBase64Url, toBase64Url } from '../core/encoding.js';
import { AuthError } from '../core/errors.js';
import { limitAccount } from '../core/rate-limit.js';
import { newSession } from '../sessions/sessions.js';
import {
  type CredentialRecord,
  type SessionRecord,
  UniqueViolation,
  type UserRecord,
} from '../storage/records.js';
import type { OpenedChallenge } from './challenge.js';
import {
  type CeremonyContext,
  type ClientInfo,
  checkCrossOrigin,
  claimChallenge,
  openChallenge,
  readClientData,
  withChallenge,
} from './context.js';
import { normalizeDisplayName, normalizeUsername } from './usernames.js';
import { creationOptions, type VerifiedRegistration, verifyRegistration } from './webauthn-lib.js';

/** WebAuthn §5.4.3 allows up to 64 bytes; 32 random bytes are unguessable and carry no PII. */
const USER_HANDLE_BYTES = 32;
/** §7.1 step 25: credential IDs longer than 1023 bytes must be refused. */
export const MAX_CREDENTIAL_ID_BYTES = 1023;

export interface SignedIn {
  user: UserRecord;
  session: SessionRecord;
  /** The session token for the cookie; never stored. */
  token: string;
}

/**
 * Sign-up options. Nothing is written: the pending username and the new user handle travel in the
 * MAC'd challenge, so an abandoned sign-up leaves no user behind and the username stays free.
 */
export async function startSignUp(
  ctx: CeremonyContext,
  input: { username: string; displayName?: string | undefined },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const username = normalizeUsername(input.username);
  await limitAccount(ctx, username, null);
  const displayName = normalizeDisplayName(input.displayName, username);
  if ((await ctx.store.users.findByUsername(username)) !== null) {
    throw new AuthError('username_taken', 'That username is taken.');
  }
  const userHandle = ctx.random(USER_HANDLE_BYTES);
  const { challenge } = ctx.challenges.issue('sign-up', {
    userHandle: toBase64Url(userHandle),
    username,
    displayName,
  });
  return creationOptions(ctx.rp, {
    challenge: fromBase64Url(challenge) as Uint8Array,
    userHandle,
    username,
    displayName,
    // A new account has no credentials yet; later "add a passkey" ceremonies list them here.
    exclude: [],
  });
}

/**
 * Sign-up verification (§7.1). The user and its first credential are created together, in the
 * transaction that also claims the challenge and opens the session: all of it, or none of it.
 */
export async function finishSignUp(
  ctx: CeremonyContext,
  response: RegistrationResponseJSON,
  client: ClientInfo,
): Promise<SignedIn> {
  const clientData = readClientData(response.response.clientDataJSON);
  const opened = await openChallenge(ctx, clientData.challenge, 'sign-up');
  try {
    return await withChallenge(ctx, opened, () =>
      completeSignUp(ctx, response, clientData, opened, client),
    );
  } catch (err) {
    if (err instanceof AuthError) {
      await ctx.store.audit
        .record({
          at: ctx.clock.now(),
          type: 'sign_up_failed',
          ip: client.ip,
          userAgent: client.userAgent,
          detail: err.code,
        })
        .catch(() => undefined);
    }
    throw err;
  }
}

async function completeSignUp(
  ctx: CeremonyContext,
  response: RegistrationResponseJSON,
  clientData: ReturnType<typeof readClientData>,
  opened: OpenedChallenge<'sign-up'>,
  client: ClientInfo,
): Promise<SignedIn> {
  checkCrossOrigin(ctx.rp, clientData);
  checkCredentialId(response.id, response.rawId);

  const verified = await verifyRegistration(ctx.rp, response, clientData.challenge);
  const now = ctx.clock.now();
  const { username, displayName } = opened.context;
  const user: UserRecord = {
    id: toBase64Url(ctx.random(16)),
    username,
    displayName,
    // §7.1 step 29: the account comes from our own state (the challenge), never the request.
    userHandle: fromBase64Url(opened.context.userHandle) as Uint8Array,
    createdAt: now,
    externalId: null,
    disabledAt: null,
    publicMetadata: {},
    privateMetadata: {},
  };
  const session = newSession(ctx, {
    userId: user.id,
    credentialId: verified.credentialId,
    userVerified: verified.userVerified,
    userAgent: client.userAgent,
  });

  try {
    await ctx.store.transaction(async (tx) => {
      await claimChallenge(tx, opened);
      await tx.users.create(user);
      await tx.credentials.create(credentialRecord(verified, user.id, now, ctx.providers));
      await tx.sessions.create(session.record);
      await tx.audit.record({
        at: now,
        type: 'sign_up',
        userId: user.id,
        credentialId: verified.credentialId,
        ip: client.ip,
        userAgent: client.userAgent,
      });
    });
  } catch (err) {
    if (err instanceof UniqueViolation) {
      if (err.field === 'username')
        throw new AuthError('username_taken', 'That username is taken.');
      if (err.field === 'credential_id') {
        // §7.1 step 26: never overwrite or re-home an existing credential.
        throw new AuthError('credential_already_registered', 'This passkey is already registered.');
      }
    }
    throw err;
  }
  return { user, session: session.record, token: session.token };
}

/** The record stored for a newly verified credential (§7.1 step 27). */
export function credentialRecord(
  verified: VerifiedRegistration,
  userId: string,
  now: number,
  providers: (aaguid: string) => Provider,
): CredentialRecord {
  const provider = providers(verified.aaguid);
  return {
    id: verified.credentialId,
    userId,
    publicKey: verified.publicKey,
    algorithm: verified.algorithm,
    signCount: verified.signCount,
    transports: verified.transports,
    deviceType: verified.deviceType,
    // §6.1.3: BE is fixed at creation; a multi-device credential is backup eligible.
    backupEligible: verified.deviceType === 'multiDevice',
    backedUp: verified.backedUp,
    uvInitialized: verified.userVerified,
    aaguid: verified.aaguid,
    // The user's own label (renamable), first named after the provider when the AAGUID is known,
    // so two new passkeys can be told apart; the provider itself is shown beside it.
    name: provider.known ? provider.name : 'Passkey',
    createdAt: now,
    lastUsedAt: now,
  };
}

/** RV2 and §7.1 step 25: `id` and `rawId` agree, and the ID is 1–1023 bytes. */
export function checkCredentialId(id: string, rawId: string): Uint8Array {
  const bytes = fromBase64Url(rawId);
  if (id !== rawId || bytes === null || bytes.length === 0) {
    throw new AuthError(
      'invalid_request',
      'The credential id and rawId must be the same base64url value.',
    );
  }
  if (bytes.length > MAX_CREDENTIAL_ID_BYTES) {
    throw new AuthError('credential_id_too_long', 'The credential ID is longer than 1023 bytes.');
  }
  return bytes;
}

import { type CeremonyContext, type ClientInfo, lockUser } from '../ceremonies/context.js';
import { normalizeDisplayName, normalizeUsername } from '../ceremonies/usernames.js';
import { toBase64Url } from '../core/encoding.js';
import { AuthError } from '../core/errors.js';
import { UniqueViolation, type UserRecord } from '../storage/records.js';
import { issueOneTimeToken } from '../tokens/one-time.js';
import { checkMetadata, checkPublicMetadata } from './metadata.js';

export interface AdminUserView {
  id: string;
  username: string;
  displayName: string;
  externalId: string | null;
  createdAt: string;
  disabledAt: string | null;
  publicMetadata: Record<string, unknown>;
  privateMetadata: Record<string, unknown>;
}

export function adminUserView(user: UserRecord): AdminUserView {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    externalId: user.externalId,
    createdAt: new Date(user.createdAt).toISOString(),
    disabledAt: user.disabledAt === null ? null : new Date(user.disabledAt).toISOString(),
    publicMetadata: user.publicMetadata,
    privateMetadata: user.privateMetadata,
  };
}

function externalIdOf(value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > 255)
    throw new AuthError('invalid_request', 'externalId must be 1 to 255 characters.');
  return trimmed;
}

function translateUnique(err: unknown): never {
  if (err instanceof UniqueViolation) {
    if (err.field === 'username') throw new AuthError('username_taken', 'That username is taken.');
    if (err.field === 'external_id')
      throw new AuthError('external_id_taken', 'Another user has that externalId.');
  }
  throw err;
}

export async function getUser(ctx: CeremonyContext, id: string): Promise<UserRecord> {
  const user = await ctx.store.users.findById(id);
  if (user === null) throw new AuthError('not_found', 'No such user.');
  return user;
}

/** Creates a user without a passkey (mode 2: the app's account, enrolled later with a token). */
export async function createUser(
  ctx: CeremonyContext,
  input: {
    username: string;
    displayName?: string | undefined;
    externalId?: string | null | undefined;
    publicMetadata?: unknown;
    privateMetadata?: unknown;
  },
  actor: { keyId: string; client: ClientInfo },
): Promise<UserRecord> {
  const username = normalizeUsername(input.username);
  const user: UserRecord = {
    id: toBase64Url(ctx.random(16)),
    username,
    displayName: normalizeDisplayName(input.displayName, username),
    userHandle: ctx.random(32),
    createdAt: ctx.clock.now(),
    externalId: externalIdOf(input.externalId) ?? null,
    disabledAt: null,
    publicMetadata:
      input.publicMetadata === undefined ? {} : checkPublicMetadata(input.publicMetadata),
    privateMetadata:
      input.privateMetadata === undefined
        ? {}
        : checkMetadata('privateMetadata', input.privateMetadata),
  };
  await ctx.store.users.create(user).catch(translateUnique);
  await audit(ctx, actor, 'admin_user_created', user.id);
  return user;
}

/** Changes only displayName, externalId and metadata: ids, times and credentials are not assignable. */
export async function updateUser(
  ctx: CeremonyContext,
  id: string,
  patch: {
    displayName?: string | undefined;
    externalId?: string | null | undefined;
    publicMetadata?: unknown;
    privateMetadata?: unknown;
  },
  actor: { keyId: string; client: ClientInfo },
): Promise<UserRecord> {
  const current = await getUser(ctx, id);
  const updated = await ctx.store.users
    .update(id, {
      ...(patch.displayName !== undefined
        ? { displayName: normalizeDisplayName(patch.displayName, current.username) }
        : {}),
      ...(patch.externalId !== undefined
        ? { externalId: externalIdOf(patch.externalId) ?? null }
        : {}),
      ...(patch.publicMetadata !== undefined
        ? { publicMetadata: checkPublicMetadata(patch.publicMetadata) }
        : {}),
      ...(patch.privateMetadata !== undefined
        ? { privateMetadata: checkMetadata('privateMetadata', patch.privateMetadata) }
        : {}),
    })
    .catch(translateUnique);
  if (updated === null) throw new AuthError('not_found', 'No such user.');
  await audit(ctx, actor, 'admin_user_updated', id);
  return updated;
}

/**
 * Disabling ends every session and one-time token at once; a disabled user cannot sign in or
 * mint tokens.
 */
export async function setDisabled(
  ctx: CeremonyContext,
  id: string,
  disabled: boolean,
  actor: { keyId: string; client: ClientInfo },
): Promise<UserRecord> {
  let already = false;
  const updated = await ctx.store.transaction(async (tx) => {
    // Read under the lock, so two admins disabling and enabling at once each see the other.
    const current = await lockUser(tx, id);
    if (current === null) return null;
    // Asked again, the state stands: the time it was disabled is kept and nothing is audited
    // (a repeated disable still sweeps sessions and tokens).
    already = (current.disabledAt !== null) === disabled;
    const user = already
      ? current
      : await tx.users.update(id, { disabledAt: disabled ? ctx.clock.now() : null });
    if (disabled) {
      await tx.sessions.deleteByUser(id);
      // Pending sign-in and enrolment tokens die too: one issued before an incident must not
      // sign in or add a passkey once the account is enabled again.
      await tx.oneTimeTokens.deleteByUser(id);
    }
    return user;
  });
  if (updated === null) throw new AuthError('not_found', 'No such user.');
  if (!already)
    await audit(ctx, actor, disabled ? 'admin_user_disabled' : 'admin_user_enabled', id);
  return updated;
}

export async function deleteUser(
  ctx: CeremonyContext,
  id: string,
  actor: { keyId: string; client: ClientInfo },
): Promise<void> {
  // In a transaction, user row first: PostgreSQL runs it again if the cascade still meets a
  // deadlock with a ceremony of this user.
  const deleted = await ctx.store.transaction(async (tx) => {
    await tx.users.lock(id);
    return tx.users.delete(id);
  });
  if (!deleted) throw new AuthError('not_found', 'No such user.');
  await audit(ctx, actor, 'admin_user_deleted', id);
}

export async function issueUserToken(
  ctx: CeremonyContext,
  id: string,
  purpose: 'sign_in' | 'enrollment',
  ttlSeconds: number | undefined,
  actor: { keyId: string; client: ClientInfo },
): Promise<{ token: string; expiresAt: number }> {
  const user = await getUser(ctx, id);
  if (user.disabledAt !== null) throw new AuthError('user_disabled', 'This account is disabled.');
  const defaultTtl =
    purpose === 'sign_in' ? ctx.config.signInTokenTtlMs : ctx.config.enrollmentTokenTtlMs;
  // Sign-in tokens live at most 10 minutes (ASVS 6.5.5); enrolment links at most 7 days.
  const maxTtl = purpose === 'sign_in' ? 10 * 60_000 : 7 * 86_400_000;
  const ttlMs = ttlSeconds === undefined ? defaultTtl : Math.min(ttlSeconds * 1000, maxTtl);
  const issued = await issueOneTimeToken(ctx, { purpose, userId: id, ttlMs });
  await audit(
    ctx,
    actor,
    purpose === 'sign_in' ? 'admin_sign_in_token_created' : 'admin_enrollment_token_created',
    id,
  );
  return issued;
}

async function audit(
  ctx: CeremonyContext,
  actor: { keyId: string; client: ClientInfo },
  type: string,
  userId: string,
): Promise<void> {
  await ctx.store.audit.record({
    at: ctx.clock.now(),
    type,
    userId,
    ip: actor.client.ip,
    userAgent: actor.client.userAgent,
    detail: `api_key:${actor.keyId}`,
  });
}

import type { Clock, RandomSource } from '../core/clock.js';
import { constantTimeEqual, sha256, toBase64Url } from '../core/encoding.js';
import { AuthError } from '../core/errors.js';
import type { ApiKeyRecord } from '../storage/records.js';
import type { Store } from '../storage/store.js';

/**
 * Admin API keys: `pk_<id>.<secret>`. The id is public (shown in lists and logs); the 256-bit
 * secret is shown once and only its SHA-256 is stored. No key exists until an operator creates
 * one with `passki keys create-admin`, so the admin API is closed by default.
 */
const KEY_FORMAT = /^pk_([A-Za-z0-9_-]{12})\.([A-Za-z0-9_-]{43})$/;
/** Last-used times are written at most this often, so reads stay cheap. */
const TOUCH_INTERVAL_MS = 60_000;

export async function createApiKey(
  deps: { store: Store; clock: Clock; random: RandomSource },
  name: string,
): Promise<{ key: string; record: ApiKeyRecord }> {
  const id = toBase64Url(deps.random(9));
  const secret = toBase64Url(deps.random(32));
  const record: ApiKeyRecord = {
    id,
    secretHash: sha256(secret),
    name: name.slice(0, 100),
    createdAt: deps.clock.now(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await deps.store.apiKeys.create(record);
  return { key: `pk_${id}.${secret}`, record };
}

/** Checks an `Authorization` header; throws `invalid_api_key` for anything but a live key. */
export async function authenticateApiKey(
  deps: { store: Store; clock: Clock },
  header: string | undefined,
): Promise<ApiKeyRecord> {
  const refuse = (): never => {
    throw new AuthError(
      'invalid_api_key',
      'A valid admin API key is required: Authorization: Bearer pk_…',
    );
  };
  if (header === undefined || header.length > 200) return refuse();
  const match = /^Bearer ([^\s]+)$/.exec(header);
  const parts = match === null ? null : KEY_FORMAT.exec(match[1] as string);
  if (parts === null) return refuse();
  const record = await deps.store.apiKeys.findById(parts[1] as string);
  // Compare hashes in constant time even for unknown ids, so timing does not reveal which exist.
  const expected = record?.secretHash ?? new Uint8Array(32);
  const matches = constantTimeEqual(sha256(parts[2] as string), expected);
  if (record === null || !matches || record.revokedAt !== null) return refuse();
  const now = deps.clock.now();
  if (record.lastUsedAt === null || now - record.lastUsedAt > TOUCH_INTERVAL_MS)
    await deps.store.apiKeys.touch(record.id, now);
  return record;
}

/** Accepts a full key or its id (`pk_<id>`), as printed by `passki keys list-admin`. */
export function apiKeyId(keyOrId: string): string | null {
  const full = KEY_FORMAT.exec(keyOrId);
  if (full !== null) return full[1] as string;
  const short = /^(?:pk_)?([A-Za-z0-9_-]{12})$/.exec(keyOrId);
  return short === null ? null : (short[1] as string);
}

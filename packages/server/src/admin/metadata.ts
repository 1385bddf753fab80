import { AuthError } from '../core/errors.js';
import { RESERVED_CLAIMS } from '../tokens/session-jwt.js';

/** Metadata bounds: small enough to ride in every JWT, shallow enough to render and to parse safely. */
export const METADATA_MAX_BYTES = 8 * 1024;
const METADATA_MAX_DEPTH = 10;

function depth(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let max = 0;
  for (const child of Object.values(value)) max = Math.max(max, depth(child));
  return 1 + max;
}

/** A JSON object of at most 8 KiB and 10 levels; `field` names it in the error. */
export function checkMetadata(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AuthError('invalid_request', `${field} must be a JSON object.`);
  }
  if (Buffer.byteLength(JSON.stringify(value)) > METADATA_MAX_BYTES) {
    throw new AuthError('invalid_request', `${field} is larger than 8 KiB.`);
  }
  if (depth(value) > METADATA_MAX_DEPTH) {
    throw new AuthError('invalid_request', `${field} is nested more than 10 levels deep.`);
  }
  return value as Record<string, unknown>;
}

/**
 * Public metadata rides in session JWTs; a key named like a claim Passki sets would never get
 * there (minting drops it), so the admin hears so when writing it rather than never.
 */
export function checkPublicMetadata(value: unknown): Record<string, unknown> {
  const metadata = checkMetadata('publicMetadata', value);
  const reserved = Object.keys(metadata).find((name) => RESERVED_CLAIMS.has(name));
  if (reserved !== undefined) {
    throw new AuthError(
      'invalid_request',
      `publicMetadata cannot use the reserved claim name "${reserved}".`,
    );
  }
  return metadata;
}

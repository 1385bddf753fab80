import { AuthError } from '../core/errors.js';

/** Letters and digits of any script, plus `.`, `_` and `-`: no spaces, no invisible characters. */
const USERNAME = /^[\p{L}\p{N}._-]{3,64}$/u;

/**
 * Normalises a username so that look-alike spellings map to one account: trim, NFKC (folds
 * full-width `ａｄｍｉｎ` into `admin`), lower-case. Throws `invalid_username` when the result
 * is not 3–64 letters, digits, `.`, `_` or `-` (a zero-width space, for one, is refused).
 */
export function normalizeUsername(input: string): string {
  const normalized = input.trim().normalize('NFKC').toLowerCase();
  if (!USERNAME.test(normalized)) {
    throw new AuthError(
      'invalid_username',
      'A username is 3 to 64 characters: letters, digits, dots, underscores and hyphens.',
    );
  }
  return normalized;
}

/** Display names are free text, but bounded and stripped of control characters. */
export function normalizeDisplayName(input: string | undefined, fallback: string): string {
  const cleaned = (input ?? '')
    .normalize('NFC')
    .replace(/\p{Cc}/gu, '')
    .trim();
  return cleaned.length === 0 ? fallback : cleaned.slice(0, 64);
}

import { AuthError } from '../core/errors.js';

/**
 * Letters and digits of any script, plus `.`, `_` and `-`: no spaces, no invisible characters.
 * A letter may carry combining marks (`\p{M}`), which Devanagari, Thai or Tamil need for vowel
 * signs and viramas (`नमस्ते`); a mark that follows no letter is refused, and so are the
 * default-ignorable marks (variation selectors, the combining grapheme joiner), which render as
 * nothing and would let `admin` and `adm\uFE0Fin` look the same. For the same reason the
 * invisible "letters" (the Hangul fillers, U+3164 and kin) are refused.
 */
const USERNAME =
  /^(?:(?!\p{Default_Ignorable_Code_Point})\p{L}(?:(?!\p{Default_Ignorable_Code_Point})\p{M})*|\p{N}|[._-])+$/u;
/** Counted in code points, a mark being one: the same bound as before marks were allowed. */
const USERNAME_MIN = 3;
const USERNAME_MAX = 64;

/**
 * Normalises a username so that look-alike spellings map to one account: trim, NFKC (folds
 * full-width `ａｄｍｉｎ` into `admin`), lower-case. Throws `invalid_username` when the result
 * is not 3–64 letters (with their combining marks), digits, `.`, `_` or `-` (a zero-width space,
 * for one, is refused).
 */
export function normalizeUsername(input: string): string {
  const normalized = input.trim().normalize('NFKC').toLowerCase();
  const length = [...normalized].length;
  if (length < USERNAME_MIN || length > USERNAME_MAX || !USERNAME.test(normalized)) {
    throw new AuthError(
      'invalid_username',
      'A username is 3 to 64 characters: letters, digits, dots, underscores and hyphens.',
    );
  }
  return normalized;
}

/**
 * The stored and echoed bound, in UTF-16 code units (at most 192 UTF-8 bytes), as before: what a
 * database column, the creation options and the pages see.
 */
const DISPLAY_NAME_MAX = 64;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Keeps whole grapheme clusters (UAX #29) while they fit in `max` code units, so an emoji, a ZWJ
 * sequence or a letter with its accents is kept or dropped whole, never split: a cut inside a
 * surrogate pair leaves a lone surrogate, which no UTF-8 store can hold (SQLite reads back
 * U+FFFD). WebAuthn §6.4.1 (String Truncation) asks the same of clients and authenticators.
 * A single cluster longer than `max` (a letter with dozens of marks) is cut between code points.
 */
function truncateGraphemes(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const { segment } of graphemes.segment(text)) {
    if (out.length + segment.length > max) break;
    out += segment;
  }
  if (out.length > 0) return out;
  for (const codePoint of text) {
    if (out.length + codePoint.length > max) break;
    out += codePoint;
  }
  return out;
}

/**
 * Display names are free text, but well-formed, bounded and stripped of control characters.
 * Throws `invalid_request` for a string with a lone surrogate (not well-formed UTF-16, so not
 * representable in UTF-8): JSON lets a client send `"\ud83d"`.
 */
export function normalizeDisplayName(input: string | undefined, fallback: string): string {
  // `\p{Cs}` under the `u` flag matches only unpaired surrogates: a pair is one code point.
  // (String.prototype.isWellFormed is the same test, but it is not in the ES2022 lib we target.)
  if (input !== undefined && /\p{Cs}/u.test(input)) {
    throw new AuthError('invalid_request', 'displayName is not well-formed Unicode text.');
  }
  const cleaned = (input ?? '')
    .normalize('NFC')
    .replace(/\p{Cc}/gu, '')
    .trim();
  return cleaned.length === 0 ? fallback : truncateGraphemes(cleaned, DISPLAY_NAME_MAX).trimEnd();
}

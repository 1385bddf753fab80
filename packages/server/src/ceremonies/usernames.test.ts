import { describe, expect, it } from 'vitest';
import type { AuthError } from '../core/errors.js';
import { normalizeDisplayName, normalizeUsername } from './usernames.js';

describe('normalizeUsername', () => {
  it.each([
    ['  Alice ', 'alice'],
    ['ＡＤＭＩＮ', 'admin'], // full-width folds to ASCII under NFKC
    ['j.doe_42-x', 'j.doe_42-x'],
    ['Zoë', 'zoë'],
    ['ﬁne', 'fine'], // ligature decomposes
    // Scripts whose letters carry combining marks (virama, vowel signs) after them.
    ['नमस्ते', 'नमस्ते'],
    ['สวัสดี', 'สวัสดี'],
    ['வணக்கம்', 'வணக்கம்'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeUsername(input)).toBe(expected);
  });

  it.each([
    'ab',
    'x'.repeat(65),
    'has space',
    'admin\u200b',
    'tab\tbed',
    'a@b.c',
    'emoji😀',
    '',
    '   ',
    '\u0301abc', // a mark that follows no letter
    '1\u20e3abc', // keycap: a mark after a digit
    '.\u0301abc',
    'adm\ufe0fin', // variation selector: an invisible mark
    'adm\u034fin', // combining grapheme joiner: invisible too
    'admin\u3164', // Hangul filler: a letter by category, but invisible
    'adm\u115fin',
    'admin\uffa0', // its half-width form
    `${'न्'.repeat(32)}a`, // 65 code points
  ])('refuses %j', (input) => {
    expect(() => normalizeUsername(input)).toThrowError(
      expect.objectContaining({ code: 'invalid_username' }) as AuthError,
    );
  });

  it('accepts exactly 3 and 64 characters', () => {
    expect(normalizeUsername('abc')).toBe('abc');
    expect(normalizeUsername('a'.repeat(64))).toBe('a'.repeat(64));
    // Marks count as characters: 64 code points, as before.
    expect(normalizeUsername('न्'.repeat(32))).toBe('न्'.repeat(32));
  });
});

describe('normalizeDisplayName', () => {
  it('falls back to the username, strips control characters and bounds the length', () => {
    expect(normalizeDisplayName(undefined, 'alice')).toBe('alice');
    expect(normalizeDisplayName(' \u0007 ', 'alice')).toBe('alice');
    expect(normalizeDisplayName('Alice\nLiddell', 'alice')).toBe('AliceLiddell');
    expect(normalizeDisplayName('x'.repeat(200), 'alice')).toHaveLength(64);
  });

  it('never cuts a surrogate pair or a grapheme cluster when bounding the length', () => {
    // 63 + 2 UTF-16 units: the emoji does not fit whole, so it goes whole.
    expect(normalizeDisplayName(`${'a'.repeat(63)}😀`, 'alice')).toBe('a'.repeat(63));
    expect(normalizeDisplayName(`${'a'.repeat(62)}😀b`, 'alice')).toBe(`${'a'.repeat(62)}😀`);
    // A family emoji is one grapheme of 11 units (ZWJ sequence); an accent stays on its letter.
    const family = '👨\u200d👩\u200d👧\u200d👦';
    expect(normalizeDisplayName(`${'a'.repeat(60)}${family}`, 'alice')).toBe('a'.repeat(60));
    // q + U+0301 has no precomposed form, so NFC leaves two code units to keep together.
    expect(normalizeDisplayName(`${'a'.repeat(63)}q\u0301`, 'alice')).toBe('a'.repeat(63));
    // A consonant keeps its vowel sign.
    expect(normalizeDisplayName(`${'a'.repeat(63)}ते`, 'alice')).toBe('a'.repeat(63));
    expect(normalizeDisplayName(`${'a'.repeat(62)}तेx`, 'alice')).toBe(`${'a'.repeat(62)}ते`);
    // One grapheme longer than the bound (a letter with 100 marks) is cut between code points.
    const zalgo = normalizeDisplayName(`q${'\u0301'.repeat(100)}`, 'alice');
    expect(zalgo).toBe(`q${'\u0301'.repeat(63)}`);
    for (const input of [
      `${'a'.repeat(63)}😀`,
      `${'😀'.repeat(40)}`,
      `${'a'.repeat(61)}${family}`,
    ]) {
      const out = normalizeDisplayName(input, 'alice');
      expect(out.length).toBeLessThanOrEqual(64);
      expect(/\p{Cs}/u.test(out), JSON.stringify(out)).toBe(false);
    }
  });

  it.each(['\ud83d', 'Ada \ud83d', '\ude00 Ada', 'A\udc00\ud800'])(
    'refuses a string that is not well-formed UTF-16: %j',
    (input) => {
      expect(() => normalizeDisplayName(input, 'alice')).toThrowError(
        expect.objectContaining({ code: 'invalid_request' }) as AuthError,
      );
    },
  );
});

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
  ])('refuses %j', (input) => {
    expect(() => normalizeUsername(input)).toThrowError(
      expect.objectContaining({ code: 'invalid_username' }) as AuthError,
    );
  });

  it('accepts exactly 3 and 64 characters', () => {
    expect(normalizeUsername('abc')).toBe('abc');
    expect(normalizeUsername('a'.repeat(64))).toBe('a'.repeat(64));
  });
});

describe('normalizeDisplayName', () => {
  it('falls back to the username, strips control characters and bounds the length', () => {
    expect(normalizeDisplayName(undefined, 'alice')).toBe('alice');
    expect(normalizeDisplayName(' \u0007 ', 'alice')).toBe('alice');
    expect(normalizeDisplayName('Alice\nLiddell', 'alice')).toBe('AliceLiddell');
    expect(normalizeDisplayName('x'.repeat(200), 'alice')).toHaveLength(64);
  });
});

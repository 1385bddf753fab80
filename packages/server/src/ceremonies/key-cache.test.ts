import { describe, expect, it } from 'vitest';
import { DecodedKeyCache } from './key-cache.js';

function cache(limit = 2, admissionsPerSecond = 2) {
  const clock = { ms: 0 };
  const keys = new DecodedKeyCache<string>({
    limit,
    seenLimit: 8,
    admissionsPerSecond,
    now: () => clock.ms,
  });
  /** Two uses, as a returning user's two sign-ins: the second one offers it for admission. */
  const useTwice = (key: string): boolean => {
    keys.offer(key, key);
    return keys.offer(key, key);
  };
  return { keys, clock, useTwice };
}

describe('DecodedKeyCache', () => {
  it('caches a key on its second use, never its first', () => {
    const { keys } = cache();
    expect(keys.offer('a', 'A')).toBe(false);
    expect(keys.get('a')).toBeUndefined();
    expect(keys.offer('a', 'A')).toBe(true);
    expect(keys.get('a')).toBe('A');
  });

  it('forgets first uses beyond its window', () => {
    const { keys } = cache(2, 100);
    keys.offer('a', 'A');
    for (let i = 0; i < 8; i++) keys.offer(`other-${i}`, 'x'); // pushes 'a' out of the 8-key window
    expect(keys.offer('a', 'A')).toBe(false);
  });

  it('fills freely, then admits at most its budget per second, and the refused get in later', () => {
    const { keys, clock, useTwice } = cache(2, 2);
    expect([useTwice('a'), useTwice('b')]).toEqual([true, true]); // filling: no budget
    expect([useTwice('c'), useTwice('d'), useTwice('e')]).toEqual([true, true, false]);
    expect(keys.size).toBe(2);
    expect(keys.get('e')).toBeUndefined();
    // A refused repeat stays in line: its next use, in the next second, admits it.
    expect(keys.offer('e', 'E')).toBe(false);
    clock.ms = 1000;
    expect(keys.offer('e', 'E')).toBe(true);
    expect(keys.get('e')).toBe('E');
  });

  it('evicts the least recently used key, not one that was just hit', () => {
    const { keys, clock, useTwice } = cache(2, 10);
    useTwice('a');
    useTwice('b');
    expect(keys.get('a')).toBe('a'); // b is now the least recently used
    clock.ms = 5000;
    useTwice('c');
    expect([keys.get('a'), keys.get('b'), keys.get('c')]).toEqual(['a', undefined, 'c']);
  });
});

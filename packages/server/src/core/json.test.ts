import { describe, expect, it } from 'vitest';
import { jsonDepth, topLevelKeys } from './json.js';

describe('topLevelKeys', () => {
  it('lists keys as written, duplicates and escaped spellings included', () => {
    expect(topLevelKeys('{"type":"webauthn.get","challenge":"a","origin":"x"}')).toEqual([
      'type',
      'challenge',
      'origin',
    ]);
    expect(topLevelKeys('{"challenge":"a","challenge":"b"}')).toEqual(['challenge', 'challenge']);
    expect(topLevelKeys('{"challenge":"a","\\u0063hallenge":"b"}')).toEqual([
      'challenge',
      'challenge',
    ]);
    expect(
      topLevelKeys('{"a":{"challenge":1},"b":["challenge"],"c":"x,\\"challenge\\":"}'),
    ).toEqual(['a', 'b', 'c']);
    expect(topLevelKeys('[1,2]')).toBeNull();
  });
});

describe('jsonDepth', () => {
  it('measures without recursion and stops early past the limit', () => {
    expect(jsonDepth({ a: { b: [1] } }, 10)).toBe(3);
    expect(jsonDepth('x', 10)).toBe(0);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonDepth(deep, 32)).toBe(33);
  });
});

import { describe, expect, it } from 'vitest';
import { secureRandom, timeOrderedBytes } from './clock.js';

describe('secureRandom', () => {
  it('hands out fresh bytes of the asked length across block boundaries', () => {
    const seen = new Set<string>();
    let ones = 0;
    for (let i = 0; i < 10_000; i++) {
      const draw = secureRandom(i % 2 === 0 ? 32 : 16);
      expect(draw.length).toBe(i % 2 === 0 ? 32 : 16);
      seen.add(Buffer.from(draw).toString('hex'));
      for (const byte of draw) for (let b = byte; b > 0; b >>= 1) ones += b & 1;
    }
    expect(seen.size).toBe(10_000);
    // 240,000 bytes: about half the bits set (a stuck or zeroed block would be far off).
    expect(ones / (240_000 * 8)).toBeGreaterThan(0.49);
    expect(ones / (240_000 * 8)).toBeLessThan(0.51);
  });

  it('never changes bytes already handed out', () => {
    const first = secureRandom(32);
    const copy = Buffer.from(first);
    for (let i = 0; i < 1_000; i++) secureRandom(64);
    expect(Buffer.from(first).equals(copy)).toBe(true);
    expect(secureRandom(1_000)).toHaveLength(1_000);
  });
});

describe('timeOrderedBytes', () => {
  it('sorts by time and keeps a random tail', () => {
    const earlier = timeOrderedBytes(1_700_000_000_000, secureRandom, 16);
    const later = timeOrderedBytes(1_700_000_000_001, secureRandom, 16);
    expect(earlier).toHaveLength(16);
    expect(Buffer.compare(Buffer.from(earlier), Buffer.from(later))).toBe(-1);
    expect(Buffer.from(earlier.subarray(0, 6)).readUIntBE(0, 6)).toBe(1_700_000_000_000);
    const sameTime = timeOrderedBytes(1_700_000_000_000, secureRandom, 16);
    expect(Buffer.from(sameTime.subarray(6)).equals(Buffer.from(earlier.subarray(6)))).toBe(false);
  });
});

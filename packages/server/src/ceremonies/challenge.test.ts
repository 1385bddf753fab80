import { describe, expect, it } from 'vitest';
import { secureRandom } from '../core/clock.js';
import { createChallengeCodec } from './challenge.js';

function setup() {
  let now = 1_700_000_000_000;
  const clock = { now: () => now };
  const codec = createChallengeCodec({
    secret: new Uint8Array(32).fill(1),
    ttlMs: 300_000,
    clock,
    random: secureRandom,
  });
  return { codec, advance: (ms: number) => (now += ms) };
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe('challenge codec', () => {
  it('issues nonces that sort by issue time and never repeat', () => {
    const { codec, advance } = setup();
    const nonces: Buffer[] = [];
    for (let i = 0; i < 50; i++) {
      nonces.push(Buffer.from(codec.open(codec.issue('sign-in', {}).challenge, 'sign-in').nonce));
      if (i % 10 === 9) advance(1);
    }
    expect(new Set(nonces.map((n) => n.toString('hex'))).size).toBe(50);
    expect(nonces.at(-1)?.readUIntBE(0, 6)).toBe(1_700_000_000_004);
    for (let i = 10; i < 50; i += 10) {
      expect(Buffer.compare(nonces[i - 1] as Buffer, nonces[i] as Buffer)).toBe(-1);
    }
  });

  it('round-trips type, context and expiry, with a 32-byte nonce', () => {
    const { codec } = setup();
    const { challenge, expiresAt } = codec.issue('sign-up', {
      userHandle: 'aGFuZGxl',
      username: 'alice',
      displayName: 'Alice',
    });
    const opened = codec.open(challenge, 'sign-up');
    expect(opened.context).toEqual({
      userHandle: 'aGFuZGxl',
      username: 'alice',
      displayName: 'Alice',
    });
    expect(opened.expiresAt).toBe(expiresAt);
    expect(opened.nonce).toHaveLength(32);
  });

  it('refuses any changed byte (the MAC covers everything)', () => {
    const { codec } = setup();
    const { challenge } = codec.issue('sign-in', { userId: 'u1' });
    const bytes = Buffer.from(challenge, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      const forged = Buffer.from(bytes);
      forged[i] = (forged[i] as number) ^ 0x01;
      expect(
        codeOf(() => codec.open(forged.toString('base64url'), 'sign-in')),
        `byte ${i}`,
      ).toBe('challenge_not_found');
    }
  });

  it('refuses another spelling of the same bytes (spare bits in the last character)', () => {
    const { codec } = setup();
    // A context whose byte count is not a multiple of 3, so the last character has spare bits.
    const userId = ['u1', 'u12', 'u123'].find(
      (id) => codec.issue('sign-in', { userId: id }).challenge.length % 4 !== 0,
    ) as string;
    const { challenge } = codec.issue('sign-in', { userId });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(challenge.at(-1) as string);
    const spare = challenge.length % 4 === 2 ? 0b1111 : 0b11;
    expect(last & spare).toBe(0);
    const respelt = `${challenge.slice(0, -1)}${alphabet[last | 1]}`;
    expect(Buffer.from(respelt, 'base64url')).toEqual(Buffer.from(challenge, 'base64url'));
    expect(codeOf(() => codec.open(respelt, 'sign-in'))).toBe('challenge_not_found');
    expect(codec.open(challenge, 'sign-in').context).toEqual({ userId });
  });

  it('refuses a challenge minted with another secret', () => {
    const { codec } = setup();
    const other = createChallengeCodec({
      secret: new Uint8Array(32).fill(2),
      ttlMs: 300_000,
      clock: { now: () => 1_700_000_000_000 },
      random: secureRandom,
    });
    expect(codeOf(() => codec.open(other.issue('sign-in', {}).challenge, 'sign-in'))).toBe(
      'challenge_not_found',
    );
  });

  it('refuses the wrong ceremony type', () => {
    const { codec } = setup();
    expect(codeOf(() => codec.open(codec.issue('sign-in', {}).challenge, 'sign-up'))).toBe(
      'ceremony_mismatch',
    );
  });

  it('expires exactly at the TTL', () => {
    const { codec, advance } = setup();
    const { challenge } = codec.issue('sign-in', {});
    advance(299_999);
    expect(codec.open(challenge, 'sign-in').type).toBe('sign-in');
    advance(1);
    expect(codeOf(() => codec.open(challenge, 'sign-in'))).toBe('challenge_expired');
  });

  it('refuses garbage without throwing anything but challenge_not_found', () => {
    const { codec } = setup();
    for (const junk of [
      '',
      'AAAA',
      '+/+/',
      'x'.repeat(5000),
      Buffer.alloc(200).toString('base64url'),
    ]) {
      expect(codeOf(() => codec.open(junk, 'sign-in'))).toBe('challenge_not_found');
    }
  });
});

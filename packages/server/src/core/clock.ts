import { randomFillSync } from 'node:crypto';

/** Time and randomness are injected so tests can move the clock instead of sleeping. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export type RandomSource = (length: number) => Uint8Array;

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Every call of the CSPRNG costs a few microseconds of fixed overhead, and a sign-in needs three
 * small draws (challenge nonce, session token, session id). Draws come from a 4 KiB block filled
 * at once, as node's randomUUID does; a block is never refilled, so bytes handed out are never
 * reused or overwritten. Large requests go straight to the CSPRNG.
 */
const BLOCK_BYTES = 4096;
let block = new Uint8Array(0);
let offset = 0;

export const secureRandom: RandomSource = (length) => {
  if (length > 256) return randomFillSync(new Uint8Array(length));
  if (offset + length > block.length) {
    block = randomFillSync(new Uint8Array(BLOCK_BYTES));
    offset = 0;
  }
  const out = block.slice(offset, offset + length);
  offset += length;
  return out;
};

/**
 * `length` bytes that sort by creation time: the time in ms (6 bytes, big-endian), then random
 * bytes. Used for keys inserted on every sign-in (session ids, challenge nonces), so the B-tree
 * insert lands on the index's last page, already hot and written once per commit, instead of a
 * random page of an ever larger index. The random tail keeps them unguessable.
 */
export function timeOrderedBytes(now: number, random: RandomSource, length: number): Uint8Array {
  const out = new Uint8Array(length);
  Buffer.from(out.buffer).writeUIntBE(Math.max(0, Math.floor(now)), 0, 6);
  out.set(random(length - 6), 6);
  return out;
}

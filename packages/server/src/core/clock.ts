import { randomBytes as nodeRandomBytes } from 'node:crypto';

/** Time and randomness are injected so tests can move the clock instead of sleeping. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export type RandomSource = (length: number) => Uint8Array;

export const systemClock: Clock = { now: () => Date.now() };

export const secureRandom: RandomSource = (length) => new Uint8Array(nodeRandomBytes(length));

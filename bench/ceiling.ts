/**
 * The ceiling: what one sign-in ceremony cannot avoid, timed with node:crypto on one core, and the
 * ceremonies per second one core could do if that were all it did:
 * - one ES256 signature verification (with a cached KeyObject),
 * - one SHA-256 of the client data (about 200 bytes, the size Passki's challenges make),
 * - 32 random bytes for the challenge,
 * - one SHA-256 of the session token (what is stored instead of it).
 *
 * Run as a child process pinned to the server's core (`node --import tsx bench/ceiling.ts 500`
 * prints JSON), so it measures the same core the server gets.
 */
import { createHash, randomBytes, sign, verify } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freshKeyPair } from '../test/helpers/keys.js';
import { runNode } from './proc.js';

export interface CeilingCost {
  name: string;
  microseconds: number;
}

export interface Ceiling {
  costs: CeilingCost[];
  totalMicroseconds: number;
  /** 1 / sum of the costs. */
  ceremoniesPerSecond: number;
}

/** Times `fn` for about `ms` milliseconds after a short warm-up; returns µs per call. */
function time(fn: () => unknown, ms: number): number {
  const until = (limit: number): number => {
    let calls = 0;
    const started = performance.now();
    while (performance.now() - started < limit) {
      for (let i = 0; i < 100; i++) fn();
      calls += 100;
    }
    return ((performance.now() - started) * 1000) / calls;
  };
  until(Math.max(20, ms / 10));
  return until(ms);
}

export function measureCeiling(ms: number): Ceiling {
  const { privateKey, publicKey } = freshKeyPair('P-256');
  // A clientDataJSON shaped like Passki's: its MAC'd challenges are about 100 base64url chars.
  const clientDataJSON = Buffer.from(
    JSON.stringify({
      type: 'webauthn.get',
      challenge: randomBytes(80).toString('base64url'),
      origin: 'http://localhost:8787',
      crossOrigin: false,
    }),
  );
  const authData = Buffer.concat([
    createHash('sha256').update('localhost').digest(),
    Buffer.from([5, 0, 0, 0, 0]),
  ]);
  const signed = Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]);
  const signature = sign('sha256', signed, privateKey);
  const token = randomBytes(32).toString('base64url');
  const ecdsaKey = { key: publicKey, dsaEncoding: 'der' as const };
  if (!verify('sha256', signed, ecdsaKey, signature))
    throw new Error('ceiling: signature check failed');

  const costs: CeilingCost[] = [
    {
      name: 'ES256 verify (cached KeyObject)',
      microseconds: time(() => verify('sha256', signed, ecdsaKey, signature), ms),
    },
    {
      name: `SHA-256 of clientDataJSON (${clientDataJSON.length} B)`,
      microseconds: time(() => createHash('sha256').update(clientDataJSON).digest(), ms / 4),
    },
    { name: 'randomBytes(32) challenge', microseconds: time(() => randomBytes(32), ms / 4) },
    {
      name: 'SHA-256 of session token',
      microseconds: time(() => createHash('sha256').update(token).digest(), ms / 4),
    },
  ];
  const totalMicroseconds = costs.reduce((sum, c) => sum + c.microseconds, 0);
  return { costs, totalMicroseconds, ceremoniesPerSecond: 1e6 / totalMicroseconds };
}

/** Measures the ceiling in a child process pinned to `cpu`. */
export async function runCeiling(opts: { cpu: number | null; ms: number }): Promise<Ceiling> {
  const stdout = await runNode(
    ['--import', 'tsx', fileURLToPath(import.meta.url), String(opts.ms)],
    {
      cpu: opts.cpu,
    },
  );
  return JSON.parse(stdout) as Ceiling;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(measureCeiling(Number(process.argv[2] ?? 500)))}\n`);
}

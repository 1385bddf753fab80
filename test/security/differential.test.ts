import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server';
import { afterAll, describe, expect, it } from 'vitest';
import { SPKI_IMPORT, setSpkiImport } from '../../packages/server/src/ceremonies/fast-assertion.js';
import {
  type RelyingParty,
  verifyAuthentication,
  verifyAuthenticationReference,
} from '../../packages/server/src/ceremonies/webauthn-lib.js';
import { AuthError } from '../../packages/server/src/core/errors.js';
import {
  type Alg,
  type AuthenticationTweaks,
  ecdsaHighS,
  flipByte,
  SoftAuthenticator,
} from '../helpers/soft-authenticator.js';

/**
 * The fast assertion path (node:crypto with cached keys) against the reference,
 * @simplewebauthn/server's own verifyAuthenticationResponse: thousands of valid, forged and
 * corrupted assertions, and the two must make the same decision every time.
 */
const ORIGIN = 'http://localhost:8787';
const CASES_PER_ALG = 1200;

function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function enrol(alg: Alg) {
  const auth = new SoftAuthenticator({ alg, origin: ORIGIN });
  const options = await generateRegistrationOptions({
    rpName: 'x',
    rpID: 'localhost',
    userName: 'u',
    supportedAlgorithmIDs: [-7, -8, -257],
  });
  const registration = await verifyRegistrationResponse({
    response: auth.register(options),
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: 'localhost',
  });
  if (!registration.verified) throw new Error('setup');
  const held = auth.credentials[0];
  return {
    auth,
    credential: {
      id: held?.id as Uint8Array,
      publicKey: registration.registrationInfo.credential.publicKey,
      transports: [] as string[],
      algorithm: { ES256: -7, EdDSA: -8, RS256: -257 }[alg],
    },
  };
}

const challengeOf = (random: () => number): string =>
  Buffer.from(Array.from({ length: 40 }, () => Math.floor(random() * 256))).toString('base64url');

function tweaks(random: () => number, alg: Alg): AuthenticationTweaks {
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
  const byte = (): number => Math.floor(random() * 300);
  return pick<AuthenticationTweaks>([
    {},
    {},
    { flags: { uv: false } },
    { flags: { up: false } },
    { flags: { bs: true } },
    { flags: { be: true, bs: true } },
    { flags: { at: true } },
    { flags: { ed: true } },
    { flags: Math.floor(random() * 256) },
    { counter: Math.floor(random() * 20) },
    { rpId: pick(['evil.com', 'localhost.', 'LOCALHOST']) },
    { clientData: { type: pick(['webauthn.create', 'payment.get', '']) } },
    { clientData: { origin: pick(['https://localhost:8787', 'http://localhost:8788', 'null']) } },
    { clientData: { crossOrigin: true } },
    { clientData: { crossOrigin: true, topOrigin: 'https://evil.com' } },
    { clientData: { topOrigin: 'https://evil.com' } },
    {
      clientData: {
        extra: { tokenBinding: pick([{ status: 'present' }, { status: 'bogus' }, 'x']) },
      },
    },
    { clientData: { bom: true } },
    { clientData: { order: ['origin', 'type', 'challenge'] } },
    { signWith: 'fresh' },
    { signature: (s) => flipByte(s, byte() % s.length, 1 << Math.floor(random() * 8)) },
    { signature: (s) => s.slice(0, Math.max(0, s.length - 1 - Math.floor(random() * 4))) },
    // High-S only exists for ECDSA.
    alg === 'ES256' ? { signature: (s) => ecdsaHighS(s) } : {},
    { tamperAuthData: (a) => flipByte(a, byte() % a.length, 1 << Math.floor(random() * 8)) },
    { tamperAuthData: (a) => new Uint8Array([...a, 0]) },
    { tamperClientDataJSON: (c) => flipByte(c, byte() % c.length, 1 << Math.floor(random() * 8)) },
    { trailingBytes: new Uint8Array([0xa0]) },
    { extensions: new Map([['ext', 1]]) },
    { userHandle: null },
  ]);
}

type Stored = Awaited<ReturnType<typeof enrol>>['credential'] & { signCount: number };
type Decision = { ok: boolean; value: unknown };

async function settle(fn: () => Promise<unknown>): Promise<Decision> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    return { ok: false, value: err.code };
  }
}

/** Both verifiers on one response; throws, naming the case, unless they agree. */
async function decideBoth(
  rp: RelyingParty,
  response: ReturnType<SoftAuthenticator['authenticate']>,
  challenge: string,
  stored: Stored,
  what: string,
): Promise<Decision> {
  const fast = await settle(() => verifyAuthentication(rp, response, challenge, stored));
  const reference = await settle(() =>
    verifyAuthenticationReference(rp, response, challenge, stored),
  );
  if (fast.ok !== reference.ok) {
    throw new Error(
      `${what}: fast ${JSON.stringify(fast)} vs reference ${JSON.stringify(reference)}`,
    );
  }
  if (fast.ok) expect(fast.value).toEqual(reference.value);
  return fast;
}

describe('fast assertion path vs @simplewebauthn/server', () => {
  it.each<Alg>(['ES256', 'EdDSA', 'RS256'])(
    '%s: the same accept/reject decision on every response',
    async (alg) => {
      const random = prng({ ES256: 1, EdDSA: 2, RS256: 3 }[alg] * 7919);
      const { auth, credential } = await enrol(alg);
      const held = auth.credentials[0] as { signCount: number };
      let accepted = 0;
      let refused = 0;
      for (let i = 0; i < CASES_PER_ALG; i++) {
        const challenge = challengeOf(random);
        const tweak = tweaks(random, alg);
        // ES256 high-S is only meaningful for ECDSA.
        if (alg !== 'ES256' && 'signature' in tweak && tweak.signature === ecdsaHighS) continue;
        const response = auth.authenticate(
          { challenge, rpId: 'localhost', allowCredentials: [] },
          tweak,
        );
        const storedCount =
          Math.floor(random() * 3) === 0 ? held.signCount + Math.floor(random() * 3) - 1 : 0;
        const rp: RelyingParty = {
          rpId: 'localhost',
          rpName: 'x',
          origins: [ORIGIN],
          topOrigins: random() < 0.2 ? ['https://evil.com'] : [],
          requireUserVerification: random() < 0.7,
          timeoutMs: 300_000,
        };
        const stored = { ...credential, signCount: Math.max(0, storedCount) };
        const what = `case ${i} ${JSON.stringify(Object.keys(tweak))}`;
        if ((await decideBoth(rp, response, challenge, stored, what)).ok) accepted++;
        else refused++;
      }
      // Both sides of the comparison are exercised.
      expect(accepted).toBeGreaterThan(50);
      expect(refused).toBeGreaterThan(500);
      process.stdout.write(
        `differential ${alg}: ${accepted} accepted and ${refused} refused by both\n`,
      );
    },
    120_000,
  );
});

/**
 * A key is imported once, then cached, so the cases above import one key per algorithm. Here
 * every ES256 key is new, imported as DER (what Node 22 and newer use) and as a JWK (Node 20),
 * whichever Node runs the test.
 */
describe.each([true, false])('fresh ES256 keys, imported as DER: %s', (spki) => {
  afterAll(() => setSpkiImport(SPKI_IMPORT));

  it('the same decision as the library for each new key', async () => {
    setSpkiImport(spki);
    const random = prng(spki ? 101 : 103);
    const rp: RelyingParty = {
      rpId: 'localhost',
      rpName: 'x',
      origins: [ORIGIN],
      topOrigins: [],
      requireUserVerification: true,
      timeoutMs: 300_000,
    };
    let accepted = 0;
    for (let k = 0; k < 60; k++) {
      const { auth, credential } = await enrol('ES256');
      for (let i = 0; i < 3; i++) {
        const challenge = challengeOf(random);
        const tweak = i === 0 ? {} : tweaks(random, 'ES256');
        const response = auth.authenticate(
          { challenge, rpId: 'localhost', allowCredentials: [] },
          tweak,
        );
        const stored = { ...credential, signCount: 0 };
        const what = `key ${k} case ${i} ${JSON.stringify(Object.keys(tweak))}`;
        if ((await decideBoth(rp, response, challenge, stored, what)).ok) accepted++;
      }
    }
    // Every key's untampered first response is accepted.
    expect(accepted).toBeGreaterThanOrEqual(60);
  });
});

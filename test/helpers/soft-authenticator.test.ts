/**
 * Proves the soft authenticator is faithful: honest responses pass the real
 * `@simplewebauthn/server` verifiers, and tweaks the library does check are rejected. Tweaks the
 * library does not check (checklist §a.4) are shown to reach the wire, so HTTP tests can rely on
 * them to exercise Passki's own checks.
 */
import { createPublicKey } from 'node:crypto';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  type VerifiedRegistrationResponse,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import {
  type Alg,
  AUTH_DATA_OFFSET,
  type AuthenticationTweaks,
  COSE_ALG,
  ecdsaHighS,
  FLAG,
  flipByte,
  type RegistrationTweaks,
  SoftAuthenticator,
} from './soft-authenticator.js';

const rpID = 'localhost';
const origin = 'http://localhost:8787';
const ALGS: Alg[] = ['ES256', 'EdDSA', 'RS256'];

function creationOptions(
  algs: number[] = [-8, -7, -257],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: 'Passki',
    rpID,
    userName: 'alice@example.org',
    attestationType: 'none',
    supportedAlgorithmIDs: algs,
  });
}

async function verifyReg(
  response: RegistrationResponseJSON,
  options: PublicKeyCredentialCreationOptionsJSON,
  extra: { supportedAlgorithmIDs?: number[] } = {},
): Promise<VerifiedRegistrationResponse> {
  return verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    ...extra,
  });
}

/** Register honestly and return the credential record a server would store. */
async function enrol(auth: SoftAuthenticator): Promise<WebAuthnCredential> {
  const options = await creationOptions();
  const result = await verifyReg(auth.register(options), options);
  if (!result.verified) throw new Error('honest registration failed');
  return result.registrationInfo.credential;
}

async function assertion(
  auth: SoftAuthenticator,
  credential: WebAuthnCredential,
  tweak: AuthenticationTweaks = {},
  requireUserVerification = true,
): Promise<{ verified: boolean; newCounter: number; response: AuthenticationResponseJSON }> {
  const options = await generateAuthenticationOptions({
    rpID,
    allowCredentials: [{ id: credential.id }],
  });
  const response = auth.authenticate(options, tweak);
  const result = await verifyAuthenticationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    credential,
    requireUserVerification,
  });
  return { verified: result.verified, newCounter: result.authenticationInfo.newCounter, response };
}

/**
 * How the library rejected: the thrown message, or 'verified: false' (checklist AV11), or 'accepted'.
 * Matching on it proves the tweak failed for the intended reason, not an incidental one.
 */
async function rejection(run: () => Promise<{ verified: boolean }>): Promise<string> {
  return run().then(
    (r) => (r.verified ? 'accepted' : 'verified: false'),
    (e: unknown) => String(e),
  );
}

const decodeB64url = isoBase64URL.toBuffer;

describe.each(ALGS)('%s honest ceremonies', (alg) => {
  it('registers, then signs assertions the stored public key verifies, counter +1 each', async () => {
    const auth = new SoftAuthenticator({ alg, origin });
    const options = await creationOptions();
    const response = auth.register(options);
    const result = await verifyReg(response, options);

    expect(result.verified).toBe(true);
    if (!result.verified) return;
    const info = result.registrationInfo;
    const held = auth.credentials[0];
    expect(held?.idBase64url).toBe(response.id);
    expect(response.rawId).toBe(response.id);
    expect(info.fmt).toBe('none');
    expect(info.credential.id).toBe(response.id);
    expect(info.credential.counter).toBe(0);
    expect(info.credential.transports).toEqual(['internal', 'hybrid']);
    expect(info.userVerified).toBe(true);
    expect(info.credentialDeviceType).toBe('singleDevice');
    expect(
      Buffer.from(info.credential.publicKey).equals(Buffer.from(held?.cosePublicKey ?? [])),
    ).toBe(true);
    expect(response.response.publicKeyAlgorithm).toBe(COSE_ALG[alg]);
    // response.publicKey is SPKI DER of the same key.
    const spki = createPublicKey({
      key: Buffer.from(decodeB64url(response.response.publicKey ?? '')),
      format: 'der',
      type: 'spki',
    });
    expect(spki.export({ format: 'jwk' })).toEqual(held?.publicKey.export({ format: 'jwk' }));

    let credential = info.credential;
    for (const expected of [1, 2]) {
      const r = await assertion(auth, credential);
      expect(r.verified).toBe(true);
      expect(r.newCounter).toBe(expected);
      credential = { ...credential, counter: r.newCounter };
    }
  });

  it('answers usernameless requests with the discoverable credential and its userHandle', async () => {
    const auth = new SoftAuthenticator({ alg, origin });
    const regOptions = await creationOptions();
    const reg = await verifyReg(auth.register(regOptions), regOptions);
    if (!reg.verified) throw new Error('registration failed');
    const options = await generateAuthenticationOptions({ rpID });
    const response = auth.authenticate(options);

    expect(response.response.userHandle).toBe(regOptions.user.id);
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: reg.registrationInfo.credential,
    });
    expect(result.verified).toBe(true);
  });
});

describe('wire format', () => {
  it('serialises clientDataJSON in Chrome order and attestationObject as fmt/attStmt/authData', async () => {
    const auth = new SoftAuthenticator({ origin });
    const options = await creationOptions();
    const response = auth.register(options);

    expect(Buffer.from(response.response.clientDataJSON, 'base64url').toString()).toBe(
      `{"type":"webauthn.create","challenge":"${options.challenge}","origin":"${origin}","crossOrigin":false}`,
    );
    const att = isoCBOR.decodeFirst<Map<string, unknown>>(
      decodeB64url(response.response.attestationObject),
    );
    expect([...att.keys()]).toEqual(['fmt', 'attStmt', 'authData']);
    expect(att.get('attStmt')).toEqual(new Map());
    const authData = att.get('authData') as Uint8Array;
    expect(Buffer.from(authData).toString('base64url')).toBe(response.response.authenticatorData);
    expect(authData[AUTH_DATA_OFFSET.flags]).toBe(FLAG.UP | FLAG.UV | FLAG.AT);
  });

  it('refuses like a browser: alg not offered, excluded credential, no allowed credential', async () => {
    const auth = new SoftAuthenticator({ alg: 'RS256', origin });
    await expect(creationOptions([-7]).then((o) => auth.register(o))).rejects.toThrow(/RS256/);

    const es = new SoftAuthenticator({ origin });
    const options = await creationOptions();
    es.register(options);
    const again = {
      ...options,
      excludeCredentials: [
        { id: es.credentials[0]?.idBase64url ?? '', type: 'public-key' as const },
      ],
    };
    expect(() => es.register(again)).toThrow(/already registered/);

    const request = await generateAuthenticationOptions({
      rpID,
      allowCredentials: [{ id: 'AAAA' }],
    });
    expect(() => es.authenticate(request)).toThrow(/no matching credential/);
  });
});

describe('registration tweaks the library rejects', () => {
  const cases: [string, RegistrationTweaks, RegExp, { supportedAlgorithmIDs?: number[] }?][] = [
    ['wrong origin', { clientData: { origin: 'https://evil-example.org' } }, /origin/],
    ['type webauthn.get', { clientData: { type: 'webauthn.get' } }, /type/],
    ['type payment.get', { clientData: { type: 'payment.get' } }, /type/],
    ['foreign challenge', { clientData: { challenge: 'AAAAAAAAAAAAAAAAAAAAAA' } }, /challenge/],
    ['rpIdHash of another RP', { rpId: 'evil.com' }, /RP ID hash/],
    ['UP cleared', { flags: { up: false } }, /presence/],
    ['UV cleared (UV required)', { flags: { uv: false } }, /verification/],
    ['BE=0, BS=1', { flags: FLAG.UP | FLAG.UV | FLAG.AT | FLAG.BS }, /InvalidBackupFlags/],
    ['leftover authData bytes', { trailingBytes: Uint8Array.of(0) }, /Leftover bytes/],
    [
      'none with non-empty attStmt',
      { attStmt: new Map([['sig', Uint8Array.of(1)]]) },
      /attestation statement/,
    ],
    ['unknown fmt', { fmt: 'bogus' }, /Unsupported Attestation Format/],
    [
      'RS256 key, only ES256/EdDSA offered',
      { alg: 'RS256' },
      /alg "-257"/,
      { supportedAlgorithmIDs: [-7, -8] },
    ],
    [
      'ES256 key claiming RS256',
      { coseAlg: -257 },
      /alg "-257"/,
      { supportedAlgorithmIDs: [-7, -8] },
    ],
  ];

  it.each(cases)('%s', async (_name, tweak, reason, extra) => {
    const auth = new SoftAuthenticator({ origin });
    const options = await creationOptions();
    expect(await rejection(() => verifyReg(auth.register(options, tweak), options, extra))).toMatch(
      reason,
    );
  });
});

describe('registration tweaks the library accepts (Passki must decide, checklist §a.4)', () => {
  it('BOM, extra and reordered clientData keys (valid per §7.1 steps 5-6)', async () => {
    const auth = new SoftAuthenticator({ origin });
    const options = await creationOptions();
    const response = auth.register(options, {
      clientData: { bom: true, extra: { other_keys_can_be_added_here: 'x' }, order: ['origin'] },
    });
    const text = Buffer.from(response.response.clientDataJSON, 'base64url').toString('latin1');
    expect(text.startsWith('\xef\xbb\xbf{"origin"')).toBe(true);
    expect((await verifyReg(response, options)).verified).toBe(true);
  });

  it('crossOrigin/topOrigin, 1024-byte credential ID (server checks RV7, RV8, RV16)', async () => {
    const auth = new SoftAuthenticator({ origin });
    const options = await creationOptions();
    const response = auth.register(options, {
      clientData: { crossOrigin: true, topOrigin: 'https://evil.com' },
      credentialIdLength: 1024,
    });
    const result = await verifyReg(response, options);
    expect(result.verified).toBe(true);
    expect(decodeB64url(response.id)).toHaveLength(1024);
    expect(
      JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString()),
    ).toMatchObject({
      crossOrigin: true,
      topOrigin: 'https://evil.com',
    });
  });
});

describe('authentication tweaks the library rejects', () => {
  const cases: [string, AuthenticationTweaks, RegExp][] = [
    ['wrong origin', { clientData: { origin: 'https://example.org.evil.com' } }, /origin/],
    ['type webauthn.create', { clientData: { type: 'webauthn.create' } }, /type/],
    ['type payment.get', { clientData: { type: 'payment.get' } }, /type/],
    [
      'topOrigin without crossOrigin',
      { clientData: { topOrigin: 'https://evil.com' } },
      /top origin/,
    ],
    ['rpIdHash of another RP', { rpId: 'evil.com' }, /RP ID hash/],
    ['UP cleared', { flags: { up: false } }, /not present/],
    ['UV cleared (UV required)', { flags: { uv: false } }, /verification/],
    ['BE=0, BS=1', { flags: { bs: true } }, /InvalidBackupFlags/],
    ['signature with byte flipped', { signature: (s) => flipByte(s, 10) }, /verified: false/],
    ['truncated signature', { signature: (s) => s.subarray(0, s.length - 1) }, /End of input/],
    ['signed by a fresh key', { signWith: 'fresh' }, /verified: false/],
    ['raw r||s instead of DER', { ecdsaEncoding: 'ieee-p1363' }, /Error/],
    [
      'counter changed after signing',
      { tamperAuthData: (a) => flipByte(a, 36, 0x80) },
      /verified: false/,
    ],
    [
      'flags changed after signing',
      { tamperAuthData: (a) => flipByte(a, AUTH_DATA_OFFSET.flags, FLAG.BE) },
      /verified: false/,
    ],
    [
      'clientDataJSON member added after signing',
      {
        tamperClientDataJSON: (c) =>
          Buffer.from(Buffer.from(c).toString().replace(/}$/, ',"x":1}')),
      },
      /verified: false/,
    ],
    ['counter not incremented', { increment: 0 }, /counter/],
  ];

  it.each(cases)('%s', async (_name, tweak, reason) => {
    const auth = new SoftAuthenticator({ origin });
    const credential = await enrol(auth);
    const first = await assertion(auth, credential); // stored counter becomes 1
    const next = { ...credential, counter: first.newCounter };
    expect(await rejection(() => assertion(auth, next, tweak))).toMatch(reason);
  });

  it('a cloned authenticator trips the counter check (§6.1.1)', async () => {
    const auth = new SoftAuthenticator({ origin });
    const credential = await enrol(auth);
    const twin = auth.clone();
    const first = await assertion(auth, credential);
    expect(first.newCounter).toBe(1);
    const stored = { ...credential, counter: first.newCounter };
    expect(await rejection(() => assertion(twin, stored))).toMatch(/counter/);
    expect(auth.credentials[0]?.signCount).toBe(1);
    expect(twin.credentials[0]?.signCount).toBe(1);
  });

  it('UV cleared passes when UV is not required', async () => {
    const auth = new SoftAuthenticator({ origin });
    const credential = await enrol(auth);
    expect((await assertion(auth, credential, { flags: { uv: false } }, false)).verified).toBe(
      true,
    );
  });
});

describe('authentication tweaks the library accepts (Passki must decide)', () => {
  it('high-S ECDSA twin of a valid signature verifies (checklist A10: document it)', async () => {
    const auth = new SoftAuthenticator({ origin });
    const credential = await enrol(auth);
    expect((await assertion(auth, credential, { signature: ecdsaHighS })).verified).toBe(true);
  });

  it('userHandle override/omission and a foreign credential are up to the server (AV1-AV3)', async () => {
    const victim = new SoftAuthenticator({ origin });
    const attacker = new SoftAuthenticator({ origin });
    const victimCred = await enrol(victim);
    const attackerCred = await enrol(attacker);

    // The attacker answers options that only allow the victim's credential (W3C issue 753).
    const options = await generateAuthenticationOptions({
      rpID,
      allowCredentials: [{ id: victimCred.id }],
    });
    const response = attacker.authenticate(options, {
      credentialId: attackerCred.id,
      userHandle: victim.credentials[0]?.userHandle ?? null,
    });
    expect(response.id).toBe(attackerCred.id);
    expect(response.response.userHandle).toBe(
      Buffer.from(victim.credentials[0]?.userHandle ?? []).toString('base64url'),
    );
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: attackerCred,
    });
    expect(result.verified).toBe(true);

    const omitted = attacker.authenticate(options, {
      credentialId: attackerCred.id,
      userHandle: null,
    });
    expect('userHandle' in omitted.response).toBe(false);
  });

  it('counter override writes the value without moving the held counter', async () => {
    const auth = new SoftAuthenticator({ origin });
    const credential = await enrol(auth);
    const r = await assertion(auth, credential, { counter: 10 });
    expect(r.newCounter).toBe(10);
    expect(auth.credentials[0]?.signCount).toBe(0);
  });
});

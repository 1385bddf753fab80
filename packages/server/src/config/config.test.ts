import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDuration } from './config.js';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      rpId: 'localhost',
      rpName: 'Passki',
      origins: ['http://localhost:8787'],
      publicUrl: 'http://localhost:8787',
      port: 8787,
      userVerification: 'required',
      challengeTtlMs: 300_000,
      sessionTtlMs: 30 * 86_400_000,
      secret: null,
    });
    expect(config.databaseUrl).toBe('sqlite:./data/passki.db');
  });

  it.each([
    [{ PASSKI_RP_ID: 'https://example.com' }, /PASSKI_RP_ID/],
    [{ PASSKI_ORIGINS: 'http://localhost:8787/' }, /PASSKI_ORIGINS.*trailing slash/],
    [{ PASSKI_ORIGINS: 'https://evil.com' }, /PASSKI_ORIGINS.*not on the RP ID/],
    [{ PASSKI_RP_ID: 'example.com', PASSKI_ORIGINS: 'https://notexample.com' }, /PASSKI_ORIGINS/],
    [{ PASSKI_PORT: '80a' }, /PASSKI_PORT/],
    [{ PASSKI_PORT: '70000' }, /PASSKI_PORT/],
    [{ PASSKI_USER_VERIFICATION: 'discouraged' }, /PASSKI_USER_VERIFICATION/],
    [{ PASSKI_CHALLENGE_TTL: '1s' }, /PASSKI_CHALLENGE_TTL/],
    [{ PASSKI_SESSION_TTL: 'forever' }, /PASSKI_SESSION_TTL/],
    [{ PASSKI_SECRET: 'short' }, /PASSKI_SECRET/],
    [{ PASSKI_LOG_LEVEL: 'loud' }, /PASSKI_LOG_LEVEL/],
    [{ PASSKI_DATABASE_URL: 'mysql://x' }, /PASSKI_DATABASE_URL/],
    [{ PASSKI_SIGN_IN_TOKEN_TTL: '2h' }, /PASSKI_SIGN_IN_TOKEN_TTL: at most 10 minutes/],
  ])('names the bad setting: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrowError(ConfigError);
    expect(() => loadConfig(env)).toThrowError(message);
  });

  it('derives the local origin from PASSKI_PORT unless origins are given', () => {
    const config = loadConfig({ PASSKI_PORT: '8811' });
    expect(config.origins).toEqual(['http://localhost:8811']);
    expect(config.publicUrl).toBe('http://localhost:8811');
    expect(loadConfig({ PASSKI_PORT: '0' }).origins).toEqual(['http://localhost:8787']);
    expect(loadConfig({ PASSKI_PORT: '80' }).origins).toEqual(['http://localhost']);
    expect(loadConfig({ PASSKI_PORT: '0080' }).origins).toEqual(['http://localhost']);
    expect(
      loadConfig({ PASSKI_PORT: '8811', PASSKI_ORIGINS: 'http://localhost:9000' }).origins,
    ).toEqual(['http://localhost:9000']);
  });

  it('accepts an internationalised top-level domain as RP ID, and a zero shutdown grace', () => {
    const config = loadConfig({
      PASSKI_RP_ID: 'example.xn--p1ai',
      PASSKI_ORIGINS: 'https://example.xn--p1ai',
      PASSKI_SHUTDOWN_GRACE: '0s',
    });
    expect(config.rpId).toBe('example.xn--p1ai');
    expect(config.shutdownGraceMs).toBe(0);
    expect(() => loadConfig({ PASSKI_RP_ID: 'example.xn--' })).toThrowError(/PASSKI_RP_ID/);
  });

  it('accepts subdomain origins of the RP ID and https public URLs', () => {
    const config = loadConfig({
      PASSKI_RP_ID: 'example.com',
      PASSKI_ORIGINS: 'https://example.com,https://app.example.com',
      PASSKI_PUBLIC_URL: 'https://auth.example.com',
      PASSKI_SECRET: 'a'.repeat(64),
    });
    expect(config.origins).toEqual(['https://example.com', 'https://app.example.com']);
    expect(config.publicUrl).toBe('https://auth.example.com');
    expect(config.secret).toHaveLength(32);
  });
});

describe('parseDuration', () => {
  it.each([
    ['300', 300_000],
    ['5m', 300_000],
    ['12h', 43_200_000],
    ['30d', 2_592_000_000],
    ['250ms', 250],
  ])('%s → %d ms', (input, ms) => expect(parseDuration(input)).toBe(ms));
  it.each(['', '-5m', '5 minutes', '1.5h', '0'])('refuses %j', (input) =>
    expect(parseDuration(input)).toBeNull(),
  );
});

import { resolve } from 'node:path';
import { z } from 'zod';
import { isAddressOrCidr } from '../core/client-ip.js';
import type { Limit } from '../core/rate-limit.js';

/**
 * Passki is configured by environment variables only, validated once at start-up; a bad value
 * stops the server with a message naming the variable. `SETTINGS` doubles as the reference shown
 * by `passki start --help` and the README's configuration table.
 */
export interface Config {
  rpId: string;
  rpName: string;
  origins: string[];
  /** Origins allowed as `topOrigin` of a cross-origin iframe ceremony; empty refuses them all. */
  topOrigins: string[];
  publicUrl: string;
  host: string;
  port: number;
  databaseUrl: string;
  /** PostgreSQL only: most connections per node, and the statement / connection-wait timeout. */
  databasePoolSize: number;
  databaseTimeoutMs: number;
  /** Apply pending migrations at start-up; when false, `passki migrate` must run first. */
  migrateOnStart: boolean;
  userVerification: 'required' | 'preferred';
  challengeTtlMs: number;
  sessionTtlMs: number;
  /** A session unused for this long ends (idle timeout). */
  sessionIdleMs: number;
  /** How recent a user-verified assertion must be for sensitive account changes (step-up). */
  reauthWindowMs: number;
  /** Most passkeys one user may register. */
  maxPasskeysPerUser: number;
  /** A newer AAGUID list (from `passki aaguids update`) to use instead of the shipped one. */
  aaguidFile: string | null;
  /** Session JWTs: lifetime, issuer (Passki's public URL) and audience. */
  jwtTtlMs: number;
  jwtIssuer: string;
  jwtAudience: string;
  /** 32-byte key that encrypts signing keys at rest; null stores them unencrypted. */
  keyEncryptionKey: Uint8Array | null;
  signInTokenTtlMs: number;
  enrollmentTokenTtlMs: number;
  /** When set, the admin API is served only on this separate listener. */
  adminPort: number | null;
  adminHost: string;
  /** Where the hosted page may send users back to after signing in (URL prefixes). */
  redirectUrls: string[];
  /** On SIGTERM, how long to keep accepting (with /readyz at 503) before closing the listener. */
  shutdownGraceMs: number;
  /** Audit events older than this are deleted. */
  auditRetentionMs: number;
  /** Username-first sign-in gives away nothing about which accounts exist. */
  hideAccountExistence: boolean;
  /** Redis for rate-limit counters (shared by all nodes without a database write per request). */
  redisUrl: string | null;
  /** Proxies whose X-Forwarded-For is believed (IPs or CIDRs). */
  trustedProxies: string[];
  /** Rate limits; null turns them off (benchmarks, tests of other things). */
  rateLimits: { ip: Limit; account: Limit } | null;
  /** Server secret for challenge MACs; when absent one is generated and kept in the database. */
  secret: Uint8Array | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

interface Setting {
  env: string;
  default: string;
  description: string;
}

export const SETTINGS: Setting[] = [
  {
    env: 'PASSKI_RP_ID',
    default: 'localhost',
    description: 'WebAuthn relying-party ID: the registrable domain passkeys belong to',
  },
  {
    env: 'PASSKI_RP_NAME',
    default: 'Passki',
    description: 'Name shown by the browser when a passkey is created',
  },
  {
    env: 'PASSKI_ORIGINS',
    default: 'http://localhost:PASSKI_PORT',
    description:
      'Comma-separated origins allowed in ceremonies and cookie-authenticated requests (exact match; each must be on the RP ID or a subdomain)',
  },
  {
    env: 'PASSKI_TOP_ORIGINS',
    default: '',
    description:
      'Comma-separated parent origins allowed to embed ceremonies in an iframe; empty refuses cross-origin ceremonies',
  },
  {
    env: 'PASSKI_PUBLIC_URL',
    default: 'first of PASSKI_ORIGINS',
    description:
      "Passki's own URL; https makes the session cookie Secure and __Host- prefixed, and turns on HSTS",
  },
  {
    env: 'PASSKI_HOST',
    default: '127.0.0.1',
    description: 'Address to listen on (0.0.0.0 or :: to accept remote connections)',
  },
  { env: 'PASSKI_PORT', default: '8787', description: 'Port to listen on' },
  {
    env: 'PASSKI_DATABASE_URL',
    default: 'sqlite:./data/passki.db',
    description:
      'sqlite:PATH (or a plain file path) for the embedded database, or postgres://user:pass@host:5432/db',
  },
  {
    env: 'PASSKI_DATABASE_POOL_SIZE',
    default: '10',
    description: 'PostgreSQL: most connections one node holds',
  },
  {
    env: 'PASSKI_DATABASE_TIMEOUT',
    default: '5s',
    description:
      'PostgreSQL: statement timeout and longest wait for a pooled connection; past it, 503',
  },
  {
    env: 'PASSKI_MIGRATE_ON_START',
    default: 'true',
    description: 'Apply pending migrations at start-up; false requires `passki migrate` first',
  },
  {
    env: 'PASSKI_USER_VERIFICATION',
    default: 'required',
    description:
      "'required' (passkeys are the only factor) or 'preferred' (security keys without PIN)",
  },
  {
    env: 'PASSKI_CHALLENGE_TTL',
    default: '5m',
    description: 'How long a ceremony challenge stays valid (e.g. 300s, 5m)',
  },
  {
    env: 'PASSKI_SESSION_TTL',
    default: '30d',
    description: 'Absolute lifetime of a session (e.g. 12h, 30d)',
  },
  {
    env: 'PASSKI_SESSION_IDLE_TIMEOUT',
    default: '7d',
    description: 'A session unused for this long ends (checked server-side; precision 5 minutes)',
  },
  {
    env: 'PASSKI_REAUTH_WINDOW',
    default: '5m',
    description:
      'Adding, renaming or deleting passkeys, new recovery codes and revoking other sessions need a passkey check this recent',
  },
  {
    env: 'PASSKI_MAX_PASSKEYS',
    default: '20',
    description: 'Most passkeys one user may register',
  },
  {
    env: 'PASSKI_AAGUID_FILE',
    default: 'the list shipped with Passki',
    description:
      'Authenticator names and icons by AAGUID; `passki aaguids update` writes a fresh copy',
  },
  {
    env: 'PASSKI_JWT_TTL',
    default: '5m',
    description:
      'Lifetime of session JWTs from POST /v1/token; a revoked session mints no new ones, minted ones live this long',
  },
  {
    env: 'PASSKI_JWT_AUDIENCE',
    default: 'PASSKI_PUBLIC_URL',
    description: 'The aud claim of session JWTs (your app); the iss claim is PASSKI_PUBLIC_URL',
  },
  {
    env: 'PASSKI_KEY_ENCRYPTION_KEY',
    default: '(none: keys stored unencrypted)',
    description: '32 bytes (hex or base64url) that encrypt JWT signing keys at rest (AES-256-GCM)',
  },
  {
    env: 'PASSKI_SIGN_IN_TOKEN_TTL',
    default: '60s',
    description: 'Lifetime of one-time sign-in tokens and sign-in results',
  },
  {
    env: 'PASSKI_ENROLLMENT_TOKEN_TTL',
    default: '15m',
    description: 'Default lifetime of enrolment tokens (register a passkey without a session)',
  },
  {
    env: 'PASSKI_ADMIN_PORT',
    default: '(none: admin API on the main port)',
    description: 'Serve the admin API (/v1/admin) only on this port',
  },
  {
    env: 'PASSKI_ADMIN_HOST',
    default: '127.0.0.1',
    description: 'Address of the admin listener',
  },
  {
    env: 'PASSKI_REDIRECT_URLS',
    default: 'PASSKI_ORIGINS',
    description:
      'Comma-separated URL prefixes the hosted page may send users back to (?redirect_to=)',
  },
  {
    env: 'PASSKI_SHUTDOWN_GRACE',
    default: '1s',
    description:
      'On SIGTERM: keep accepting this long with /readyz at 503 (so load balancers drain), then finish in-flight requests and exit',
  },
  {
    env: 'PASSKI_AUDIT_RETENTION',
    default: '90d',
    description: 'How long audit events are kept',
  },
  {
    env: 'PASSKI_HIDE_ACCOUNT_EXISTENCE',
    default: 'false',
    description:
      'true: sign-in options for unknown usernames look like real ones and every failed sign-in gets the same answer',
  },
  {
    env: 'PASSKI_REDIS_URL',
    default: '(none: counters in the database)',
    description: 'redis://host:6379 to keep rate-limit counters in Redis instead of the database',
  },
  {
    env: 'PASSKI_TRUSTED_PROXIES',
    default: '(none)',
    description:
      'Comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For is believed',
  },
  {
    env: 'PASSKI_RATE_LIMITS',
    default: 'on',
    description:
      'on or off: rate limits on every ceremony, ticket and token endpoint (the recovery-code limits always apply)',
  },
  {
    env: 'PASSKI_RATE_LIMIT_IP',
    default: '600/1m',
    description:
      'State-changing API calls per client address (IPv6 grouped by /64) per window, e.g. 600/1m',
  },
  {
    env: 'PASSKI_RATE_LIMIT_ACCOUNT',
    default: '60/1m',
    description: 'Ceremonies per account per window (options and verify), e.g. 60/1m',
  },
  {
    env: 'PASSKI_SECRET',
    default: 'generated and stored in the database',
    description:
      'At least 32 bytes, base64url or hex, used to MAC challenges; set it to the same value on every node',
  },
  {
    env: 'PASSKI_LOG_LEVEL',
    default: 'info',
    description: 'fatal, error, warn, info, debug, trace or silent',
  },
];

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const DURATION = /^(\d+)(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(value: string): number | null {
  const match = DURATION.exec(value.trim());
  if (!match) return null;
  const ms = Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? 1000);
  return Number.isSafeInteger(ms) && ms > 0 ? ms : null;
}

function parseOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== value)
      return null;
    return url.origin;
  } catch {
    return null;
  }
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

const rpIdSchema = z.string().regex(
  // The top-level label is letters, or an internationalised one in its xn-- form.
  /^(localhost|([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+([a-z]{2,}|xn--[a-z0-9-]*[a-z0-9]))$/,
  'must be a domain name such as example.com or localhost',
);

/** Reads and validates the configuration; throws `ConfigError` naming the first bad setting. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const get = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const fail = (name: string, problem: string): never => {
    throw new ConfigError(`Invalid ${name}: ${problem}`);
  };

  const rpId = get('PASSKI_RP_ID') ?? 'localhost';
  if (!rpIdSchema.safeParse(rpId).success)
    fail('PASSKI_RP_ID', `"${rpId}" is not a domain name such as example.com or localhost`);

  const portRaw = get('PASSKI_PORT') ?? '8787';
  const port = Number(portRaw);
  if (!/^\d+$/.test(portRaw) || port > 65535)
    fail('PASSKI_PORT', `"${portRaw}" is not a port number (0-65535)`);

  // The local default follows the port, so `PASSKI_PORT=8811` alone serves a page that works
  // (port 0, "any free port", has no origin to name; tests set PASSKI_ORIGINS themselves).
  // Through URL, which drops a default port: the origin of port 80 is http://localhost.
  const defaultOrigin = new URL(`http://localhost:${port === 0 ? 8787 : port}`).origin;
  const origins = list(get('PASSKI_ORIGINS') ?? defaultOrigin).map(
    (origin) =>
      parseOrigin(origin) ??
      fail(
        'PASSKI_ORIGINS',
        `"${origin}" is not an origin like https://example.com (scheme, host, optional port; no path or trailing slash)`,
      ),
  );
  if (origins.length === 0) fail('PASSKI_ORIGINS', 'at least one origin is required');
  for (const origin of origins) {
    const host = new URL(origin).hostname;
    // WebAuthn §5.1.4.1: the RP ID must be the origin's effective domain or a registrable suffix of it.
    if (host !== rpId && !host.endsWith(`.${rpId}`))
      fail('PASSKI_ORIGINS', `${origin} is not on the RP ID ${rpId} or a subdomain of it`);
  }
  const topOrigins = list(get('PASSKI_TOP_ORIGINS')).map(
    (origin) => parseOrigin(origin) ?? fail('PASSKI_TOP_ORIGINS', `"${origin}" is not an origin`),
  );
  const publicUrlRaw = get('PASSKI_PUBLIC_URL') ?? (origins[0] as string);
  const publicUrl =
    parseOrigin(publicUrlRaw.replace(/\/$/, '')) ??
    fail('PASSKI_PUBLIC_URL', `"${publicUrlRaw}" is not a URL like https://auth.example.com`);

  const userVerification = get('PASSKI_USER_VERIFICATION') ?? 'required';
  if (userVerification !== 'required' && userVerification !== 'preferred')
    fail('PASSKI_USER_VERIFICATION', `"${userVerification}" must be required or preferred`);

  const duration = (name: string, fallback: string, min: number): number => {
    const raw = get(name) ?? fallback;
    const ms = parseDuration(raw);
    if (ms === null || ms < min)
      fail(name, `"${raw}" is not a duration of at least ${min / 1000}s (e.g. 300s, 5m, 12h, 30d)`);
    return ms as number;
  };

  /** Sign-in tokens and results live at most 10 minutes (ASVS 6.5.5), whatever asks longer. */
  const atMost = (name: string, ms: number, max: number): number =>
    ms <= max ? ms : fail(name, `at most ${max / 60_000} minutes, not ${ms / 60_000}`);

  let secret: Uint8Array | null = null;
  const secretRaw = get('PASSKI_SECRET');
  if (secretRaw !== undefined) {
    const bytes =
      /^[0-9a-fA-F]+$/.test(secretRaw) && secretRaw.length % 2 === 0
        ? Buffer.from(secretRaw, 'hex')
        : Buffer.from(secretRaw, 'base64url');
    if (bytes.length < 32)
      fail('PASSKI_SECRET', 'must encode at least 32 bytes (e.g. `openssl rand -hex 32`)');
    secret = new Uint8Array(bytes);
  }

  const logLevel = get('PASSKI_LOG_LEVEL') ?? 'info';
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  if (!(levels as readonly string[]).includes(logLevel))
    fail('PASSKI_LOG_LEVEL', `"${logLevel}" must be one of ${levels.join(', ')}`);

  const databaseUrl = get('PASSKI_DATABASE_URL') ?? 'sqlite:./data/passki.db';
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    if (!URL.canParse(databaseUrl)) fail('PASSKI_DATABASE_URL', 'is not a valid postgres:// URL');
  } else {
    sqlitePath(databaseUrl) ??
      fail(
        'PASSKI_DATABASE_URL',
        `"${databaseUrl}" is neither a postgres:// URL nor a sqlite: URL or file path`,
      );
  }
  const poolRaw = get('PASSKI_DATABASE_POOL_SIZE') ?? '10';
  const databasePoolSize = Number(poolRaw);
  if (!/^\d+$/.test(poolRaw) || databasePoolSize < 1 || databasePoolSize > 1000) {
    fail('PASSKI_DATABASE_POOL_SIZE', `"${poolRaw}" is not a number from 1 to 1000`);
  }
  const maxRaw = get('PASSKI_MAX_PASSKEYS') ?? '20';
  const maxPasskeysPerUser = Number(maxRaw);
  if (!/^\d+$/.test(maxRaw) || maxPasskeysPerUser < 1 || maxPasskeysPerUser > 1000) {
    fail('PASSKI_MAX_PASSKEYS', `"${maxRaw}" is not a number from 1 to 1000`);
  }
  const secret32 = (name: string): Uint8Array | null => {
    const raw = get(name);
    if (raw === undefined) return null;
    const bytes = /^[0-9a-fA-F]{64}$/.test(raw)
      ? Buffer.from(raw, 'hex')
      : Buffer.from(raw, 'base64url');
    if (bytes.length !== 32)
      fail(name, 'must be exactly 32 bytes, hex or base64url (e.g. `openssl rand -hex 32`)');
    return new Uint8Array(bytes);
  };
  const adminPortRaw = get('PASSKI_ADMIN_PORT');
  const adminPort = adminPortRaw === undefined ? null : Number(adminPortRaw);
  if (
    adminPortRaw !== undefined &&
    (!/^\d+$/.test(adminPortRaw) || (adminPort as number) > 65535)
  ) {
    fail('PASSKI_ADMIN_PORT', `"${adminPortRaw}" is not a port number`);
  }
  const redirectUrls = list(get('PASSKI_REDIRECT_URLS')).map((url) => {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
      fail('PASSKI_REDIRECT_URLS', `"${url}" is not an http(s) URL`);
    return url;
  });
  const hideRaw = (get('PASSKI_HIDE_ACCOUNT_EXISTENCE') ?? 'false').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(hideRaw))
    fail('PASSKI_HIDE_ACCOUNT_EXISTENCE', `"${hideRaw}" must be true or false`);
  const redisUrl = get('PASSKI_REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl))
    fail('PASSKI_REDIS_URL', `"${redisUrl}" is not a redis:// or rediss:// URL`);
  const trustedProxies = list(get('PASSKI_TRUSTED_PROXIES'));
  for (const entry of trustedProxies) {
    if (!isAddressOrCidr(entry))
      fail('PASSKI_TRUSTED_PROXIES', `"${entry}" is not an IP address or CIDR`);
  }
  const limit = (name: string, fallback: string): Limit => {
    const raw = get(name) ?? fallback;
    const [count, window, extra] = raw.split('/');
    const windowMs = window === undefined ? null : parseDuration(window);
    if (
      extra !== undefined ||
      !/^\d+$/.test(count ?? '') ||
      Number(count) < 1 ||
      windowMs === null
    ) {
      fail(name, `"${raw}" is not a limit like 120/1m (requests per window)`);
    }
    return { max: Number(count), windowMs: windowMs as number };
  };
  const rateLimitsRaw = (get('PASSKI_RATE_LIMITS') ?? 'on').toLowerCase();
  if (rateLimitsRaw !== 'on' && rateLimitsRaw !== 'off')
    fail('PASSKI_RATE_LIMITS', `"${rateLimitsRaw}" must be on or off`);
  const rateLimits =
    rateLimitsRaw === 'off'
      ? null
      : {
          ip: limit('PASSKI_RATE_LIMIT_IP', '600/1m'),
          account: limit('PASSKI_RATE_LIMIT_ACCOUNT', '60/1m'),
        };
  const migrateRaw = (get('PASSKI_MIGRATE_ON_START') ?? 'true').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(migrateRaw)) {
    fail('PASSKI_MIGRATE_ON_START', `"${migrateRaw}" must be true or false`);
  }

  return {
    rpId,
    rpName: get('PASSKI_RP_NAME') ?? 'Passki',
    origins,
    topOrigins,
    publicUrl,
    host: get('PASSKI_HOST') ?? '127.0.0.1',
    port,
    databaseUrl,
    databasePoolSize,
    databaseTimeoutMs: duration('PASSKI_DATABASE_TIMEOUT', '5s', 100),
    migrateOnStart: migrateRaw === 'true' || migrateRaw === '1',
    userVerification,
    challengeTtlMs: duration('PASSKI_CHALLENGE_TTL', '5m', 10_000),
    sessionTtlMs: duration('PASSKI_SESSION_TTL', '30d', 60_000),
    sessionIdleMs: duration('PASSKI_SESSION_IDLE_TIMEOUT', '7d', 10 * 60_000),
    reauthWindowMs: duration('PASSKI_REAUTH_WINDOW', '5m', 10_000),
    maxPasskeysPerUser,
    jwtTtlMs: duration('PASSKI_JWT_TTL', '5m', 10_000),
    jwtIssuer: publicUrl,
    jwtAudience: get('PASSKI_JWT_AUDIENCE') ?? publicUrl,
    keyEncryptionKey: secret32('PASSKI_KEY_ENCRYPTION_KEY'),
    signInTokenTtlMs: atMost(
      'PASSKI_SIGN_IN_TOKEN_TTL',
      duration('PASSKI_SIGN_IN_TOKEN_TTL', '60s', 5_000),
      10 * 60_000,
    ),
    enrollmentTokenTtlMs: duration('PASSKI_ENROLLMENT_TOKEN_TTL', '15m', 10_000),
    adminPort,
    adminHost: get('PASSKI_ADMIN_HOST') ?? '127.0.0.1',
    redirectUrls: redirectUrls.length > 0 ? redirectUrls : origins,
    shutdownGraceMs: /^0+(ms|s|m|h|d)?$/.test(get('PASSKI_SHUTDOWN_GRACE') ?? '')
      ? 0
      : duration('PASSKI_SHUTDOWN_GRACE', '1s', 1),
    auditRetentionMs: duration('PASSKI_AUDIT_RETENTION', '90d', 3_600_000),
    hideAccountExistence: hideRaw === 'true' || hideRaw === '1',
    redisUrl: redisUrl ?? null,
    trustedProxies,
    rateLimits,
    aaguidFile:
      get('PASSKI_AAGUID_FILE') === undefined ? null : resolve(get('PASSKI_AAGUID_FILE') as string),
    secret,
    logLevel: logLevel as Config['logLevel'],
  } as Config;
}

/** The file behind a SQLite database URL (`sqlite:PATH`, `file:PATH` or a bare path), or null. */
export function sqlitePath(databaseUrl: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(databaseUrl) && !databaseUrl.startsWith('file://'))
    return null;
  const path = databaseUrl.replace(/^(sqlite|file):(\/\/)?/, '');
  if (path === ':memory:') return path;
  return path.length > 0 ? resolve(path) : null;
}

/**
 * Passki under test: the built CLI (`packages/server/dist/cli.js`) as its own process, migrated,
 * bulk-seeded, then started; and its scenarios, driven through the public HTTP API.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVerifier } from '@passki/node';
import { BenchAuthenticator, type PoolKey } from './authenticator.js';
import { sqliteStats } from './db-stats.js';
import { expectStatus, HttpClient, OpError, setCookie } from './load.js';
import { isPostgresUrl, postgresStats } from './postgres.js';
import { freePort, runNode, startServerProcess } from './proc.js';
import { clearLoadRows, type SeededUsers, type SeedResult, seedPasski } from './seed.js';
import type { Scenario, Target } from './target.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const PASSKI_CLI = join(ROOT, 'packages/server/dist/cli.js');
const COOKIE = 'passki_session';
const SESSION_POOL = 64;

export interface PasskiOptions {
  dataDir: string;
  /** `sqlite:PATH` (default, in dataDir) or `postgres://…`. */
  databaseUrl?: string;
  users: SeededUsers;
  cpu: number | null;
  /**
   * The SQLite database is already seeded (an earlier scale round): clear the previous round's
   * load rows instead of seeding, and report this.
   */
  seeded?: SeedResult;
  /** Extra node flags for the server process, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

export interface JwtVerifyCost {
  microseconds: number;
  perSecond: number;
}

export async function startPasski(opts: PasskiOptions): Promise<{
  target: Target;
  seed: SeedResult;
  measureJwtVerify: ((ms: number) => Promise<JwtVerifyCost>) | null;
}> {
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const databaseUrl = opts.databaseUrl ?? `sqlite:${join(opts.dataDir, 'passki.db')}`;
  const env = {
    PASSKI_PORT: String(port),
    PASSKI_HOST: '127.0.0.1',
    PASSKI_ORIGINS: origin,
    PASSKI_RP_ID: 'localhost',
    PASSKI_DATABASE_URL: databaseUrl,
    PASSKI_LOG_LEVEL: 'warn',
    // One client address drives all the load, so per-IP limits must be off (as for the peer).
    PASSKI_RATE_LIMITS: 'off',
  };
  await runNode([PASSKI_CLI, 'migrate'], { cpu: null, env });
  if (opts.seeded !== undefined) clearLoadRows(databaseUrl);
  const seed = opts.seeded ?? (await seedPasski(databaseUrl, opts.users));
  const server = await startServerProcess({
    name: 'passki',
    args: [...(opts.nodeArgs ?? []), PASSKI_CLI, 'start'],
    env,
    port,
    cpu: opts.cpu,
    healthPath: '/healthz',
    logFile: join(opts.dataDir, 'passki.log'),
  });

  const auth = new BenchAuthenticator({ origin, rpId: 'localhost' });
  const json = { origin };
  const users = opts.users;

  // Sign-in, usernameless (discoverable credentials): options → sign → verify → session cookie.
  const signIn = async (client: HttpClient): Promise<string> => {
    const options = await client.request('POST', '/v1/sign-in/options', {
      body: '{}',
      headers: json,
    });
    expectStatus('options', options);
    const { challenge } = JSON.parse(options.text).options as { challenge: string };
    const response = auth.authenticate(challenge, users.randomPasskey());
    const verified = await client.request('POST', '/v1/sign-in/verify', {
      body: JSON.stringify({ response }),
      headers: json,
    });
    expectStatus('verify', verified);
    const token = setCookie(verified, COOKIE);
    if (token === undefined) throw new OpError('verify: no session cookie');
    return token;
  };

  // Sign-up: options(username) → create → verify → session cookie. Usernames never repeat.
  const runTag = randomBytes(4).toString('hex');
  let signUps = 0;
  const signUp = async (client: HttpClient): Promise<void> => {
    const username = `n${runTag}-${signUps++}`;
    const options = await client.request('POST', '/v1/sign-up/options', {
      body: JSON.stringify({ username }),
      headers: json,
    });
    expectStatus('options', options);
    const { challenge } = JSON.parse(options.text).options as { challenge: string };
    const key = users.pool[signUps % users.pool.length] as PoolKey;
    const response = auth.register(challenge, key, randomBytes(32));
    const verified = await client.request('POST', '/v1/sign-up/verify', {
      body: JSON.stringify({ response }),
      headers: json,
    });
    expectStatus('verify', verified);
    if (setCookie(verified, COOKIE) === undefined) throw new OpError('verify: no session cookie');
  };

  // SESSION_POOL signed-in cookies, for the session and token scenarios.
  const sessions: string[] = [];
  const ensureSessions = async (): Promise<void> => {
    const client = new HttpClient(server.url, 1);
    while (sessions.length < SESSION_POOL) sessions.push(await signIn(client));
    await client.close();
  };
  const anySession = (): string => sessions[Math.floor(Math.random() * sessions.length)] as string;

  // GET /v1/session.
  const session: Scenario = {
    name: 'session',
    setup: ensureSessions,
    operation: async (client) => {
      const res = await client.request('GET', '/v1/session', {
        headers: { cookie: `${COOKIE}=${anySession()}` },
      });
      expectStatus('session', res);
    },
  };

  // POST /v1/token, then the backend SDK (@passki/node) verifies the JWT, as an app's API would.
  const verifier = createVerifier({
    issuer: origin,
    audience: origin,
    jwksUrl: `${server.url}/.well-known/jwks.json`,
  });
  const mint = async (client: HttpClient): Promise<string> => {
    const res = await client.request('POST', '/v1/token', {
      body: '{}',
      headers: { origin, cookie: `${COOKIE}=${anySession()}` },
    });
    expectStatus('token', res);
    return (JSON.parse(res.text) as { token: string }).token;
  };
  const verify = async (jwt: string): Promise<void> => {
    try {
      const claims = await verifier.verifyToken(jwt);
      if (claims.userId.length === 0) throw new OpError('jwt: no subject');
    } catch (err) {
      if (err instanceof OpError) throw err;
      throw new OpError(`jwt ${(err as { code?: string }).code ?? 'invalid'}`, String(err));
    }
  };
  const token: Scenario = {
    name: 'token',
    setup: ensureSessions,
    operation: async (client) => verify(await mint(client)),
  };

  /** JWT verifications per second with the backend SDK on the load generator's core. */
  const measureJwtVerify = async (ms: number): Promise<JwtVerifyCost> => {
    await ensureSessions();
    const client = new HttpClient(server.url, 1);
    const jwt = await mint(client);
    await client.close();
    for (let i = 0; i < 200; i++) await verify(jwt); // warm the JWKS cache and the JIT
    let calls = 0;
    const started = performance.now();
    while (performance.now() - started < ms) {
      await verify(jwt);
      calls++;
    }
    const microseconds = ((performance.now() - started) * 1000) / calls;
    return { microseconds, perSecond: 1e6 / microseconds };
  };

  const skipped: Target['skipped'] = [];
  const servesTokens = await servesPath(server.url, '/v1/token');
  if (!servesTokens) {
    skipped.push({ name: 'token', reason: 'POST /v1/token is not served by this build' });
  }

  const tables = [
    'users',
    'credentials',
    'sessions',
    'used_challenges',
    'rate_limits',
    'audit_events',
  ];
  const target: Target = {
    name: 'passki',
    server,
    scenarios: [
      { name: 'sign-in', operation: async (client) => void (await signIn(client)) },
      { name: 'sign-up', operation: signUp },
      session,
      ...(servesTokens ? [token] : []),
    ],
    skipped,
    databaseStats: () =>
      isPostgresUrl(databaseUrl)
        ? postgresStats(databaseUrl, tables)
        : sqliteStats(databaseUrl.replace(/^sqlite:/, ''), tables),
    stop: () => server.stop(),
  };
  return { target, seed, measureJwtVerify: servesTokens ? measureJwtVerify : null };
}

/** Whether the server's OpenAPI document lists `path`. */
async function servesPath(url: string, path: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/openapi.json`);
    const doc = (await res.json()) as { paths?: Record<string, unknown> };
    return doc.paths?.[path] !== undefined;
  } catch {
    return false;
  }
}

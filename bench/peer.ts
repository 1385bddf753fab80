/**
 * The peer: Better Auth with @better-auth/passkey on SQLite, installed from npm into
 * bench/peers/better-auth/ (gitignored) from the committed template in
 * bench/peer-templates/better-auth/, migrated with its own migrator, bulk-seeded with the same users
 * and keys as Passki, and driven through its own passkey endpoints by the same load generator and
 * authenticator.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchAuthenticator, type PoolKey } from './authenticator.js';
import { sqliteStats } from './db-stats.js';
import { expectStatus, HttpClient, type HttpResponse, OpError, setCookie } from './load.js';
import { freePort, runNode, startServerProcess } from './proc.js';
import { type SeededUsers, type SeedResult, seedBetterAuth } from './seed.js';
import type { Scenario, Target } from './target.js';

const TEMPLATE_DIR = fileURLToPath(new URL('./peer-templates/better-auth/', import.meta.url));
export const PEER_DIR = fileURLToPath(new URL('./peers/better-auth/', import.meta.url));
const API = '/api/auth';
const CHALLENGE_COOKIE = 'better-auth.better-auth-passkey';
const SESSION_COOKIE = 'better-auth.session_token';
const SESSION_POOL = 64;

function templateDependencies(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(TEMPLATE_DIR, 'package.json'), 'utf8'));
  return pkg.dependencies as Record<string, string>;
}

/** The installed versions, when every pinned dependency of the template is installed. */
export function peerInstalledVersions(): Record<string, string> | null {
  const versions: Record<string, string> = {};
  for (const name of Object.keys(templateDependencies())) {
    const manifest = join(PEER_DIR, 'node_modules', name, 'package.json');
    if (!existsSync(manifest)) return null;
    versions[name] = JSON.parse(readFileSync(manifest, 'utf8')).version as string;
  }
  return versions;
}

/**
 * Copies the template and runs `npm install` there (once; later runs reuse it). Returns null when
 * it worked, else why it did not (e.g. offline).
 */
export function installPeer(log: (line: string) => void): string | null {
  mkdirSync(PEER_DIR, { recursive: true });
  copyFileSync(join(TEMPLATE_DIR, 'package.json'), join(PEER_DIR, 'package.json'));
  copyFileSync(join(TEMPLATE_DIR, 'server.mjs'), join(PEER_DIR, 'server.mjs'));
  if (peerInstalledVersions() !== null) return null;
  log(`installing the peer (better-auth + @better-auth/passkey) into ${PEER_DIR} from npm…`);
  // --ignore-scripts: nothing here needs one (better-sqlite3 comes from the monorepo's own
  // node_modules); --install-links=false and no lock file keep it out of the workspace.
  const result = spawnSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--ignore-scripts',
      '--workspaces=false',
    ],
    { cwd: PEER_DIR, encoding: 'utf8', timeout: 600_000 },
  );
  if (result.status !== 0 || peerInstalledVersions() === null) {
    const output = `${result.stderr ?? ''}${result.stdout ?? ''}`
      .trim()
      .split('\n')
      .slice(-5)
      .join('\n');
    return `npm install failed (${result.error?.message ?? `exit ${result.status}`}): ${output}`;
  }
  return null;
}

export async function startPeer(opts: {
  dataDir: string;
  users: SeededUsers;
  cpu: number | null;
}): Promise<{ target: Target; seed: SeedResult }> {
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  mkdirSync(opts.dataDir, { recursive: true });
  const dbPath = join(opts.dataDir, 'better-auth.db');
  const env = {
    PEER_PORT: String(port),
    PEER_ORIGIN: origin,
    PEER_DB: dbPath,
    NODE_ENV: 'production',
  };
  const serverFile = join(PEER_DIR, 'server.mjs');
  await runNode([serverFile, 'migrate'], { cpu: null, env, cwd: PEER_DIR });
  const seed = seedBetterAuth(dbPath, opts.users);
  const server = await startServerProcess({
    name: 'better-auth',
    args: [serverFile, 'start'],
    env,
    port,
    cpu: opts.cpu,
    healthPath: '/healthz',
    cwd: PEER_DIR,
    logFile: join(opts.dataDir, 'better-auth.log'),
  });

  const auth = new BenchAuthenticator({ origin, rpId: 'localhost' });
  const users = opts.users;

  /** The options response's challenge and the signed cookie that binds it to this client. */
  const challengeOf = (res: HttpResponse): { challenge: string; cookie: string } => {
    expectStatus('options', res);
    const cookie = setCookie(res, CHALLENGE_COOKIE);
    if (cookie === undefined) throw new OpError('options: no challenge cookie');
    return { challenge: (JSON.parse(res.text) as { challenge: string }).challenge, cookie };
  };

  const signIn = async (client: HttpClient): Promise<string> => {
    const { challenge, cookie } = challengeOf(
      await client.request('GET', `${API}/passkey/generate-authenticate-options`, {
        headers: { origin },
      }),
    );
    const response = auth.authenticate(challenge, users.randomPasskey());
    const verified = await client.request('POST', `${API}/passkey/verify-authentication`, {
      body: JSON.stringify({ response }),
      headers: { origin, cookie: `${CHALLENGE_COOKIE}=${cookie}` },
    });
    expectStatus('verify', verified);
    const token = setCookie(verified, SESSION_COOKIE);
    if (token === undefined) throw new OpError('verify: no session cookie');
    return token;
  };

  // Passkey-first registration (see server.mjs): options?context=username → create → verify.
  const runTag = randomBytes(4).toString('hex');
  let signUps = 0;
  const signUp = async (client: HttpClient): Promise<void> => {
    const username = `n${runTag}-${signUps++}`;
    const { challenge, cookie } = challengeOf(
      await client.request('GET', `${API}/passkey/generate-register-options?context=${username}`, {
        headers: { origin },
      }),
    );
    const key = users.pool[signUps % users.pool.length] as PoolKey;
    const response = auth.register(challenge, key, randomBytes(32));
    const verified = await client.request('POST', `${API}/passkey/verify-registration`, {
      body: JSON.stringify({ response, createSession: true }),
      headers: { origin, cookie: `${CHALLENGE_COOKIE}=${cookie}` },
    });
    expectStatus('verify', verified);
    if (setCookie(verified, SESSION_COOKIE) === undefined) {
      throw new OpError('verify: no session cookie');
    }
  };

  const sessions: string[] = [];
  const session: Scenario = {
    name: 'session',
    setup: async () => {
      const client = new HttpClient(server.url, 1);
      while (sessions.length < SESSION_POOL) sessions.push(await signIn(client));
      await client.close();
    },
    operation: async (client) => {
      const token = sessions[Math.floor(Math.random() * sessions.length)];
      const res = await client.request('GET', `${API}/get-session`, {
        headers: { cookie: `${SESSION_COOKIE}=${token}` },
      });
      expectStatus('session', res);
      if (res.text === 'null') throw new OpError('session: signed out');
    },
  };

  const target: Target = {
    name: 'better-auth',
    server,
    scenarios: [
      { name: 'sign-in', operation: async (client) => void (await signIn(client)) },
      { name: 'sign-up', operation: signUp },
      session,
    ],
    skipped: [{ name: 'token', reason: 'not compared' }],
    databaseStats: () => sqliteStats(dbPath, ['user', 'passkey', 'session', 'verification']),
    stop: () => server.stop(),
  };
  return { target, seed };
}

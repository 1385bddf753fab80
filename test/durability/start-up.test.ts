// `passki start` as a real process: a node that cannot start says which setting is wrong, leaves
// nothing running, and a new database is private to its owner.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startNode } from '../helpers/process.js';

const CLI = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'passki-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `passki start` until it exits by itself (failing the test if it is still up after 15 s). */
function startExpectingExit(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(process.execPath, [CLI, 'start'], {
      env: { ...process.env, PASSKI_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`passki kept running:\n${output}`));
    }, 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function occupy(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

let seq = 0;
const database = (): string => `sqlite:${join(dir, `db${seq++}`, 'passki.db')}`;

describe('passki start', () => {
  it('exits naming PASSKI_ADMIN_PORT when the admin port is taken, with no stack trace', async () => {
    const port = await freePort();
    const { code, output } = await startExpectingExit({
      PASSKI_PORT: String(port),
      PASSKI_ADMIN_PORT: String(port),
      PASSKI_DATABASE_URL: database(),
    });
    expect(code).toBe(1);
    expect(output).toContain('Invalid PASSKI_ADMIN_PORT: the port is already in use');
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('exits naming PASSKI_PORT when the port is taken', async () => {
    const port = await freePort();
    const holder = await occupy(port);
    try {
      const { code, output } = await startExpectingExit({
        PASSKI_PORT: String(port),
        PASSKI_DATABASE_URL: database(),
      });
      expect(code).toBe(1);
      expect(output).toContain('Invalid PASSKI_PORT: the port is already in use');
    } finally {
      holder.close();
    }
  });

  it('exits naming PASSKI_AAGUID_FILE when the list is missing or not JSON', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{not json');
    for (const file of [join(dir, 'missing.json'), broken]) {
      const { code, output } = await startExpectingExit({
        PASSKI_PORT: String(await freePort()),
        PASSKI_AAGUID_FILE: file,
        PASSKI_DATABASE_URL: database(),
      });
      expect(code).toBe(1);
      expect(output).toContain('Invalid PASSKI_AAGUID_FILE:');
    }
  });

  it('exits naming PASSKI_KEY_ENCRYPTION_KEY when it does not decrypt the stored keys', async () => {
    const url = database();
    // With Redis too when the tests have one: an open client kept a failed start-up alive.
    const redis = process.env.PASSKI_TEST_REDIS_URL;
    const env = { PASSKI_DATABASE_URL: url, ...(redis ? { PASSKI_REDIS_URL: redis } : {}) };
    const first = await startNode({ ...env, PASSKI_KEY_ENCRYPTION_KEY: 'a'.repeat(64) });
    expect(await first.stop()).toBe(0);
    const { code, output } = await startExpectingExit({
      ...env,
      PASSKI_PORT: String(await freePort()),
      PASSKI_KEY_ENCRYPTION_KEY: 'b'.repeat(64),
    });
    expect(code).toBe(1);
    expect(output).toContain('Invalid PASSKI_KEY_ENCRYPTION_KEY');
  });

  it('creates a new database readable by its owner only', async () => {
    const url = database();
    const node = await startNode({ PASSKI_DATABASE_URL: url });
    try {
      const file = url.slice('sqlite:'.length);
      expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
      for (const path of [file, `${file}-wal`]) expect(statSync(path).mode & 0o777).toBe(0o600);
    } finally {
      expect(await node.stop()).toBe(0);
    }
  });

  it('on SQLite, loads neither the PostgreSQL driver nor the Redis client', async () => {
    // Both are CommonJS, so whatever loads them lands in require.cache; list what did at exit.
    const probe = join(dir, 'loaded-modules.cjs');
    const out = join(dir, 'loaded-modules.txt');
    writeFileSync(
      probe,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, ` +
        'Object.keys(require.cache).join("\\n")));\n',
    );
    const node = await startNode({
      PASSKI_DATABASE_URL: database(),
      // Unset, whatever the shell running the tests has: empty means not configured.
      PASSKI_REDIS_URL: '',
      NODE_OPTIONS: `--require ${probe}`,
    });
    const signUp = await fetch(`${node.url}/v1/sign-up/options`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: node.url },
      body: JSON.stringify({ username: 'lazy-drivers' }),
    });
    expect(signUp.status).toBe(200);
    expect(await node.stop()).toBe(0);
    const loaded = readFileSync(out, 'utf8').split('\n');
    // The probe works: better-sqlite3, also CommonJS, is there.
    expect(loaded.some((path) => path.includes('/node_modules/better-sqlite3/'))).toBe(true);
    expect(loaded.filter((path) => /\/node_modules\/(pg|pg-[a-z-]+|ioredis)\//.test(path))).toEqual(
      [],
    );
  });
});

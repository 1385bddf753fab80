import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, POSTGRES_URL } from '../helpers/postgres.js';
import { freePort, type NodeProcess, startNode } from '../helpers/process.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

/**
 * Crash safety with real processes and real `kill -9`: a ceremony survives a crash between its
 * options and its verify, and a server killed again and again under sign-up load loses no
 * acknowledged sign-up and leaves nothing half-written.
 */
type Backend = { name: string; url: () => Promise<{ url: string; drop(): Promise<void> }> };

const backends: Backend[] = [
  {
    name: 'sqlite',
    url: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'passki-crash-'));
      return {
        url: `sqlite:${join(dir, 'passki.db')}`,
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  ...(POSTGRES_URL === undefined ? [] : [{ name: 'postgres', url: createTestDatabase }]),
];

async function post(
  url: string,
  path: string,
  body: unknown,
): Promise<{ status: number; body: { options?: unknown; user?: { id: string } } }> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: res.status === 204 ? {} : await res.json() };
}

describe.each(backends)('$name: crash safety', (backend) => {
  let db: { url: string; drop(): Promise<void> };
  let port: number;
  let env: Record<string, string>;
  let node: NodeProcess;

  beforeAll(async () => {
    db = await backend.url();
    port = await freePort();
    env = {
      PASSKI_DATABASE_URL: db.url,
      PASSKI_ORIGINS: `http://localhost:${port}`,
      PASSKI_RATE_LIMITS: 'off',
    };
    node = await startNode(env, port);
  }, 30_000);
  afterAll(async () => {
    await node?.stop('SIGKILL');
    await db?.drop();
  });

  it('finishes a ceremony whose server was killed between options and verify', async () => {
    const auth = new SoftAuthenticator({ origin: node.url });
    const options = (await post(node.url, '/v1/sign-up/options', { username: 'survivor' })).body
      .options;
    expect(await node.stop('SIGKILL')).toBeNull();
    node = await startNode(env, port);
    const res = await post(node.url, '/v1/sign-up/verify', {
      response: auth.register(options as never),
    });
    expect(res.status).toBe(200);
    const signIn = (await post(node.url, '/v1/sign-in/options', { username: 'survivor' })).body
      .options;
    expect(await node.stop('SIGKILL')).toBeNull();
    node = await startNode(env, port);
    expect(
      (await post(node.url, '/v1/sign-in/verify', { response: auth.authenticate(signIn as never) }))
        .status,
    ).toBe(200);
  }, 60_000);

  it('loses no acknowledged sign-up and half-writes nothing while being killed under load', async () => {
    const acknowledged = new Map<string, string>();
    let attempts = 0;
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const username = `load-${w}-${i}`;
        attempts++;
        try {
          const auth = new SoftAuthenticator({ origin: node.url });
          const options = await post(node.url, '/v1/sign-up/options', { username });
          if (options.status !== 200) continue;
          const res = await post(node.url, '/v1/sign-up/verify', {
            response: auth.register(options.body.options as never),
          });
          if (res.status === 200) acknowledged.set(username, res.body.user?.id as string);
        } catch {
          // The server is down for a moment: that request is simply not acknowledged.
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));
    const cycles = 8;
    for (let cycle = 0; cycle < cycles; cycle++) {
      await new Promise((r) => setTimeout(r, 250 + Math.floor(Math.random() * 350)));
      await node.stop('SIGKILL');
      node = await startNode(env, port);
    }
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(workers);
    await node.stop('SIGKILL');

    const rows = await readRows(db.url);
    const users = new Map(rows.users.map((u) => [u.username, u.id]));
    const credentialOwners = new Set(rows.credentialUserIds);
    for (const [username, id] of acknowledged) {
      expect(users.get(username), username).toBe(id);
      expect(credentialOwners.has(id), `${username} has its credential`).toBe(true);
    }
    // Nothing half-written: every user created by a sign-up has its credential.
    for (const user of rows.users) expect(credentialOwners.has(user.id), user.username).toBe(true);
    expect(rows.integrity).toBe('ok');
    expect(acknowledged.size).toBeGreaterThan(10);
    process.stdout.write(
      `${backend.name}: ${cycles} kill -9 cycles, ${attempts} sign-up attempts, ${acknowledged.size} acknowledged, 0 lost, ${rows.users.length} users all complete\n`,
    );
    node = await startNode(env, port);
  }, 120_000);
});

async function readRows(url: string): Promise<{
  users: { id: string; username: string }[];
  credentialUserIds: string[];
  integrity: string;
}> {
  if (url.startsWith('sqlite:')) {
    const db = new Sqlite(url.slice('sqlite:'.length));
    try {
      return {
        users: db.prepare('SELECT id, username FROM users').all() as {
          id: string;
          username: string;
        }[],
        credentialUserIds: (
          db.prepare('SELECT user_id FROM credentials').all() as { user_id: string }[]
        ).map((r) => r.user_id),
        integrity: db.pragma('integrity_check', { simple: true }) as string,
      };
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const users = (await client.query('SELECT id, username FROM users')).rows;
    const credentialUserIds = (await client.query('SELECT user_id FROM credentials')).rows.map(
      (r: { user_id: string }) => r.user_id,
    );
    // Referential integrity as PostgreSQL sees it: no credential without its user.
    const orphans = (
      await client.query(
        'SELECT count(*)::int AS n FROM credentials c LEFT JOIN users u ON u.id = c.user_id WHERE u.id IS NULL',
      )
    ).rows[0].n;
    return {
      users,
      credentialUserIds,
      integrity: orphans === 0 ? 'ok' : `${orphans} orphan credentials`,
    };
  } finally {
    await client.end();
  }
}

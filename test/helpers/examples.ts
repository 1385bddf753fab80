// What the example apps' end-to-end tests (examples/*/test/e2e.test.ts) share: a real Passki
// started with the built CLI on its own port, an admin key made the way a user makes one, and
// the example app's production server on another port, all on loopback.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type NodeProcess, startNode } from './process.js';

const CLI = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url));

export interface ExamplePasski {
  /** http://localhost:PORT, Passki's public URL and the JWT issuer. */
  url: string;
  databaseUrl: string;
  /** `passki keys create-admin --name NAME`, run as a separate process; returns the key. */
  createAdminKey(name: string): string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Passki for an app at `appOrigin`: RP ID `localhost`, ceremonies allowed on the app's origin and
 * on Passki's own (its hosted page), a fresh SQLite file that `stop()` deletes.
 */
export async function startExamplePasski(
  appOrigin: string,
  env: Record<string, string> = {},
): Promise<ExamplePasski> {
  const dir = mkdtempSync(join(tmpdir(), 'passki-example-'));
  const databaseUrl = `sqlite:${join(dir, 'passki.db')}`;
  const port = await freePort();
  const url = `http://localhost:${port}`;
  let node: NodeProcess;
  try {
    node = await startNode(
      {
        PASSKI_DATABASE_URL: databaseUrl,
        PASSKI_RP_ID: 'localhost',
        PASSKI_ORIGINS: `${appOrigin},${url}`,
        PASSKI_PUBLIC_URL: url,
        ...env,
      },
      port,
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    databaseUrl,
    createAdminKey(name) {
      const printed = execFileSync(
        process.execPath,
        [CLI, 'keys', 'create-admin', '--name', name],
        {
          env: { ...process.env, PASSKI_DATABASE_URL: databaseUrl, PASSKI_LOG_LEVEL: 'warn' },
          encoding: 'utf8',
        },
      );
      const key = /^\s*(pk_\S+\.\S+)\s*$/m.exec(printed)?.[1];
      if (key === undefined) throw new Error(`no admin key in the CLI's output:\n${printed}`);
      return key;
    },
    output: () => node.output(),
    async stop() {
      await node.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ExampleApp {
  /** http://localhost:PORT */
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts an example app's production server (`command` run in `cwd`, listening on `port`) and
 * waits until `GET /` answers. Its output is kept for failure messages.
 */
export async function startExampleApp(opts: {
  cwd: string;
  command: string[];
  port: number;
  env: Record<string, string>;
  timeoutMs?: number;
}): Promise<ExampleApp> {
  const [program, ...args] = opts.command;
  if (program === undefined) throw new Error('startExampleApp: empty command');
  let log = '';
  const child: ChildProcess = spawn(program, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (data: Buffer) => {
    log += data.toString();
  });
  child.stderr?.on('data', (data: Buffer) => {
    log += data.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://localhost:${opts.port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the app exited early (${child.exitCode}):\n${log}`);
    try {
      const res = await fetch(`${url}/`, { redirect: 'manual' });
      if (res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the app did not answer on ${url}:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    output: () => log,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export { freePort };

/** Calls Passki's admin API with `key`, server to server (no Origin header). */
export async function adminCall(
  passki: ExamplePasski,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${passki.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

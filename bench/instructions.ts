/**
 * Instructions per ceremony: a Passki build's server under valgrind's callgrind, driven through a
 * fixed number of sign-ins (or sign-in options calls) over real HTTP. Runs of a build agree on
 * the count of user-space instructions within about 1.3% (compare medians of three), whatever else
 * the machine is doing, where throughput on the VMs this project runs on drifts by up to 40%
 * within minutes: it is how a change of a few percent is told apart from noise. The server runs
 * with V8's `--single-threaded` for that (see the spawn below). It leaves out what the kernel
 * does for the server (fsync, writes, the socket: about a fifth of a sign-in's CPU here) and
 * weighs every instruction the same, so it complements throughput rather than replacing it. Under
 * valgrind OpenSSL takes its generic code path, so the signature's share is larger than on the
 * real CPU.
 *
 * Usage: node --import tsx bench/instructions.ts [--build DIR] [--scenario sign-in|options]
 *          [--count 1000] [--warmup 4000] [--out DIR]
 * --build names another checkout (a `git worktree` of the commit to compare), already built.
 * Needs valgrind (Debian: `apt-get install valgrind`). The callgrind output and the server's log
 * stay in the printed directory (--out, or a new temporary one) for `callgrind_annotate`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BenchAuthenticator } from './authenticator.js';
import { expectStatus, HttpClient } from './load.js';
import { freePort, runNode } from './proc.js';
import { SeededUsers, seedPasski } from './seed.js';

const { values } = parseArgs({
  options: {
    build: { type: 'string' },
    scenario: { type: 'string', default: 'sign-in' },
    count: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '4000' },
    out: { type: 'string' },
  },
});
const root = resolve(values.build ?? fileURLToPath(new URL('..', import.meta.url)));
const cli = join(root, 'packages/server/dist/cli.js');
const scenario = values.scenario;
const count = Number(values.count);
const warmup = Number(values.warmup);
if (scenario !== 'sign-in' && scenario !== 'options') throw new Error('--scenario sign-in|options');
if (!(count > 0 && warmup >= 0)) throw new Error('--count and --warmup take whole numbers');
if (!existsSync(cli)) throw new Error(`${cli} is missing: build that checkout first`);
if (spawnSync('valgrind', ['--version']).status !== 0) {
  throw new Error('valgrind is not installed (Debian: apt-get install valgrind)');
}

const CONNECTIONS = 8;
const out = resolve(values.out ?? mkdtempSync(join(tmpdir(), 'passki-instructions-')));
mkdirSync(out, { recursive: true });
const serverLog = join(out, 'server.log');
const port = await freePort();
const origin = `http://localhost:${port}`;
const env = {
  PASSKI_PORT: String(port),
  PASSKI_HOST: '127.0.0.1',
  PASSKI_ORIGINS: origin,
  PASSKI_RP_ID: 'localhost',
  PASSKI_DATABASE_URL: `sqlite:${join(out, 'passki.db')}`,
  PASSKI_LOG_LEVEL: 'warn',
  PASSKI_RATE_LIMITS: 'off',
};
await runNode([cli, 'migrate'], { cpu: null, env });
// A fixed seed: the same users, credential IDs and (so) database pages on every run.
const users = new SeededUsers({ count: 200, seed: 'instructions' });
await seedPasski(env.PASSKI_DATABASE_URL, users);

// Instrumentation starts off (the start-up is not counted) and is switched on after the warm-up.
const logFd = openSync(serverLog, 'a');
const server: ChildProcess = spawn(
  'valgrind',
  [
    '--tool=callgrind',
    '--instr-atstart=no',
    `--callgrind-out-file=${join(out, 'callgrind.%p')}`,
    process.execPath,
    // V8 compiles and collects on helper threads by default; under valgrind their timing varies,
    // and with it how much of the hot path runs optimised: seven runs of one build spread 15%
    // (1.91–2.19M a sign-in). On the main thread, four runs agreed within 1.3%.
    '--single-threaded',
    cli,
    'start',
  ],
  { env: { ...process.env, ...env }, stdio: ['ignore', logFd, logFd] },
);
closeSync(logFd);
const exited = (): boolean => server.exitCode !== null || server.signalCode !== null;
const died = (): Error =>
  new Error(`the server under valgrind exited; its output:\n${readFileSync(serverLog, 'utf8')}`);
const control = (...args: string[]): void => {
  const done = spawnSync('callgrind_control', [...args, String(server.pid)], { timeout: 30_000 });
  if (done.status !== 0) throw new Error(`callgrind_control ${args.join(' ')} failed`);
};
const client = new HttpClient(`http://127.0.0.1:${port}`, CONNECTIONS);
try {
  for (let tries = 0; ; tries++) {
    try {
      expectStatus('healthz', await client.request('GET', '/healthz'));
      break;
    } catch (err) {
      if (exited()) throw died();
      if (tries > 240) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const auth = new BenchAuthenticator({ origin, rpId: 'localhost' });
  let next = 0;
  const ceremony = async (): Promise<void> => {
    const options = await client.request('POST', '/v1/sign-in/options', {
      body: '{}',
      headers: { origin },
    });
    expectStatus('options', options);
    if (scenario === 'options') return;
    const { challenge } = JSON.parse(options.text).options as { challenge: string };
    // Users in turn, not at random: the same work on every run.
    const response = auth.authenticate(challenge, users.passkey(next++ % users.count));
    const verified = await client.request('POST', '/v1/sign-in/verify', {
      body: JSON.stringify({ response }),
      headers: { origin },
    });
    expectStatus('verify', verified);
  };
  const run = async (n: number): Promise<void> => {
    let left = n;
    const worker = async (): Promise<void> => {
      while (left-- > 0) await ceremony();
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  };
  // Long enough a warm-up that V8 has compiled the hot path: what is counted is steady state.
  await run(warmup);
  control('--instr=on');
  await run(count);
  control('--instr=off');
  control('--dump');
} catch (err) {
  throw exited() ? died() : err;
} finally {
  await client.close();
  if (!exited()) {
    const gone = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await gone;
  }
}

let total = 0;
for (const file of readdirSync(out).filter((f) => f.startsWith('callgrind.'))) {
  const totals = /^totals: (\d+)/m.exec(readFileSync(join(out, file), 'utf8'));
  if (totals) total += Number(totals[1]);
}
if (total === 0) throw new Error(`callgrind counted nothing; its output is in ${out}`);
const unit = scenario === 'options' ? 'options call' : 'sign-in';
process.stdout.write(
  `${root}: ${Math.round(total / count).toLocaleString('en-US')} instructions per ${unit} (${count} counted after ${warmup} warm-up, ${CONNECTIONS} connections; callgrind output in ${out})\n`,
);

/**
 * Server processes under test: spawned pinned to a core, probed through /proc for CPU time and
 * peak RSS, stopped with SIGTERM.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Clock ticks per second for /proc/<pid>/stat times (getconf CLK_TCK; 100 on Linux). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ServerProcess {
  name: string;
  pid: number;
  /** http://127.0.0.1:PORT, where the load generator connects. */
  url: string;
  port: number;
  /** utime + stime of every thread so far. */
  cpuSeconds(): number;
  /** VmHWM: the peak resident set size so far. */
  peakRssBytes(): number;
  /** VmRSS now. */
  rssBytes(): number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function processCpuSeconds(pid: number): number {
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function statusKb(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

/**
 * Spawns `node args…` pinned to `cpu` (with taskset, so every thread node starts stays there),
 * waits until `healthPath` answers 200, and returns probes for it.
 */
export async function startServerProcess(opts: {
  name: string;
  args: string[];
  env: Record<string, string>;
  port: number;
  cpu: number | null;
  healthPath: string;
  cwd?: string;
  timeoutMs?: number;
  /** stdout and stderr go to this file (written by the server itself, so nothing is lost). */
  logFile: string;
}): Promise<ServerProcess> {
  const command = opts.cpu === null ? process.execPath : 'taskset';
  const args =
    opts.cpu === null ? opts.args : ['-c', String(opts.cpu), process.execPath, ...opts.args];
  const log = openSync(opts.logFile, 'a');
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const started = Date.now();
  let diedAt: number | null = null;
  const output = (): string => {
    try {
      return readFileSync(opts.logFile, 'utf8').slice(-8000);
    } catch {
      return '';
    }
  };
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      diedAt = Date.now();
      resolve(code);
    }),
  );

  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`${opts.name} exited with code ${child.exitCode} at start:\n${output()}`);
    }
    try {
      const res = await fetch(`${url}${opts.healthPath}`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${opts.name} did not become healthy in time:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  // A server that lost a race for the port would have exited by now while another answered.
  await new Promise((resolve) => setTimeout(resolve, 200));
  if (child.exitCode !== null) {
    throw new Error(`${opts.name} exited with code ${child.exitCode} at start:\n${output()}`);
  }
  const pid = child.pid as number;
  /** Probes of a dead server would read another process's /proc entry or none: fail loudly. */
  const alive = <T>(probe: () => T): T => {
    if (child.exitCode !== null || child.signalCode !== null) {
      const after = diedAt === null ? '?' : ((diedAt - started) / 1000).toFixed(1);
      throw new Error(
        `${opts.name} (pid ${child.pid}) died ${after} s after it started (exit code ${child.exitCode}, signal ${child.signalCode}); its output (${opts.logFile}):\n${output()}`,
      );
    }
    return probe();
  };
  return {
    name: opts.name,
    pid,
    url,
    port: opts.port,
    cpuSeconds: () => alive(() => processCpuSeconds(pid)),
    peakRssBytes: () => alive(() => statusKb(pid, 'VmHWM') * 1024),
    rssBytes: () => alive(() => statusKb(pid, 'VmRSS') * 1024),
    stop: () => stopChild(child, exited, opts.name, output),
  };
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<number | null>,
  name: string,
  output: () => string,
): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await exited;
  clearTimeout(timer);
  if (code !== 0 && code !== null) {
    process.stderr.write(`${name} exited with code ${code}:\n${output()}\n`);
  }
}

/** Runs `node args…` to completion (pinned when `cpu` is set) and returns its stdout. */
export async function runNode(
  args: string[],
  opts: { cpu: number | null; env?: Record<string, string>; cwd?: string; timeoutMs?: number },
): Promise<string> {
  const command = opts.cpu === null ? process.execPath : 'taskset';
  const fullArgs = opts.cpu === null ? args : ['-c', String(opts.cpu), process.execPath, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, fullArgs, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(stdout);
      else {
        const how = signal === null ? `exited with ${code}` : `was killed by ${signal} (timeout?)`;
        reject(new Error(`node ${args.join(' ')} ${how}:\n${stderr}${stdout}`));
      }
    });
  });
}

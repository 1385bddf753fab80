/** The machine the numbers came from, and which cores the server and the load generator get. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release, totalmem } from 'node:os';

export interface Pinning {
  /** Core for every server under test (null: not pinned). */
  server: number | null;
  /** Core for this process, the load generator (null: not pinned). */
  generator: number | null;
  note: string;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  kernel: string;
  /** File system of the directory holding the databases (fsync cost depends on it). */
  dataFileSystem: string;
  pinning: Pinning;
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function fileSystem(dir: string): string {
  try {
    const out = execFileSync('df', ['-T', dir], { encoding: 'utf8' }).trim().split('\n');
    return out[out.length - 1]?.split(/\s+/)[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * With two or more cores, the server gets core 0 and this process (the load generator, and every
 * thread it has) core 1, so neither steals the other's CPU.
 */
export function pinCores(): Pinning {
  const cores = availableParallelism();
  if (cores < 2) {
    return {
      server: null,
      generator: null,
      note: 'one core: server and load generator share it (not pinned)',
    };
  }
  if (!hasTaskset()) {
    return { server: null, generator: null, note: `${cores} cores but no taskset: not pinned` };
  }
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  return {
    server: 0,
    generator: 1,
    note: `taskset: server on core 0, load generator on core 1 (${cores} cores)`,
  };
}

export function describeMachine(dataDir: string, pinning: Pinning): MachineInfo {
  return {
    cpuModel: cpuModel(),
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
    dataFileSystem: fileSystem(dataDir),
    pinning,
  };
}

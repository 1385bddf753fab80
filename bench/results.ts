/** The shape of bench/results/<date>.json, and how its files are named. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Ceiling } from './ceiling.js';
import type { LevelResult } from './load.js';
import type { MachineInfo } from './machine.js';
import type { JwtVerifyCost } from './passki.js';
import type { SeedResult } from './seed.js';
import type { DatabaseStats, ScenarioName } from './target.js';

export type TargetName = 'passki' | 'better-auth' | 'floor';

export interface ScenarioResult {
  target: TargetName;
  scenario: ScenarioName;
  /** What one operation is: ceremonies, requests or tokens. */
  unit: string;
  levels: LevelResult[];
}

export interface ServerSummary {
  /** RSS right after start (after seeding, before load), bytes. */
  startRssBytes: number;
  /** VmHWM when the server stopped, bytes. */
  peakRssBytes: number;
  seed?: SeedResult;
  /** Database before load (right after seeding) and after every scenario. */
  database?: { before: DatabaseStats | null; after: DatabaseStats | null };
}

export interface BenchResult {
  schema: 1;
  date: string;
  startedAt: string;
  finishedAt: string;
  mode: 'default' | 'quick' | 'scale';
  settings: {
    users: number;
    database: string;
    levels: number[];
    warmupSeconds: number;
    durationSeconds: number;
    scenarios: ScenarioName[];
  };
  machine: MachineInfo;
  ceiling: Ceiling;
  /** The backend SDK (@passki/node) verifying one session JWT, on the load generator's core. */
  jwtVerify?: JwtVerifyCost;
  results: ScenarioResult[];
  servers: Partial<Record<TargetName, ServerSummary>>;
  peer: {
    status: 'ran' | 'skipped' | 'failed';
    reason?: string;
    versions?: Record<string, string>;
  };
  /**
   * Scale mode: the same Passki scenarios with few users (the baseline), measured in the same
   * invocation; `results` and `servers.passki` hold the large run.
   */
  scale?: {
    baseline: { users: number; results: ScenarioResult[]; server: ServerSummary };
    /** Every round, in the order measured (baseline, then large); the tables show the medians. */
    rounds?: { baseline: ScenarioResult[]; large: ScenarioResult[] }[];
  };
  /** Things the reader must know (skipped scenarios, a saturated generator, …). */
  notes: string[];
  /** Sum of every level's errors; must be zero. */
  totalErrors: number;
}

export function levelOf(
  result: BenchResult,
  target: TargetName,
  scenario: ScenarioName,
  concurrency: number,
): LevelResult | undefined {
  return result.results
    .find((r) => r.target === target && r.scenario === scenario)
    ?.levels.find((l) => l.concurrency === concurrency);
}

/**
 * `stem`, or `stem-2`, `stem-3`… if a run of the same kind already wrote that day's files in
 * `dir`: those may be committed and cited, and a run that began before midnight carries the
 * earlier day's date.
 */
export function unusedResultName(dir: string, stem: string): string {
  let name = stem;
  for (let n = 2; existsSync(join(dir, `${name}.json`)); n++) name = `${stem}-${n}`;
  return name;
}

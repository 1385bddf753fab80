/** What the runner drives: a started server and the scenarios it can run. */
import type { Operation } from './load.js';
import type { ServerProcess } from './proc.js';

export type ScenarioName = 'sign-in' | 'sign-up' | 'session' | 'token';

export const SCENARIO_UNITS: Record<ScenarioName, string> = {
  'sign-in': 'ceremonies',
  'sign-up': 'ceremonies',
  session: 'requests',
  token: 'tokens',
};

export interface Scenario {
  name: ScenarioName;
  /** Run once before the scenario's first level (e.g. sign in to get session cookies). */
  setup?: () => Promise<void>;
  operation: Operation;
}

export interface DatabaseStats {
  /** Main file plus WAL, bytes. */
  fileBytes: number;
  walBytes: number;
  rows: Record<string, number>;
}

export interface Target {
  name: string;
  server: ServerProcess;
  scenarios: Scenario[];
  /** Scenarios this target cannot run, with the reason. */
  skipped: { name: ScenarioName; reason: string }[];
  databaseStats(): Promise<DatabaseStats | null>;
  stop(): Promise<void>;
}

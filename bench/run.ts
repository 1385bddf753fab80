/**
 * `npm run bench`: Passki's throughput, latency, CPU and memory under complete passkey ceremonies
 * over real HTTP, next to the bare-HTTP floor, the node:crypto ceiling and Better Auth's passkey
 * plugin, all measured in the same run. See bench/README.md.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCeiling } from './ceiling.js';
import { renderChart } from './chart.js';
import { startFloor } from './floor.js';
import { type LevelResult, runLevel } from './load.js';
import { describeMachine, pinCores } from './machine.js';
import { type JwtVerifyCost, PASSKI_CLI, startPasski } from './passki.js';
import { installPeer, peerInstalledVersions, startPeer } from './peer.js';
import { createBenchDatabase, isPostgresUrl } from './postgres.js';
import { formatRate, renderReport } from './report.js';
import {
  type BenchResult,
  type ScenarioResult,
  type ServerSummary,
  type TargetName,
  unusedResultName,
} from './results.js';
import { SeededUsers, type SeedResult } from './seed.js';
import { SCENARIO_UNITS, type ScenarioName, type Target } from './target.js';

const USAGE = `Usage: npm run bench -- [options]

  --quick              a few seconds: 200 users, concurrency 1 and 8, 0.5 s per level; the peer
                       only if already installed
  --users N            users (each with one passkey) seeded before the run (default 1000)
  --database URL       Passki's database: a temp SQLite file by default, or postgres://USER@HOST/DB
                       (a server: the harness creates a fresh database there and drops it after)
  --levels 1,8,32      concurrency levels
  --warmup S           seconds of unrecorded load before each level (default 3)
  --duration S         seconds recorded per level (default 10)
  --scenarios LIST     sign-in,sign-up,session,token (default all; token: POST /v1/token, then
                       the JWT verified with @passki/node in the load generator)
  --no-peer            skip Better Auth
  --peer               run Better Auth even in --quick mode (installs it if needed)
  --no-floor           skip the bare-HTTP floor
  --scale              the scale run: Passki only, sign-in and session at concurrency 8 and 32,
                       with 1,000 users and then --users (default 1,000,000) seeded, compared
  --rounds N           scale mode: measure the two sizes alternately N times (default 3; SQLite
                       only) and report the median of each and the spread of the ratio
  --out DIR            where results go (default bench/results)
  --data-dir DIR       where databases go (default a new temp directory, removed at the end)
  --profile            run Passki under node --cpu-prof; profiles go to OUT/profiles/
  -h, --help

Any PASSKI_* variable in the environment reaches Passki unless the harness sets it itself
(it sets PORT, HOST, ORIGINS, RP_ID, DATABASE_URL, LOG_LEVEL and RATE_LIMITS=off).
`;

const ALL_SCENARIOS: ScenarioName[] = ['sign-in', 'sign-up', 'session', 'token'];

/** Scale mode compares its large run against this many users, measured in the same invocation. */
const SCALE_BASELINE_USERS = 1000;

interface Settings {
  mode: 'default' | 'quick' | 'scale';
  users: number;
  database: string | undefined;
  levels: number[];
  warmupMs: number;
  durationMs: number;
  scenarios: ScenarioName[];
  peer: 'yes' | 'no' | 'if-installed';
  floor: boolean;
  outDir: string;
  dataDir: string | undefined;
  profile: boolean;
  /** Scale mode: how many times the two sizes are measured, alternately. */
  rounds: number;
}

function parseSettings(argv: string[]): Settings | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      scale: { type: 'boolean' },
      users: { type: 'string' },
      database: { type: 'string' },
      levels: { type: 'string' },
      warmup: { type: 'string' },
      duration: { type: 'string' },
      scenarios: { type: 'string' },
      peer: { type: 'boolean' },
      'no-peer': { type: 'boolean' },
      'no-floor': { type: 'boolean' },
      out: { type: 'string' },
      'data-dir': { type: 'string' },
      profile: { type: 'boolean' },
      rounds: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return null;
  const quick = values.quick ?? false;
  const scale = values.scale ?? false;
  if (quick && scale) throw new Error('--quick and --scale do not mix');
  const number = (name: string, raw: string | undefined, fallback: number): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw.replace(/_/g, ''));
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`--${name} must be a positive number`);
    return value;
  };
  const scenarios = (values.scenarios?.split(',') ?? ALL_SCENARIOS).map((s) => s.trim());
  for (const s of scenarios) {
    if (!ALL_SCENARIOS.includes(s as ScenarioName)) throw new Error(`unknown scenario "${s}"`);
  }
  const postgres = values.database !== undefined && isPostgresUrl(values.database);
  if (scale && values.database !== undefined && !postgres) {
    throw new Error('--scale makes its own SQLite files; --database is for PostgreSQL there');
  }
  if (values.rounds !== undefined && (!scale || postgres)) {
    throw new Error('--rounds is for --scale on SQLite (each Postgres run gets a fresh database)');
  }
  if (values.rounds !== undefined && !/^[1-9]\d*$/.test(values.rounds)) {
    throw new Error('--rounds must be a whole number of at least 1');
  }
  const rounds = values.rounds === undefined ? (scale && !postgres ? 3 : 1) : Number(values.rounds);
  if (rounds > 1 && values.scenarios !== undefined && scenarios.includes('sign-up')) {
    throw new Error('sign-up adds users, so scale rounds would not compare the same sizes');
  }
  return {
    mode: quick ? 'quick' : scale ? 'scale' : 'default',
    users: Math.floor(number('users', values.users, quick ? 200 : scale ? 1_000_000 : 1000)),
    database: values.database,
    levels: (values.levels ?? (quick ? '1,8' : scale ? '8,32' : '1,8,32'))
      .split(',')
      .map((l) => Math.floor(number('levels', l, 1))),
    warmupMs: number('warmup', values.warmup, quick ? 0.2 : 3) * 1000,
    durationMs: number('duration', values.duration, quick ? 0.5 : 10) * 1000,
    scenarios: (values.scenarios === undefined && scale
      ? ['sign-in', 'session']
      : scenarios) as ScenarioName[],
    peer: values['no-peer'] ? 'no' : values.peer || !quick ? 'yes' : 'if-installed',
    floor: !values['no-floor'] && !scale,
    outDir: resolve(values.out ?? fileURLToPath(new URL('./results/', import.meta.url))),
    dataDir: values['data-dir'] === undefined ? undefined : resolve(values['data-dir']),
    profile: values.profile ?? false,
    rounds,
  };
}

function localDate(): string {
  const d = new Date();
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

const log = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/**
 * Runs each scenario at each level on every target that has it, the targets in turn at each level
 * (back to back), and returns one ScenarioResult per target and scenario, grouped by target in
 * the order given.
 */
async function measureInTurn(
  targets: { name: TargetName; target: Target }[],
  settings: Settings,
  scenarios: ScenarioName[],
): Promise<ScenarioResult[]> {
  const byTarget = targets.map((): ScenarioResult[] => []);
  for (const name of scenarios) {
    const runs = targets.flatMap((t, i) => {
      const scenario = t.target.scenarios.find((s) => s.name === name);
      if (scenario === undefined) return [];
      const result: ScenarioResult = {
        target: t.name,
        scenario: name,
        unit: SCENARIO_UNITS[name],
        levels: [],
      };
      byTarget[i]?.push(result);
      return [{ t, scenario, result }];
    });
    for (const run of runs) await run.scenario.setup?.();
    for (const concurrency of settings.levels) {
      for (const { t, scenario, result } of runs) {
        const level = await runLevel({
          url: t.target.server.url,
          concurrency,
          warmupMs: settings.warmupMs,
          durationMs: settings.durationMs,
          operation: scenario.operation,
          server: t.target.server,
        });
        result.levels.push(level);
        log(
          `  ${t.name.padEnd(11)} ${name.padEnd(8)} c=${String(concurrency).padEnd(3)} ${formatRate(level.throughput).padStart(6)} ${SCENARIO_UNITS[name]}/s  p99 ${level.latencyMs.p99.toFixed(2)} ms  errors ${level.errors}${level.firstError ? ` (first: ${level.firstError.slice(0, 200)})` : ''}`,
        );
      }
    }
  }
  return byTarget.flat();
}

/** Seeds and starts a Passki, runs the scenarios, stops it. */
async function measurePasski(
  settings: Settings,
  users: SeededUsers,
  dataDir: string,
  cpu: number | null,
  notes: string[],
  /** The database in dataDir was seeded by an earlier round: start on it as it is. */
  seeded?: SeedResult,
): Promise<Measured> {
  if (seeded === undefined) log(`Passki: seeding ${users.count.toLocaleString('en-US')} users…`);
  else log(`Passki: ${users.count.toLocaleString('en-US')} users, database of the first round`);
  mkdirSync(dataDir, { recursive: true });
  const { profileDir, postgres } = await passkiRunSetup(settings);
  try {
    return await measurePasskiOn(
      postgres?.url ?? settings.database,
      settings,
      users,
      dataDir,
      cpu,
      notes,
      profileDir,
      seeded,
    );
  } finally {
    await postgres?.drop();
  }
}

/**
 * Where CPU profiles go (made when profiling) and, on Postgres, a fresh database on the named
 * server for this run, which the caller drops at the end.
 */
async function passkiRunSetup(settings: Settings): Promise<{
  profileDir: string;
  postgres: Awaited<ReturnType<typeof createBenchDatabase>> | null;
}> {
  const profileDir = join(settings.outDir, 'profiles');
  if (settings.profile) mkdirSync(profileDir, { recursive: true });
  const postgres =
    settings.database !== undefined && isPostgresUrl(settings.database)
      ? await createBenchDatabase(settings.database)
      : null;
  return { profileDir, postgres };
}

/** The backend SDK's JWT verification, when the token scenario ran. */
async function measureJwt(
  passki: Awaited<ReturnType<typeof startPasski>>,
  settings: Settings,
): Promise<JwtVerifyCost | undefined> {
  if (!passki.measureJwtVerify || !settings.scenarios.includes('token')) return undefined;
  const cost = await passki.measureJwtVerify(settings.mode === 'quick' ? 200 : 1000);
  log(`  backend SDK: ${formatRate(cost.perSecond)} JWT verifications/s on the generator's core`);
  return cost;
}

/** What the report should say about a Passki run: skipped scenarios, where profiles went. */
function passkiNotes(
  target: Target,
  settings: Settings,
  profileDir: string,
  notes: string[],
): void {
  for (const s of target.skipped) {
    const note = `Passki ${s.name}: skipped, ${s.reason}.`;
    if (!notes.includes(note)) notes.push(note);
  }
  if (settings.profile) notes.push(`CPU profile of the Passki server written to ${profileDir}.`);
}

interface Measured {
  results: ScenarioResult[];
  summary: ServerSummary;
  jwtVerify?: JwtVerifyCost;
}

async function measurePasskiOn(
  databaseUrl: string | undefined,
  settings: Settings,
  users: SeededUsers,
  dataDir: string,
  cpu: number | null,
  notes: string[],
  profileDir: string,
  seeded: SeedResult | undefined,
): Promise<Measured> {
  const passki = await startPasski({
    dataDir,
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    users,
    ...(seeded === undefined ? {} : { seeded }),
    cpu,
    nodeArgs: settings.profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
  });
  if (seeded === undefined) log(`  seeded in ${passki.seed.seconds.toFixed(2)} s`);
  let results: ScenarioResult[];
  let summary: ServerSummary;
  let jwtVerify: JwtVerifyCost | undefined;
  try {
    summary = await summaryAtStart(passki.target, passki.seed);
    results = await measureInTurn(
      [{ name: 'passki', target: passki.target }],
      settings,
      settings.scenarios,
    );
    summary.peakRssBytes = passki.target.server.peakRssBytes();
    if (summary.database) summary.database.after = await passki.target.databaseStats();
    jwtVerify = await measureJwt(passki, settings);
  } finally {
    await passki.target.stop();
  }
  passkiNotes(passki.target, settings, profileDir, notes);
  return { results, summary, ...(jwtVerify ? { jwtVerify } : {}) };
}

/**
 * Per scenario and level, the round with the median throughput (the lower middle for an even
 * count): a level that was measured, not an average of several.
 */
function medianResults(rounds: ScenarioResult[][]): ScenarioResult[] {
  return (rounds[0] ?? []).map((first) => ({
    ...first,
    levels: first.levels.map((level) => {
      const measured = rounds
        .map((results) => {
          const same = results
            .find((r) => r.scenario === first.scenario)
            ?.levels.find((l) => l.concurrency === level.concurrency);
          if (same === undefined)
            throw new Error(`a round lacks ${first.scenario} c=${level.concurrency}`);
          return same;
        })
        .sort((a, b) => a.throughput - b.throughput);
      return measured[Math.floor((measured.length - 1) / 2)] as LevelResult;
    }),
  }));
}

/** One server across rounds: seeding and start of the first, the highest peak, the last end. */
function mergeSummaries(summaries: ServerSummary[]): ServerSummary {
  const first = summaries[0] as ServerSummary;
  const last = summaries.at(-1) as ServerSummary;
  return {
    ...first,
    peakRssBytes: Math.max(...summaries.map((s) => s.peakRssBytes)),
    ...(first.database
      ? { database: { before: first.database.before, after: last.database?.after ?? null } }
      : {}),
  };
}

/** Whether Better Auth runs: wanted, and installed (installing it from npm if need be). */
function preparePeer(settings: Settings): BenchResult['peer'] {
  if (settings.peer === 'no') return { status: 'skipped', reason: '--no-peer' };
  if (settings.peer === 'if-installed' && peerInstalledVersions() === null) {
    return {
      status: 'skipped',
      reason: 'quick mode and bench/peers/better-auth is not installed (a default run installs it)',
    };
  }
  const problem = installPeer(log);
  if (problem !== null) return { status: 'failed', reason: problem };
  return { status: 'ran', versions: peerInstalledVersions() ?? {} };
}

interface Running {
  name: TargetName;
  target: Target;
  summary: ServerSummary;
}

async function summaryAtStart(target: Target, seed?: SeedResult): Promise<ServerSummary> {
  return {
    startRssBytes: target.server.rssBytes(),
    peakRssBytes: 0,
    ...(seed ? { seed } : {}),
    database: { before: await target.databaseStats(), after: null },
  };
}

/**
 * The default and quick runs. The floor, Passki and Better Auth are all started first, then each
 * scenario and level is measured on each of them in turn, back to back, while the others idle on
 * the same core. Measured one server after another, the two sides of a Passki / Better Auth ratio
 * were minutes apart, and this VM's speed drifts by up to 40% over minutes; back to back they are
 * seconds apart.
 */
async function measureSideBySide(
  settings: Settings,
  users: SeededUsers,
  dataDir: string,
  cpu: number | null,
  notes: string[],
): Promise<{
  results: ScenarioResult[];
  servers: BenchResult['servers'];
  peer: BenchResult['peer'];
  jwtVerify?: JwtVerifyCost;
}> {
  const peer = preparePeer(settings);
  const running: Running[] = [];
  const { profileDir, postgres } = await passkiRunSetup(settings);
  const databaseUrl = postgres?.url ?? settings.database;
  let jwtVerify: JwtVerifyCost | undefined;
  try {
    // Each server joins `running` as soon as it is up, so the finally below stops it whatever
    // fails after.
    const started = async (name: TargetName, target: Target, seed?: SeedResult): Promise<void> => {
      const entry: Running = { name, target, summary: { startRssBytes: 0, peakRssBytes: 0 } };
      running.push(entry);
      entry.summary = await summaryAtStart(target, seed);
    };
    if (settings.floor && settings.scenarios.includes('sign-in')) {
      log('Floor: bare node:http, two round trips per sign-in, no work');
      await started('floor', await startFloor({ users, cpu, dataDir }));
    }
    log(`Passki: seeding ${users.count.toLocaleString('en-US')} users…`);
    const passkiDir = join(dataDir, 'passki');
    mkdirSync(passkiDir, { recursive: true });
    const passki = await startPasski({
      dataDir: passkiDir,
      ...(databaseUrl === undefined ? {} : { databaseUrl }),
      users,
      cpu,
      nodeArgs: settings.profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
    });
    log(`  seeded in ${passki.seed.seconds.toFixed(2)} s`);
    await started('passki', passki.target, passki.seed);
    if (peer.status === 'ran') {
      log(`Better Auth: seeding ${users.count.toLocaleString('en-US')} users…`);
      const better = await startPeer({ dataDir: join(dataDir, 'peer'), users, cpu });
      await started('better-auth', better.target, better.seed);
    }

    const results = await measureInTurn(running, settings, settings.scenarios);

    const servers: BenchResult['servers'] = {};
    for (const r of running) {
      r.summary.peakRssBytes = r.target.server.peakRssBytes();
      if (r.summary.database) r.summary.database.after = await r.target.databaseStats();
      servers[r.name] =
        r.name === 'floor'
          ? { startRssBytes: r.summary.startRssBytes, peakRssBytes: r.summary.peakRssBytes }
          : r.summary;
    }
    jwtVerify = await measureJwt(passki, settings);
    passkiNotes(passki.target, settings, profileDir, notes);
    if (running.length > 1) {
      notes.push(
        `Measured side by side: ${running.map((r) => r.name).join(', ')} ran at once, and each scenario and concurrency level was measured on each that runs it, in that order, back to back, while the others idled.`,
      );
    }
    return {
      results,
      servers,
      peer,
      ...(jwtVerify ? { jwtVerify } : {}),
    };
  } finally {
    for (const r of running) await r.target.stop();
    await postgres?.drop();
  }
}

async function main(argv: string[]): Promise<number> {
  const settings = parseSettings(argv);
  if (settings === null) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!existsSync(PASSKI_CLI)) {
    process.stderr.write(`bench: ${PASSKI_CLI} is missing: run \`npm run build\` first.\n`);
    return 2;
  }
  const startedAt = new Date();
  const dataDir = settings.dataDir ?? mkdtempSync(join(tmpdir(), 'passki-bench-'));
  mkdirSync(dataDir, { recursive: true });
  const pinning = pinCores();
  const machine = describeMachine(dataDir, pinning);
  const cpu = pinning.server;
  const notes: string[] = [];
  const results: ScenarioResult[] = [];
  const servers: BenchResult['servers'] = {};
  let peer: BenchResult['peer'] = { status: 'skipped', reason: 'scale mode measures Passki only' };
  let scale: BenchResult['scale'];
  let jwtVerify: JwtVerifyCost | undefined;

  log(`Passki benchmark (${settings.mode} mode)`);
  log(
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, databases on ${machine.dataFileSystem} (${dataDir})`,
  );
  log(`Pinning: ${pinning.note}`);

  try {
    const ceiling = await runCeiling({ cpu, ms: settings.mode === 'quick' ? 200 : 1000 });
    log(
      `Ceiling: ${formatRate(ceiling.ceremoniesPerSecond)} sign-ins/s on one core (${ceiling.totalMicroseconds.toFixed(1)} µs of node:crypto per sign-in)`,
    );

    const users = new SeededUsers({ count: settings.users });

    if (settings.mode === 'scale') {
      // Both sizes on their own databases, measured alternately: this VM's speed drifts by more
      // than the 10% the comparison is about, so one run of each cannot tell.
      const baselineUsers = new SeededUsers({ count: SCALE_BASELINE_USERS, pool: users.pool });
      const rounds: { baseline: Measured; large: Measured }[] = [];
      for (let round = 0; round < settings.rounds; round++) {
        if (settings.rounds > 1) log(`Scale round ${round + 1} of ${settings.rounds}`);
        const first = rounds[0];
        const baseline = await measurePasski(
          settings,
          baselineUsers,
          join(dataDir, 'baseline'),
          cpu,
          notes,
          first?.baseline.summary.seed,
        );
        const large = await measurePasski(
          settings,
          users,
          join(dataDir, 'large'),
          cpu,
          notes,
          first?.large.summary.seed,
        );
        rounds.push({ baseline, large });
      }
      results.push(...medianResults(rounds.map((r) => r.large.results)));
      servers.passki = mergeSummaries(rounds.map((r) => r.large.summary));
      scale = {
        baseline: {
          users: SCALE_BASELINE_USERS,
          results: medianResults(rounds.map((r) => r.baseline.results)),
          server: mergeSummaries(rounds.map((r) => r.baseline.summary)),
        },
        rounds: rounds.map((r) => ({ baseline: r.baseline.results, large: r.large.results })),
      };
    } else {
      const sideBySide = await measureSideBySide(settings, users, dataDir, cpu, notes);
      results.push(...sideBySide.results);
      Object.assign(servers, sideBySide.servers);
      peer = sideBySide.peer;
      jwtVerify = sideBySide.jwtVerify;
    }
    if (peer.status !== 'ran') log(`Better Auth: ${peer.status} (${peer.reason})`);

    // Every level measured: in scale mode the tables show medians, but each round counts.
    const measured = scale?.rounds
      ? scale.rounds.flatMap((round) => [...round.baseline, ...round.large])
      : [...results, ...(scale?.baseline.results ?? [])];
    for (const r of measured) {
      for (const l of r.levels) {
        const note = `The load generator used ${Math.round(l.generatorCpuUtilisation * 100)}% of its core for ${r.target} ${r.scenario} at concurrency ${l.concurrency}: that number may be limited by the generator, not the server.`;
        if (l.generatorCpuUtilisation > 0.9 && !notes.includes(note)) notes.push(note);
      }
    }
    if (settings.database !== undefined && isPostgresUrl(settings.database)) {
      notes.push(
        'Postgres runs in its own processes, not pinned: its CPU is not in "server CPU", and it competes with the load generator and the server for cores.',
      );
    }
    notes.push(
      'Rate limiting is off in both servers (one client address drives all the load). Sign-in is usernameless (discoverable credential, userHandle checked) with a uniformly random seeded user per ceremony; sign counts stay 0, as with synced passkeys. Better Auth is driven through /passkey/generate-authenticate-options and /passkey/verify-authentication, and signs up with its passkey-first registration (requireSession: false, user created in afterVerification, createSession: true).',
    );

    const allLevels = measured.flatMap((r) => r.levels);
    const result: BenchResult = {
      schema: 1,
      date: localDate(),
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      mode: settings.mode,
      settings: {
        users: settings.users,
        database: settings.database ?? 'SQLite WAL, every acknowledged commit fsynced',
        levels: settings.levels,
        warmupSeconds: settings.warmupMs / 1000,
        durationSeconds: settings.durationMs / 1000,
        scenarios: settings.scenarios,
      },
      machine,
      ceiling,
      results,
      servers,
      peer,
      ...(scale ? { scale } : {}),
      ...(jwtVerify ? { jwtVerify } : {}),
      notes,
      totalErrors: allLevels.reduce((n, l) => n + l.errors, 0),
    };

    mkdirSync(settings.outDir, { recursive: true });
    // One file set per kind of run, so a PostgreSQL or scale run never overwrites the SQLite one.
    const suffixes = [
      ...(settings.database !== undefined && isPostgresUrl(settings.database) ? ['postgres'] : []),
      ...(settings.mode === 'default' ? [] : [settings.mode]),
    ];
    const base = unusedResultName(settings.outDir, [result.date, ...suffixes].join('-'));
    const chartFile = `${base}.svg`;
    writeFileSync(join(settings.outDir, `${base}.json`), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(settings.outDir, chartFile), renderChart(result));
    writeFileSync(join(settings.outDir, `${base}.md`), renderReport(result, 'md', chartFile));
    log('');
    log(renderReport(result, 'text'));
    log(`Wrote ${join(settings.outDir, base)}.{json,md,svg}`);
    return result.totalErrors === 0 ? 0 : 1;
  } finally {
    if (settings.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);

/** The console report and the Markdown file, from one BenchResult. */
import type { LevelResult } from './load.js';
import {
  type BenchResult,
  levelOf,
  type ScenarioResult,
  type ServerSummary,
  type TargetName,
} from './results.js';
import type { DatabaseStats, ScenarioName } from './target.js';

type Format = 'text' | 'md';

const TARGET_LABEL: Record<TargetName, string> = {
  passki: 'Passki',
  'better-auth': 'Better Auth',
  floor: 'bare node:http',
};

/** The targets of issue 7, measured at the highest concurrency. */
export const TARGETS = {
  signInPerSecond: 3000,
  p99Ms: 20,
  timesPeer: 15,
  fractionOfFloor: 0.5,
  peakRssMb: 150,
};

export function formatRate(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function ms(value: number): string {
  return value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function mb(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '–' : (bytes / 2 ** 20).toFixed(1);
}

function pct(value: number | null): string {
  return value === null ? '–' : `${Math.round(value * 100)}%`;
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || b === 0 ? '–' : `${(a / b).toFixed(2)}×`;
}

function table(format: Format, headers: string[], rows: string[][], rightAlignFrom = 1): string {
  if (format === 'md') {
    const align = headers.map((_, i) => (i >= rightAlignFrom ? '---:' : '---'));
    return [headers, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    r
      .map((cell, i) =>
        i >= rightAlignFrom ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
      )
      .join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function heading(format: Format, text: string): string {
  return format === 'md' ? `### ${text}` : `== ${text} ==`;
}

/** One row per target, scenario and concurrency. */
export function resultsTable(result: BenchResult, format: Format): string {
  const rows: string[][] = [];
  for (const scenario of result.results) {
    for (const level of scenario.levels) {
      rows.push(
        levelRow(`${scenario.scenario}`, TARGET_LABEL[scenario.target], scenario.unit, level),
      );
    }
  }
  return table(
    format,
    [
      'scenario',
      'server',
      'conc.',
      'ops/s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'errors',
      'server CPU ms/op',
      'server CPU',
      'generator CPU',
      'peak RSS MB',
    ],
    rows,
    2,
  );
}

function levelRow(scenario: string, server: string, _unit: string, l: LevelResult): string[] {
  return [
    scenario,
    server,
    String(l.concurrency),
    formatRate(l.throughput),
    ms(l.latencyMs.p50),
    ms(l.latencyMs.p90),
    ms(l.latencyMs.p99),
    ms(l.latencyMs.max),
    String(l.errors),
    l.serverCpuMsPerOp === null ? '–' : l.serverCpuMsPerOp.toFixed(3),
    pct(l.serverCpuUtilisation),
    pct(l.generatorCpuUtilisation),
    mb(l.serverPeakRssBytes),
  ];
}

/** Passki / peer for each scenario and concurrency. */
export function peerTable(result: BenchResult, format: Format): string | null {
  if (result.peer.status !== 'ran') return null;
  const rows: string[][] = [];
  for (const scenario of result.settings.scenarios) {
    for (const c of result.settings.levels) {
      const ours = levelOf(result, 'passki', scenario, c);
      const theirs = levelOf(result, 'better-auth', scenario, c);
      if (!ours || !theirs) continue;
      rows.push([
        scenario,
        String(c),
        formatRate(ours.throughput),
        formatRate(theirs.throughput),
        ratio(ours.throughput, theirs.throughput),
        ms(ours.latencyMs.p99),
        ms(theirs.latencyMs.p99),
      ]);
    }
  }
  return table(
    format,
    [
      'scenario',
      'conc.',
      'Passki ops/s',
      'Better Auth ops/s',
      'Passki / Better Auth',
      'Passki p99 ms',
      'Better Auth p99 ms',
    ],
    rows,
  );
}

/** Passki sign-in against the bare-HTTP floor and the crypto ceiling. */
export function boundsTable(result: BenchResult, format: Format): string {
  const rows = result.settings.levels.map((c) => {
    const ours = levelOf(result, 'passki', 'sign-in', c);
    const floor = levelOf(result, 'floor', 'sign-in', c);
    return [
      String(c),
      ours ? formatRate(ours.throughput) : '–',
      floor ? formatRate(floor.throughput) : '–',
      ratio(ours?.throughput, floor?.throughput),
      formatRate(result.ceiling.ceremoniesPerSecond),
      ratio(ours?.throughput, result.ceiling.ceremoniesPerSecond),
    ];
  });
  return table(
    format,
    ['conc.', 'Passki sign-ins/s', 'floor/s', 'Passki / floor', 'ceiling/s', 'Passki / ceiling'],
    rows,
  );
}

function ceilingText(result: BenchResult, format: Format): string {
  const rows = result.ceiling.costs.map((c) => [c.name, c.microseconds.toFixed(2)]);
  rows.push(['total', result.ceiling.totalMicroseconds.toFixed(2)]);
  const jwt = result.jwtVerify
    ? `\n\nBackend SDK: @passki/node verifies ${formatRate(result.jwtVerify.perSecond)} session JWTs/s on one core (${result.jwtVerify.microseconds.toFixed(1)} µs each, keys cached).`
    : '';
  return `${table(format, ['cost of one sign-in on one core (node:crypto)', 'µs'], rows)}\n\nCeiling: ${formatRate(result.ceiling.ceremoniesPerSecond)} sign-ins/s on one core.${jwt}`;
}

/** Where Passki stands against issue 7's targets, at the highest concurrency measured. */
export function targetsTable(result: BenchResult, format: Format): string {
  const c = Math.max(...result.settings.levels);
  const ours = levelOf(result, 'passki', 'sign-in', c);
  const peer = levelOf(result, 'better-auth', 'sign-in', c);
  const floor = levelOf(result, 'floor', 'sign-in', c);
  const peak = result.servers.passki?.peakRssBytes;
  const check = (ok: boolean | null): string => (ok === null ? 'n/a' : ok ? 'met' : 'not met');
  const rows: string[][] = [
    [
      `sign-ins/s at concurrency ${c}`,
      `≥ ${TARGETS.signInPerSecond}`,
      ours ? formatRate(ours.throughput) : '–',
      check(ours ? ours.throughput >= TARGETS.signInPerSecond : null),
    ],
    [
      `sign-in p99 at concurrency ${c}`,
      `≤ ${TARGETS.p99Ms} ms`,
      ours ? `${ms(ours.latencyMs.p99)} ms` : '–',
      check(ours ? ours.latencyMs.p99 <= TARGETS.p99Ms : null),
    ],
    [
      'Passki / Better Auth (sign-in)',
      `≥ ${TARGETS.timesPeer}×`,
      ratio(ours?.throughput, peer?.throughput),
      check(ours && peer ? ours.throughput / peer.throughput >= TARGETS.timesPeer : null),
    ],
    [
      'Passki / bare-HTTP floor (sign-in)',
      `≥ ${TARGETS.fractionOfFloor}`,
      ratio(ours?.throughput, floor?.throughput),
      check(ours && floor ? ours.throughput / floor.throughput >= TARGETS.fractionOfFloor : null),
    ],
    [
      `peak RSS (${result.settings.users.toLocaleString('en-US')} users; target is for 1,000,000)`,
      `≤ ${TARGETS.peakRssMb} MB`,
      `${mb(peak)} MB`,
      check(peak === undefined ? null : peak / 2 ** 20 <= TARGETS.peakRssMb),
    ],
  ];
  return table(format, ['target', 'goal', 'measured', ''], rows, 99);
}

function databaseText(result: BenchResult, format: Format): string {
  const rows: string[][] = [];
  for (const [name, server] of Object.entries(result.servers) as [
    TargetName,
    NonNullable<BenchResult['servers'][TargetName]>,
  ][]) {
    const db = server.database;
    const describe = (s: DatabaseStats | null | undefined): string =>
      s
        ? `${mb(s.fileBytes)} MB (WAL ${mb(s.walBytes)}); ${Object.entries(s.rows)
            .map(([t, n]) => `${t} ${n}`)
            .join(', ')}`
        : '–';
    rows.push([
      TARGET_LABEL[name],
      server.seed ? `${server.seed.users} in ${server.seed.seconds.toFixed(2)} s` : '–',
      mb(server.startRssBytes),
      mb(server.peakRssBytes),
      describe(db?.before),
      describe(db?.after),
    ]);
  }
  return table(
    format,
    [
      'server',
      'seeded users',
      'RSS at start MB',
      'peak RSS MB',
      'database after seeding',
      'database at the end',
    ],
    rows,
    99,
  );
}

function roundsNote(result: BenchResult): string {
  const rounds = result.scale?.rounds?.length ?? 1;
  return rounds > 1 ? ` (${rounds} rounds, the two sizes alternately; medians)` : '';
}

/**
 * Scale mode: the ratio in each round, large over baseline measured back to back. The headline is
 * the median of these, not a ratio of two medians that may come from different rounds.
 */
function roundRatios(result: BenchResult, scenario: ScenarioName, c: number): number[] {
  const throughput = (results: ScenarioResult[]): number | undefined =>
    results.find((r) => r.scenario === scenario)?.levels.find((l) => l.concurrency === c)
      ?.throughput;
  return (result.scale?.rounds ?? []).flatMap((round) => {
    const large = throughput(round.large);
    const baseline = throughput(round.baseline);
    return large === undefined || baseline === undefined || baseline === 0
      ? []
      : [large / baseline];
  });
}

function medianRatio(ratios: number[]): string {
  const sorted = [...ratios].sort((a, b) => a - b);
  return ratio(sorted[Math.floor((sorted.length - 1) / 2)], 1);
}

/** Scale mode: the large run against the baseline, level by level, and what grew. */
export function scaleTable(result: BenchResult, format: Format): string | null {
  const baseline = result.scale?.baseline;
  if (!baseline) return null;
  const large = result.settings.users.toLocaleString('en-US');
  const small = baseline.users.toLocaleString('en-US');
  const rounds = result.scale?.rounds?.length ?? 1;
  const rows: string[][] = [];
  for (const scenario of result.settings.scenarios) {
    for (const c of result.settings.levels) {
      const few = baseline.results
        .find((r) => r.scenario === scenario)
        ?.levels.find((l) => l.concurrency === c);
      const many = levelOf(result, 'passki', scenario, c);
      if (!few || !many) continue;
      const perRound = roundRatios(result, scenario, c);
      rows.push([
        scenario,
        String(c),
        formatRate(few.throughput),
        formatRate(many.throughput),
        rounds > 1 ? medianRatio(perRound) : ratio(many.throughput, few.throughput),
        ...(rounds > 1 ? [perRound.map((r) => ratio(r, 1)).join(', ')] : []),
        ms(few.latencyMs.p99),
        ms(many.latencyMs.p99),
      ]);
    }
  }
  const growth = (s: ServerSummary | undefined, users: string): string[] => [
    users,
    s?.seed ? `${s.seed.seconds.toFixed(1)} s` : '–',
    mb(s?.database?.before?.fileBytes),
    mb(s?.database?.after?.fileBytes),
    mb(s?.startRssBytes),
    mb(s?.peakRssBytes),
  ];
  return [
    table(
      format,
      [
        'scenario',
        'conc.',
        `${small} users ops/s`,
        `${large} users ops/s`,
        rounds > 1 ? `${large} / ${small} (median of rounds)` : `${large} / ${small}`,
        ...(rounds > 1 ? [`each of ${rounds} rounds`] : []),
        `p99 ms (${small})`,
        `p99 ms (${large})`,
      ],
      rows,
    ),
    table(
      format,
      [
        'users',
        'seeding',
        'database after seeding MB',
        'database at the end MB',
        'RSS at start MB',
        'peak RSS MB',
      ],
      [growth(baseline.server, small), growth(result.servers.passki, large)],
    ),
  ].join('\n\n');
}

export function machineText(result: BenchResult): string[] {
  const m = result.machine;
  return [
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}; databases on ${m.dataFileSystem}.`,
    `Pinning: ${m.pinning.note}.`,
    `Run: ${result.mode} mode, ${result.settings.users.toLocaleString('en-US')} users, ${result.settings.database}, concurrency ${result.settings.levels.join('/')}, ${result.settings.warmupSeconds} s warm-up + ${result.settings.durationSeconds} s per level.`,
    `Peer: ${result.peer.status}${result.peer.reason ? ` (${result.peer.reason})` : ''}${
      result.peer.versions
        ? `: ${Object.entries(result.peer.versions)
            .filter(([n]) => n === 'better-auth' || n === '@better-auth/passkey')
            .map(([n, v]) => `${n}@${v}`)
            .join(', ')}`
        : ''
    }.`,
  ];
}

export function renderReport(result: BenchResult, format: Format, chartFile?: string): string {
  const parts: string[] = [];
  if (format === 'md') {
    parts.push(`## Passki benchmark, ${result.date}`);
    if (chartFile) parts.push(`![sign-in throughput and p99 against concurrency](${chartFile})`);
  } else {
    parts.push(`Passki benchmark, ${result.date}`);
  }
  parts.push(
    machineText(result)
      .map((line) => (format === 'md' ? `- ${line}` : line))
      .join('\n'),
  );
  const scale = scaleTable(result, format);
  if (scale !== null) {
    parts.push(
      heading(
        format,
        `Scale: ${result.settings.users.toLocaleString('en-US')} users against ${result.scale?.baseline.users.toLocaleString('en-US')}${roundsNote(result)}`,
      ),
    );
    parts.push(scale);
  }
  parts.push(heading(format, 'Results (latency: whole operation as the client sees it)'));
  parts.push(resultsTable(result, format));
  const peer = peerTable(result, format);
  if (peer !== null) {
    parts.push(heading(format, 'Passki / Better Auth (same run, same load generator)'));
    parts.push(peer);
  }
  parts.push(heading(format, 'Sign-in against the bare-HTTP floor and the crypto ceiling'));
  parts.push(boundsTable(result, format));
  parts.push(ceilingText(result, format));
  parts.push(heading(format, 'Targets (issue 7)'));
  parts.push(targetsTable(result, format));
  parts.push(heading(format, 'Memory and database'));
  parts.push(databaseText(result, format));
  if (result.notes.length > 0) {
    parts.push(heading(format, 'Notes'));
    parts.push(result.notes.map((n) => `- ${n}`).join('\n'));
  }
  parts.push(`Errors: ${result.totalErrors}${result.totalErrors === 0 ? '' : ' (must be zero)'}.`);
  return `${parts.join('\n\n')}\n`;
}

/**
 * Runs the benchmark harness once in --quick mode (a few seconds of real load against a real
 * Passki) so it never rots: it must finish, with zero errors, and write its results. The numbers
 * themselves are not checked; tests run in parallel on a busy machine.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../../bench/results.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'passki-bench-test-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

/**
 * Runs a bench script in its own process group. Past `timeoutMs` (under the tests' own timeouts)
 * the whole group is killed, servers included, so a hang fails the test without leaving them.
 */
function runHarness(
  args: string[],
  script = 'bench/run.ts',
  timeoutMs = 170_000,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const timer = setTimeout(() => {
      output += `\n(killed after ${timeoutMs} ms)`;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, timeoutMs);
    child.once('exit', () => clearTimeout(timer));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run bench -- --quick', () => {
  it('drives every scenario with zero errors and writes JSON, Markdown and SVG', async () => {
    const { code, output } = await runHarness(['--quick', '--out', out]);
    expect(code, output).toBe(0);

    const files = readdirSync(out);
    const json = files.find((f) => f.endsWith('-quick.json'));
    expect(json, output).toBeDefined();
    const base = join(out, (json as string).slice(0, -'.json'.length));
    expect(existsSync(`${base}.md`)).toBe(true);
    expect(readFileSync(`${base}.svg`, 'utf8')).toContain('<svg');

    const result = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as BenchResult;
    expect(result.totalErrors).toBe(0);
    expect(result.ceiling.ceremoniesPerSecond).toBeGreaterThan(0);
    for (const scenario of ['sign-in', 'sign-up', 'session']) {
      const passki = result.results.find((r) => r.target === 'passki' && r.scenario === scenario);
      expect(passki?.levels.length, scenario).toBeGreaterThan(0);
      for (const level of passki?.levels ?? []) {
        expect(level.errors, `${scenario} c=${level.concurrency}`).toBe(0);
        expect(level.completed, `${scenario} c=${level.concurrency}`).toBeGreaterThan(0);
      }
    }
    const floor = result.results.find((r) => r.target === 'floor');
    expect(floor?.levels.every((l) => l.completed > 0 && l.errors === 0)).toBe(true);
    // Side by side: each level is measured on the floor and on Passki back to back, so the
    // second level of either comes after the first level of both.
    const at = (target: string, c: number) =>
      output.search(new RegExp(`^ +${target} +sign-in +c=${c} `, 'm'));
    expect(at('floor', 1), output).toBeGreaterThan(-1);
    expect(at('passki', 1)).toBeGreaterThan(at('floor', 1));
    expect(at('floor', 8)).toBeGreaterThan(at('passki', 1));
    expect(at('passki', 8)).toBeGreaterThan(at('floor', 8));
  }, 180_000);
});

describe('npm run bench -- --scale --rounds', () => {
  it('measures the two sizes alternately, once per round, on databases seeded once', async () => {
    const dir = join(out, 'scale');
    const { code, output } = await runHarness([
      '--scale',
      '--users',
      '3000',
      '--rounds',
      '2',
      '--levels',
      '4',
      '--scenarios',
      'sign-in',
      '--warmup',
      '0.2',
      '--duration',
      '0.5',
      '--out',
      dir,
    ]);
    expect(code, output).toBe(0);
    expect(output.match(/Passki: seeding/g), output).toHaveLength(2);
    expect(output.match(/database of the first round/g), output).toHaveLength(2);
    const json = readdirSync(dir).find((f) => f.endsWith('-scale.json')) as string;
    const result = JSON.parse(readFileSync(join(dir, json), 'utf8')) as BenchResult;
    expect(result.totalErrors).toBe(0);
    expect(result.scale?.rounds).toHaveLength(2);
    for (const round of result.scale?.rounds ?? []) {
      for (const side of [round.baseline, round.large]) {
        expect(side[0]?.levels[0]?.completed).toBeGreaterThan(0);
        expect(side[0]?.levels[0]?.errors).toBe(0);
      }
    }
    // The table shows the median of the rounds, one of the measured levels.
    const shown = result.results[0]?.levels[0]?.throughput;
    const measured = (result.scale?.rounds ?? []).map((r) => r.large[0]?.levels[0]?.throughput);
    expect(measured).toContain(shown);
    const md = readFileSync(join(dir, json.replace(/\.json$/, '.md')), 'utf8');
    expect(md).toMatch(/each of 2 rounds/);
    // Each round starts from the seeded tables: the sessions left at the end are the last round's
    // (its warm-up adds 40% to what it measured), not both rounds' (about 2.8 times as many).
    const lastRound = result.scale?.rounds?.at(-1)?.large[0]?.levels[0]?.completed ?? 0;
    const sessionsLeft = result.servers.passki?.database?.after?.rows.sessions ?? 0;
    expect(sessionsLeft).toBeGreaterThan(0);
    expect(sessionsLeft / lastRound).toBeLessThan(2);
  }, 180_000);
});

describe('bench/store-micro.ts', () => {
  it('runs the storage work of a sign-in at concurrency 1 and 32 and reports its cost', async () => {
    const { code, output } = await runHarness(['50', '300'], 'bench/store-micro.ts', 55_000);
    expect(code, output).toBe(0);
    const lines = output.match(/concurrency +\d+: \d+ sign-ins\/s, \d+ µs CPU per sign-in/g);
    expect(lines, output).toHaveLength(3);
  }, 60_000);
});

// Like the browser tests without Chromium: skipped with a warning on a machine without valgrind,
// a failure under CI, where .ci/run installs it.
const hasValgrind = spawnSync('valgrind', ['--version']).status === 0;
const ci = !['', '0', 'false', undefined].includes(process.env.CI);
if (!hasValgrind && !ci) {
  process.stderr.write(
    '\n\u001b[33m⚠ WARNING: SKIPPING the bench/instructions.ts test: valgrind not found (apt-get install -y valgrind).\u001b[0m\n\n',
  );
}

describe.skipIf(!hasValgrind && !ci)('bench/instructions.ts', () => {
  it('counts the instructions of a few sign-ins under callgrind', async () => {
    expect(hasValgrind, 'valgrind must be installed in CI (.ci/run installs it)').toBe(true);
    const { code, output } = await runHarness(
      ['--count', '10', '--warmup', '10', '--out', join(out, 'instructions')],
      'bench/instructions.ts',
    );
    expect(code, output).toBe(0);
    const found = /: ([\d,]+) instructions per sign-in \(/.exec(output);
    expect(found, output).not.toBeNull();
    // A sign-in verifies a P-256 signature: hundreds of thousands of instructions at the least.
    expect(Number(found?.[1]?.replaceAll(',', ''))).toBeGreaterThan(300_000);
  }, 180_000);
});

// `npm run test:examples`: installs, builds and tests every example app in examples/, end to end in
// the real browser. Each example is its own npm project (outside the root workspaces), so this
// runs, for each one: `npm ci` (or `npm install` when it has no lock file), `npm run build` (which
// type-checks the app), a type-check of its tests with the root's TypeScript, then the tests in
// examples/<name>/test/ with the root's vitest. The SDKs and
// the server are built first (`npm run build` at the root): the examples install the SDKs from
// packages/*, and their tests start the built CLI.
//
// Usage: node scripts/test-examples.mjs [name ...]   (default: every folder in examples/)
// The last line is "examples: N passed, N failed" (tests; an example whose install or build
// fails counts as one failure), and the exit code is non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const examplesDir = join(root, 'examples');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const env = {
  ...process.env,
  // No usage reports from the frameworks' CLIs.
  NEXT_TELEMETRY_DISABLED: '1',
  ASTRO_TELEMETRY_DISABLED: '1',
};

const requested = process.argv.slice(2);
const examples =
  requested.length > 0
    ? requested
    : readdirSync(examplesDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .filter((entry) => existsSync(join(examplesDir, entry.name, 'package.json')))
        .map((entry) => entry.name)
        .sort();

const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** Runs a command with its output passed through; returns whether it exited 0. */
function step(label, command, args, cwd, failure = 'FAILED') {
  const started = performance.now();
  console.log(`\n▶ ${label}: ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd, env, stdio: 'inherit' });
  const ok = result.status === 0;
  const outcome = ok ? 'ok' : `${failure} (${result.error?.message ?? `exit ${result.status}`})`;
  console.log(`◀ ${label}: ${outcome} in ${seconds(started)}`);
  return ok;
}

/**
 * `npm ci` from the committed lock file. A registry that lacks some other platform's optional
 * packages (a mirror that carries only what Linux needs, say) writes lock files without them,
 * and `npm ci` then refuses the lock as out of sync: in that case the same locked versions are
 * installed with `npm install --no-save` into a fresh node_modules, leaving the lock untouched.
 */
function install(name, dir) {
  const flags = ['--no-audit', '--no-fund'];
  if (!existsSync(join(dir, 'package-lock.json'))) {
    return step(`${name}: install (no lock file)`, npm, ['install', ...flags], dir);
  }
  if (step(`${name}: install`, npm, ['ci', ...flags], dir, 'lock file refused')) return true;
  console.log(`  npm ci refused the lock file; installing its versions with npm install --no-save`);
  // Fresh, like npm ci: the local SDKs must be packed again from their current build.
  rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
  return step(`${name}: install`, npm, ['install', '--no-save', ...flags], dir);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const summary = [];
const startedAll = performance.now();

if (!step('root build', npm, ['run', 'build'], root)) {
  console.log('\nexamples: 0 passed, 1 failed');
  process.exit(1);
}

for (const name of examples) {
  const dir = join(examplesDir, name);
  const started = performance.now();
  if (!existsSync(join(dir, 'package.json'))) {
    console.error(`\n✗ ${name}: no examples/${name}/package.json`);
    totals.failed += 1;
    summary.push(`✗ ${name}: not found`);
    continue;
  }
  const testConfig = join(dir, 'test/tsconfig.json');
  if (
    !install(name, dir) ||
    !step(`${name}: build`, npm, ['run', 'build'], dir) ||
    // The tests are not part of the app's build: the root's TypeScript checks them.
    (existsSync(testConfig) &&
      !step(`${name}: type-check the tests`, process.execPath, [tsc, '-p', testConfig], root))
  ) {
    totals.failed += 1;
    summary.push(`✗ ${name}: install, build or type-check failed (${seconds(started)})`);
    continue;
  }

  const reportDir = mkdtempSync(join(tmpdir(), 'passki-examples-'));
  const report = join(reportDir, 'vitest.json');
  step(
    `${name}: test`,
    process.execPath,
    [
      join(root, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--config',
      join(root, 'scripts/vitest.examples.config.ts'),
      '--root',
      dir,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
    ],
    root,
  );
  let counts = { passed: 0, failed: 1, skipped: 0 };
  try {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    counts = {
      passed: json.numPassedTests,
      // A suite that failed outside any test (a hook, an import) has no failed test to count.
      failed: Math.max(json.numFailedTests, json.success ? 0 : 1),
      skipped: json.numPendingTests + json.numTodoTests,
    };
    if (json.numTotalTests === 0) counts.failed = Math.max(counts.failed, 1);
  } catch {
    console.error(`✗ ${name}: vitest wrote no report`);
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  const mark = counts.failed === 0 ? '✓' : '✗';
  summary.push(
    `${mark} ${name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped (${seconds(started)} with install and build)`,
  );
}

console.log(`\n${summary.join('\n')}`);
console.log(`all examples in ${seconds(startedAll)}`);
const skipped = totals.skipped > 0 ? `, ${totals.skipped} skipped` : '';
console.log(`examples: ${totals.passed} passed, ${totals.failed} failed${skipped}`);
process.exit(totals.failed === 0 ? 0 : 1);

// Builds every package with esbuild (fast, no type-check: `npm run typecheck` does that) and emits
// the browser SDK's type declarations with tsc, so `npm install` leaves a runnable server behind.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const server = join(root, 'packages/server');
const browser = join(root, 'packages/browser');

// Browser SDK: unbundled ESM (one file per module) so apps can tree-shake it.
rmSync(join(browser, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: [join(browser, 'src/**/*.ts')],
  outdir: join(browser, 'dist'),
  outbase: join(browser, 'src'),
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  logLevel: 'warning',
});
execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(browser, 'tsconfig.build.json')],
  { stdio: 'inherit' },
);

// Server: one ESM bundle per entry; npm dependencies stay external.
rmSync(join(server, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: [join(server, 'src/cli.ts'), join(server, 'src/index.ts')],
  outdir: join(server, 'dist'),
  bundle: true,
  packages: 'external',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});

// The `passki` bin must stay executable after every rebuild.
chmodSync(join(server, 'dist/cli.js'), 0o755);

// Hosted pages: the page script bundles the browser SDK; the server serves dist/public/.
mkdirSync(join(server, 'dist/public'), { recursive: true });
await build({
  entryPoints: {
    page: join(server, 'src/pages/page.ts'),
    account: join(server, 'src/pages/account.ts'),
  },
  outdir: join(server, 'dist/public'),
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  logLevel: 'warning',
});
cpSync(join(server, 'src/pages/static'), join(server, 'dist/public'), { recursive: true });

// Node SDK: unbundled ESM for Node 20+, like the browser SDK, plus its type declarations.
const node = join(root, 'packages/node');
rmSync(join(node, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: [join(node, 'src/**/*.ts')],
  outdir: join(node, 'dist'),
  outbase: join(node, 'src'),
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(node, 'tsconfig.build.json')],
  { stdio: 'inherit' },
);

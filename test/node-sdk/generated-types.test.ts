import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const nodeSdk = join(root, 'packages/node');
const GENERATED = ['openapi.json', 'src/generated/admin-api.ts'];

describe('@passki/node generated admin types', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'passki-node-sdk-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('are in sync with the server (regenerate: npm run build && npm run generate -w @passki/node)', () => {
    expect(
      existsSync(join(root, 'packages/server/dist/index.js')),
      'the generator starts the built server: run `npm run build` first',
    ).toBe(true);
    execFileSync(
      process.execPath,
      [join(nodeSdk, 'scripts/generate-admin-types.mjs'), '--out-dir', outDir],
      { cwd: root, stdio: 'pipe' },
    );
    for (const file of GENERATED) {
      expect(
        readFileSync(join(outDir, file), 'utf8'),
        `packages/node/${file} is out of date: rebuild and run npm run generate -w @passki/node`,
      ).toBe(readFileSync(join(nodeSdk, file), 'utf8'));
    }
  });
});

describe('@passki/node package', () => {
  const pkg = JSON.parse(readFileSync(join(nodeSdk, 'package.json'), 'utf8'));

  it('exports only built files that exist, each with its types first', async () => {
    expect(Object.keys(pkg.exports)).toEqual(['.', './hono', './package.json']);
    for (const [subpath, target] of Object.entries<Record<string, string> | string>(pkg.exports)) {
      if (typeof target === 'string') continue;
      expect(Object.keys(target), subpath).toEqual(['types', 'import']);
      for (const file of Object.values(target)) {
        expect(existsSync(join(nodeSdk, file)), `${subpath} → ${file}`).toBe(true);
      }
    }
    const main = await import('@passki/node');
    expect(Object.keys(main).sort()).toEqual([
      'PasskiAdminError',
      'PasskiTokenError',
      'SESSION_JWT_TYPE',
      'createAdminClient',
      'createVerifier',
      'expressMiddleware',
      'getPasskiClaims',
    ]);
    expect(Object.keys(await import('@passki/node/hono'))).toEqual(['honoMiddleware']);
  });

  it('loads without hono: the main entry never imports it, the hono entry only its types', () => {
    for (const file of ['dist/index.js', 'dist/hono.js', 'dist/express-middleware.js']) {
      expect(readFileSync(join(nodeSdk, file), 'utf8'), file).not.toMatch(/from\s+["']hono/);
    }
    expect(pkg.peerDependenciesMeta.hono.optional).toBe(true);
    expect(pkg.dependencies).toEqual({ jose: expect.any(String) });
  });
});

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../packages/server/src/config/config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('docs stay in sync with the code', () => {
  it.each(SETTINGS.map((s) => s.env))('README documents %s', (env) => {
    expect(readme).toMatch(new RegExp(`\\| \`${env}\` +\\|`));
  });

  it('the `passki` command is a committed file, so one `npm install` links it', () => {
    // npm links bins before `prepare` builds dist/: a bin inside dist/ is missing on a fresh clone.
    const pkg = JSON.parse(
      readFileSync(new URL('../packages/server/package.json', import.meta.url), 'utf8'),
    ) as { bin: Record<string, string>; files: string[] };
    const bin = (pkg.bin.passki ?? '').replace(/^\.\//, '');
    expect(bin).not.toMatch(/^dist\//);
    const tracked = execFileSync('git', ['ls-files', `packages/server/${bin}`], {
      cwd: new URL('..', import.meta.url),
      encoding: 'utf8',
    });
    expect(tracked.trim()).toBe(`packages/server/${bin}`);
    expect(pkg.files).toContain(bin.split('/')[0]);
    expect(readme).toContain('npx passki keys create-admin');
  });

  it('README names the quick-start and test commands', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../packages/server/src/config/config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('docs stay in sync with the code', () => {
  it.each(SETTINGS.map((s) => s.env))('README documents %s', (env) => {
    expect(readme).toMatch(new RegExp(`\\| \`${env}\` +\\|`));
  });

  it('README names the quick-start and test commands', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
  });
});

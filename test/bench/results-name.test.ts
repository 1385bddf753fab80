import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unusedResultName } from '../../bench/results.js';

const dir = mkdtempSync(join(tmpdir(), 'passki-bench-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench result file names', () => {
  it("never reuse an earlier run's name", () => {
    expect(unusedResultName(dir, '2026-12-07')).toBe('2026-12-07');
    writeFileSync(join(dir, '2026-12-07.json'), '{}');
    expect(unusedResultName(dir, '2026-12-07')).toBe('2026-12-07-2');
    writeFileSync(join(dir, '2026-12-07-2.json'), '{}');
    expect(unusedResultName(dir, '2026-12-07')).toBe('2026-12-07-3');
    // Another kind of run keeps its own plain name.
    expect(unusedResultName(dir, '2026-12-07-scale')).toBe('2026-12-07-scale');
  });
});

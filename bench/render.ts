/**
 * Re-renders the Markdown table and the SVG chart from a results JSON, e.g. after changing the
 * report's layout: `node --import tsx bench/render.ts bench/results/2026-01-31.json`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { renderChart } from './chart.js';
import { renderReport } from './report.js';
import type { BenchResult } from './results.js';

const file = process.argv[2];
if (file === undefined || !file.endsWith('.json')) {
  process.stderr.write('Usage: node --import tsx bench/render.ts RESULTS.json\n');
  process.exit(2);
}
const result = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
const base = file.slice(0, -'.json'.length);
writeFileSync(`${base}.svg`, renderChart(result));
writeFileSync(`${base}.md`, renderReport(result, 'md', `${basename(base)}.svg`));
process.stdout.write(`Wrote ${base}.md and ${base}.svg\n`);

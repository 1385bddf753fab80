/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. from `npm run bench -- --profile`): self
 * time by function and by module (npm package, Passki's own bundle, Node internals, GC, idle).
 *
 * Usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  /** Share of the non-idle time. */
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  busyMs: number;
  functions: Share[];
  modules: Share[];
  /** Time with the function anywhere on the stack (self plus callees), of Passki's own code. */
  inclusive: Share[];
}

/** Which module a script URL belongs to: an npm package, Passki itself, or Node. */
export function moduleOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(garbage collector)') return '(garbage collector)';
    if (functionName === '(program)') return '(program: native, outside JS)';
    return `(native) ${functionName}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1] as string;
  if (url.startsWith('node:'))
    return `node:${url.slice(5).split('/')[0] === 'internal' ? url.slice(5).split('/').slice(0, 2).join('/') : url.slice(5)}`;
  if (url.includes('packages/server/dist/')) return 'passki (packages/server/dist)';
  return url;
}

export function summarise(profile: CpuProfile, top: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let idleMs = 0;
  let totalMs = 0;
  for (const [id, ms] of selfMs) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    totalMs += ms;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const module = moduleOf(frame.url, frame.functionName);
    const file = frame.url.startsWith('node:') ? frame.url : module;
    const where = frame.url === '' ? '' : ` ${file}:${frame.lineNumber + 1}`;
    const fn = `${frame.functionName || '(anonymous)'}${where}`;
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
    modules.set(module, (modules.get(module) ?? 0) + ms);
  }
  const busyMs = totalMs - idleMs;
  // Inclusive time of Passki's functions: each sample counts once per distinct function on its stack.
  const inclusive = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = (byId.get(cur) as ProfileNode).callFrame;
      if (!frame.url.includes('packages/server/dist/')) continue;
      const fn = `${frame.functionName || '(anonymous)'} passki:${frame.lineNumber + 1}`;
      if (seen.has(fn)) continue;
      seen.add(fn);
      inclusive.set(fn, (inclusive.get(fn) ?? 0) + ms);
    }
  }
  const rank = (m: Map<string, number>): Share[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: ms / busyMs }));
  return {
    totalMs,
    idleMs,
    busyMs,
    functions: rank(functions),
    modules: rank(modules),
    inclusive: rank(inclusive),
  };
}

function print(summary: ProfileSummary): void {
  const line = (s: Share): string =>
    `${(s.share * 100).toFixed(1).padStart(5)}%  ${s.ms.toFixed(0).padStart(7)} ms  ${s.name}`;
  process.stdout.write(
    [
      `profiled ${(summary.totalMs / 1000).toFixed(1)} s: busy ${(summary.busyMs / 1000).toFixed(1)} s, idle ${(summary.idleMs / 1000).toFixed(1)} s (shares below are of busy time)`,
      '',
      'self time by module:',
      ...summary.modules.map(line),
      '',
      'self time by function:',
      ...summary.functions.map(line),
      '',
      "inclusive time of Passki's own functions (self + callees):",
      ...summary.inclusive.map(line),
      '',
    ].join('\n'),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string' } },
  });
  const file = positionals[0];
  if (file === undefined) {
    process.stderr.write(
      'Usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top 25]\n',
    );
    process.exit(2);
  }
  print(summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(values.top ?? 25)));
}

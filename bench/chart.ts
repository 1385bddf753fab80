/**
 * A hand-written SVG chart: sign-in throughput and p99 latency against concurrency, for Passki,
 * Better Auth and the bare-HTTP floor. No dependencies; readable in a browser or on GitHub.
 */
import { type BenchResult, levelOf, type TargetName } from './results.js';

interface Series {
  label: string;
  color: string;
  dashed: boolean;
  points: { c: number; value: number }[];
}

const WIDTH = 960;
const HEIGHT = 440;
const PANEL = { width: 380, height: 270, top: 92 };
const LEFT = [80, 560];

const STYLE: Record<TargetName, { label: string; color: string; dashed: boolean }> = {
  passki: { label: 'Passki', color: '#2563eb', dashed: false },
  'better-auth': { label: 'Better Auth + passkey plugin', color: '#ea580c', dashed: false },
  floor: { label: 'bare node:http floor (no work)', color: '#6b7280', dashed: true },
};

function niceStep(max: number): number {
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw || 1));
  const normalised = raw / magnitude;
  return (normalised <= 1 ? 1 : normalised <= 2 ? 2 : normalised <= 5 ? 5 : 10) * magnitude;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function label(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** A y axis: linear from 0, or log10 when the values span more than a factor of 20. */
function axis(values: number[]): { y01: (v: number) => number; ticks: number[]; log: boolean } {
  const max = Math.max(1e-9, ...values);
  const min = Math.max(1e-9, Math.min(...values));
  if (max / min > 20) {
    const lo = 10 ** Math.floor(Math.log10(min));
    const hi = 10 ** Math.ceil(Math.log10(max));
    const ticks: number[] = [];
    for (let decade = lo; decade < hi * 1.01; decade *= 10) {
      for (const m of [1, 2, 5]) if (decade * m <= hi * 1.01) ticks.push(decade * m);
    }
    const span = Math.log10(hi) - Math.log10(lo);
    return { y01: (v) => (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / span, ticks, log: true };
  }
  const step = niceStep(max * 1.1);
  const top = Math.ceil((max * 1.1) / step) * step;
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(v);
  return { y01: (v) => v / top, ticks, log: false };
}

function panel(
  left: number,
  title: string,
  unit: string,
  levels: number[],
  series: Series[],
): string {
  const { width, height, top } = PANEL;
  const scale = axis(series.flatMap((s) => s.points.map((p) => p.value)));
  const x = (c: number): number => left + ((levels.indexOf(c) + 0.5) / levels.length) * width;
  const y = (v: number): number => top + height - scale.y01(v) * height;
  const out: string[] = [];
  const heading = scale.log ? `${title}, log scale` : title;
  out.push(`<text x="${left + width / 2}" y="${top - 14}" class="title">${xml(heading)}</text>`);
  for (const v of scale.ticks) {
    out.push(
      `<line x1="${left}" x2="${left + width}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`,
      `<text x="${left - 8}" y="${(y(v) + 4).toFixed(1)}" class="tick" text-anchor="end">${v >= 1 ? String(Math.round(v)) : label(v)}</text>`,
    );
  }
  for (const c of levels) {
    out.push(
      `<text x="${x(c)}" y="${top + height + 20}" class="tick" text-anchor="middle">${c}</text>`,
    );
  }
  out.push(
    `<text x="${left + width / 2}" y="${top + height + 42}" class="axis">concurrency (workers)</text>`,
    `<text transform="translate(${left - 58} ${top + height / 2}) rotate(-90)" class="axis">${xml(unit)}</text>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${top + height}" class="frame"/>`,
    `<line x1="${left}" x2="${left + width}" y1="${top + height}" y2="${top + height}" class="frame"/>`,
  );
  for (const s of series) {
    if (s.points.length === 0) continue;
    const path = s.points.map((p) => `${x(p.c).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
    out.push(
      `<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    for (const p of s.points) {
      // Labels go above the point, or below it when another series sits just above.
      const crowded = series.some(
        (o) =>
          o !== s &&
          o.points.some(
            (q) => q.c === p.c && y(q.value) < y(p.value) && y(p.value) - y(q.value) < 18,
          ),
      );
      const ly = crowded ? y(p.value) + 17 : y(p.value) - 9;
      out.push(
        `<circle cx="${x(p.c).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="4" fill="${s.color}"/>`,
        `<text x="${x(p.c).toFixed(1)}" y="${ly.toFixed(1)}" class="value" fill="${s.color}">${label(p.value)}</text>`,
      );
    }
  }
  return out.join('\n');
}

export function renderChart(result: BenchResult): string {
  const levels = result.settings.levels;
  const targets = (['passki', 'better-auth', 'floor'] as TargetName[]).filter((t) =>
    result.results.some((r) => r.target === t && r.scenario === 'sign-in'),
  );
  const seriesOf = (pick: (t: TargetName, c: number) => number | undefined): Series[] =>
    targets.map((t) => ({
      ...STYLE[t],
      points: levels.flatMap((c) => {
        const value = pick(t, c);
        return value === undefined ? [] : [{ c, value }];
      }),
    }));
  const throughput = seriesOf((t, c) => levelOf(result, t, 'sign-in', c)?.throughput);
  const p99 = seriesOf((t, c) => levelOf(result, t, 'sign-in', c)?.latencyMs.p99);
  const m = result.machine;
  const legend = targets
    .map((t, i) => {
      const s = STYLE[t];
      const lx = 80 + i * 300;
      return `<line x1="${lx}" x2="${lx + 28}" y1="${HEIGHT - 22}" y2="${HEIGHT - 22}" stroke="${s.color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/><text x="${lx + 36}" y="${HEIGHT - 18}" class="legend">${xml(s.label)}</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">
<style>
.title { font-size: 15px; font-weight: 600; text-anchor: middle; fill: #111827; }
.tick { font-size: 11px; fill: #4b5563; }
.axis { font-size: 12px; fill: #374151; text-anchor: middle; }
.value { font-size: 11px; text-anchor: middle; font-weight: 600; }
.legend { font-size: 12px; fill: #111827; }
.grid { stroke: #e5e7eb; stroke-width: 1; }
.frame { stroke: #9ca3af; stroke-width: 1; }
.caption { font-size: 12px; fill: #4b5563; text-anchor: middle; }
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="${WIDTH / 2}" y="22" class="title">${xml(`Passkey sign-in ceremonies over HTTP (${result.settings.users.toLocaleString('en-US')} users, ${result.settings.database}), ${result.date}`)}</text>
<text x="${WIDTH / 2}" y="40" class="caption">${xml(`${m.cpuModel}, ${m.cores} cores, Node ${m.node}; ${m.pinning.note}`)}</text>
${panel(LEFT[0] as number, 'Throughput (higher is better)', 'sign-ins per second', levels, throughput)}
${panel(LEFT[1] as number, 'p99 latency (lower is better)', 'milliseconds', levels, p99)}
${legend}
</svg>
`;
}

/**
 * The closed-loop load generator: `concurrency` workers each run one operation (a ceremony or a
 * request) after another over keep-alive connections, first for a warm-up that is not recorded,
 * then for a fixed window in which every completion and its latency is recorded. Server CPU time
 * is read from /proc at both ends of the window; the generator's own CPU use is reported too, so a
 * saturated generator (rather than a slow server) is visible.
 */
import { Pool } from 'undici';
import type { ServerProcess } from './proc.js';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A keep-alive HTTP/1.1 client with exactly `connections` sockets to one server. */
export class HttpClient {
  readonly #pool: Pool;

  constructor(url: string, connections: number) {
    this.#pool = new Pool(url, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 600_000,
    });
  }

  async request(
    method: 'GET' | 'POST',
    path: string,
    opts: { body?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse> {
    const res = await this.#pool.request({
      method,
      path,
      headers:
        opts.body === undefined
          ? opts.headers
          : { 'content-type': 'application/json', ...opts.headers },
      body: opts.body,
    });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

/** The value of cookie `name` among a response's Set-Cookie headers, if set and non-empty. */
export function setCookie(res: HttpResponse, name: string): string | undefined {
  const raw = res.headers['set-cookie'];
  for (const line of Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) {
    if (line.startsWith(`${name}=`)) {
      const value = line.slice(
        name.length + 1,
        line.indexOf(';') === -1 ? undefined : line.indexOf(';'),
      );
      if (value.length > 0) return value;
    }
  }
  return undefined;
}

/** A failed operation; `kind` groups errors in the report (e.g. "verify 400 challenge_used"). */
export class OpError extends Error {
  readonly kind: string;
  constructor(kind: string, detail = '') {
    super(detail ? `${kind}: ${detail}` : kind);
    this.kind = kind;
  }
}

/** Throws an OpError unless the response has the expected status. */
export function expectStatus(step: string, res: HttpResponse, status = 200): void {
  if (res.status === status) return;
  let code = '';
  try {
    const body = JSON.parse(res.text);
    code = body?.error?.code ?? body?.code ?? '';
  } catch {
    // not JSON
  }
  throw new OpError(`${step} ${res.status}${code ? ` ${code}` : ''}`, res.text.slice(0, 300));
}

/** One unit of work, run by a worker against its level's client. */
export type Operation = (client: HttpClient) => Promise<void>;

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LevelResult {
  concurrency: number;
  /** Length of the measured window, seconds. */
  seconds: number;
  completed: number;
  /** Operations per second in the window. */
  throughput: number;
  /** Milliseconds, whole operation as the client sees it (requests and client-side signing). */
  latencyMs: LatencySummary;
  /** Errors during warm-up and the window (both must be zero). */
  errors: number;
  errorKinds: Record<string, number>;
  firstError: string | null;
  /** Server CPU seconds per operation in the window (utime + stime of all its threads). */
  serverCpuMsPerOp: number | null;
  /** Share of one core the server used in the window. */
  serverCpuUtilisation: number | null;
  /** Share of one core the load generator used in the window. */
  generatorCpuUtilisation: number;
  /** Server VmHWM at the end of the level (peak so far in the process's life), bytes. */
  serverPeakRssBytes: number | null;
}

export async function runLevel(opts: {
  url: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  operation: Operation;
  server?: ServerProcess;
}): Promise<LevelResult> {
  const client = new HttpClient(opts.url, opts.concurrency);
  let phase: 'warmup' | 'measure' | 'done' = 'warmup';
  const latencies: number[] = [];
  const errorKinds: Record<string, number> = {};
  let errors = 0;
  let firstError: string | null = null;

  const worker = async (): Promise<void> => {
    while (phase !== 'done') {
      const started = performance.now();
      const startedIn = phase;
      try {
        await opts.operation(client);
        // Only operations that started and ended inside the window count.
        if (startedIn === 'measure' && phase === 'measure') {
          latencies.push(performance.now() - started);
        }
      } catch (err) {
        errors++;
        const kind = err instanceof OpError ? err.kind : errorName(err);
        errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };

  const workers = Array.from({ length: opts.concurrency }, () => worker());
  await sleep(opts.warmupMs);
  phase = 'measure';
  const windowStart = performance.now();
  const serverCpuStart = opts.server?.cpuSeconds() ?? null;
  const generatorCpuStart = process.cpuUsage();
  await sleep(opts.durationMs);
  phase = 'done';
  const seconds = (performance.now() - windowStart) / 1000;
  const serverCpu =
    serverCpuStart === null ? null : (opts.server?.cpuSeconds() ?? 0) - serverCpuStart;
  const generatorCpu = process.cpuUsage(generatorCpuStart);
  await Promise.all(workers);
  await client.close();

  const completed = latencies.length;
  return {
    concurrency: opts.concurrency,
    seconds,
    completed,
    throughput: completed / seconds,
    latencyMs: summarise(latencies),
    errors,
    errorKinds,
    firstError,
    serverCpuMsPerOp: serverCpu === null || completed === 0 ? null : (serverCpu * 1000) / completed,
    serverCpuUtilisation: serverCpu === null ? null : serverCpu / seconds,
    generatorCpuUtilisation: (generatorCpu.user + generatorCpu.system) / 1e6 / seconds,
    serverPeakRssBytes: opts.server?.peakRssBytes() ?? null,
  };
}

function summarise(samples: number[]): LatencySummary {
  if (samples.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted[sorted.length - 1] ?? 0,
    mean: sum / sorted.length,
  };
}

function errorName(err: unknown): string {
  if (err instanceof Error) return (err as { code?: string }).code ?? err.name;
  return 'error';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

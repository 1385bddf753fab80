import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, rowCounts } from '../helpers/api.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

/**
 * Fuzzing from the valid shapes (checklist I01–I06, I09): thousands of bodies in which one field
 * becomes a wrong type, a huge or deep value, truncated or non-base64url text, or a CBOR bomb.
 * Expected: never a 5xx, nothing persisted, the server keeps answering, memory stays flat.
 */
const CASES = 3000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Live heap after a full collection: garbage from the run does not count, leaks do. */
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Small deterministic PRNG (mulberry32) so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const b64 = (bytes: number[] | Uint8Array): string => Buffer.from(bytes).toString('base64url');

function cborBombs(): string[] {
  const deep = new Uint8Array(10_000).fill(0x81); // 10 000 nested one-element arrays
  return [
    b64([...deep, 0x00]),
    b64([0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // byte string of 2^63-1 bytes
    b64([0x9b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // array of 2^63-1 items
    b64([0x5f, 0x41, 0x00, 0x41, 0x00]), // indefinite-length byte string, never closed
    b64([0xbf, 0x63, 0x66, 0x6d, 0x74, 0x64, 0x6e, 0x6f, 0x6e, 0x65]), // indefinite map, unterminated
    b64([0xa2, 0x63, 0x66, 0x6d, 0x74, 0x60, 0x63, 0x66, 0x6d, 0x74, 0x60]), // duplicate map keys
    b64([0xa1, 0x63, 0x66, 0x6d, 0x74, 0x64, 0x6e, 0x6f, 0x6e, 0x65, 0xff, 0xff]), // trailing bytes
    b64([0xd8, 0x40, 0x41, 0x00]), // tag 64 typed array
    b64([0xfb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0]), // NaN
  ];
}

function mutations(random: () => number): ((value: unknown) => unknown)[] {
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
  let deep: unknown = 'x';
  for (let i = 0; i < 200; i++) deep = [deep];
  return [
    () => null,
    () => 0,
    () => -1.5,
    () => true,
    () => 'true',
    () => [],
    () => ({}),
    () => '',
    () => 'x'.repeat(Math.floor(random() * 70_000)),
    () => deep,
    () => pick(['+/+/', 'AAAA====', ' AAAA', 'AAA\n', '%%%', '\u0000']),
    (v) => (typeof v === 'string' ? v.slice(0, Math.floor(random() * v.length)) : v),
    (v) => (typeof v === 'string' ? `${v}${pick(['A', 'AA', '=', '.'])}` : v),
    () => b64(Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256))),
    () => pick(cborBombs()),
    () => ({ $ne: null, __proto__: { polluted: true } }),
  ];
}

/** Every [path, value] leaf of a JSON value. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const out: string[][] = prefix.length > 0 ? [prefix] : [];
  for (const [key, child] of Object.entries(value)) out.push(...paths(child, [...prefix, key]));
  return out;
}

function mutate(body: unknown, path: string[], change: (value: unknown) => unknown): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = path[path.length - 1] as string;
  node[last] = change(node[last]);
  return copy;
}

describe('fuzzing the ceremony endpoints', () => {
  let server: TestServer;
  let client: ReturnType<typeof api>;
  beforeAll(async () => {
    server = await startTestServer();
    client = api(server);
  });
  afterAll(async () => server.close());

  it(`answers ${CASES} malformed bodies with 4xx only, persists nothing and keeps memory flat`, async () => {
    const random = prng(0x5eed);
    const changes = mutations(random);
    const auth = new SoftAuthenticator({ origin: server.url });
    const upOptions = (await client.post('/v1/sign-up/options', { username: 'fuzz-base' })).body
      .options;
    const registration = { response: auth.register(upOptions, { keep: true }) };
    // A registered passkey, so assertions reach signature checks.
    const live = new SoftAuthenticator({ origin: server.url });
    const liveUp = (await client.post('/v1/sign-up/options', { username: 'fuzz-live' })).body
      .options;
    expect(
      (await client.post('/v1/sign-up/verify', { response: live.register(liveUp) })).status,
    ).toBe(200);
    const assertion = {
      response: live.authenticate((await client.post('/v1/sign-in/options', {})).body.options),
    };
    // Used once, unmutated: a mutation that leaves a body valid (a changed transports list, say)
    // still runs every parser and check, but can no longer complete a ceremony.
    expect((await client.post('/v1/sign-up/verify', registration)).status).toBe(200);
    expect((await client.post('/v1/sign-in/verify', assertion)).status).toBe(200);
    const targets: [string, unknown][] = [
      ['/v1/sign-up/verify', registration],
      ['/v1/sign-in/verify', assertion],
      ['/v1/sign-up/options', { username: 'fuzz-name', displayName: 'Fuzz' }],
      ['/v1/sign-in/options', { username: 'fuzz-live' }],
      ['/v1/recover', { username: 'fuzz-live', code: 'AAAA-AAAA-AAAA-AAAA' }],
      ['/v1/sign-in/ticket', { token: 'x'.repeat(43) }],
      ['/v1/enroll/verify', { token: 'x'.repeat(43), ...registration }],
    ];
    const before = await rowCounts(server);
    const heapBefore = heapAfterGc();
    let heapHalfway = 0;
    const checkpoints: number[] = [];
    const statuses = new Map<number, number>();
    let slowest = 0;
    for (let i = 0; i < CASES; i++) {
      if (i === CASES / 2) heapHalfway = heapAfterGc();
      if (i % 500 === 0) checkpoints.push(Math.round(heapAfterGc() / 1048576));
      const [path, valid] = targets[i % targets.length] as [string, unknown];
      const leaves = paths(valid);
      const leaf = leaves[Math.floor(random() * leaves.length)] as string[];
      const change = changes[Math.floor(random() * changes.length)] as (value: unknown) => unknown;
      const body = leaf.length === 0 ? change(valid) : mutate(valid, leaf, change);
      const started = performance.now();
      const res = await client.call('POST', path, { raw: JSON.stringify(body) });
      slowest = Math.max(slowest, performance.now() - started);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      // Plain checks in the loop: expect() keeps per-call state that would blur the heap numbers.
      if (res.status === 200 && !path.endsWith('/options'))
        throw new Error(`${path} accepted ${JSON.stringify(body).slice(0, 300)}`);
      if (res.status >= 500)
        throw new Error(
          `5xx for ${path} ${JSON.stringify(body).slice(0, 300)}: ${JSON.stringify(res.body)}`,
        );
      if (res.sessionToken !== undefined)
        throw new Error(`${path} set a session for ${JSON.stringify(body).slice(0, 300)}`);
    }
    const heapAfter = heapAfterGc();
    const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
    expect(await rowCounts(server)).toEqual(before);
    // Options calls with a harmless change (an extra displayName, say) may still succeed; they write nothing.
    expect([...statuses.keys()].every((s) => s === 200 || (s >= 400 && s < 500))).toBe(true);
    // Flat: the second half of the run leaves the live heap where the first half left it.
    expect(
      heapAfter - heapHalfway,
      `live heap MB every 500 bodies: ${checkpoints.join(' ')}`,
    ).toBeLessThan(10 * 1024 * 1024);
    expect(heapAfter - heapBefore).toBeLessThan(30 * 1024 * 1024);
    expect(slowest).toBeLessThan(1_000);
    expect((await client.get('/healthz')).status).toBe(200);
    process.stdout.write(
      `fuzz: ${CASES} bodies, statuses ${JSON.stringify(Object.fromEntries(statuses))}, slowest ${slowest.toFixed(1)} ms, live heap MB every 500 bodies ${checkpoints.join(' ')} → ${mb(heapAfter)}\n`,
    );
  }, 120_000);
});

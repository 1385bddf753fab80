import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, startNode } from '../helpers/process.js';

/** One request on its own connection, as separate clients would send it. */
function post(url: string, path: string, body: unknown): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(
      `${url}${path}`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', origin: url },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', (err) => resolve(err.message));
    req.end(JSON.stringify(body));
  });
}

/**
 * Graceful shutdown: on SIGTERM readiness turns 503 at once, the node keeps accepting for a grace
 * period (so load balancers drain and queued connections are served), then stops accepting, lets
 * in-flight requests finish and exits 0.
 */
describe('SIGTERM', () => {
  it('finishes in-flight requests, then exits cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passki-term-'));
    try {
      const port = await freePort();
      const node = await startNode(
        {
          PASSKI_DATABASE_URL: `sqlite:${join(dir, 'p.db')}`,
          PASSKI_ORIGINS: `http://localhost:${port}`,
          PASSKI_RATE_LIMITS: 'off',
        },
        port,
      );
      // Each recovery-code check costs a slow hash (~50 ms of a core), so these are still being
      // answered when SIGTERM lands. Connections still queued in the kernel and not yet accepted
      // are not in flight; a few requests on a warm server are all accepted at once.
      await post(node.url, '/v1/recover', { username: 'warm-up', code: 'AAAA-AAAA-AAAA-AAAA' });
      const answeredAt: number[] = [];
      const inFlight = Array.from({ length: 4 }, (_, i) =>
        post(node.url, '/v1/recover', { username: `nobody${i}`, code: 'AAAA-AAAA-AAAA-AAAA' }).then(
          (status) => {
            answeredAt.push(Date.now());
            return status;
          },
        ),
      );
      await new Promise((r) => setTimeout(r, 30));
      const signalledAt = Date.now();
      const exited = node.stop('SIGTERM');
      // During the grace period the node still answers, but says it is not ready.
      await new Promise((r) => setTimeout(r, 100));
      const ready = await fetch(`${node.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'not_ready', draining: true });
      const statuses = await Promise.all(inFlight);
      expect(statuses, node.output()).toEqual([400, 400, 400, 400]);
      // At least one answer came after SIGTERM: it really was in flight.
      expect(Math.max(...answeredAt)).toBeGreaterThan(signalledAt);
      expect(await exited).toBe(0);
      expect(node.output()).toContain('SIGTERM: finishing in-flight requests');
      expect(await post(node.url, '/v1/sign-in/options', {})).toMatch(/ECONNREFUSED/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('closes busy keep-alive connections during the grace period, then exits 0 on time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passki-term-'));
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    try {
      const node = await startNode({
        PASSKI_DATABASE_URL: `sqlite:${join(dir, 'p.db')}`,
        PASSKI_SHUTDOWN_GRACE: '1s',
      });
      let signalledAt = Number.POSITIVE_INFINITY;
      const afterSignal: (string | undefined)[] = [];
      const get = (): Promise<boolean> =>
        new Promise((resolve) => {
          const sentAt = Date.now();
          const req = request(`${node.url}/v1/session`, { agent }, (res) => {
            res.resume();
            res.on('end', () => {
              if (sentAt > signalledAt + 100) afterSignal.push(res.headers.connection);
              resolve(true);
            });
          });
          req.on('error', () => resolve(false));
          req.end();
        });
      // Eight clients, each sending its next request as soon as the last one is answered.
      const clients = Array.from({ length: 8 }, async () => {
        while (await get());
      });
      await new Promise((r) => setTimeout(r, 300));
      signalledAt = Date.now();
      const exitCode = await node.stop('SIGTERM');
      const tookMs = Date.now() - signalledAt;
      await Promise.all(clients);
      // Without Connection: close the busy connections were served until the 10 s hard stop,
      // which then exits 1.
      expect(exitCode, node.output()).toBe(0);
      expect(tookMs).toBeLessThan(4_000);
      expect(afterSignal.length).toBeGreaterThan(0);
      expect(afterSignal.every((value) => value === 'close')).toBe(true);
    } finally {
      agent.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

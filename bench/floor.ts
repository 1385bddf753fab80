/**
 * The floor target: bench/floor-server.ts (plain node:http, no work) driven with the same client
 * work as a Passki sign-in (the same authenticator signs the challenge and the same assertion JSON
 * is posted), so Passki / floor isolates what the server itself costs.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchAuthenticator } from './authenticator.js';
import { expectStatus, OpError, setCookie } from './load.js';
import { freePort, startServerProcess } from './proc.js';
import type { SeededUsers } from './seed.js';
import type { Target } from './target.js';

const FLOOR_SERVER = fileURLToPath(new URL('./floor-server.ts', import.meta.url));

export async function startFloor(opts: {
  users: SeededUsers;
  cpu: number | null;
  /** Where the server's log goes. */
  dataDir: string;
}): Promise<Target> {
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const server = await startServerProcess({
    name: 'floor',
    args: ['--import', 'tsx', FLOOR_SERVER, String(port)],
    env: {},
    port,
    cpu: opts.cpu,
    healthPath: '/healthz',
    logFile: join(opts.dataDir, 'floor.log'),
  });
  const auth = new BenchAuthenticator({ origin, rpId: 'localhost' });
  const headers = { origin };
  return {
    name: 'floor',
    server,
    scenarios: [
      {
        name: 'sign-in',
        operation: async (client) => {
          const options = await client.request('POST', '/options', { body: '{}', headers });
          expectStatus('options', options);
          const { challenge } = JSON.parse(options.text).options as { challenge: string };
          const response = auth.authenticate(challenge, opts.users.randomPasskey());
          const verified = await client.request('POST', '/verify', {
            body: JSON.stringify({ response }),
            headers,
          });
          expectStatus('verify', verified);
          if (setCookie(verified, 'passki_session') === undefined) {
            throw new OpError('verify: no session cookie');
          }
        },
      },
    ],
    skipped: [],
    databaseStats: async () => null,
    stop: () => server.stop(),
  };
}

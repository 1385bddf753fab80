// Better Auth with @better-auth/passkey on SQLite: the peer the Passki benchmark compares against.
// Copied by bench/peer.ts into bench/peers/better-auth/ (gitignored) next to its npm install.
//
// Configured the way its docs suggest for a passkey app, tuned only where a benchmark must be:
// SQLite in WAL mode with synchronous=FULL (every acknowledged write synced, as in Passki), rate limiting off,
// telemetry off. Sign-up is its passkey-first registration (no session required): the user is
// created in `afterVerification`, inside the transaction that stores the passkey and the session.
//
// better-sqlite3 is resolved from the Passki monorepo's node_modules (same version Passki uses).
//
// Usage: node server.mjs migrate|start   env: PEER_PORT, PEER_DB, PEER_ORIGIN
import { createServer } from 'node:http';
import { passkey } from '@better-auth/passkey';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import Database from 'better-sqlite3';

const port = Number(process.env.PEER_PORT ?? 8788);
const origin = process.env.PEER_ORIGIN ?? `http://localhost:${port}`;
const dbPath = process.env.PEER_DB ?? './peer.db';

const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');

const options = {
  appName: 'Bench',
  baseURL: origin,
  secret: process.env.PEER_SECRET ?? 'passki-bench-peer-secret-0123456789abcdef',
  database: db,
  trustedOrigins: [origin],
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { level: 'error' },
  plugins: [
    passkey({
      rpID: 'localhost',
      rpName: 'Bench',
      origin,
      registration: {
        requireSession: false,
        // Passkey-first sign-up: the pending username travels as `?context=` on the options call.
        resolveUser: async ({ context }) => ({ id: `pending-${context}`, name: String(context) }),
        afterVerification: async ({ ctx, user }) => {
          const created = await ctx.context.internalAdapter.createUser({
            name: user.name,
            email: `${user.name}@bench.invalid`,
            emailVerified: false,
          });
          return { userId: created.id };
        },
      },
    }),
  ],
};

const command = process.argv[2] ?? 'start';
if (command === 'migrate') {
  const { runMigrations } = await getMigrations(options);
  await runMigrations();
  db.close();
  process.stdout.write('migrated\n');
} else {
  const auth = betterAuth(options);
  const handler = toNodeHandler(auth);
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    handler(req, res);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(port, '127.0.0.1', () => process.stdout.write(`peer listening on ${port}\n`));
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

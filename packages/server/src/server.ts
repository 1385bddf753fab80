import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import pino, { type Logger } from 'pino';
import { createProviderLookup, shippedAaguidFile } from './account/aaguids.js';
import { createChallengeCodec } from './ceremonies/challenge.js';
import { relyingParty } from './ceremonies/context.js';
import { type Config, ConfigError } from './config/config.js';
import { type Clock, type RandomSource, secureRandom, systemClock } from './core/clock.js';
import { createApp } from './http/app.js';
import { answerClientError, answerRequestError } from './http/client-error.js';
import type { AppEnv } from './http/context.js';
import { openStore } from './storage/open.js';
import { createRedisRateLimits } from './storage/redis-rate-limits.js';
import type { Store } from './storage/store.js';
import { createKeyRing, type KeyRing } from './tokens/signing-keys.js';

export interface RunningServer {
  url: string;
  /** Starts shutting down: readiness turns false while the node keeps serving. */
  drain(): void;
  /** Port of the separate admin listener, when PASSKI_ADMIN_PORT is set. */
  adminPort: number | null;
  keys: KeyRing;
  /** The mounted HTTP app, for in-process inspection (e.g. the OpenAPI coverage test). */
  app: Hono<AppEnv>;
  port: number;
  store: Store;
  close(): Promise<void>;
}

/** Expired rows are purged this often; used challenges are kept this long past expiry so a node
 * whose clock lags the others cannot accept a challenge another node already forgot. */
const PURGE_INTERVAL_MS = 60_000;
const CLOCK_SKEW_GRACE_MS = 10 * 60_000;
/** Rate-limit windows are at most an hour; older counters are dead weight. */
const RATE_LIMIT_RETENTION_MS = 60 * 60_000;

/** Where the built page assets live: next to the bundle, or in dist/ when running from source. */
function findPublicDir(): string | null {
  for (const candidate of ['./public', '../dist/public', '../../dist/public']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  return null;
}

type NodeServer = ReturnType<typeof createServer>;

function listen(
  app: Hono<AppEnv>,
  port: number,
  hostname: string,
  logger: Logger,
): Promise<NodeServer> {
  return new Promise<NodeServer>((resolve, reject) => {
    // What `serve` from @hono/node-server does, plus an answer of our own for requests the
    // adapter cannot read (it has no option for that).
    const errorHandler = (err: unknown): Response => answerRequestError(err, logger);
    const listener = getRequestListener(app.fetch, { hostname, errorHandler });
    const s = createServer(listener);
    s.on('clientError', answerClientError);
    s.once('error', reject);
    s.listen(port, hostname, () => resolve(s));
  });
}

/** A listen failure in the words of the settings that caused it. */
function listenError(err: unknown, settings: { port: string; host: string }): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === 'EADDRINUSE')
    return new ConfigError(`Invalid ${settings.port}: the port is already in use`);
  if (code === 'EACCES')
    return new ConfigError(`Invalid ${settings.port}: not allowed to listen on this port`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new ConfigError(`Invalid ${settings.host}: cannot listen on this address (${code})`);
  return err;
}

function configuredProviders(file: string | null): ReturnType<typeof createProviderLookup> {
  if (file === null) return createProviderLookup(shippedAaguidFile());
  try {
    return createProviderLookup(file, { eager: true });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`Invalid PASSKI_AAGUID_FILE: ${reason}`);
  }
}

/** Stops accepting connections and resolves when in-flight requests have finished. */
function stopListening(server: NodeServer): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive sockets would hold close() open; in-flight requests still finish.
    (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
  });
}

export async function startServer(
  config: Config,
  opts: { logger?: Logger; clock?: Clock; random?: RandomSource; migrate?: boolean } = {},
): Promise<RunningServer> {
  const logger = opts.logger ?? pino({ level: config.logLevel });
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? secureRandom;

  // Checked before anything is opened, so a bad file leaves nothing running.
  const providers = configuredProviders(config.aaguidFile);
  const opened = await openStore(config, {
    migrate: opts.migrate ?? config.migrateOnStart,
  });
  // From here on, a start-up that fails closes what it opened, or the pool (and Redis) would
  // keep the process alive after the error was printed.
  let redis: Awaited<ReturnType<typeof createRedisRateLimits>> | null = null;
  try {
    redis =
      config.redisUrl === null
        ? null
        : await createRedisRateLimits(config.redisUrl, { timeoutMs: config.databaseTimeoutMs });
    return await startOn(config, { opened, redis, providers, logger, clock, random });
  } catch (err) {
    await redis?.close().catch(() => undefined);
    await opened.store.close().catch(() => undefined);
    throw err;
  }
}

/** The rest of start-up, on an open store: keys, the apps, the purge timer and the listeners. */
async function startOn(
  config: Config,
  parts: {
    opened: Awaited<ReturnType<typeof openStore>>;
    redis: Awaited<ReturnType<typeof createRedisRateLimits>> | null;
    providers: ReturnType<typeof createProviderLookup>;
    logger: Logger;
    clock: Clock;
    random: RandomSource;
  },
): Promise<RunningServer> {
  const { opened, redis, providers, logger, clock, random } = parts;
  const { migration, kind } = opened;
  if (redis !== null && !redis.ready) {
    logger.warn('Redis is not answering: rate-limited requests get 503 until it does');
  }
  const store: Store = redis === null ? opened.store : { ...opened.store, rateLimits: redis.store };
  if (migration.applied.length > 0) {
    logger.info({ from: migration.from, to: migration.to, database: kind }, 'database migrated');
  }

  const secret =
    config.secret ??
    (await store.secrets.getOrCreate('challenge-mac', () => random(32), clock.now()));
  const challenges = createChallengeCodec({ secret, ttlMs: config.challengeTtlMs, clock, random });
  const publicDir = findPublicDir();
  if (publicDir === null) logger.warn('hosted page assets not found: run `npm run build`');
  const lifecycle = { draining: false };
  const keys = createKeyRing({
    store,
    clock,
    random,
    tokenTtlMs: config.jwtTtlMs,
    encryptionKey: config.keyEncryptionKey,
  });
  if (config.keyEncryptionKey === null) {
    logger.warn(
      'PASSKI_KEY_ENCRYPTION_KEY is not set: JWT signing keys are stored unencrypted in the database',
    );
  }
  // Make sure a signing key exists before the first request (and that it decrypts).
  await keys.signingKey().catch((err: unknown) => {
    throw config.keyEncryptionKey !== null && /authenticate data|bad decrypt/i.test(String(err))
      ? new ConfigError(
          'Invalid PASSKI_KEY_ENCRYPTION_KEY: it does not decrypt the signing keys in the database',
        )
      : err;
  });
  // Keyed pseudorandom values (e.g. stable fake sign-in options for unknown usernames).
  const prf = (label: string, input: string): Uint8Array =>
    new Uint8Array(createHmac('sha256', secret).update(`${label}\0${input}`).digest());
  const deps = {
    prf,
    keys,
    providers,
    lifecycle,
    config,
    rp: relyingParty(config),
    store,
    challenges,
    clock,
    random,
    logger,
    publicDir,
  };
  const separateAdmin = config.adminPort !== null;
  const { app } = createApp(deps, separateAdmin ? 'public' : 'all');
  const adminApp = separateAdmin ? createApp(deps, 'admin').app : null;

  const purge = async (): Promise<void> => {
    const now = clock.now();
    try {
      await store.challenges.deleteExpired(now - CLOCK_SKEW_GRACE_MS);
      await store.sessions.deleteExpired(now);
      await store.rateLimits.deleteExpired(now - RATE_LIMIT_RETENTION_MS);
      await store.oneTimeTokens.deleteExpired(now);
      await store.signingKeys.deleteRetired(now);
      await store.audit.deleteBefore(now - config.auditRetentionMs);
    } catch (err) {
      logger.warn({ err }, 'purge of expired rows failed');
    }
  };
  await purge();
  const timer = setInterval(purge, PURGE_INTERVAL_MS);
  timer.unref();

  // A node that cannot listen on every port it was given stops, leaving nothing open.
  const abandon = async (err: unknown, listening: NodeServer[]): Promise<never> => {
    clearInterval(timer);
    await Promise.all(listening.map(stopListening));
    throw err;
  };
  const server = await listen(app, config.port, config.host, logger).catch((err: unknown) =>
    abandon(listenError(err, { port: 'PASSKI_PORT', host: 'PASSKI_HOST' }), []),
  );
  const port = (server.address() as AddressInfo).port;
  const adminServer =
    adminApp === null
      ? null
      : await listen(adminApp, config.adminPort as number, config.adminHost, logger).catch(
          (err: unknown) =>
            abandon(listenError(err, { port: 'PASSKI_ADMIN_PORT', host: 'PASSKI_ADMIN_HOST' }), [
              server,
            ]),
        );
  const adminPort = adminServer === null ? null : (adminServer.address() as AddressInfo).port;
  if (adminPort !== null)
    logger.info({ host: config.adminHost, port: adminPort }, 'admin API listening');
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url, publicUrl: config.publicUrl, rpId: config.rpId }, 'passki listening');

  let closed = false;
  return {
    url,
    drain: () => {
      lifecycle.draining = true;
    },
    app,
    port,
    adminPort,
    store,
    keys,
    close: async () => {
      if (closed) return;
      closed = true;
      lifecycle.draining = true;
      clearInterval(timer);
      await Promise.all(
        [server, adminServer].map((s) => (s === null ? undefined : stopListening(s))),
      );
      await store.close();
      await redis?.close();
    },
  };
}

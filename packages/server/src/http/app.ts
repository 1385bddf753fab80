import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { addressBucket, createClientAddressResolver } from '../core/client-ip.js';
import { AuthError } from '../core/errors.js';
import { enforceRateLimits, type Limit } from '../core/rate-limit.js';
import { renderAccountPage } from '../pages/account-page.js';
import { renderIndexPage } from '../pages/index-page.js';
import { allowedRedirect } from '../pages/redirect.js';
import { DatabaseUnavailable } from '../storage/records.js';
import { createAuthenticators } from './authenticate.js';
import type { AppDeps, AppEnv } from './context.js';
import { sessionCookieName } from './cookies.js';
import { ERROR_STATUS, type ErrorBody } from './errors.js';
import { buildOpenApi } from './openapi.js';
import { checksOrigin, isIpRateLimited } from './request-policy.js';
import { defineRoute, mountRoutes, type RouteSpec } from './route.js';
import { adminRoutes } from './routes/admin.js';
import { authRoutes } from './routes/auth.js';
import { integrationRoutes } from './routes/integration.js';
import { meRoutes } from './routes/me.js';
import { healthView, readyView } from './schemas.js';
import { baseHeader, htmlPage, securityHeaders } from './security-headers.js';

export const VERSION = '0.1.0';

const ASSET_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

/** The HTTP API and hosted pages: a thin layer that parses, calls the core and maps errors. */
export type Surface = 'all' | 'public' | 'admin';

/**
 * Builds one listener's app. `public` serves the API and pages, `admin` only the admin API (and
 * health), `all` both on one port (the default when no PASSKI_ADMIN_PORT is set).
 */
export function createApp(
  deps: AppDeps,
  surface: Surface = 'all',
): { app: Hono<AppEnv>; routes: RouteSpec[] } {
  const app = new Hono<AppEnv>();
  const { config, logger } = deps;
  const allowedOrigins = new Set([...config.origins, config.publicUrl]);

  const clientAddress = createClientAddressResolver(config.trustedProxies);
  app.use(async (c, next) => {
    const requestId = randomUUID();
    c.set('requestId', requestId);
    let remote: string | null = null;
    try {
      remote = getConnInfo(c).remote.address ?? null;
    } catch {
      remote = null;
    }
    c.set('client', {
      ip: clientAddress(remote, c.req.header('x-forwarded-for')),
      userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null,
    });
    baseHeader(c, 'X-Request-Id', requestId);
    // Shutting down: the connection closes after this answer, so a busy keep-alive client moves
    // to another node during the grace period instead of holding this one open past it.
    if (deps.lifecycle.draining) baseHeader(c, 'Connection', 'close');
    const started = performance.now();
    await next();
    logger.debug(
      {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });
  app.use(securityHeaders(config));

  // CSRF: a state-changing request that names a foreign Origin (or says it is cross-site) is
  // refused before it reaches a handler. JSON-only bodies already force a CORS preflight.
  app.use(async (c, next) => {
    if (checksOrigin(c.req.method)) {
      const origin = c.req.header('origin');
      const fetchSite = c.req.header('sec-fetch-site');
      if (
        (origin !== undefined && !allowedOrigins.has(origin)) ||
        (origin === undefined && fetchSite === 'cross-site')
      ) {
        throw new AuthError('forbidden_origin', 'Requests from this origin are not allowed.');
      }
    }
    await next();
  });
  app.use(cors(config));
  if (config.rateLimits !== null) app.use(ipRateLimit(deps, config.rateLimits.ip));

  const publicRoutes =
    surface === 'admin' ? [] : [...authRoutes(deps), ...meRoutes(deps), ...integrationRoutes(deps)];
  const routes: RouteSpec[] = [
    ...publicRoutes,
    ...(surface === 'public' ? [] : adminRoutes(deps)),
    defineRoute({
      method: 'get',
      path: '/healthz',
      tag: 'Meta',
      summary: 'Liveness: 200 while the process serves; the body says whether the database answers',
      responses: { 200: { description: 'Alive', schema: healthView } },
      handler: async (c) => {
        const database = await databaseState(deps);
        return c.json({ status: 'ok' as const, database });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      tag: 'Meta',
      summary: 'Readiness: 200 when the database answers and the node is not shutting down',
      responses: {
        200: { description: 'Ready', schema: readyView },
        503: { description: 'Not ready (`database_unavailable` or draining)', schema: readyView },
      },
      handler: async (c) => {
        const database = await databaseState(deps);
        const ready = database === 'ok' && !deps.lifecycle.draining;
        return c.json(
          {
            status: ready ? ('ready' as const) : ('not_ready' as const),
            database,
            draining: deps.lifecycle.draining,
          },
          ready ? 200 : 503,
        );
      },
    }),
  ];
  mountRoutes(app, routes, createAuthenticators(deps));

  const openapi = buildOpenApi(routes, {
    version: VERSION,
    serverUrl: config.publicUrl,
    cookieName: sessionCookieName(config),
  });
  app.get('/openapi.json', (c) => c.json(openapi));

  if (surface !== 'admin') mountPages(app, deps);

  app.notFound(() => {
    throw new AuthError('not_found', 'There is nothing at this address.');
  });
  const outage: OutageLog = { loggedAt: Number.NEGATIVE_INFINITY, unlogged: 0, flush: null };
  app.onError((err, c) => errorResponse(deps, outage, err, c));
  return { app, routes };
}

function mountPages(app: Hono<AppEnv>, deps: AppDeps): void {
  const { config } = deps;
  const page = renderIndexPage({ rpName: config.rpName });
  app.get('/', (c) => {
    // `?redirect_to=`: back to the app after signing in, when it is under PASSKI_REDIRECT_URLS.
    // Anything else is ignored (the page works as if it had none), never followed.
    const requested = c.req.query('redirect_to');
    const redirectTo = allowedRedirect(requested, config.redirectUrls);
    if (redirectTo === null) {
      if (requested !== undefined)
        requestLog(c, deps.logger).info('redirect_to refused: not allow-listed');
      return htmlPage(c, page);
    }
    return htmlPage(c, renderIndexPage({ rpName: config.rpName, redirectTo }));
  });
  const account = renderAccountPage({ rpName: config.rpName });
  app.get('/account', (c) => htmlPage(c, account));
  const assets = loadAssets(deps.publicDir);
  app.get('/assets/:file', (c) => {
    const asset = assets.get(c.req.param('file'));
    if (asset === undefined) throw new AuthError('not_found', 'No such asset.');
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': asset.type });
  });
  app.get('/favicon.ico', (c) => c.redirect('/assets/favicon.svg', 301));
}

function loadAssets(dir: string | null): Map<string, { body: Uint8Array; type: string }> {
  const assets = new Map<string, { body: Uint8Array; type: string }>();
  if (dir === null) return assets;
  for (const name of readdirSync(dir)) {
    const type = ASSET_TYPES[extname(name)];
    if (type !== undefined)
      assets.set(name, { body: new Uint8Array(readFileSync(join(dir, name))), type });
  }
  return assets;
}

/**
 * An outage fails every request at once. Its first failure is logged at error level with the
 * cause; the next ones within the interval only at debug (with their request ids), and when the
 * interval ends one error line counts them. A sustained outage is then two lines per interval,
 * not a stack trace per request.
 */
const OUTAGE_LOG_INTERVAL_MS = 10_000;
interface OutageLog {
  /** performance.now() of the last line with a cause. */
  loggedAt: number;
  /** Failures since then, logged only at debug. */
  unlogged: number;
  flush: NodeJS.Timeout | null;
}

/** `log` is the failing request's logger; the count line, which is no one request's, uses `logger`. */
function noteOutage(
  outage: OutageLog,
  logger: AppDeps['logger'],
  log: AppDeps['logger'],
  err: Error,
): void {
  const now = performance.now();
  if (now - outage.loggedAt >= OUTAGE_LOG_INTERVAL_MS) {
    log.error({ err }, 'database unavailable');
    outage.loggedAt = now;
    return;
  }
  log.debug('database unavailable (repeat)');
  outage.unlogged++;
  outage.flush ??= setTimeout(
    () => {
      logger.error(
        { failures: outage.unlogged, seconds: OUTAGE_LOG_INTERVAL_MS / 1000 },
        'database unavailable: more failures since the last line',
      );
      outage.unlogged = 0;
      outage.flush = null;
    },
    outage.loggedAt + OUTAGE_LOG_INTERVAL_MS - now,
  ).unref();
}

/** The one place an error becomes a response: codes map to statuses; other errors say nothing. */
function errorResponse(deps: AppDeps, outage: OutageLog, err: Error, c: Context<AppEnv>): Response {
  const requestId = c.get('requestId');
  const log = requestLog(c, deps.logger);
  let error: AuthError;
  if (err instanceof AuthError) {
    error = err;
    if (err.detail !== undefined)
      log.info({ code: err.code, detail: err.detail }, 'request refused');
  } else if (err instanceof DatabaseUnavailable) {
    noteOutage(outage, deps.logger, log, err);
    error = new AuthError(
      'database_unavailable',
      'The database is unavailable. Try again shortly.',
    );
  } else {
    log.error({ err }, 'unexpected error');
    error = new AuthError('server_error', 'Something went wrong on our side.');
  }
  if (error.retryAfterSeconds !== undefined)
    c.header('Retry-After', String(error.retryAfterSeconds));
  const body: ErrorBody = { error: { code: error.code, message: error.message, requestId } };
  return c.json(body, ERROR_STATUS[error.code]);
}

/** Pings the database with a short deadline, so a probe never hangs on an outage. */
async function databaseState(deps: AppDeps): Promise<'ok' | 'unavailable'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'unavailable'>((resolve) => {
    timer = setTimeout(() => resolve('unavailable'), 2_000);
  });
  const ping = deps.store.ping().then(
    () => 'ok' as const,
    () => 'unavailable' as const,
  );
  try {
    return await Promise.race([ping, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * CORS for the configured origins only (Passki on its own origin, called by the app's pages with
 * credentials): the exact origin is echoed, never `*`; preflights are cached for 10 minutes. The
 * admin API never answers CORS, so no browser page can call it with the user's credentials.
 */
function cors(config: AppDeps['config']): MiddlewareHandler<AppEnv> {
  const allowed = new Set(config.origins);
  return async (c, next) => {
    const origin = c.req.header('origin');
    const eligible =
      origin !== undefined && allowed.has(origin) && !c.req.path.startsWith('/v1/admin');
    if (c.req.method === 'OPTIONS') {
      if (!eligible) return c.body(null, 204, { Vary: 'Origin' });
      return c.body(null, 204, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Methods': 'GET, POST, PATCH, DELETE',
        'Access-Control-Allow-Headers': 'content-type',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin',
      });
    }
    // Set before the handler, like the security headers: they go out with its response as built.
    baseHeader(c, 'Vary', 'Origin');
    if (eligible) {
      baseHeader(c, 'Access-Control-Allow-Origin', origin);
      baseHeader(c, 'Access-Control-Allow-Credentials', 'true');
      baseHeader(c, 'Access-Control-Expose-Headers', 'Retry-After, X-Request-Id');
    }
    await next();
  };
}

/**
 * Every state-changing API call counts against its client address (IPv6 by /64), shared by all
 * nodes through the database. The admin API is not limited here: its callers hold an API key.
 */
function ipRateLimit(deps: AppDeps, limit: Limit): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (isIpRateLimited(c.req.method, c.req.path)) {
      const client = c.get('client');
      await enforceRateLimits(
        deps.store,
        deps.clock.now(),
        [{ key: `ip:${addressBucket(client.ip)}`, limit }],
        client,
      );
    }
    await next();
  };
}

/**
 * The request's logger: every line carries the request id. Made only when something is logged,
 * so requests that log nothing do not pay for a child logger.
 */
function requestLog(c: Context<AppEnv>, logger: AppDeps['logger']): AppDeps['logger'] {
  return logger.child({ requestId: c.get('requestId') });
}

import { DatabaseUnavailable } from './records.js';
import type { RateLimitStore } from './store.js';

/**
 * Rate-limit counters in Redis (PASSKI_REDIS_URL), shared by every node without touching the
 * database on each request. Fixed windows, like the SQL store: one atomic script per hit.
 */
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
local started = redis.call('GET', KEYS[2])
return { count, started }
`;

export async function createRedisRateLimits(
  url: string,
  opts: { timeoutMs: number; prefix?: string },
): Promise<{ store: RateLimitStore; ready: boolean; close(): Promise<void> }> {
  // Loaded only when PASSKI_REDIS_URL is set: a node without Redis never pays for the client.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    // Fail fast instead of queueing while Redis is away: the request gets 503, not a hang.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: opts.timeoutMs,
    commandTimeout: opts.timeoutMs,
    lazyConnect: false,
  });
  redis.on('error', () => undefined);
  // Wait (bounded) for the first connection, so a node that just started does not refuse its
  // first requests; without it, limited requests get 503 until Redis answers.
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), opts.timeoutMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  const prefix = opts.prefix ?? 'passki:rl:';
  return {
    ready,
    store: {
      hit: async (key, windowMs, now) => {
        try {
          const [count, started] = (await redis.eval(
            HIT,
            2,
            `${prefix}${key}`,
            `${prefix}${key}:start`,
            String(now),
            String(windowMs),
          )) as [number, string | null];
          const start = started === null ? now : Number(started);
          return { count: Number(count), resetAt: start + windowMs };
        } catch (err) {
          throw new DatabaseUnavailable({ cause: err });
        }
      },
      // Redis expires the counters itself.
      deleteExpired: async () => 0,
    },
    close: async () => {
      redis.disconnect();
    },
  };
}

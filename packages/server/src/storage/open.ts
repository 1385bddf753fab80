import { type Config, sqlitePath } from '../config/config.js';
import type { MigrationResult } from './migrate.js';
import { openPostgresStore } from './postgres/open.js';
import { openSqliteStore } from './sqlite/open.js';
import type { Store } from './store.js';

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Opens the database the configuration names: PostgreSQL for postgres:// URLs, else SQLite. */
export async function openStore(
  config: Config,
  opts: { migrate: boolean },
): Promise<{ store: Store; migration: MigrationResult; kind: 'sqlite' | 'postgres' }> {
  if (isPostgresUrl(config.databaseUrl)) {
    const opened = await openPostgresStore(config.databaseUrl, {
      poolSize: config.databasePoolSize,
      timeoutMs: config.databaseTimeoutMs,
      migrate: opts.migrate,
    });
    return { ...opened, kind: 'postgres' };
  }
  const path = sqlitePath(config.databaseUrl);
  if (path === null) throw new TypeError(`Unsupported database URL: ${config.databaseUrl}`);
  return { ...openSqliteStore(path, { migrate: opts.migrate }), kind: 'sqlite' };
}

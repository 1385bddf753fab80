export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export class SchemaTooNewError extends Error {
  constructor(found: number, known: number) {
    super(
      `The database schema is at version ${found}, but this Passki only knows versions up to ${known}. ` +
        'A newer Passki has migrated this database: upgrade this node instead of downgrading the schema.',
    );
    this.name = 'SchemaTooNewError';
  }
}

export class SchemaOutdatedError extends Error {
  constructor(found: number, known: number) {
    super(
      `The database schema is at version ${found}, but this Passki needs version ${known}, and ` +
        'start-up migrations are disabled. Run `passki migrate` first.',
    );
    this.name = 'SchemaOutdatedError';
  }
}

/** What a migration run decided; versions applied in order. */
export interface MigrationResult {
  from: number;
  to: number;
  applied: number[];
}

export function latestVersion(migrations: Migration[]): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

/** Checks the schema version against what this build knows; throws on a schema it cannot serve. */
export function planMigrations(
  current: number,
  migrations: Migration[],
  apply: boolean,
): Migration[] {
  const known = latestVersion(migrations);
  if (current > known) throw new SchemaTooNewError(current, known);
  const pending = migrations
    .filter((m) => m.version > current)
    .sort((a, b) => a.version - b.version);
  if (pending.length > 0 && !apply) throw new SchemaOutdatedError(current, known);
  return pending;
}

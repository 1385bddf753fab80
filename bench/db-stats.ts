/** Size and row counts of a SQLite database file, read while its server runs (WAL allows it). */
import { existsSync, statSync } from 'node:fs';
import Sqlite from 'better-sqlite3';
import type { DatabaseStats } from './target.js';

/** Counts the rows of `tables` that exist (schemas grow; a missing table is left out). */
export async function sqliteStats(path: string, tables: string[]): Promise<DatabaseStats> {
  const size = (p: string): number => (existsSync(p) ? statSync(p).size : 0);
  const db = new Sqlite(path, { readonly: true, fileMustExist: true });
  try {
    const rows: Record<string, number> = {};
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    for (const table of tables) {
      if (exists.get(table) === undefined) continue;
      const row = db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number };
      rows[table] = row.n;
    }
    return { fileBytes: size(path) + size(`${path}-wal`), walBytes: size(`${path}-wal`), rows };
  } finally {
    db.close();
  }
}

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { openDurableSqlite } from '../durable-sqlite.ts';
import { type StoredValue, type TagValueStore } from './value-store.ts';

/**
 * Tag values in a SQLite file (`<dataDir>/tags.sqlite`), through node:sqlite: it is built into the Node 24 that
 * Flint runs on, so nothing is downloaded or compiled at install (better-sqlite3 fetches a native binary). WAL with
 * synchronous=FULL: a committed transaction has been fsynced to the WAL before COMMIT returns, so an acknowledged
 * write survives kill -9 and power loss. node:sqlite is synchronous: a batch blocks the gateway's thread for its
 * fsync (about a millisecond here; bench/tags.ts measures it).
 */
export class SqliteTagStore implements TagValueStore {
  private readonly db: DatabaseSync;
  private readonly upsert: StatementSync;
  private readonly begin: StatementSync;
  private readonly commit: StatementSync;

  constructor(file: string) {
    this.db = openDurableSqlite(file);
    this.db.exec(`CREATE TABLE IF NOT EXISTS tag_values (
      provider TEXT NOT NULL,
      path TEXT NOT NULL,
      value TEXT NOT NULL,
      quality INTEGER NOT NULL,
      timestamp INTEGER NOT NULL,
      PRIMARY KEY (provider, path)
    ) WITHOUT ROWID`);
    this.upsert = this.db.prepare(
      `INSERT INTO tag_values (provider, path, value, quality, timestamp) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (provider, path) DO UPDATE SET value = excluded.value, quality = excluded.quality, timestamp = excluded.timestamp`,
    );
    this.begin = this.db.prepare('BEGIN IMMEDIATE');
    this.commit = this.db.prepare('COMMIT');
  }

  loadAll(): Promise<StoredValue[]> {
    const rows = this.db.prepare('SELECT provider, path, value, quality, timestamp FROM tag_values').all();
    return Promise.resolve(
      rows.map((row) => ({
        provider: row.provider as string,
        path: row.path as string,
        value: JSON.parse(row.value as string) as unknown,
        qualityCode: Number(row.quality),
        timestamp: Number(row.timestamp),
      })),
    );
  }

  writeBatch(rows: readonly StoredValue[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    if (rows.length === 1) {
      // One statement outside a transaction is a transaction of its own, committed (and fsynced) before run returns.
      const [row] = rows;
      try {
        this.upsert.run(row.provider, row.path, JSON.stringify(row.value), row.qualityCode, row.timestamp);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      return Promise.resolve();
    }
    this.begin.run();
    try {
      // Upserts in order: for a path given twice the last one stays, with no need to drop the earlier first.
      for (const row of rows) this.upsert.run(row.provider, row.path, JSON.stringify(row.value), row.qualityCode, row.timestamp);
      this.commit.run();
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
    return Promise.resolve();
  }
}

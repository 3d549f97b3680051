import { DatabaseSync } from 'node:sqlite';

/**
 * A node:sqlite database whose committed transactions survive kill -9 and power loss: WAL with synchronous=FULL, so a
 * COMMIT returns once the WAL is fsynced. The stores of what the gateway acknowledges use it (tag values, form
 * submissions).
 */
export function openDurableSqlite(file: string): DatabaseSync {
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  return db;
}

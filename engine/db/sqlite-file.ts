import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { FlintError } from '../errors.ts';
import { MAX_ROWS, tooManyRows, type DbRow, type DbValue, type QueryResult, type UpdateResult } from './connection.ts';

/** Prepared statements kept per connection: a named query called in a loop is parsed once. */
const STATEMENT_CACHE = 200;

/** A column value as a script gets it: a blob as base64 text, a 64-bit integer beyond 2^53 as its decimal text. */
export function sqliteValue(value: unknown): DbValue {
  if (value === null || typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return JSON.stringify(value) ?? null;
}

/** SQLite has no boolean: true and false are stored as 1 and 0, as SQLite's own TRUE and FALSE are. */
const bindable = (value: DbValue) => (typeof value === 'boolean' ? Number(value) : value);

function convertRow(row: Record<string, unknown>): DbRow {
  const out: DbRow = {};
  for (const key of Object.keys(row)) out[key] = sqliteValue(row[key]);
  return out;
}

/**
 * The embedded database file (`node:sqlite`, built into Node 24): WAL journal so readers never wait for a writer,
 * and a busy timeout for another process holding the lock. node:sqlite is synchronous and cannot interrupt a
 * statement, so this runs in a child process of its own (sqlite-child.ts), which the gateway can kill.
 */
export class SqliteFile {
  readonly name: string;
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();

  constructor(name: string, path: string) {
    this.name = name;
    this.db = new DatabaseSync(path);
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
  }

  private statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (statement) {
      this.statements.delete(sql); // re-inserted below: the map's order is the order of last use
    } else {
      statement = this.failing(() => this.db.prepare(sql));
      if (this.statements.size >= STATEMENT_CACHE) this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(sql, statement);
    return statement;
  }

  /** Runs `work`, turning SQLite's errors into QUERY_FAILED with its message. */
  private failing<T>(work: () => T): T {
    if (!this.db.isOpen) throw new FlintError('DATABASE_UNAVAILABLE', `database "${this.name}" is closed`);
    try {
      return work();
    } catch (error) {
      throw new FlintError('QUERY_FAILED', (error as Error).message);
    }
  }

  query(sql: string, params: DbValue[]): QueryResult {
    const statement = this.statement(sql);
    const rows = this.failing(() => {
      const read: DbRow[] = [];
      // Iterated, not .all(): a runaway result stops at MAX_ROWS instead of filling the gateway's memory first.
      for (const row of statement.iterate(...params.map(bindable))) {
        if (read.length === MAX_ROWS) throw new Error(tooManyRows());
        read.push(convertRow(row));
      }
      return read;
    });
    return { columns: statement.columns().map((c) => c.name), rows };
  }

  update(sql: string, params: DbValue[]): UpdateResult {
    const statement = this.statement(sql);
    const result = this.failing(() => statement.run(...params.map(bindable)));
    const affectedRows = Number(result.changes);
    const insert = /^\s*(insert|replace)\b/i.test(sql);
    return { affectedRows, generatedKey: insert && affectedRows > 0 ? sqliteValue(result.lastInsertRowid) : null };
  }

  close(): void {
    this.statements.clear();
    if (this.db.isOpen) this.db.close();
  }
}

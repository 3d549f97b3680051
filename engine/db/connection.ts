/**
 * The database seam: one small interface that the embedded SQLite connection and every PostgreSQL pool implement
 * (test/contract/database.test.ts runs the same suite against both). SQL reaches a connection with its parameters
 * already positional in the connection's own placeholder style (`?` or `$n`): the named-query layer translates, so an
 * implementation never sees a value spliced into SQL.
 */

/** A value bound to a placeholder, or read from a column. Dates and blobs are turned into strings before they cross. */
export type DbValue = string | number | boolean | null;

/** One row: its columns by name, in the query's column order. */
export type DbRow = Record<string, DbValue>;

export interface QueryResult {
  /** The column names, in order (also for a query that returned no rows, where the driver reports them). */
  columns: string[];
  rows: DbRow[];
}

export interface UpdateResult {
  /** Rows inserted, changed or deleted. */
  affectedRows: number;
  /**
   * The key the statement generated, where that is simple: SQLite's last insert rowid after an INSERT, or for
   * PostgreSQL the one value of a one-row, one-column RETURNING clause. Null otherwise.
   */
  generatedKey: DbValue;
}

export type Dialect = 'sqlite' | 'postgres';

/**
 * Most rows one query may return. A script gets its rows as one JSON copy, so an unbounded result would be held whole
 * in the gateway before the payload limit refused it; past this the query fails with QUERY_FAILED (add a LIMIT).
 */
export const MAX_ROWS = 100_000;

export function tooManyRows(): string {
  return `the query returned more than ${MAX_ROWS} rows; add a LIMIT or a WHERE clause`;
}

export interface DbConnection {
  readonly name: string;
  readonly dialect: Dialect;
  /** Runs a statement that returns rows. */
  query(sql: string, params: DbValue[]): Promise<QueryResult>;
  /** Runs a statement that changes rows (or the schema). */
  update(sql: string, params: DbValue[]): Promise<UpdateResult>;
  /** Closes the connection or pool; later calls fail. */
  close(): Promise<void>;
}

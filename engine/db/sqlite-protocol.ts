import type { ErrorCode } from '../errors.ts';
import type { DbValue, QueryResult, UpdateResult } from './connection.ts';

/** The messages between the gateway and its SQLite child process (sqlite-child.ts), over the IPC channel. */
export type ToSqliteChild = { id: number; op: 'query' | 'update'; sql: string; params: DbValue[] };

export type FromSqliteChild =
  /** The database file is open: requests may come. */
  | { ready: true }
  /** The file could not be opened; the child exits. */
  | { fatal: string }
  | { id: number; ok: true; value: QueryResult | UpdateResult }
  | { id: number; ok: false; code: ErrorCode; message: string };

import pg from 'pg';
import { FlintError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { MAX_ROWS, tooManyRows, type DbConnection, type DbRow, type DbValue, type QueryResult, type UpdateResult } from './connection.ts';

/** PostgreSQL type oids whose text the driver leaves as a string but a script wants as a number (when exact). */
const INT8 = 20;

/** A column value as a script gets it: dates as ISO strings, bytea as base64, json as its text, int8 as a number when exact. */
function pgValue(value: unknown, typeId: number): DbValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return typeId === INT8 && Number.isSafeInteger(Number(value)) ? Number(value) : value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return JSON.stringify(value);
}

/**
 * Errors that say the server cannot be reached or will not serve (rather than refusing one statement): no SQLSTATE
 * at all (a socket error, a connect timeout, "Connection terminated"), or class 08 (connection exception), 57P0x
 * (the server shutting down or a backend terminated), 53 (out of resources), 28 (authentication), 3D000 (no such database).
 */
function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return /^(08|57P0|53|28)/.test(code) || code === '3D000';
}

export interface PostgresOptions {
  name: string;
  url: string;
  /** Most connections the pool opens (default 10). */
  poolSize?: number;
  /** How long to wait for a connection, in ms (default 5000): an unreachable server fails a call within it. */
  connectTimeoutMs?: number;
  /**
   * How long the server lets one statement run, in ms (default 30000): past it the server cancels it (QUERY_FAILED),
   * so a script that timed out does not leave its statement holding a pooled connection.
   */
  statementTimeoutMs?: number;
  logger: Logger;
}

/**
 * A PostgreSQL connection: a `pg.Pool`. A server that is down fails each call with DATABASE_UNAVAILABLE (after at
 * most the connect timeout) and the pool opens fresh connections once it is back; a backend that was terminated
 * leaves the pool, and the next call gets a new one. The pool's idle-connection errors are logged, never thrown
 * (an unhandled 'error' event would end the gateway).
 */
export class PostgresConnection implements DbConnection {
  readonly name: string;
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly where: string;
  private closed = false;

  constructor(options: PostgresOptions) {
    this.name = options.name;
    const url = new URL(options.url);
    this.where = `${url.hostname}:${url.port || '5432'}${url.pathname}`;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      statement_timeout: options.statementTimeoutMs ?? 30_000,
    });
    this.pool.on('error', (error) =>
      options.logger.warn(`database "${this.name}" (${this.where}): an idle connection failed and left the pool: ${error.message}`),
    );
  }

  private async run(sql: string, params: DbValue[]): Promise<pg.QueryResult> {
    if (this.closed) throw new FlintError('DATABASE_UNAVAILABLE', `database "${this.name}" is closed`);
    try {
      return await this.pool.query({ text: sql, values: params });
    } catch (error) {
      const message = (error as Error).message || String(error);
      if (isUnavailable(error))
        throw new FlintError('DATABASE_UNAVAILABLE', `database "${this.name}" cannot be reached at ${this.where}: ${message}`);
      throw new FlintError('QUERY_FAILED', message);
    }
  }

  async query(sql: string, params: DbValue[]): Promise<QueryResult> {
    const result = await this.run(sql, params);
    if (result.rows.length > MAX_ROWS) throw new FlintError('QUERY_FAILED', tooManyRows());
    const fields = result.fields ?? [];
    const rows = (result.rows as Record<string, unknown>[]).map((row) => {
      const out: DbRow = {};
      for (const field of fields) out[field.name] = pgValue(row[field.name], field.dataTypeID);
      return out;
    });
    return { columns: fields.map((f) => f.name), rows };
  }

  async update(sql: string, params: DbValue[]): Promise<UpdateResult> {
    const result = await this.run(sql, params);
    const fields = result.fields ?? [];
    const simpleKey = result.rows.length === 1 && fields.length === 1;
    const generatedKey = simpleKey ? pgValue((result.rows[0] as Record<string, unknown>)[fields[0].name], fields[0].dataTypeID) : null;
    return { affectedRows: result.rowCount ?? 0, generatedKey };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

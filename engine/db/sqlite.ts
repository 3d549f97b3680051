import { fork, type ChildProcess } from 'node:child_process';
import { FlintError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { DbConnection, DbValue, QueryResult, UpdateResult } from './connection.ts';
import type { FromSqliteChild, ToSqliteChild } from './sqlite-protocol.ts';

const CHILD = new URL('./sqlite-child.ts', import.meta.url).pathname;

export interface SqliteOptions {
  name: string;
  /** The database file. */
  path: string;
  /**
   * How long one statement may run, in ms (default 30000), counted from when the gateway sends it. Past it the SQLite
   * process is killed (WAL keeps the file intact: a statement that did not finish leaves nothing behind), the call
   * fails with QUERY_FAILED, and the next call starts a new process.
   */
  statementTimeoutMs?: number;
  logger: Logger;
}

interface Pending {
  resolve(value: QueryResult | UpdateResult): void;
  reject(error: FlintError): void;
  timer: NodeJS.Timeout;
}

/**
 * The embedded SQLite connection "default": the database file is opened by a child process of its own
 * (sqlite-child.ts), started at the first call, which runs the statements one at a time. node:sqlite is synchronous
 * and has no way to interrupt a statement, so in the gateway's own thread one statement that never ends (an unbounded
 * recursive query) would stop the whole gateway, and in a worker thread it could not be stopped at all; a process can
 * be killed. The cost is one IPC round trip per statement (bench `database`).
 */
export class SqliteConnection implements DbConnection {
  readonly name: string;
  readonly dialect = 'sqlite' as const;
  private readonly options: SqliteOptions;
  private child: ChildProcess | undefined;
  private ready: Promise<ChildProcess> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(options: SqliteOptions) {
    this.name = options.name;
    this.options = options;
  }

  query(sql: string, params: DbValue[]): Promise<QueryResult> {
    return this.send('query', sql, params) as Promise<QueryResult>;
  }

  update(sql: string, params: DbValue[]): Promise<UpdateResult> {
    return this.send('update', sql, params) as Promise<UpdateResult>;
  }

  private async send(op: ToSqliteChild['op'], sql: string, params: DbValue[]): Promise<QueryResult | UpdateResult> {
    if (this.closed) throw new FlintError('DATABASE_UNAVAILABLE', `database "${this.name}" is closed`);
    const child = await this.start();
    const id = this.nextId++;
    const timeoutMs = this.options.statementTimeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.options.logger.warn(`database "${this.name}": a statement ran longer than ${timeoutMs} ms; its SQLite process is stopped`);
        this.pending.delete(id);
        reject(new FlintError('QUERY_FAILED', `the statement ran longer than ${timeoutMs} ms and was stopped`));
        this.kill(child, 'the SQLite process was stopped while a statement before this one ran too long');
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      child.send({ id, op, sql, params } satisfies ToSqliteChild);
    });
  }

  /** The running child, started (and its file opened) if there is none. */
  private start(): Promise<ChildProcess> {
    if (this.ready) return this.ready;
    const child = fork(CHILD, [this.options.path, this.name], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    this.ready = new Promise((resolve, reject) => {
      child.on('message', (message: FromSqliteChild) => {
        if ('ready' in message) return resolve(child);
        if ('fatal' in message)
          return reject(new FlintError('DATABASE_UNAVAILABLE', `database "${this.name}" cannot be opened: ${message.fatal}`));
        const call = this.pending.get(message.id);
        if (!call) return;
        this.pending.delete(message.id);
        clearTimeout(call.timer);
        if (message.ok) call.resolve(message.value);
        else call.reject(new FlintError(message.code, message.message));
      });
      child.on('exit', (code, signal) => {
        const why = `the SQLite process of database "${this.name}" ended (${signal ?? `exit code ${code}`})`;
        reject(new FlintError('DATABASE_UNAVAILABLE', why));
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
          this.failPending(why);
        }
      });
    });
    // A start that failed is forgotten, so that the next call tries again.
    this.ready.catch(() => {
      if (this.child === child) this.ready = undefined;
    });
    return this.ready;
  }

  private failPending(why: string): void {
    for (const [id, call] of this.pending) {
      clearTimeout(call.timer);
      call.reject(new FlintError('DATABASE_UNAVAILABLE', why));
      this.pending.delete(id);
    }
  }

  /** Stops a child at once; the calls still waiting on it fail with `why`. */
  private kill(child: ChildProcess, why: string): void {
    if (this.child === child) {
      this.child = undefined;
      this.ready = undefined;
      this.failPending(why);
    }
    child.kill('SIGKILL');
  }

  /** Lets the child close the file and exit; kills it if it is still busy after a second. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    this.ready = undefined;
    this.failPending(`database "${this.name}" is closed`);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
    if (child.connected) child.disconnect();
    else child.kill('SIGKILL');
    await exited;
    clearTimeout(timer);
  }
}

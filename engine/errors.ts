/** Every failure Flint reports has one of these codes. User codes are the caller's or the script's doing (4xx at the HTTP edge); system codes are ours (5xx). */
export const USER_ERROR_CODES = [
  'BAD_REQUEST', // malformed input at an edge (HTTP body, CLI argument)
  'BAD_ARGUMENT', // a system.* argument failed validation
  'NOT_FOUND', // unknown project, handler or route
  'UNAUTHORIZED', // missing or wrong admin token, wrong user name or password
  'SCRIPT_ERROR', // a user script threw; carries file:line:col
  'COMPILE_ERROR', // a script failed to transpile or link
  'TIMEOUT', // an invocation or request ran past its deadline
  'MEMORY_LIMIT', // an isolate ran out of its memory limit and was rebuilt
  'CPU_BUDGET', // async work or timers of a project used up its CPU budget
  'QUOTA_EXCEEDED', // calls, logs, timers, pending requests or payload size over quota
  'NOT_SERIALIZABLE', // a value that is not JSON-compatible tried to cross the sandbox boundary
  'PROJECT_UNAVAILABLE', // the project is not loaded (disabled, failing config, unloaded)
  'FORBIDDEN', // refused by an access rule: another project's named query, a database connection the project may not use
  'QUERY_FAILED', // the database refused a statement (an SQL error); the message names the query
] as const;
export const SYSTEM_ERROR_CODES = [
  'SANDBOX_CRASHED', // the sandbox process died or stopped answering while the call was in flight
  'DATABASE_UNAVAILABLE', // a database connection cannot be reached (PostgreSQL down); the pool reconnects when it returns
  'DATA_FILE_INVALID', // a file in the data folder (such as users.json) cannot be read or parsed; an operator must fix it
  'INTERNAL', // a bug in Flint
] as const;

export type UserErrorCode = (typeof USER_ERROR_CODES)[number];
export type SystemErrorCode = (typeof SYSTEM_ERROR_CODES)[number];
export type ErrorCode = UserErrorCode | SystemErrorCode;

/** A position in a user's source file. `file` is the path as shown to users (relative to the working directory when possible). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** How an error travels as data: across IPC, into an isolate, over HTTP. Never carries a host stack. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  name?: string;
  location?: SourceLocation;
  /** The user's own stack frames, mapped to their source files. */
  stack?: string;
}

export class FlintError extends Error {
  readonly code: ErrorCode;
  readonly location?: SourceLocation;
  readonly userStack?: string;

  constructor(code: ErrorCode, message: string, location?: SourceLocation, userStack?: string) {
    super(message);
    this.name = 'FlintError';
    this.code = code;
    this.location = location;
    this.userStack = userStack;
  }

  static from(data: ErrorData): FlintError {
    return new FlintError(data.code, data.message, data.location, data.stack);
  }

  toData(): ErrorData {
    return errorToData(this);
  }
}

export function isUserErrorCode(code: string): code is UserErrorCode {
  return (USER_ERROR_CODES as readonly string[]).includes(code);
}

export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/** One line for logs and the CLI: `file:line:col message`, or just the message. */
export function describeError(error: ErrorData): string {
  return error.location ? `${formatLocation(error.location)} ${error.message}` : error.message;
}

export function errorToData(error: unknown): ErrorData {
  if (error instanceof FlintError) {
    const data: ErrorData = { code: error.code, message: error.message };
    if (error.location) data.location = error.location;
    if (error.userStack) data.stack = error.userStack;
    return data;
  }
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

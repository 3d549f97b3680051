import type { ServerResponse } from 'node:http';
import { errorToData, FlintError, type ErrorCode } from '../engine/errors.ts';
import type { Logger } from '../engine/logging/logger.ts';
import { TooManyAttempts } from '../engine/users/attempt-limiter.ts';

/**
 * The caller's own mistakes are 4xx codes other than 422; what a script did wrong is 422. A request body is parsed
 * JSON, so a value that is not serializable comes from a script; the caller's payload is checked against the
 * project's limit before the script runs (PayloadTooLarge, 413), so QUOTA_EXCEEDED from the engine is a script's too:
 * its return value over the payload limit, or its own system calls, timers or pending requests over their quotas.
 * Too many failed logins (TooManyAttempts, QUOTA_EXCEEDED too) are the caller's: 429 with Retry-After.
 */
const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  BAD_ARGUMENT: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  SCRIPT_ERROR: 422,
  COMPILE_ERROR: 422,
  MEMORY_LIMIT: 422,
  CPU_BUDGET: 422,
  NOT_SERIALIZABLE: 422,
  QUOTA_EXCEEDED: 422,
  // A script's system.db call refused by an access rule, or its SQL refused by the database (docs/database.md).
  FORBIDDEN: 422,
  QUERY_FAILED: 422,
  PROJECT_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  SANDBOX_CRASHED: 503,
  TIMEOUT: 504,
};

/** A request body or payload the caller sent over a size limit: 413, with the code QUOTA_EXCEEDED. */
export class PayloadTooLarge extends FlintError {
  constructor(message: string) {
    super('QUOTA_EXCEEDED', message);
  }
}

/** A request the caller may not make here (a cross-site write, a missing CSRF token, a user without the role): 403. */
export class Forbidden extends FlintError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

/** The client closed the connection while sending its request: nobody is left to answer, and nothing went wrong here. */
export class RequestAborted extends Error {
  constructor(reason: string) {
    super(`the client closed the connection while sending its request (${reason})`);
    this.name = 'RequestAborted';
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** The one place errors become HTTP: user codes get their 4xx/5xx and message; anything else is a 500 with the detail only in the log. */
export function sendError(res: ServerResponse, error: unknown, logger: Logger): void {
  if (error instanceof RequestAborted) {
    logger.debug(error.message);
    res.destroy();
    return;
  }
  const data = errorToData(error);
  if (error instanceof TooManyAttempts) {
    res.setHeader('retry-after', String(error.retryAfterSec));
    return sendJson(res, 429, data);
  }
  // The engine logged the file by name when it read it; a client learns no server path, only to come back later.
  if (data.code === 'DATA_FILE_INVALID')
    return sendJson(res, 503, {
      code: data.code,
      message: 'a data file of the gateway cannot be read; an operator must fix it (see the gateway log)',
    });
  const status = error instanceof PayloadTooLarge ? 413 : error instanceof Forbidden ? 403 : (STATUS[data.code] ?? 500);
  if (status === 500) {
    logger.error(`request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return sendJson(res, 500, { code: 'INTERNAL', message: 'internal error; see the gateway log' });
  }
  sendJson(res, status, data);
}

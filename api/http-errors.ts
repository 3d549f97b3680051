import type { ServerResponse } from 'node:http';
import { errorToData, type ErrorCode } from '../engine/errors.ts';
import type { Logger } from '../engine/logging/logger.ts';

const STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  BAD_ARGUMENT: 400,
  NOT_SERIALIZABLE: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  SCRIPT_ERROR: 422,
  COMPILE_ERROR: 422,
  MEMORY_LIMIT: 422,
  CPU_BUDGET: 422,
  QUOTA_EXCEEDED: 429,
  PROJECT_UNAVAILABLE: 503,
  SANDBOX_CRASHED: 503,
  TIMEOUT: 504,
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** The one place errors become HTTP: user codes get their 4xx/5xx and message; anything else is a 500 with the detail only in the log. */
export function sendError(res: ServerResponse, error: unknown, logger: Logger): void {
  const data = errorToData(error);
  const status = STATUS[data.code] ?? 500;
  if (status === 500) {
    logger.error(`request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return sendJson(res, 500, { code: 'INTERNAL', message: 'internal error; see the gateway log' });
  }
  sendJson(res, status, data);
}

import type { SourceLocation } from '../errors.ts';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The one log record shape: system.util.getLogger, the gateway's own logs, the editor's live log and stdout. */
export interface LogRecord {
  /** Increases by one per record in this gateway process; lets readers ask for "everything after N". */
  seq: number;
  time: string;
  level: LogLevel;
  logger: string;
  message: string;
  project?: string;
  source?: SourceLocation;
  fields?: Record<string, unknown>;
}

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

export function levelRank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}

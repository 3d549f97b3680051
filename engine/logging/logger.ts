import { formatLocation, type SourceLocation } from '../errors.ts';
import { LogRing } from './log-ring.ts';
import { levelRank, type LogLevel, type LogRecord } from './record.ts';

export interface LogSinkOptions {
  /** Records below this level are not written to stdout (they still reach the ring). */
  stdoutLevel?: LogLevel | 'off';
  ringCapacity?: number;
}

/** Accepts every log record of a gateway: stamps it, keeps it in the ring, writes it to stdout. */
export class LogHub {
  readonly ring: LogRing;
  private seq = 0;
  private readonly stdoutRank: number;

  constructor(options: LogSinkOptions = {}) {
    this.ring = new LogRing(options.ringCapacity);
    const level = options.stdoutLevel ?? 'info';
    this.stdoutRank = level === 'off' ? Infinity : levelRank(level);
  }

  write(entry: Omit<LogRecord, 'seq' | 'time'> & { time?: string }): LogRecord {
    const record: LogRecord = { ...entry, seq: ++this.seq, time: entry.time ?? new Date().toISOString() };
    this.ring.push(record);
    if (levelRank(record.level) >= this.stdoutRank) process.stdout.write(formatRecord(record) + '\n');
    return record;
  }

  /** A logger for the gateway's own parts (not user scripts). */
  logger(name: string): Logger {
    return new Logger(this, name);
  }
}

export class Logger {
  private readonly hub: LogHub;
  readonly name: string;

  constructor(hub: LogHub, name: string) {
    this.hub = hub;
    this.name = name;
  }

  log(level: LogLevel, message: string, extra: { project?: string; source?: SourceLocation; fields?: Record<string, unknown> } = {}): void {
    this.hub.write({ level, logger: this.name, message, ...extra });
  }
  debug(message: string, extra?: Parameters<Logger['log']>[2]): void {
    this.log('debug', message, extra);
  }
  info(message: string, extra?: Parameters<Logger['log']>[2]): void {
    this.log('info', message, extra);
  }
  warn(message: string, extra?: Parameters<Logger['log']>[2]): void {
    this.log('warn', message, extra);
  }
  error(message: string, extra?: Parameters<Logger['log']>[2]): void {
    this.log('error', message, extra);
  }
}

/** The stdout line of a record: one line, whatever its fields hold (see escapeControls). */
export function formatRecord(record: LogRecord): string {
  const where = record.source ? ` (${formatLocation(record.source)})` : '';
  const project = record.project ? ` [${record.project}]` : '';
  return escapeControls(`${record.time} ${record.level.toUpperCase().padEnd(5)} ${record.logger}${project}: ${record.message}${where}`);
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what this escapes
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Writes C0 and C1 control characters and DEL as escapes (`\n`, `\u001b`), so text from a script (logger names,
 * messages, error messages quoted in the gateway's own records) cannot start a forged line, colour the terminal or
 * make the log binary. The records in the ring keep their text as it was.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

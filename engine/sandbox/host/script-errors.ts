import { USER_ERROR_CODES, type ErrorCode, type ErrorData } from '../../errors.ts';
import { failed, failedWith, isOk, valueLength, type Outcome } from '../../outcome.ts';
import type { StackMapper } from './stack-mapper.ts';

/**
 * The codes an error from inside an isolate may carry. Not Flint's own failures (SANDBOX_CRASHED, INTERNAL), nor the
 * HTTP edge's (BAD_REQUEST, UNAUTHORIZED): a script must not pass itself off as a crash, nor tell a client that its
 * request or its token was wrong.
 */
const SCRIPT_ERROR_CODES: ReadonlySet<string> = new Set(
  USER_ERROR_CODES.filter((code) => code !== 'BAD_REQUEST' && code !== 'UNAUTHORIZED'),
);
/** Error text from inside the isolate is cut to these lengths: a little over the prelude's own cut and its note, for a script that tampered with the prelude. */
const MAX_ERROR_MESSAGE = 11_000;
const MAX_ERROR_STACK = 21_000;
/** Longest outcome of a failed call worth parsing: a message and a stack within the limits above, escaped. */
const MAX_ERROR_OUTCOME = 200_000;

/** An error as the prelude describes it; nothing in it is trusted until rawError has read it. */
type RawError = { code: string; name?: string; message: string; stack?: string };

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/** An error described by the prelude, as data Flint can trust: a known code, strings of bounded length. */
function rawError(error: unknown): RawError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const raw: RawError = {
    code: typeof e.code === 'string' && SCRIPT_ERROR_CODES.has(e.code) ? e.code : 'SCRIPT_ERROR',
    message: typeof e.message === 'string' ? cut(e.message, MAX_ERROR_MESSAGE) : 'the script failed without a message',
  };
  if (typeof e.name === 'string') raw.name = cut(e.name, 200);
  if (typeof e.stack === 'string') raw.stack = cut(e.stack, MAX_ERROR_STACK);
  return raw;
}

/**
 * Turns what scripts throw into Flint's error data, their stacks mapped to the user's files, and checks the outcomes
 * that leave the sandbox.
 */
export class ScriptErrors {
  private readonly stacks: StackMapper;
  private readonly maxPayloadBytes: number;

  constructor(stacks: StackMapper, maxPayloadBytes: number) {
    this.stacks = stacks;
    this.maxPayloadBytes = maxPayloadBytes;
  }

  /** `fallbackFile`: where a compile error without a stack is reported (line 1, column 1 of the file being loaded). */
  errorData(error: unknown, fallbackFile?: string): ErrorData {
    const raw = rawError(error);
    const mapped = this.stacks.mapStack(raw.stack);
    const name = raw.name && raw.name !== 'Error' && raw.name !== 'SystemError' ? `${raw.name}: ` : '';
    const data: ErrorData = { code: raw.code as ErrorCode, message: `${name}${raw.message}` };
    const location =
      mapped.location ?? (fallbackFile && raw.code === 'COMPILE_ERROR' ? { file: fallbackFile, line: 1, column: 1 } : undefined);
    if (location) data.location = location;
    if (mapped.stack) data.stack = mapped.stack;
    return data;
  }

  /**
   * An outcome as it may leave the sandbox. The prelude builds it, but scripts can tamper with the built-ins it
   * runs on (Array.prototype.join, say) and so with what it produces: it is parsed and written again here, so only
   * JSON within the payload limit, and errors with a known code and bounded text, reach the gateway and other projects.
   */
  checkedOutcome(text: string, file: string): Outcome {
    const outcome = text as Outcome; // what is checked below, and the only place prelude text becomes an outcome
    const ok = isOk(outcome);
    if (ok && valueLength(outcome) > this.maxPayloadBytes) {
      return failed('QUOTA_EXCEEDED', `the return value of ${file} is larger than the payload limit of ${this.maxPayloadBytes} bytes`);
    }
    if (!ok && text.length > MAX_ERROR_OUTCOME) return failed('SCRIPT_ERROR', `${file} failed with an error too large to report`);
    try {
      const parsed = JSON.parse(text) as { ok?: unknown; value?: unknown; error?: unknown };
      // Parsing is the check; the text itself goes on unchanged (writing it again would double the cost per call).
      if (ok && parsed.ok === true) return outcome;
      if (!ok && parsed.ok === false) return failedWith(this.errorData(parsed.error, file));
    } catch {
      // not JSON, or nested too deeply to write again: reported below
    }
    return failed('NOT_SERIALIZABLE', `${file} produced a result that is not valid JSON; only plain data can be returned`);
  }
}

// Runs INSIDE the isolate. The one error class the prelude throws at scripts, and a thrown value or an invocation's
// outcome described as the JSON the host reads. The text is built here with the captured primordials and the
// prelude's own serializer, not with engine/outcome.ts: that module calls JSON.stringify and string methods when it
// runs, which a script in this realm could have replaced by then.
import { ErrorCtor, StringCtor } from './primordials.ts';
import { dataJson, NotSerializable, toJson, type ProxyCheck } from './serialize.ts';

export interface Outcome {
  ok: boolean;
  value?: unknown;
  error?: ErrorInfo;
}

export interface ErrorInfo {
  code: string;
  name: string;
  message: string;
  stack?: string;
}

/** Error messages and stacks are cut to these lengths: a script could otherwise throw a string of any size. */
const MAX_MESSAGE = 10_000;
const MAX_STACK = 20_000;

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

export class SystemError extends ErrorCtor {
  code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'SystemError';
    this.code = code;
  }
}

/** A thrown object that is not an error, as JSON where it is plain data (`{"a":1}`), else as String() gives it. */
function describeThrown(thrown: object): string {
  try {
    return toJson(thrown, 'the thrown value', 1000, () => false);
  } catch {
    return StringCtor(thrown);
  }
}

/** Describes a thrown value as data, reading it defensively (it may be a Proxy, or have hostile getters). */
export function errorInfo(thrown: unknown, fallbackCode = 'SCRIPT_ERROR'): ErrorInfo {
  let info: ErrorInfo;
  try {
    if (thrown !== null && (typeof thrown === 'object' || typeof thrown === 'function')) {
      const e = thrown as { name?: unknown; message?: unknown; code?: unknown };
      info = {
        code: thrown instanceof SystemError && typeof e.code === 'string' ? e.code : fallbackCode,
        name: typeof e.name === 'string' ? cut(e.name, 200) : 'Error',
        message: cut(typeof e.message === 'string' ? e.message : `a non-error value was thrown: ${describeThrown(thrown)}`, MAX_MESSAGE),
      };
    } else {
      return { code: fallbackCode, name: 'Error', message: cut(`a non-error value was thrown: ${StringCtor(thrown)}`, MAX_MESSAGE) };
    }
  } catch {
    return { code: fallbackCode, name: 'Error', message: 'a value was thrown that could not be described' };
  }
  // Read apart from the rest: a script's Error.prepareStackTrace may throw, which must not cost the message.
  try {
    const stack = (thrown as { stack?: unknown }).stack;
    if (typeof stack === 'string') info.stack = cut(stack, MAX_STACK);
  } catch {
    // no stack, so no source location
  }
  return info;
}

export function outcomeJson(outcome: Outcome, maxBytes: number, isProxy: ProxyCheck): string {
  if (!outcome.ok) return dataJson(outcome);
  try {
    return `{"ok":true,"value":${toJson(outcome.value, 'the return value', maxBytes, isProxy)}}`;
  } catch (e) {
    const code = e instanceof NotSerializable ? e.code : 'SCRIPT_ERROR';
    return dataJson({ ok: false, error: errorInfo(e, code) });
  }
}

import type { ErrorCode, ErrorData } from './errors.ts';

/**
 * The answer of a call into a sandbox or of a system.* call, as JSON text: `{"ok":true,"value":...}`, `{"ok":true}` or
 * `{"ok":false,"error":ErrorData}`. It stays text on its way (docs/architecture.md: outcomes travel as strings), so a
 * handler's answer crosses from one isolate to the gateway and into another isolate without being parsed; the brand
 * keeps arbitrary strings from passing for one. Only this module looks inside.
 */
export type Outcome = string & { readonly __outcome: unique symbol };

const OK_VALUE_PREFIX = '{"ok":true,"value":';
/** A success without a value (a call that answers nothing). */
export const OK_EMPTY = '{"ok":true}' as Outcome;

/**
 * What the sandbox host answers the prelude for a system.* call whose answer comes later: the request it will carry
 * (engine/sandbox/bridge.ts, the `call` operation). It never leaves the sandbox process.
 */
export function pendingOn(request: number): Outcome {
  return `{"ok":true,"pending":${request}}` as Outcome;
}

/** A success whose value is already JSON text (checked by whoever made it). */
export function okJson(valueJson: string): Outcome {
  return `${OK_VALUE_PREFIX}${valueJson}}` as Outcome;
}

/** A success with a value to be written as JSON (`undefined` becomes null). */
export function ok(value: unknown): Outcome {
  return okJson(JSON.stringify(value ?? null));
}

export function failed(code: ErrorCode, message: string, extra: Omit<ErrorData, 'code' | 'message'> = {}): Outcome {
  return JSON.stringify({ ok: false, error: { code, message, ...extra } }) as Outcome;
}

export function failedWith(error: ErrorData): Outcome {
  return JSON.stringify({ ok: false, error }) as Outcome;
}

export function isOk(outcome: Outcome): boolean {
  return outcome.startsWith(OK_VALUE_PREFIX) || outcome === OK_EMPTY;
}

/** The JSON text of a success's value ('null' for one without), without parsing it. */
export function valueJsonOf(outcome: Outcome): string {
  return outcome === OK_EMPTY ? 'null' : outcome.slice(OK_VALUE_PREFIX.length, -1);
}

/** The length of the value's JSON in a success (what payload limits count). */
export function valueLength(outcome: Outcome): number {
  return outcome === OK_EMPTY ? 0 : outcome.length - OK_VALUE_PREFIX.length - 1;
}

/**
 * An outcome the sandbox host sent: it built and checked it (engine/sandbox/host, checkedOutcome) before it left the
 * sandbox process, so it is passed on unparsed; parsing every answer again here would cost the hot path its size.
 */
export function fromSandbox(text: string): Outcome {
  return text as Outcome;
}

/** The gateway's answer to a system call, as it reaches the sandbox host: the gateway's Dispatcher built it. */
export function fromGateway(text: string): Outcome {
  return text as Outcome;
}

/** Text from outside (IPC, an isolate) taken as an outcome: it must parse as one, or it becomes the failure named. */
export function asOutcome(text: string, ifMalformed: () => Outcome): Outcome {
  try {
    const parsed = JSON.parse(text) as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
    if (parsed.ok === true) return text as Outcome;
    if (parsed.ok === false && typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string') return text as Outcome;
  } catch {
    // reported below
  }
  return ifMalformed();
}

export type ParsedOutcome = { ok: true; value: unknown } | { ok: false; error: ErrorData };

export function parseOutcome(outcome: Outcome): ParsedOutcome {
  const parsed = JSON.parse(outcome) as { ok: boolean; value?: unknown; error?: ErrorData };
  return parsed.ok ? { ok: true, value: parsed.value ?? null } : { ok: false, error: parsed.error! };
}

/** The error of a failed outcome. */
export function errorOf(outcome: Outcome): ErrorData {
  const parsed = parseOutcome(outcome);
  if (parsed.ok) throw new Error('errorOf: the outcome is a success');
  return parsed.error;
}

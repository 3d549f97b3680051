import { errorToData, formatLocation, type ErrorData } from '../errors.ts';
import { API } from './api.ts';
import type { FunctionDecl } from './define.ts';
import { validateArgs } from './validate.ts';
import type { CallContext, Implementations } from './impl/context.ts';
import { utilImplementations } from './impl/util.ts';

/** The host side of every system.* function that is not implemented inside the isolate, keyed as in api.ts. */
export const IMPLEMENTATIONS: Implementations = { ...utilImplementations };

const DECLS = new Map<string, FunctionDecl>(API.functions.map((f) => [f.name, f]));

function isOutcome(value: unknown): value is { outcome: string } {
  return typeof value === 'object' && value !== null && typeof (value as { outcome?: unknown }).outcome === 'string' && Object.keys(value).length === 1;
}

/**
 * A script sees a failed call as a SystemError with a code and a message, so the message carries the
 * location of a failure elsewhere (the handler that threw): `demo/fails: broken (projects/demo/...fails.ts:2:9)`.
 */
function forScript(outcome: string): string {
  if (outcome.startsWith('{"ok":true')) return outcome;
  const { error } = JSON.parse(outcome) as { error: ErrorData };
  const where = error.location ? ` (${formatLocation(error.location)})` : '';
  return JSON.stringify({ ok: false, error: { code: error.code, message: error.message + where } });
}

/** Runs one system.* call; resolves to the outcome JSON the script's promise settles with. */
export async function dispatchSystemCall(ctx: CallContext, fn: string, args: unknown[]): Promise<string> {
  const implementation = IMPLEMENTATIONS[fn];
  const decl = DECLS.get(fn);
  if (!implementation || !decl) return JSON.stringify({ ok: false, error: { code: 'NOT_FOUND', message: `system.${fn} is not implemented` } });
  // Validated again here, in the gateway: a sandbox process runs beside user code and is trusted no further than it.
  const checked = validateArgs(decl, args);
  if (!checked.ok) return JSON.stringify({ ok: false, error: { code: 'BAD_ARGUMENT', message: checked.message } });
  try {
    const value = await implementation(ctx, checked.values);
    if (isOutcome(value)) return forScript(value.outcome);
    return JSON.stringify({ ok: true, value: value ?? null });
  } catch (error) {
    const data = errorToData(error);
    return JSON.stringify({ ok: false, error: { code: data.code, message: data.code === 'INTERNAL' ? `system.${fn} failed inside the gateway` : data.message } });
  }
}

import { errorToData, formatLocation, type ErrorData } from '../errors.ts';
import type { FunctionDecl } from './define.ts';
import type { BoundService, Caller } from './service.ts';
import { validateArgs } from './validate.ts';

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

/** The gateway's table of system.* functions: each name with its declaration and the service that implements it. */
export class Dispatcher {
  private readonly table = new Map<string, { decl: FunctionDecl; service: BoundService }>();

  constructor(services: BoundService[]) {
    for (const service of services) for (const decl of service.decl.functions) if (decl.mode !== 'prelude') this.table.set(decl.name, { decl, service });
  }

  /** Runs one system.* call; resolves to the outcome JSON the script's call settles with. */
  async dispatch(caller: Caller, fn: string, args: unknown[]): Promise<string> {
    const entry = this.table.get(fn);
    if (!entry) return JSON.stringify({ ok: false, error: { code: 'NOT_FOUND', message: `system.${fn} is not implemented` } });
    // Validated again here, in the gateway: a sandbox process runs beside user code and is trusted no further than it.
    const checked = validateArgs(entry.decl, args);
    if (!checked.ok) return JSON.stringify({ ok: false, error: { code: 'BAD_ARGUMENT', message: checked.message } });
    try {
      const value = await entry.service.call(fn, caller, checked.values);
      if (isOutcome(value)) return forScript(value.outcome);
      return JSON.stringify({ ok: true, value: value ?? null });
    } catch (error) {
      const data = errorToData(error);
      return JSON.stringify({ ok: false, error: { code: data.code, message: data.code === 'INTERNAL' ? `system.${fn} failed inside the gateway` : data.message } });
    }
  }
}

import { errorToData, formatLocation } from '../errors.ts';
import { errorOf, failed, isOk, ok, type Outcome } from '../outcome.ts';
import type { FunctionDecl } from './define.ts';
import type { BoundService, Caller } from './service.ts';
import { checkType, describeValue, validateArgs } from './validate.ts';

/** Where the gateway's own faults in a system.* call are reported (the gateway logger). */
export interface FaultLog {
  error(message: string, fields?: { project?: string }): void;
}

function isForwarded(value: unknown): value is { outcome: Outcome } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { outcome?: unknown }).outcome === 'string' &&
    Object.keys(value).length === 1
  );
}

/**
 * A script sees a failed call as a SystemError with a code and a message, so the message carries the
 * location of a failure elsewhere (the handler that threw): `demo/fails: broken (projects/demo/...fails.ts:2:9)`.
 */
function forScript(outcome: Outcome): Outcome {
  if (isOk(outcome)) return outcome;
  const error = errorOf(outcome);
  const where = error.location ? ` (${formatLocation(error.location)})` : '';
  return failed(error.code, error.message + where);
}

/** The gateway's table of system.* functions: each name with its declaration and the service that implements it. */
export class Dispatcher {
  private readonly table = new Map<string, { decl: FunctionDecl; service: BoundService }>();

  private readonly faults: FaultLog | undefined;

  constructor(services: BoundService[], faults?: FaultLog) {
    this.faults = faults;
    for (const service of services)
      for (const decl of service.decl.functions) if (decl.mode !== 'prelude') this.table.set(decl.name, { decl, service });
  }

  /** Runs one system.* call; resolves to the outcome JSON the script's call settles with. */
  async dispatch(caller: Caller, fn: string, args: unknown[]): Promise<Outcome> {
    const entry = this.table.get(fn);
    if (!entry) return failed('NOT_FOUND', `system.${fn} is not implemented`);
    // Validated again here, in the gateway: a sandbox process runs beside user code and is trusted no further than it.
    const checked = validateArgs(entry.decl, args);
    if (!checked.ok) return failed('BAD_ARGUMENT', checked.message);
    const selfWait = this.selfWait(entry.decl, caller, checked.values);
    if (selfWait) return failed('PROJECT_UNAVAILABLE', selfWait);
    try {
      const value = await entry.service.call(fn, caller, checked.values);
      if (isForwarded(value)) return forScript(value.outcome);
      const result = value ?? null;
      // Checked here, in the gateway: a script gets the declared shape or an error, never a wrong value.
      const problem = entry.decl.result ? checkType(entry.decl.result, result) : undefined;
      if (problem) {
        const fault = `its result ${problem}; received ${describeValue(result)}`;
        const logged = `system.${fn}: the gateway's implementation broke its declared result type (${fault}); the call failed.`;
        this.faults?.error(`${logged} A fault in the gateway, not in the script.`, { project: caller.project });
        const message = `system.${fn} failed inside the gateway: ${fault}, so it was not passed on`;
        return failed('INTERNAL', message);
      }
      return ok(result);
    } catch (error) {
      const data = errorToData(error);
      if (data.code === 'INTERNAL') {
        this.faults?.error(`system.${fn} failed inside the gateway: ${data.message}`, { project: caller.project });
      }
      return failed(data.code, data.code === 'INTERNAL' ? `system.${fn} failed inside the gateway` : data.message);
    }
  }

  /** Why a blocking call may not wait, if it would wait for its caller's own isolate (see FunctionDecl.answeredByProject). */
  private selfWait(decl: FunctionDecl, caller: Caller, values: unknown[]): string | undefined {
    if (decl.mode !== 'sync' || !decl.answeredByProject) return undefined;
    const index = decl.params.findIndex((p) => p.name === decl.answeredByProject);
    if (values[index] !== caller.project) return undefined;
    const why = 'a blocking call stops its isolate until the answer comes, so they could never answer';
    return `system.${decl.name}: project "${caller.project}" cannot wait for its own scripts: ${why}`;
  }
}

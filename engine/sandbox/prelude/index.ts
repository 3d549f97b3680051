// Runs INSIDE the isolate, before any user code: builds `system`, console and timers on top of one
// bridge function, and the module table that handler scripts live in. Everything it needs from the
// global object is captured first (primordials.ts and the top of each module, when the bundle is evaluated), so
// later tampering by scripts can only confuse their own project: the host validates every call again.
import type { ApiDecl } from '../../system/define.ts';
import type { Bridge } from '../bridge.ts';
import { createCurrent } from './current.ts';
import { createHostCalls, type BlockingWait } from './host-call.ts';
import { begin } from './current.ts';
import { errorInfo, outcomeJson, type ErrorInfo, type Outcome } from './errors.ts';
import { MODULE_HELPERS } from './module-helpers.ts';
import {
  apply,
  createObject,
  defineProperty,
  deleteProperty,
  ErrorCtor,
  MapCtor,
  now,
  parse,
  PromiseCtor,
  promiseResolve,
  promiseThen,
  StringCtor,
} from './primordials.ts';
import { dataJson } from './serialize.ts';
import { installProxyRegistry } from './proxy-registry.ts';
import { createSystem } from './system.ts';
import { createTimers } from './timers.ts';

interface Options {
  maxPayloadBytes: number;
  /** The project's handler timeout: how long a blocking call may wait outside an invocation (a timer callback, a continuation). */
  timeoutMs: number;
}
type Factory = (
  exports: object,
  require: (id: string) => unknown,
  module: { exports: Record<string, unknown> },
  helpers: typeof MODULE_HELPERS,
) => void;

interface ModuleRecord {
  /** Identifies this evaluation of the module: timers started under it are cleared when it is replaced. */
  token: number;
  factory: Factory;
  exports: Record<string, unknown> | undefined;
  evaluating: boolean;
}

export function install(bridge: Bridge, blockingWait: BlockingWait, apiJson: string, optionsJson: string) {
  const api = parse(apiJson) as ApiDecl;
  const options = parse(optionsJson) as Options;
  const isProxy = installProxyRegistry();
  const current = createCurrent(options.timeoutMs);
  const { callHost, settle } = createHostCalls(bridge, blockingWait, options.maxPayloadBytes, isProxy, current);
  const { system, console } = createSystem(api, callHost);
  const { addTimer, removeTimer, clearTimersOf, fireTimer, dropTimers } = createTimers(bridge, current);

  const globals: Record<string, unknown> = {
    system,
    console,
    setTimeout: (cb: unknown, ms?: unknown, ...args: unknown[]) => addTimer(cb, ms, args, false),
    setInterval: (cb: unknown, ms?: unknown, ...args: unknown[]) => addTimer(cb, ms, args, true),
    clearTimeout: removeTimer,
    clearInterval: removeTimer,
    queueMicrotask: (cb: () => void) => void PromiseCtor.resolve().then(cb),
  };
  for (const name of Object.keys(globals))
    defineProperty(globalThis, name, { value: globals[name], writable: false, configurable: false, enumerable: false });
  // seeds and issue 5: no WebAssembly, no SharedArrayBuffer inside the sandbox.
  deleteProperty(globalThis, 'WebAssembly');
  deleteProperty(globalThis, 'SharedArrayBuffer');
  deleteProperty(globalThis, 'Atomics');

  // The module table. Handlers are evaluated when defined (so load errors show on save); lib modules on first require.
  const records = new MapCtor<string, ModuleRecord>();
  let nextToken = 1;

  const requireFrom = (id: string): unknown => {
    const record = records.get(id);
    if (!record) throw new ErrorCtor(`cannot find module "${id}": it was deleted or failed to compile`);
    return evaluate(id, record);
  };
  const evaluate = (id: string, record: ModuleRecord): Record<string, unknown> => {
    if (record.exports) return record.exports;
    if (record.evaluating) throw new ErrorCtor(`module "${id}" is part of an import cycle and is not finished loading`);
    record.evaluating = true;
    const module = { exports: {} as Record<string, unknown> };
    try {
      apply(record.factory, undefined, [module.exports, requireFrom, module, MODULE_HELPERS]);
    } finally {
      record.evaluating = false;
    }
    record.exports = module.exports;
    return module.exports;
  };
  /** Evaluates `factory` as a fresh record for `id`; on success it replaces the old one, on failure the old one stays. */
  const loadFresh = (id: string, factory: Factory, isHandler: boolean): string => {
    const [previousOwner, previousToken] = [current.owner, current.token];
    const fresh: ModuleRecord = { token: nextToken++, factory, exports: undefined, evaluating: false };
    current.owner = id;
    current.token = fresh.token;
    const failed = (error: ErrorInfo) => {
      clearTimersOf(fresh.token); // a version that did not load leaves nothing running
      return dataJson({ ok: false, error });
    };
    try {
      if (isHandler) {
        const exports = evaluate(id, fresh);
        if (typeof exports.default !== 'function') {
          return failed({
            code: 'COMPILE_ERROR',
            name: 'Error',
            message: 'the script has no default export function: write `export default function (...) { ... }`',
          });
        }
      }
      const old = records.get(id);
      if (old) clearTimersOf(old.token);
      records.set(id, fresh);
      return '{"ok":true}';
    } catch (e) {
      return failed(errorInfo(e));
    } finally {
      current.owner = previousOwner;
      current.token = previousToken;
    }
  };

  const finish = (callId: number, outcome: Outcome) =>
    bridge('done', StringCtor(callId), outcomeJson(outcome, options.maxPayloadBytes, isProxy));

  /** The entry that runs handler `id`; answers its outcome, or `{"pending":true}` when the handler's promise will tell. */
  const invoke = function invoke(
    callId: number,
    id: string,
    argsJson: string,
    deadlineAt: number,
    budgeted: boolean,
    timeoutMs: number,
  ): string {
    begin(current, timeoutMs);
    current.waitDeadline = deadlineAt;
    current.budgeted = budgeted;
    // Queued behind other work until past its deadline: the caller has had its TIMEOUT, so the handler must not run.
    if (now() >= deadlineAt)
      return dataJson({
        ok: false,
        error: { code: 'TIMEOUT', name: 'Error', message: `${id} waited past its deadline and was not run` },
      });
    let result: unknown;
    try {
      const record = records.get(id);
      if (!record) return dataJson({ ok: false, error: { code: 'NOT_FOUND', name: 'Error', message: `no script "${id}" is loaded` } });
      current.owner = id;
      current.token = record.token;
      const handler = evaluate(id, record).default as (...args: unknown[]) => unknown;
      result = apply(handler, undefined, parse(argsJson) as unknown[]);
      // A promise (or any thenable): its outcome follows. Inside the try, since reading `then` may run a script's
      // getter; through the prelude's own resolve and then, which a script cannot swap.
      if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
        void apply(promiseThen, apply(promiseResolve, PromiseCtor, [result]), [
          (value: unknown) => finish(callId, { ok: true, value }),
          (e: unknown) => finish(callId, { ok: false, error: errorInfo(e) }),
        ]);
        return '{"pending":true}';
      }
    } catch (e) {
      return dataJson({ ok: false, error: errorInfo(e) });
    }
    return outcomeJson({ ok: true, value: result }, options.maxPayloadBytes, isProxy);
  };

  // The entries the host calls (engine/sandbox/host/project-sandbox.ts); each starts with begin() (current.ts).
  return {
    /** The entry that defines (or replaces) one module. */
    define(id: string, factory: Factory, isHandler: boolean, timeoutMs: number): string {
      begin(current, timeoutMs);
      return loadFresh(id, factory, isHandler);
    },
    /** The entry that re-evaluates modules whose imports changed (handlers now, libraries lazily). */
    reevaluate(idsJson: string, timeoutMs: number): string {
      begin(current, timeoutMs);
      const results = createObject(null) as Record<string, unknown>; // no setter on Object.prototype can catch a module id
      const ids = parse(idsJson) as [string, boolean][];
      // Libraries first: they only get fresh records here, so no handler evaluated next can reach a stale library.
      // Indexed loops: a for-of would go through an iterator on Array.prototype, which a script can replace.
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i < ids.length; i++) {
          const id = ids[i][0];
          const isHandler = ids[i][1];
          const record = records.get(id);
          if (record && isHandler === (pass === 1)) results[id] = parse(loadFresh(id, record.factory, isHandler));
        }
      }
      return dataJson(results);
    },
    /** The entry that removes a module and clears its timers. */
    remove(id: string, timeoutMs: number): void {
      begin(current, timeoutMs);
      const record = records.get(id);
      if (record) clearTimersOf(record.token);
      records.delete(id);
    },
    invoke,
    settle,
    fireTimer,
    dropTimers,
  };
}

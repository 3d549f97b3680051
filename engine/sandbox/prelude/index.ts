// Runs INSIDE the isolate, before any user code: builds `system`, console and timers on top of one
// bridge function, and the module table that handler scripts live in. Everything it needs from the
// global object is captured first (primordials.ts), so later tampering by scripts can only confuse their own project:
// the host validates every call again.
import type { ApiDecl, FunctionDecl } from '../../system/define.ts';
import { validateArgs } from '../../system/validate.ts';
import { formatPrintf, messageText } from './format.ts';
import { MODULE_HELPERS } from './module-helpers.ts';
import { installProxyRegistry } from './proxy-registry.ts';
import { errorInfo, outcomeJson, SystemError, type ErrorInfo, type Outcome } from './errors.ts';
import {
  apply,
  createObject,
  defineProperty,
  deleteProperty,
  ErrorCtor,
  freeze,
  MapCtor,
  now,
  parse,
  PromiseCtor,
  promiseResolve,
  promiseThen,
  StringCtor,
} from './primordials.ts';
import { dataJson, NotSerializable, toJson } from './serialize.ts';
import type { BlockingCallArgs, Bridge, Flag } from '../bridge.ts';

/**
 * A blocking call and the host's wait for its answer (an isolated-vm Reference to an async host function). Called with
 * applySyncPromise, this isolate's thread waits for the promise while the host's event loop runs on.
 */
interface BlockingWait {
  applySyncPromise(receiver: undefined, args: BlockingCallArgs): unknown;
}

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

/** A blocking call stops waiting this long before its entry's deadline, so that the script gets a clean TIMEOUT it can still report. */
const BLOCKING_MARGIN_MS = 20;

/** The raw stack line of the first caller outside the prelude, for log records' source location. */
function callerFrame(): string {
  try {
    // A script's Error.prepareStackTrace decides what `stack` is; anything but a string means no location.
    const stack: unknown = new ErrorCtor().stack;
    if (typeof stack !== 'string') return '';
    const lines = stack.split('\n');
    for (let i = 1; i < lines.length; i++) if (!lines[i].includes('flint:prelude')) return lines[i].slice(0, 1000);
  } catch {
    // the script's Error.prepareStackTrace threw
  }
  return '';
}

export function install(bridge: Bridge, blockingWait: BlockingWait, apiJson: string, optionsJson: string) {
  const applySyncPromise = blockingWait.applySyncPromise;
  const api = parse(apiJson) as ApiDecl;
  const options = parse(optionsJson) as Options;
  const isProxy = installProxyRegistry();
  const records = new MapCtor<string, ModuleRecord>();
  const pending = new MapCtor<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void; owner: string; token: number; budgeted: boolean }
  >();
  const timers = new MapCtor<number, { callback: () => void; owner: string; token: number; repeat: boolean; budgeted: boolean }>();
  let nextTimerId = 1;
  let nextToken = 1;
  // The module (and its evaluation) that is running now: timers and pending requests started now belong to it.
  let currentOwner = '';
  let currentToken = 0;
  // Whether what runs now descends from a handler a script called: its requests' continuations and its timers then
  // run on the budget for such calls, not on the project's own (the host keeps both).
  let currentBudgeted = false;
  let deadline = Infinity;
  /**
   * Until when a blocking call may wait: the invocation's own deadline, else the handler timeout from the entry's start.
   * Apart from `deadline`, which an entry on a CPU budget gets cut to what is left of it: a wait uses no CPU, and
   * isolated-vm's timeout clock stops while the isolate waits (engine/sandbox/host/project-sandbox.ts).
   */
  let waitDeadline = Infinity;

  /** Every entry from the host starts with this, with the timeout isolated-vm runs it under. */
  const begin = (timeoutMs: number) => {
    deadline = now() + timeoutMs;
    waitDeadline = now() + options.timeoutMs;
    currentBudgeted = false;
  };
  // isolated-vm cannot stop a script while it is inside a host call, and a loop of system calls (errors
  // caught) is nearly always inside one: it would run on past its timeout until the watchdog kills the
  // whole sandbox process. Past the deadline the host is not called again; the script waits here, where
  // isolated-vm's termination (which it keeps requesting until the run ends) does stop it.
  const stopIfOverdue = () => {
    if (now() > deadline) for (;;);
  };

  const callHost = (fn: FunctionDecl, args: unknown[]): unknown => {
    stopIfOverdue();
    const checked = validateArgs(fn, args);
    if (!checked.ok) throw new SystemError('BAD_ARGUMENT', checked.message);
    const parts: string[] = [];
    for (let i = 0; i < checked.values.length; i++) {
      try {
        parts[i] = toJson(
          checked.values[i],
          `system.${fn.name}: argument ${i + 1} "${fn.params[i].name}"`,
          options.maxPayloadBytes,
          isProxy,
        );
      } catch (e) {
        if (e instanceof NotSerializable) throw new SystemError(e.code, e.message);
        throw e;
      }
    }
    const frame = fn.name === 'util.log' ? '' : callerFrame();
    type Answer = { ok: boolean; value?: unknown; pending?: number; error?: { code: string; message: string } };
    const argsJson = `[${parts.join(',')}]`;
    const budgeted: Flag = currentBudgeted ? '1' : '';
    let answer: Answer;
    if (fn.mode === 'sync') {
      // One hop for the call and its wait. The wait counts against the call's deadline (its wall clock), and the host
      // ends it a little before, so that the script gets a TIMEOUT it can still report.
      let text: unknown;
      try {
        const waitMs = waitDeadline - now() - BLOCKING_MARGIN_MS;
        const args: BlockingCallArgs = [fn.name, argsJson, frame, budgeted, StringCtor(waitMs)];
        text = apply(applySyncPromise, blockingWait, [undefined, args]);
      } catch {
        throw new SystemError('INTERNAL', `system.${fn.name}: the wait for the gateway's answer failed`);
      }
      answer = parse(StringCtor(text)) as Answer;
    } else answer = parse(bridge('call', fn.name, argsJson, frame, budgeted) ?? '{"ok":true}') as Answer;
    if (!answer.ok) throw new SystemError(answer.error!.code, answer.error!.message);
    if (answer.pending !== undefined) {
      const id = answer.pending;
      return new PromiseCtor((resolve, reject) =>
        pending.set(id, { resolve, reject, owner: currentOwner, token: currentToken, budgeted: currentBudgeted }),
      );
    }
    return answer.value;
  };

  // system.*: one stub per declared function, nested by namespace, frozen.
  const byName = new MapCtor<string, FunctionDecl>();
  const system: Record<string, Record<string, unknown>> = {};
  for (const fn of api.functions) {
    byName.set(fn.name, fn);
    if (fn.internal || fn.mode === 'prelude') continue;
    const [ns, name] = fn.name.split('.');
    (system[ns] ??= {})[name] = function (...args: unknown[]) {
      return callHost(fn, args);
    };
  }
  const logFn = byName.get('util.log')!;
  const log = (level: string, logger: string, message: string) => {
    callHost(logFn, [level, logger, message, callerFrame()]);
  };
  const getLoggerFn = byName.get('util.getLogger')!;
  system.util.getLogger = function getLogger(name: unknown) {
    const checked = validateArgs(getLoggerFn, [name]);
    if (!checked.ok) throw new SystemError('BAD_ARGUMENT', checked.message);
    const loggerName = checked.values[0] as string;
    const logger: Record<string, unknown> = {};
    for (const level of ['trace', 'debug', 'info', 'warn', 'error']) {
      logger[level] = (message: unknown) => log(level, loggerName, messageText(message));
      logger[level + 'f'] = (format: string, ...args: unknown[]) => log(level, loggerName, formatPrintf(format, args));
    }
    return freeze(logger);
  };
  for (const ns of Object.keys(system)) freeze(system[ns]);
  freeze(system);

  const consoleLog =
    (level: string) =>
    (...args: unknown[]) =>
      log(level, 'console', args.map(messageText).join(' '));
  const consoleObject = freeze({
    log: consoleLog('info'),
    info: consoleLog('info'),
    debug: consoleLog('debug'),
    warn: consoleLog('warn'),
    error: consoleLog('error'),
  });

  // Timers live in the host; the callbacks stay here, keyed by id and owned by the module that was running.
  const addTimer = (callback: unknown, ms: unknown, args: unknown[], repeat: boolean): number => {
    stopIfOverdue();
    if (typeof callback !== 'function')
      throw new SystemError('BAD_ARGUMENT', `${repeat ? 'setInterval' : 'setTimeout'}: argument 1 "callback" must be a function`);
    const id = nextTimerId++;
    const delay = Math.max(repeat ? 10 : 1, Number(ms) || 0);
    // The owning module goes last: the host names it in the log when the callback runs too long.
    const answer = parse(
      bridge('setTimer', StringCtor(id), StringCtor(delay), repeat ? '1' : '', currentBudgeted ? '1' : '', currentOwner)!,
    ) as { ok: boolean; error?: { code: string; message: string } };
    if (!answer.ok) throw new SystemError(answer.error!.code, answer.error!.message);
    timers.set(id, {
      callback: () => void apply(callback as () => void, undefined, args),
      owner: currentOwner,
      token: currentToken,
      repeat,
      budgeted: currentBudgeted,
    });
    return id;
  };
  const removeTimer = (id: unknown) => {
    stopIfOverdue();
    const key = Number(id);
    if (timers.delete(key)) bridge('clearTimer', StringCtor(key));
  };
  const clearTimersOf = (token: number) => {
    for (const [id, timer] of timers) if (timer.token === token) removeTimer(id);
  };

  const globals: Record<string, unknown> = {
    system,
    console: consoleObject,
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
    const [previousOwner, previousToken] = [currentOwner, currentToken];
    const fresh: ModuleRecord = { token: nextToken++, factory, exports: undefined, evaluating: false };
    currentOwner = id;
    currentToken = fresh.token;
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
      currentOwner = previousOwner;
      currentToken = previousToken;
    }
  };

  const finish = (callId: number, outcome: Outcome) =>
    bridge('done', StringCtor(callId), outcomeJson(outcome, options.maxPayloadBytes, isProxy));

  return {
    define(id: string, factory: Factory, isHandler: boolean, timeoutMs: number): string {
      begin(timeoutMs);
      return loadFresh(id, factory, isHandler);
    },
    /** Re-evaluates modules whose imports changed (handlers now, libraries lazily). */
    reevaluate(idsJson: string, timeoutMs: number): string {
      begin(timeoutMs);
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
    remove(id: string, timeoutMs: number): void {
      begin(timeoutMs);
      const record = records.get(id);
      if (record) clearTimersOf(record.token);
      records.delete(id);
    },
    invoke(callId: number, id: string, argsJson: string, deadlineAt: number, budgeted: boolean, timeoutMs: number): string {
      begin(timeoutMs);
      waitDeadline = deadlineAt;
      currentBudgeted = budgeted;
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
        currentOwner = id;
        currentToken = record.token;
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
    },
    settle(requestId: number, answerJson: string, timeoutMs: number): void {
      begin(timeoutMs);
      const waiter = pending.get(requestId);
      if (!waiter) return;
      pending.delete(requestId);
      currentOwner = waiter.owner;
      currentToken = waiter.token;
      currentBudgeted = waiter.budgeted;
      const answer = parse(answerJson) as { ok: boolean; value?: unknown; error?: { code: string; message: string } };
      if (answer.ok) waiter.resolve(answer.value);
      else waiter.reject(new SystemError(answer.error!.code, answer.error!.message));
    },
    /** Runs a timer's callback; returns an error description if it threw, '' otherwise. */
    fireTimer(id: number, timeoutMs: number): string {
      begin(timeoutMs);
      const timer = timers.get(id);
      if (!timer) return '';
      if (!timer.repeat) timers.delete(id);
      currentOwner = timer.owner;
      currentToken = timer.token;
      currentBudgeted = timer.budgeted;
      try {
        timer.callback();
        return '';
      } catch (e) {
        return dataJson({ owner: timer.owner, error: errorInfo(e) });
      }
    },
    /** Drops the timers on one budget (the host has cleared its side), when that budget is used up. */
    dropTimers(budgeted: boolean, timeoutMs: number): void {
      begin(timeoutMs);
      for (const [id, timer] of timers) if (timer.budgeted === budgeted) timers.delete(id);
    },
  };
}

// Runs INSIDE the isolate. setTimeout and setInterval: the timers themselves live in the host (which enforces the
// quota and fires them); the callbacks stay here, keyed by id and owned by the module that was running, so that
// replacing or removing a module clears its timers.
import type { Bridge } from '../bridge.ts';
import { begin, originOf, resume, stopIfOverdue, type Current, type Origin } from './current.ts';
import { dataJson } from './serialize.ts';
import { errorInfo, SystemError } from './errors.ts';
import { apply, MapCtor, parse, StringCtor } from './primordials.ts';

interface Timer {
  callback: () => void;
  /** The module (its evaluation: ModuleRecord.token), budget, session and page that set it. */
  origin: Origin;
  repeat: boolean;
}

export function createTimers(bridge: Bridge, current: Current) {
  const timers = new MapCtor<number, Timer>();
  let nextTimerId = 1;

  const addTimer = (callback: unknown, ms: unknown, args: unknown[], repeat: boolean): number => {
    stopIfOverdue(current);
    if (typeof callback !== 'function')
      throw new SystemError('BAD_ARGUMENT', `${repeat ? 'setInterval' : 'setTimeout'}: argument 1 "callback" must be a function`);
    const id = nextTimerId++;
    const delay = Math.max(repeat ? 10 : 1, Number(ms) || 0);
    // The owning module goes last: the host names it in the log when the callback runs too long.
    const answer = parse(
      bridge('setTimer', StringCtor(id), StringCtor(delay), repeat ? '1' : '', current.budgeted ? '1' : '', current.owner)!,
    ) as { ok: boolean; error?: { code: string; message: string } };
    if (!answer.ok) throw new SystemError(answer.error!.code, answer.error!.message);
    timers.set(id, {
      callback: () => void apply(callback as () => void, undefined, args),
      origin: originOf(current),
      repeat,
    });
    return id;
  };
  const removeTimer = (id: unknown) => {
    stopIfOverdue(current);
    const key = Number(id);
    if (timers.delete(key)) bridge('clearTimer', StringCtor(key));
  };
  /** Clears the timers one evaluation of a module set. */
  const clearTimersOf = (token: number) => {
    for (const [id, timer] of timers) if (timer.origin.token === token) removeTimer(id);
  };

  /** The entry that runs a timer's callback; returns an error description if it threw, '' otherwise. */
  const fireTimer = (id: number, timeoutMs: number): string => {
    begin(current, timeoutMs);
    const timer = timers.get(id);
    if (!timer) return '';
    if (!timer.repeat) timers.delete(id);
    resume(current, timer.origin);
    try {
      timer.callback();
      return '';
    } catch (e) {
      return dataJson({ owner: timer.origin.owner, error: errorInfo(e) });
    }
  };
  /** The entry that drops the timers on one budget (the host has cleared its side), when that budget is used up. */
  const dropTimers = (budgeted: boolean, timeoutMs: number): void => {
    begin(current, timeoutMs);
    for (const [id, timer] of timers) if (timer.origin.budgeted === budgeted) timers.delete(id);
  };

  return { addTimer, removeTimer, clearTimersOf, fireTimer, dropTimers };
}

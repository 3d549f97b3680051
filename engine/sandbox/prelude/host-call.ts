// Runs INSIDE the isolate. One system.* call to the host: its arguments validated and serialized here, sent over the
// bridge (a blocking call through the host's wait instead), the answer read back or rethrown as a SystemError. A call
// the host answers later returns a promise, which settle() resolves when the answer comes.
import type { FunctionDecl } from '../../system/define.ts';
import { validateArgs } from '../../system/validate.ts';
import type { BlockingCallArgs, Bridge, Flag } from '../bridge.ts';
import { begin, originOf, resume, stopIfOverdue, type Current, type Origin } from './current.ts';
import { SystemError } from './errors.ts';
import { apply, ErrorCtor, MapCtor, now, parse, PromiseCtor, StringCtor } from './primordials.ts';
import { NotSerializable, toJson, type ProxyCheck } from './serialize.ts';

/**
 * A blocking call and the host's wait for its answer (an isolated-vm Reference to an async host function). Called with
 * applySyncPromise, this isolate's thread waits for the promise while the host's event loop runs on.
 */
export interface BlockingWait {
  applySyncPromise(receiver: undefined, args: BlockingCallArgs): unknown;
}

export type CallHost = (fn: FunctionDecl, args: unknown[]) => unknown;

/** A call the host answers later, and what was running when it was made: its continuation runs as that again. */
interface Waiter {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  origin: Origin;
}

/** A blocking call stops waiting this long before its entry's deadline, so that the script gets a clean TIMEOUT it can still report. */
const BLOCKING_MARGIN_MS = 20;

/** The raw stack line of the first caller outside the prelude, for log records' source location. */
export function callerFrame(): string {
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

export function createHostCalls(
  bridge: Bridge,
  blockingWait: BlockingWait,
  maxPayloadBytes: number,
  isProxy: ProxyCheck,
  current: Current,
) {
  const applySyncPromise = blockingWait.applySyncPromise;
  const pending = new MapCtor<number, Waiter>();

  // After the host refused a call that does not wait (a live write) for its byte budget, the next ones are refused
  // here for a second, without crossing: a loop that ignores the error cannot keep the host copying its values.
  let fireRefusedUntil = 0;
  let fireRefusal = '';

  const callHost: CallHost = (fn, args) => {
    stopIfOverdue(current);
    if (fn.mode === 'fire' && fn.quota !== 'log' && now() < fireRefusedUntil) throw new SystemError('QUOTA_EXCEEDED', fireRefusal);
    const checked = validateArgs(fn, args);
    if (!checked.ok) throw new SystemError('BAD_ARGUMENT', checked.message);
    const parts: string[] = [];
    for (let i = 0; i < checked.values.length; i++) {
      try {
        parts[i] = toJson(checked.values[i], `system.${fn.name}: argument ${i + 1} "${fn.params[i].name}"`, maxPayloadBytes, isProxy);
      } catch (e) {
        if (e instanceof NotSerializable) throw new SystemError(e.code, e.message);
        throw e;
      }
    }
    const frame = fn.quota === 'log' ? '' : callerFrame();
    type Answer = { ok: boolean; value?: unknown; pending?: number; error?: { code: string; message: string } };
    const argsJson = `[${parts.join(',')}]`;
    const budgeted: Flag = current.budgeted ? '1' : '';
    let answer: Answer;
    if (fn.mode === 'sync') {
      // One hop for the call and its wait. The wait counts against the call's deadline (its wall clock), and the host
      // ends it a little before, so that the script gets a TIMEOUT it can still report.
      let text: unknown;
      try {
        const waitMs = current.waitDeadline - now() - BLOCKING_MARGIN_MS;
        const args: BlockingCallArgs = [fn.name, argsJson, frame, budgeted, StringCtor(waitMs), current.context];
        text = apply(applySyncPromise, blockingWait, [undefined, args]);
      } catch {
        throw new SystemError('INTERNAL', `system.${fn.name}: the wait for the gateway's answer failed`);
      }
      answer = parse(StringCtor(text)) as Answer;
    } else answer = parse(bridge('call', fn.name, argsJson, frame, budgeted, current.context) ?? '{"ok":true}') as Answer;
    if (!answer.ok) {
      if (fn.mode === 'fire' && answer.error!.code === 'QUOTA_EXCEEDED') {
        fireRefusedUntil = now() + 1000;
        fireRefusal = answer.error!.message;
      }
      throw new SystemError(answer.error!.code, answer.error!.message);
    }
    if (answer.pending !== undefined) {
      const id = answer.pending;
      return new PromiseCtor((resolve, reject) => pending.set(id, { resolve, reject, origin: originOf(current) }));
    }
    return answer.value;
  };

  /** The entry for the host's late answer to a pending call: its promise settles, as the module that made the call. */
  const settle = (requestId: number, answerJson: string, timeoutMs: number): void => {
    begin(current, timeoutMs);
    const waiter = pending.get(requestId);
    if (!waiter) return;
    pending.delete(requestId);
    resume(current, waiter.origin);
    const answer = parse(answerJson) as { ok: boolean; value?: unknown; error?: { code: string; message: string } };
    if (answer.ok) waiter.resolve(answer.value);
    else waiter.reject(new SystemError(answer.error!.code, answer.error!.message));
  };

  return { callHost, settle };
}

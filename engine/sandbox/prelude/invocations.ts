// Runs INSIDE the isolate. An invocation of a handler by the host: the handler runs with the arguments the host sent,
// and its outcome goes back as the entry's answer, or, when it returns a promise, later through the bridge's `done`.
import type { Bridge } from '../bridge.ts';
import type { LiveDescription } from '../live-wire.ts';
import { buildAuthResult } from './auth-result.ts';
import { begin, type Current } from './current.ts';
import { errorInfo, outcomeJson, type Outcome } from './errors.ts';
import type { BuildLive } from './live-objects.ts';
import type { ModuleTable } from './modules.ts';
import { apply, now, parse, PromiseCtor, promiseResolve, promiseThen, StringCtor } from './primordials.ts';
import { dataJson, type ProxyCheck } from './serialize.ts';

export function createInvoke(
  bridge: Bridge,
  modules: ModuleTable,
  maxPayloadBytes: number,
  isProxy: ProxyCheck,
  current: Current,
  buildLive: BuildLive,
) {
  const finish = (callId: number, outcome: Outcome) => bridge('done', StringCtor(callId), outcomeJson(outcome, maxPayloadBytes, isProxy));

  /**
   * The entry that runs handler `id`; answers its outcome, or `{"pending":true}` when the handler's promise will tell.
   * `liveJson` describes the live objects among its arguments (live-objects.ts), '' when there are none.
   */
  return function invoke(
    callId: number,
    id: string,
    argsJson: string,
    deadlineAt: number,
    budgeted: boolean,
    liveJson: string,
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
      const record = modules.record(id);
      if (!record) return dataJson({ ok: false, error: { code: 'NOT_FOUND', name: 'Error', message: `no script "${id}" is loaded` } });
      current.owner = id;
      current.token = record.token;
      const handler = modules.evaluate(id, record).default as (...args: unknown[]) => unknown;
      const args = parse(argsJson) as unknown[];
      if (liveJson !== '') {
        const description = parse(liveJson) as LiveDescription;
        buildLive(description, args);
        for (const i of description.results ?? []) args[i] = buildAuthResult(args[i] as never);
        current.context = description.context;
      }
      result = apply(handler, undefined, args);
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
    return outcomeJson({ ok: true, value: result }, maxPayloadBytes, isProxy);
  };
}

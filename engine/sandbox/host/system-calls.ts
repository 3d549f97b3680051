import type { SourceLocation } from '../../errors.ts';
import type { LogLevel } from '../../logging/record.ts';
import { failed, fromGateway, isOk, OK_EMPTY, pendingOn, valueLength, type Outcome } from '../../outcome.ts';
import { API } from '../../system/api.ts';
import type { FunctionDecl } from '../../system/define.ts';
import { validateArgs } from '../../system/validate.ts';
import type { SandboxContext } from './context.ts';
import { WindowCounter } from './quotas.ts';
import type { StackMapper } from './stack-mapper.ts';

const DECLS = new Map<string, FunctionDecl>(API.functions.filter((f) => f.mode !== 'prelude').map((f) => [f.name, f]));
/** The arguments of a project's requests waiting for an answer may add up to this many times its payload limit. */
const PENDING_PAYLOADS = 4;
/** What a log record costs against logBytesPerMinute beyond its message and logger name: an empty one is not free. */
const LOG_RECORD_OVERHEAD = 100;

/** A call that passed every check: its declaration, its validated arguments and where in the user's code it was made. */
interface Admitted {
  decl: FunctionDecl;
  values: unknown[];
  argsBytes: number;
  source: SourceLocation | undefined;
}

/**
 * The system.* calls a project's scripts make: checked again here (quotas, payload size, the declaration), sent to
 * the gateway, and their answers brought back into the isolate. A blocking call waits here, its isolate's thread
 * held by applySyncPromise; the answer to any other call is settled in the isolate in its turn on its CPU budget.
 */
export class SystemCalls {
  private readonly ctx: SandboxContext;
  private readonly stacks: StackMapper;
  private readonly callRate = new WindowCounter(1000);
  private readonly logBytes = new WindowCounter(60_000);
  /** Bytes of calls that do not wait (live writes): nothing else bounds how fast a loop of them fills the IPC channel. */
  private readonly fireBytes = new WindowCounter(1000);
  private nextRequest = 1;
  /** Requests waiting for the gateway's answer: the size of their arguments, and the budget their continuation runs on. */
  private readonly pending = new Map<number, { bytes: number; budgeted: boolean }>();
  private pendingBytes = 0;
  /** Blocking calls waiting for the gateway's answer (at most one per isolate: its thread waits); `answer` if it came first. */
  private readonly blocking = new Map<number, { resolve?: (answer: Outcome) => void; answer?: Outcome }>();

  constructor(ctx: SandboxContext, stacks: StackMapper) {
    this.ctx = ctx;
    this.stacks = stacks;
  }

  /** A call that does not wait (the bridge's `call`); `budgeted`: the caller descends from a handler a script called. */
  call(fnName: string, argsJson: string, frame: string, budgeted: boolean, context = ''): Outcome {
    // A blocking call comes through callBlocking, which waits for its answer; here nothing would.
    if (DECLS.get(fnName)?.mode === 'sync') return failed('BAD_ARGUMENT', `system.${fnName} is a blocking call`);
    const refusedBytes = this.refusedFireBytes(fnName, argsJson.length);
    if (refusedBytes) return refusedBytes;
    const admitted = this.admit(fnName, argsJson, frame);
    if (typeof admitted === 'string') return admitted;
    const { decl, values, source } = admitted;
    if (decl.quota === 'log') return this.log(values, source);
    if (decl.mode === 'fire') {
      this.ctx.send({ t: 'systemCall', project: this.ctx.project, request: 0, fn: fnName, args: values, source, context });
      return OK_EMPTY;
    }
    const refused = this.refusedPending(fnName, admitted.argsBytes);
    if (refused) return refused;
    const request = this.nextRequest++;
    this.pending.set(request, { bytes: admitted.argsBytes, budgeted });
    this.pendingBytes += admitted.argsBytes;
    this.ctx.send({ t: 'systemCall', project: this.ctx.project, request, fn: fnName, args: values, source, context });
    return pendingOn(request);
  }

  /**
   * A blocking call (mode `sync`) and its wait, in one hop from the isolate: resolves with the gateway's answer, or
   * with TIMEOUT after `waitMs` (the prelude sets it a little before its entry's deadline), whichever comes first.
   */
  callBlocking(fnName: string, argsJson: string, frame: string, waitMs: number, context = ''): Promise<Outcome> | Outcome {
    let request: number;
    try {
      if (DECLS.get(fnName)?.mode !== 'sync') return failed('BAD_ARGUMENT', `system.${fnName} is not a blocking call`);
      const admitted = this.admit(fnName, argsJson, frame);
      if (typeof admitted === 'string') return admitted;
      request = this.nextRequest++;
      this.blocking.set(request, {});
      const { values, source } = admitted;
      this.ctx.send({ t: 'systemCall', project: this.ctx.project, request, fn: fnName, args: values, source, context });
    } catch (error) {
      return failed('INTERNAL', error instanceof Error ? error.message : 'internal error');
    }
    return this.waitForAnswer(request, waitMs);
  }

  private admit(fnName: string, argsJson: string, frame: string): Admitted | Outcome {
    const { limits, project } = this.ctx;
    const decl = DECLS.get(fnName);
    if (!decl) return failed('NOT_FOUND', `system.${fnName} does not exist`);
    if (!this.callRate.tryAdd(1, limits.callsPerSecond)) {
      return failed(
        'QUOTA_EXCEEDED',
        `system.${fnName}: project "${project}" made more than ${limits.callsPerSecond} system calls in one second`,
      );
    }
    if (argsJson.length > limits.maxPayloadBytes * 2)
      return failed('QUOTA_EXCEEDED', `system.${fnName}: arguments are larger than the payload limit of ${limits.maxPayloadBytes} bytes`);
    let args: unknown;
    try {
      args = JSON.parse(argsJson);
    } catch {
      return failed('NOT_SERIALIZABLE', `system.${fnName}: arguments are not valid JSON`);
    }
    if (!Array.isArray(args)) return failed('BAD_ARGUMENT', `system.${fnName}: arguments must be a list`);
    const checked = validateArgs(decl, args);
    if (!checked.ok) return failed('BAD_ARGUMENT', checked.message);
    const source = frame ? this.stacks.mapFrame(frame) : undefined;
    return { decl, values: checked.values, argsBytes: argsJson.length, source };
  }

  /** Calls that do not wait, and are no log records, may carry PENDING_PAYLOADS payload limits of bytes per second. Checked before parsing. */
  private refusedFireBytes(fnName: string, bytes: number): Outcome | undefined {
    const decl = DECLS.get(fnName);
    if (decl?.mode !== 'fire' || decl.quota === 'log') return undefined;
    const maxBytes = PENDING_PAYLOADS * this.ctx.limits.maxPayloadBytes;
    if (this.fireBytes.tryAdd(bytes, maxBytes)) return undefined;
    return failed(
      'QUOTA_EXCEEDED',
      `project "${this.ctx.project}" sent more than ${maxBytes} bytes in one second through writes that do not wait for an answer (such as session.custom.x = ...; ${PENDING_PAYLOADS} times its payload limit)`,
    );
  }

  /** Each waiting request's arguments cost this process and the gateway their parsing, copying and memory. */
  private refusedPending(fnName: string, argsBytes: number): Outcome | undefined {
    const { limits, project } = this.ctx;
    if (this.pending.size >= limits.maxPendingRequests) {
      return failed(
        'QUOTA_EXCEEDED',
        `system.${fnName}: project "${project}" already has ${limits.maxPendingRequests} requests waiting for an answer`,
      );
    }
    // Many large ones at once would stall this process's main thread (and with it every project it hosts).
    const maxPendingBytes = PENDING_PAYLOADS * limits.maxPayloadBytes;
    if (this.pendingBytes + argsBytes > maxPendingBytes) {
      return failed(
        'QUOTA_EXCEEDED',
        `system.${fnName}: project "${project}" already has requests carrying ${this.pendingBytes} bytes waiting for an answer (at most ${maxPendingBytes}: ${PENDING_PAYLOADS} times its payload limit)`,
      );
    }
    return undefined;
  }

  /** A log record (a function declared with `quota: 'log'`): counted against logBytesPerMinute, dropped past it. */
  private log(values: unknown[], source: SourceLocation | undefined): Outcome {
    const { limits, project } = this.ctx;
    const [level, logger, message, frame] = values as [LogLevel, string, string, string | undefined];
    const location = source ?? (frame ? this.stacks.mapFrame(frame) : undefined);
    if (!this.logBytes.tryAdd(LOG_RECORD_OVERHEAD + logger.length + message.length, limits.logBytesPerMinute)) {
      if (this.logBytes.firstWarningThisWindow())
        this.ctx.log(
          'warn',
          `log quota of ${limits.logBytesPerMinute} bytes per minute exceeded; further records are dropped until the minute is over`,
        );
      return OK_EMPTY;
    }
    const args = [level, logger, message, undefined];
    this.ctx.send({ t: 'systemCall', project, request: 0, fn: 'util.log', args, source: location });
    return OK_EMPTY;
  }

  private waitForAnswer(request: number, waitMs: number): Promise<Outcome> | Outcome {
    const waiting = this.blocking.get(request)!;
    if (waiting.answer !== undefined) {
      this.blocking.delete(request);
      return waiting.answer;
    }
    const left = Math.max(0, Math.round(waitMs));
    const timedOut = () => failed('TIMEOUT', `the gateway did not answer within the ${left} ms left before the deadline`);
    if (!(waitMs > 0)) {
      this.blocking.delete(request);
      return timedOut();
    }
    this.ctx.runner.waitBegins();
    return new Promise((resolve) => {
      const end = (answer: Outcome) => {
        clearTimeout(timer);
        this.blocking.delete(request);
        this.ctx.runner.waitEnds();
        resolve(answer);
      };
      const timer = setTimeout(() => end(timedOut()), waitMs);
      waiting.resolve = end;
    });
  }

  /** The gateway's answer to a system call: resume the waiting script, in its turn on the budget it runs on. */
  async answer(request: number, text: string): Promise<void> {
    const answer = this.withinPayloadLimit(fromGateway(text));
    const blocked = this.blocking.get(request);
    if (blocked) {
      if (blocked.resolve) {
        this.blocking.delete(request);
        blocked.resolve(answer);
      } else blocked.answer = answer;
      return;
    }
    const waiting = this.pending.get(request);
    if (!waiting) return;
    // Still pending until the script has it: answers queued behind a busy isolate count against maxPendingRequests,
    // so a script that loops making requests cannot pile up answers without bound.
    try {
      await this.settle(request, answer, waiting.budgeted);
    } finally {
      this.pendingBytes -= waiting.bytes;
      this.pending.delete(request);
    }
  }

  private withinPayloadLimit(answer: Outcome): Outcome {
    const { limits, project } = this.ctx;
    if (!isOk(answer) || valueLength(answer) <= limits.maxPayloadBytes) return answer;
    return failed(
      'QUOTA_EXCEEDED',
      `the answer is larger than the payload limit of ${limits.maxPayloadBytes} bytes of project "${project}"`,
    );
  }

  private async settle(request: number, answer: Outcome, budgeted: boolean): Promise<void> {
    const { budgets, runner, limits } = this.ctx;
    const budget = budgets.of(budgeted);
    await budgets.inTurn(budget, async () => {
      const timeout = budgets.timeLeftOn(budget);
      if (timeout <= 0) return this.ctx.budgetUsedUp(budgeted, 'an async continuation');
      const outcome = await runner.enter('settle', [request, answer], timeout, 'an async continuation', budget);
      if (!outcome.ok && outcome.code === 'TIMEOUT') {
        this.ctx.log(
          'error',
          `an async continuation ran past ${timeout} ms and was stopped (CPU budget ${limits.cpuBudgetMs} ms per 10 s)`,
        );
        if (budgets.timeLeftOn(budget) <= 0) this.ctx.budgetUsedUp(budgeted, 'the rest of that async work');
      }
    });
  }

  /** The isolate holding the callbacks is gone: forget the requests waiting for answers, end the blocking waits with `error`. */
  forgetAll(error: Outcome): void {
    this.pending.clear();
    this.pendingBytes = 0;
    for (const [request, waiting] of this.blocking) {
      this.blocking.delete(request);
      waiting.resolve?.(error);
    }
  }
}

import type { ErrorCode } from '../../errors.ts';
import { failed } from '../../outcome.ts';
import type { SandboxContext } from './context.ts';
import type { WindowCounter } from './quotas.ts';

/** How often the invocations' wall-clock deadlines are checked. */
const DEADLINE_SWEEP_MS = 10;
/** What the prelude's `invoke` answers for a handler that returned a promise: its outcome comes later, through `done`. */
const STILL_PENDING = '{"pending":true}';

interface Call {
  module: string;
  deadlineAt: number;
  timeoutMs: number;
  budgeted: boolean;
  /** The handler returned a promise: its continuations run on the CPU budget. */
  waiting?: boolean;
}

/** What an invocation runs: the module, its arguments (JSON) and the description of its live objects ('' for none). */
interface Handler {
  module: string;
  args: string;
  live: string;
}

/** The handler invocations of a project in flight: each runs within its deadline, and its outcome is sent once. */
export class Invocations {
  private readonly ctx: SandboxContext;
  private readonly calls = new Map<number, Call>();
  private deadlineSweep: NodeJS.Timeout | undefined;

  constructor(ctx: SandboxContext) {
    this.ctx = ctx;
  }

  /** Runs a handler; `budgeted` (a script asked for it) charges its CPU time to the project's budget, and is refused once that is used up. */
  async invoke(call: number, module: string, args: string, timeoutMs: number, budgeted = false, live = ''): Promise<void> {
    const { limits, project, budgets } = this.ctx;
    const deadlineAt = Date.now() + timeoutMs;
    this.calls.set(call, { module, deadlineAt, timeoutMs, budgeted });
    this.deadlineSweep ??= setInterval(() => this.sweepDeadlines(), DEADLINE_SWEEP_MS);
    // `args` is the JSON list of the handler's arguments: its payload may be no larger than what the project may send.
    if (args.length > limits.maxPayloadBytes + 2) {
      const file = this.ctx.displayName(module);
      const message = `the payload for ${file} is larger than the payload limit of ${limits.maxPayloadBytes} bytes of project "${project}"`;
      return this.finish(call, failed('QUOTA_EXCEEDED', message));
    }
    if (!budgeted) return this.run(call, { module, args, live }, deadlineAt, timeoutMs);
    return budgets.inTurn(budgets.called, () => this.runOnBudget(call, { module, args, live }, deadlineAt, timeoutMs));
  }

  /** A call from a script, in its turn: it runs only with budget left, and for no longer than what is left. */
  private async runOnBudget(call: number, handler: Handler, deadlineAt: number, timeoutMs: number): Promise<void> {
    if (!this.calls.has(call)) return; // past its deadline while it waited for its turn
    const { budgets, project, limits } = this.ctx;
    const remaining = budgets.remaining(budgets.called);
    const left = Math.floor(Math.min(timeoutMs, deadlineAt - Date.now(), remaining));
    const refused = () =>
      failed(
        'CPU_BUDGET',
        `${this.ctx.displayName(handler.module)} was not run to its end: project "${project}" used up its CPU budget of ${limits.cpuBudgetMs} ms per 10 s for handlers that scripts call`,
      );
    if (left <= 0) return this.finish(call, refused());
    const cutByBudget = remaining < Math.min(timeoutMs, deadlineAt - Date.now());
    return this.run(call, handler, deadlineAt, left, budgets.called, cutByBudget ? refused : undefined);
  }

  /** Runs a handler within `timeoutMs`, charged to `budget` if any; `onTimeout` says why it was cut short, if not its own timeout. */
  private async run(
    call: number,
    handler: Handler,
    deadlineAt: number,
    timeoutMs: number,
    budget?: WindowCounter,
    onTimeout?: () => string,
  ): Promise<void> {
    const started = Date.now();
    const onCalledBudget = budget === this.ctx.budgets.called;
    const { module, args, live } = handler;
    const outcome = await this.ctx.runner.enter(
      'invoke',
      [call, module, args, deadlineAt, onCalledBudget, live],
      timeoutMs,
      module,
      budget,
    );
    if (!outcome.ok) {
      // Waited in line behind an entry that ignored its timeout, whose isolate was rebuilt: runs in the new one.
      if (outcome.lost && this.calls.has(call)) return this.run(call, handler, deadlineAt, deadlineAt - Date.now(), budget, onTimeout);
      if (outcome.code === 'TIMEOUT') return this.finish(call, onTimeout?.() ?? this.timedOut(module, timeoutMs));
      return this.finish(call, failed(outcome.code, outcome.message));
    }
    const value = outcome.value ?? '';
    if (value !== STILL_PENDING) this.finish(call, value);
    else if (Date.now() - started > timeoutMs) this.finish(call, onTimeout?.() ?? this.timedOut(module, timeoutMs));
    else {
      // Still waiting on async work, unless that finished during the call itself (an async handler with no await).
      const state = this.calls.get(call);
      if (state) state.waiting = true;
    }
  }

  private timedOut(module: string, timeoutMs: number): string {
    return failed('TIMEOUT', `${this.ctx.displayName(module)} timed out after ${timeoutMs} ms`);
  }

  /**
   * Fails the invocations past their wall-clock deadline (time waiting on system.* calls included). One sweep for all
   * of them, rather than a timer per call, keeps the per-call cost down; deadlines hold to within DEADLINE_SWEEP_MS.
   */
  private sweepDeadlines(): void {
    const now = Date.now();
    for (const [call, state] of this.calls) {
      if (now >= state.deadlineAt) this.finish(call, this.timedOut(state.module, state.timeoutMs));
    }
    if (this.calls.size === 0) {
      clearInterval(this.deadlineSweep);
      this.deadlineSweep = undefined;
    }
  }

  /** Sends an invocation's outcome once (the prelude's `done`, a deadline, a failure); script errors get their stacks mapped. */
  finish(call: number, outcome: string): void {
    const state = this.calls.get(call);
    if (!state) return;
    this.calls.delete(call);
    this.ctx.send({ t: 'result', call, outcome: this.ctx.errors.checkedOutcome(outcome, this.ctx.displayName(state.module)) });
  }

  /** Fails the invocations in flight (`onlyWaiting`: only those waiting on async work, whose promises are gone). */
  failAll(code: ErrorCode, message: string, onlyWaiting = false): void {
    for (const [call, state] of this.calls) {
      if (onlyWaiting && !state.waiting) continue;
      this.calls.delete(call);
      this.ctx.send({ t: 'result', call, outcome: failed(code, message) });
    }
  }

  /** A budget is used up: the invocations waiting on async work on it fail now rather than at their deadline. */
  failWaitingOn(budgeted: boolean, describeBudget: string): void {
    for (const [call, state] of this.calls) {
      if (state.waiting && state.budgeted === budgeted) {
        const message = `${this.ctx.displayName(state.module)} was stopped: project "${this.ctx.project}" used up its ${describeBudget} for async work`;
        this.finish(call, failed('CPU_BUDGET', message));
      }
    }
  }
}

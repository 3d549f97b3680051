import { WindowCounter } from './quotas.ts';

const CPU_WINDOW_MS = 10_000;

/**
 * A project's two CPU budgets, each `cpuBudgetMs` per 10 s: its own (timers, async continuations) and the one for
 * the handlers that scripts call (sendRequest, sendMessage). Apart, because another project's calls can use up the
 * second, and must not thereby stop this project's timers and async work.
 */
export class CpuBudgets {
  readonly own = new WindowCounter(CPU_WINDOW_MS);
  readonly called = new WindowCounter(CPU_WINDOW_MS);
  private readonly budgetMs: number;
  private readonly timeoutMs: number;
  /** The last entry waiting for its turn on each budget (see inTurn). */
  private readonly turns = new Map<WindowCounter, Promise<void>>();

  constructor(budgetMs: number, timeoutMs: number) {
    this.budgetMs = budgetMs;
    this.timeoutMs = timeoutMs;
  }

  /** `called`: the work descends from a handler that a script called. */
  of(called: boolean): WindowCounter {
    return called ? this.called : this.own;
  }

  remaining(budget: WindowCounter): number {
    return budget.remaining(this.budgetMs);
  }

  /** Whole milliseconds left on a budget, capped by the invocation timeout. */
  timeLeftOn(budget: WindowCounter): number {
    return Math.floor(Math.min(this.timeoutMs, this.remaining(budget)));
  }

  /** Entries on a budget run one at a time, so that each starts only with budget left and runs on what is left. */
  inTurn(budget: WindowCounter, work: () => Promise<void>): Promise<void> {
    const turn = (this.turns.get(budget) ?? Promise.resolve()).then(work);
    // One entry failing must not stop the turns of the next.
    this.turns.set(
      budget,
      turn.catch(() => undefined),
    );
    return turn;
  }

  /** How a budget is named in messages. */
  describe(called: boolean): string {
    return `CPU budget of ${this.budgetMs} ms per 10 s${called ? ' for handlers that scripts call' : ''}`;
  }
}

import { failed, OK_EMPTY } from '../../outcome.ts';
import type { SandboxContext } from './context.ts';

/** Node runs a timer whose delay does not fit in 32 bits after 1 ms; such a delay waits this long instead. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

interface Timer {
  handle: NodeJS.Timeout;
  repeat: boolean;
  /** Its callback is running or waiting for its turn: an interval does not pile up runs. */
  running: boolean;
  /** The module that was running when it was set. */
  owner: string;
  /** Set by a handler that a script called: runs on that budget. */
  budgeted: boolean;
}

/** The host side of a project's setTimeout and setInterval: Node timers that run the callbacks in the isolate, on a CPU budget. */
export class SandboxTimers {
  private readonly ctx: SandboxContext;
  private readonly timers = new Map<number, Timer>();

  constructor(ctx: SandboxContext) {
    this.ctx = ctx;
  }

  set(id: number, requested: number, repeat: boolean, budgeted: boolean, owner: string): string {
    const { limits, project } = this.ctx;
    if (this.timers.size >= limits.maxTimers) {
      return failed('QUOTA_EXCEEDED', `project "${project}" already has ${limits.maxTimers} live timers`);
    }
    const shortest = repeat ? 10 : 1;
    const delay = Number.isNaN(requested) ? shortest : Math.min(MAX_TIMER_DELAY_MS, Math.max(shortest, requested));
    const fire = () => void this.fire(id);
    const handle = repeat ? setInterval(fire, delay) : setTimeout(fire, delay);
    this.timers.set(id, { handle, repeat, running: false, owner, budgeted });
    return OK_EMPTY;
  }

  clear(id: number): void {
    const timer = this.timers.get(id);
    if (!timer) return;
    clearTimeout(timer.handle);
    this.timers.delete(id);
  }

  /** Clears every timer, or (`onlyBudgeted`) those that handlers called by scripts set. */
  clearAll(onlyBudgeted = false): void {
    for (const [id, timer] of this.timers) {
      if (onlyBudgeted && !timer.budgeted) continue;
      clearTimeout(timer.handle);
      this.timers.delete(id);
    }
  }

  /** "a timer callback of <file>", naming the module that set the timer when it is one of the project's. */
  private nameOf(owner: string): string {
    return this.ctx.isModule(owner) ? `a timer callback of ${this.ctx.displayName(owner)}` : 'a timer callback';
  }

  private async fire(id: number): Promise<void> {
    const timer = this.timers.get(id);
    if (!timer || timer.running) return; // an interval whose last run is still going (or waiting its turn) does not pile up
    const { budgets, runner } = this.ctx;
    const what = this.nameOf(timer.owner);
    const budget = budgets.of(timer.budgeted);
    timer.running = true;
    try {
      await budgets.inTurn(budget, async () => {
        const timeout = budgets.timeLeftOn(budget);
        if (timeout <= 0) return this.ctx.budgetUsedUp(timer.budgeted, what);
        const outcome = await runner.enter('fireTimer', [id], timeout, what, budget);
        // A timeout counts against maxTimers until its callback has run: a script keeping its isolate busy cannot
        // pile up callbacks waiting for it. (After a rebuild the id may belong to a new timer.)
        if (!timer.repeat && this.timers.get(id) === timer) this.timers.delete(id);
        if (!outcome.ok) {
          if (outcome.code === 'TIMEOUT')
            this.ctx.log('error', `${what} ran past ${timeout} ms and was stopped (CPU budget ${this.ctx.limits.cpuBudgetMs} ms per 10 s)`);
          return;
        }
        if (outcome.value) this.reportThrown(outcome.value);
      });
    } finally {
      timer.running = false;
    }
  }

  /** A callback threw: the prelude answered `{owner, error}`. */
  private reportThrown(answer: string): void {
    const { owner, error } = JSON.parse(answer) as { owner: string; error: unknown };
    const file = this.ctx.displayName(owner);
    const data = this.ctx.errors.errorData(error, file);
    this.ctx.send({
      t: 'log',
      project: this.ctx.project,
      level: 'error',
      logger: 'timer',
      message: `timer callback of ${file} threw ${data.message}`,
      source: data.location,
    });
  }
}

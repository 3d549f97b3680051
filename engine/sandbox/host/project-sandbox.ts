import type { ErrorCode } from '../../errors.ts';
import type { LogLevel } from '../../logging/record.ts';
import { failed, OK_EMPTY } from '../../outcome.ts';
import type { ProjectLimits } from '../../projects/limits.ts';
import { readBridgeCall } from '../bridge.ts';
import type { FromSandbox, ModuleLoadResult, ModuleSpec } from '../protocol.ts';
import { CpuBudgets } from './budgets.ts';
import type { SandboxContext } from './context.ts';
import { Invocations } from './invocations.ts';
import { IsolateRunner, type Entry } from './isolate-runner.ts';
import { ModuleTable } from './modules.ts';
import { ScriptErrors } from './script-errors.ts';
import { StackMapper } from './stack-mapper.ts';
import { SystemCalls } from './system-calls.ts';
import { SandboxTimers } from './timers.ts';

type Send = (message: FromSandbox) => void;

/**
 * A project's isolate inside a sandbox host process, put together from its parts: the isolate and its entries
 * (IsolateRunner), the module table, invocations, system calls, timers and the CPU budgets. It answers the bridge from
 * the prelude, and rebuilds the isolate from the last good scripts when it is lost (memory limit, a stuck host-call loop).
 */
export class ProjectSandbox implements SandboxContext {
  readonly project: string;
  readonly limits: ProjectLimits;
  readonly send: Send;
  readonly runner: IsolateRunner;
  readonly budgets: CpuBudgets;
  readonly errors: ScriptErrors;
  private readonly modules: ModuleTable;
  private readonly invocations: Invocations;
  private readonly systemCalls: SystemCalls;
  private readonly timers: SandboxTimers;
  /** Set once the watchdog has reported this sandbox's isolate as wedged (the supervisor restarts the process). */
  wedged = false;

  private constructor(project: string, limits: ProjectLimits, send: Send) {
    this.project = project;
    this.limits = limits;
    this.send = send;
    const stacks = new StackMapper();
    this.budgets = new CpuBudgets(limits.cpuBudgetMs, limits.timeoutMs);
    this.errors = new ScriptErrors(stacks, limits.maxPayloadBytes);
    this.modules = new ModuleTable(this, stacks);
    this.invocations = new Invocations(this);
    this.systemCalls = new SystemCalls(this, stacks);
    this.timers = new SandboxTimers(this);
    this.runner = new IsolateRunner(project, limits, {
      onBridge: (op, args) => this.onBridge(op, args),
      onBlockingCall: (fn, argsJson, frame, _budgeted, waitMs, context) =>
        this.systemCalls.callBlocking(fn, argsJson, frame, waitMs, context),
      onLost: (generation, code, reason, onlyWaiting) => void this.rebuild(generation, code, reason, onlyWaiting),
      displayName: (module) => this.displayName(module),
    });
  }

  static async create(project: string, limits: ProjectLimits, send: Send): Promise<ProjectSandbox> {
    const sandbox = new ProjectSandbox(project, limits, send);
    await sandbox.runner.build();
    return sandbox;
  }

  load(modules: ModuleSpec[], remove: string[], reevaluate: [string, boolean][]): Promise<Record<string, ModuleLoadResult>> {
    return this.modules.load(modules, remove, reevaluate);
  }

  invoke(call: number, module: string, args: string, timeoutMs: number, budgeted = false, live = ''): Promise<void> {
    return this.invocations.invoke(call, module, args, timeoutMs, budgeted, live);
  }

  answer(request: number, answer: string): Promise<void> {
    return this.systemCalls.answer(request, answer);
  }

  wedgedEntry(now: number): Entry | undefined {
    return this.runner.wedgedEntry(now);
  }

  stopOverdue(now: number): void {
    this.runner.stopOverdue(now);
  }

  unload(): void {
    this.failAll('PROJECT_UNAVAILABLE', `project "${this.project}" was unloaded`);
    this.runner.dispose();
  }

  displayName(module: string): string {
    return this.modules.displayName(module);
  }

  isModule(module: string): boolean {
    return this.modules.has(module);
  }

  log(level: LogLevel, message: string): void {
    this.send({ t: 'log', project: this.project, level, logger: 'sandbox', message });
  }

  /** A call from inside the isolate (engine/sandbox/bridge.ts). */
  private onBridge(rawOp: unknown, rawArgs: unknown[]): string | undefined {
    const received = readBridgeCall(rawOp, rawArgs);
    if (!received) return failed('INTERNAL', `unknown bridge operation "${String(rawOp)}"`);
    try {
      switch (received.op) {
        case 'call': {
          const [fn, argsJson, frame, budgeted, context] = received.args;
          return this.systemCalls.call(fn, argsJson, frame, budgeted === '1', context);
        }
        case 'done':
          this.invocations.finish(Number(received.args[0]), received.args[1]);
          return undefined;
        case 'setTimer': {
          const [id, delayMs, repeat, budgeted, owner] = received.args;
          return this.timers.set(Number(id), Number(delayMs), repeat === '1', budgeted === '1', owner);
        }
        case 'clearTimer':
          this.timers.clear(Number(received.args[0]));
          return OK_EMPTY;
      }
    } catch (error) {
      // Never let a host exception (and its host stack) cross into the isolate.
      return failed('INTERNAL', error instanceof Error ? error.message : 'internal error');
    }
  }

  /**
   * A budget is used up. The project's own (async work and timers): every timer of the project is cleared and the
   * invocations waiting on async work fail now rather than at their deadline. The budget for handlers that scripts
   * call: only the timers those handlers set, and only the invocations they were part of, so that another project's
   * calls cannot stop this project's own timers.
   */
  budgetUsedUp(budgeted: boolean, what: string): void {
    this.timers.clearAll(budgeted);
    if (budgeted) void this.runner.enter('dropTimers', [true], 100, 'dropTimers', undefined);
    else for (const drop of [false, true]) void this.runner.enter('dropTimers', [drop], 100, 'dropTimers', undefined);
    const budget = this.budgets.describe(budgeted);
    const cleared = budgeted ? 'the timers those handlers set' : 'all timers of the project';
    this.log('error', `${budget} used up; ${what} was not run and ${cleared} were cleared`);
    this.invocations.failWaitingOn(budgeted, budget);
  }

  /**
   * Builds the isolate again from the last good scripts, after its memory limit or after stopOverdue disposed it.
   * `onlyWaiting`: only the invocations waiting on async work fail (their promises are gone); the others were only
   * waiting in line, and run again in the new isolate.
   */
  private async rebuild(generation: number, code: ErrorCode, reason: string, onlyWaiting: boolean): Promise<void> {
    const runner = this.runner;
    if (generation !== runner.generation || runner.rebuilding) return;
    let results: Record<string, ModuleLoadResult> = {};
    runner.rebuilding = (async () => {
      this.failAll(code, `${reason}; its sandbox was rebuilt from the last good scripts`, onlyWaiting);
      await runner.build();
      results = await this.modules.defineLastGood();
    })();
    try {
      await runner.rebuilding;
      this.send({ t: 'rebuilt', project: this.project, reason, results });
    } finally {
      runner.rebuilding = undefined;
    }
  }

  /** Fails every invocation in flight and forgets timers and pending requests (the isolate holding their callbacks is gone). */
  private failAll(code: ErrorCode, message: string, onlyWaiting = false): void {
    this.invocations.failAll(code, message, onlyWaiting);
    this.timers.clearAll();
    this.systemCalls.forgetAll(failed(code, message));
  }
}

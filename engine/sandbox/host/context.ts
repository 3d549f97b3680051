import type { LogLevel } from '../../logging/record.ts';
import type { ProjectLimits } from '../../projects/limits.ts';
import type { FromSandbox } from '../protocol.ts';
import type { CpuBudgets } from './budgets.ts';
import type { IsolateRunner } from './isolate-runner.ts';
import type { ScriptErrors } from './script-errors.ts';

/** What the parts of a project's sandbox (modules, invocations, system calls, timers) share: ProjectSandbox gives it. */
export interface SandboxContext {
  readonly project: string;
  readonly limits: ProjectLimits;
  readonly runner: IsolateRunner;
  readonly budgets: CpuBudgets;
  readonly errors: ScriptErrors;
  send(message: FromSandbox): void;
  /** A record of the sandbox's own (logger "sandbox"). */
  log(level: LogLevel, message: string): void;
  /** `projects/<project>/<path>` for one of the project's modules, else the name as given. */
  displayName(module: string): string;
  isModule(module: string): boolean;
  /** A budget is used up (`called`: the one for handlers that scripts call); `what` was not run. */
  budgetUsedUp(called: boolean, what: string): void;
}

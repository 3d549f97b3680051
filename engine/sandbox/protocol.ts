/**
 * The IPC messages between the gateway's supervisor and a sandbox host process, in one place.
 * Values produced by scripts travel as JSON strings (`outcome`, `args`, `answer`) so that the gateway
 * can forward them without parsing.
 */
import type { SourceLocation } from '../errors.ts';
import type { LogLevel } from '../logging/record.ts';
import type { ProjectLimits } from '../projects/limits.ts';
import type { ModuleLoadResult, ModuleSpec } from '../projects/module-loader.ts';

export type { ModuleLoadResult, ModuleSpec };

export type ToSandbox =
  | { t: 'ping'; n: number }
  /** Creates the project's isolate if needed, then defines `modules`, removes `remove`, and re-evaluates `reevaluate` (modules whose imports changed). */
  | {
      t: 'load';
      req: number;
      project: string;
      limits: ProjectLimits;
      modules: ModuleSpec[];
      remove: string[];
      reevaluate: [string, boolean][];
    }
  | { t: 'unload'; req: number; project: string }
  /** `budgeted`: a script asked for this call (sendRequest, sendMessage), so it runs on the target's CPU budget. */
  /** `live`: the description of the live objects among the arguments (engine/sandbox/live-wire.ts), '' for none. */
  | { t: 'invoke'; call: number; project: string; module: string; args: string; timeoutMs: number; budgeted: boolean; live: string }
  /** The answer to a `systemCall`: `{"ok":true,"value":...}` or `{"ok":false,"error":{...}}`. */
  | { t: 'answer'; project: string; request: number; answer: string };

export type FromSandbox =
  | { t: 'ready' }
  | { t: 'pong'; n: number }
  | { t: 'loaded'; req: number; results: Record<string, ModuleLoadResult> }
  | { t: 'unloaded'; req: number }
  /** `outcome` is `{"ok":true,"value":...}` or `{"ok":false,"error":ErrorData}`. */
  | { t: 'result'; call: number; outcome: string }
  /** A system.* call from a script; `request` is 0 for calls that expect no answer. */
  /** `context`: the session, page and view the call comes from (engine/sessions/live-args.ts), '' or absent outside a session. */
  | { t: 'systemCall'; project: string; request: number; fn: string; args: unknown[]; source?: SourceLocation; context?: string }
  | { t: 'log'; project: string; level: LogLevel; logger: string; message: string; source?: SourceLocation }
  /** The project's isolate was replaced by a fresh one with the same scripts (memory limit). */
  /** The project's isolate was rebuilt after its memory limit; `results` of defining its last good scripts again. */
  | { t: 'rebuilt'; project: string; reason: string; results: Record<string, ModuleLoadResult> }
  /** An isolate ignores interrupts (a builtin that cannot be stopped): only killing the process ends it. */
  | { t: 'wedged'; project: string; module: string };

import type { ErrorData, SourceLocation } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { LogLevel } from '../logging/record.ts';
import { failed, type Outcome } from '../outcome.ts';
import type { ProjectLimits } from '../projects/limits.ts';
import { LastGood } from '../projects/last-good.ts';
import type { ModuleLoadResult, ModuleSpec } from './protocol.ts';
import { SandboxProcess, type SandboxProcessEvents } from './sandbox-process.ts';

/** What the supervisor needs from the rest of the gateway. */
export interface SandboxListener {
  /** A system.* call from a script; answer with `supervisor.answer` when `request` is not 0. */
  systemCall(project: string, request: number, fn: string, args: unknown[], source: SourceLocation | undefined, context: string): void;
  log(project: string, level: LogLevel, logger: string, message: string, source: SourceLocation | undefined): void;
  /** The project's last good scripts were loaded into a fresh isolate; `failed` are those that did not load again. */
  reloaded(project: string, rebuild: Rebuild): void;
}

/** A project's isolate built again (after its memory limit, or in a restarted process), and the modules that could not be loaded into it. */
export interface Rebuild {
  /** Whether the project itself was running code when its isolate was lost (always so after its memory limit). */
  involved: boolean;
  failed: Record<string, ErrorData>;
}

function failuresOf(results: Record<string, ModuleLoadResult>): Record<string, ErrorData> {
  return Object.fromEntries(Object.entries(results).flatMap(([id, r]) => (r.ok ? [] : [[id, r.error]])));
}

export interface SupervisorOptions {
  /** Shared sandbox processes (projects with `isolated: true` get one of their own). */
  processes: number;
  logger: Logger;
  listener: SandboxListener;
}

/** What a project's isolate should hold: the supervisor replays it into a restarted process. */
interface ProjectState {
  limits: ProjectLimits;
  lastGood: LastGood;
  process: SandboxProcess;
}

/**
 * The gateway side of the sandbox: assigns projects to sandbox processes (each one child, sandbox-process.ts, which
 * restarts itself when it dies or is stuck), routes loads, invocations and answers to them, keeps each project's last
 * good scripts and replays them into a restarted process.
 */
export class Supervisor {
  private readonly logger: Logger;
  private readonly listener: SandboxListener;
  /** What every sandbox process reports: scripts' calls and logs go to the gateway, rebuilds and restarts come back here. */
  private readonly events: SandboxProcessEvents;
  private readonly shared: SandboxProcess[] = [];
  private readonly own = new Map<string, SandboxProcess>();
  private readonly projects = new Map<string, ProjectState>();
  private nextId = 1;

  constructor(options: SupervisorOptions) {
    this.logger = options.logger;
    this.listener = options.listener;
    this.events = {
      systemCall: (project, request, fn, args, source, context) => this.listener.systemCall(project, request, fn, args, source, context),
      log: (project, level, logger, message, source) => this.listener.log(project, level, logger, message, source),
      rebuilt: (project, results) => this.listener.reloaded(project, { involved: true, failed: failuresOf(results) }),
      replay: (project) => void this.replay(project),
    };
    for (let i = 0; i < Math.max(1, options.processes); i++) this.shared.push(this.startProcess(`shared-${i + 1}`));
  }

  private startProcess(id: string): SandboxProcess {
    return new SandboxProcess(id, this.logger, this.events);
  }

  private assign(project: string, isolated: boolean): SandboxProcess {
    if (isolated) {
      let own = this.own.get(project);
      if (!own) {
        own = this.startProcess(`isolated-${project}`);
        this.own.set(project, own);
      }
      return own;
    }
    return this.shared.reduce((least, p) => (p.projects.size < least.projects.size ? p : least));
  }

  /** Loads (or updates) a project's modules. Modules that load become its last good version. */
  async load(
    project: string,
    options: { limits: ProjectLimits; isolated: boolean; modules: ModuleSpec[]; remove: string[]; reevaluate: [string, boolean][] },
  ): Promise<Record<string, ModuleLoadResult>> {
    // A project's limits and isolation are fixed while it is loaded: a change to them unloads it first (Project.reconfigure).
    let state = this.projects.get(project);
    if (!state) {
      const process = this.assign(project, options.isolated);
      process.projects.add(project);
      state = { limits: options.limits, lastGood: new LastGood(), process };
      this.projects.set(project, state);
    }
    const req = this.nextId++;
    const results = await state.process.load(
      req,
      { t: 'load', req, project, limits: options.limits, modules: options.modules, remove: options.remove, reevaluate: options.reevaluate },
      true,
    );
    if (!results) {
      const message =
        'the sandbox process crashed twice while loading this script (it was sent again after the first restart); the last good version is kept';
      return Object.fromEntries(
        options.modules.map((m) => [
          m.id,
          { ok: false, error: { code: 'SANDBOX_CRASHED', message, location: { file: m.displayPath, line: 1, column: 1 } } },
        ]),
      );
    }
    state.lastGood.apply(options, results);
    return results;
  }

  /** Sends a project's whole last good state to its (new) process, then tells the gateway. */
  private async replay(project: string): Promise<void> {
    const state = this.projects.get(project);
    if (!state) return;
    const req = this.nextId++;
    // Not sent again if the process dies under it: the restart replays the project anyway.
    const results = await state.process.load(
      req,
      { t: 'load', req, project, limits: state.limits, modules: [...state.lastGood.modules.values()], remove: [], reevaluate: [] },
      false,
    );
    if (results) this.listener.reloaded(project, { involved: state.process.lastCrashInvolved.has(project), failed: failuresOf(results) });
  }

  async unload(project: string): Promise<void> {
    const state = this.projects.get(project);
    if (!state) return;
    this.projects.delete(project);
    state.process.projects.delete(project);
    await state.process.unload(this.nextId++, project);
    const own = this.own.get(project);
    if (own) {
      this.own.delete(project);
      await own.stop();
    }
  }

  has(project: string): boolean {
    return this.projects.has(project);
  }

  /**
   * Runs a module's default export; resolves to the outcome JSON (`{"ok":true,"value":...}` or an error). A call a
   * script asked for (`budgeted`) runs on the target project's CPU budget: scripts calling handlers that call
   * handlers cannot keep a core busy for ever. `live` describes the live objects among the arguments (session, page,
   * self: engine/sessions/live-args.ts).
   */
  invoke(project: string, module: string, argsJson: string, timeoutMs: number, budgeted = false, live = ''): Promise<Outcome> {
    const state = this.projects.get(project);
    if (!state) return Promise.resolve(failed('PROJECT_UNAVAILABLE', `project "${project}" is not loaded`));
    return state.process.invoke(this.nextId++, project, module, argsJson, timeoutMs, budgeted, live);
  }

  answer(project: string, request: number, answer: Outcome): void {
    this.projects.get(project)?.process.post({ t: 'answer', project, request, answer });
  }

  processOf(project: string): { id: string; pid: number | undefined } | undefined {
    const p = this.projects.get(project)?.process;
    return p ? { id: p.id, pid: p.pid } : undefined;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.shared, ...this.own.values()].map((p) => p.stop()));
  }
}

import { fork, type ChildProcess } from 'node:child_process';
import type { ErrorData, SourceLocation } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { LogLevel } from '../logging/record.ts';
import { failed, fromSandbox, type Outcome } from '../outcome.ts';
import type { ProjectLimits } from '../projects/limits.ts';
import { sandboxHostScript } from './host-bundle.ts';
import { LastGood } from './last-good.ts';
import type { FromSandbox, ModuleLoadResult, ModuleSpec, ToSandbox } from './protocol.ts';

const HEARTBEAT_MS = 500;
const HEARTBEAT_DEADLINE_MS = 3000;
/**
 * The sandbox keeps every call's deadline; should its answer ever be lost anyway, the caller is answered this long
 * after the deadline (room for a restart's back-off and replay, which a queued call waits for).
 */
const BACKSTOP_GRACE_MS = 10_000;

/** What the supervisor needs from the rest of the gateway. */
export interface SandboxListener {
  /** A system.* call from a script; answer with `supervisor.answer` when `request` is not 0. */
  systemCall(project: string, request: number, fn: string, args: unknown[], source: SourceLocation | undefined): void;
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

/** One sandbox host child process: spawn, heartbeat, restart, and the calls in flight in it. */
class SandboxProcess {
  readonly id: string;
  private child: ChildProcess | undefined;
  private ready = false;
  private queue: ToSandbox[] = [];
  private readonly calls = new Map<number, { resolve: (outcome: Outcome) => void; project: string; module: string; backstopAt: number }>();
  /** Loads sent and not answered yet; `resend`: sent again after a restart, if the process dies under it (see onExit). */
  private readonly loads = new Map<
    number,
    { message: ToSandbox; resend: boolean; done: (results: Record<string, ModuleLoadResult> | undefined) => void }
  >();
  private readonly unloads = new Map<number, () => void>();
  private lastPong = Date.now();
  private heartbeat: NodeJS.Timeout | undefined;
  private crashes: number[] = [];
  private stopping = false;
  readonly projects = new Set<string>();
  /** The projects that were running code when the process last died: calls in flight, or stuck in a builtin. */
  lastCrashInvolved = new Set<string>();
  /** Projects found stuck in a builtin (the wedge watchdog names them): the exact cause of the kill that follows. */
  private stuck = new Set<string>();
  private readonly supervisor: Supervisor;

  constructor(id: string, supervisor: Supervisor) {
    this.id = id;
    this.supervisor = supervisor;
    this.spawn();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private spawn(): void {
    this.ready = false;
    this.lastPong = Date.now();
    const child = fork(sandboxHostScript(), [], { execArgv: ['--no-node-snapshot'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    child.on('message', (message: FromSandbox) => this.onMessage(message));
    child.on('exit', (code, signal) => this.onExit(child, code, signal));
    child.on('error', (error) => this.supervisor.logger.error(`sandbox process ${this.id} error: ${error.message}`));
    clearInterval(this.heartbeat);
    let n = 0;
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastPong > HEARTBEAT_DEADLINE_MS) {
        this.supervisor.logger.error(
          `sandbox process ${this.id} missed its heartbeat for ${HEARTBEAT_DEADLINE_MS} ms; killing it (projects: ${this.describeWork()})`,
          this.soleProject(),
        );
        this.kill();
        return;
      }
      this.post({ t: 'ping', n: ++n });
      this.abandonOverdueCalls();
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  post(message: ToSandbox): void {
    if (!this.ready && message.t !== 'ping') {
      this.queue.push(message);
      return;
    }
    if (this.child?.connected) this.child.send(message);
  }

  invoke(call: number, project: string, module: string, args: string, timeoutMs: number, budgeted: boolean): Promise<Outcome> {
    return new Promise((resolve) => {
      this.calls.set(call, { resolve, project, module, backstopAt: Date.now() + timeoutMs + BACKSTOP_GRACE_MS });
      this.post({ t: 'invoke', call, project, module, args, timeoutMs, budgeted });
    });
  }

  /** Answers the calls whose answer is long overdue, so that no caller waits for ever on a lost message. */
  private abandonOverdueCalls(): void {
    const now = Date.now();
    for (const [id, call] of this.calls) {
      if (now < call.backstopAt) continue;
      this.calls.delete(id);
      this.supervisor.logger.error(`sandbox process ${this.id} never answered a call to ${call.project}/${call.module}; it was abandoned`, {
        project: call.project,
      });
      call.resolve(
        failed(
          'SANDBOX_CRASHED',
          `the sandbox never answered this call to ${call.module}, ${BACKSTOP_GRACE_MS / 1000} s past its deadline`,
        ),
      );
    }
  }

  /** Resolves to undefined if the process dies under the load (twice, when `resend`). */
  load(req: number, message: ToSandbox & { t: 'load' }, resend: boolean): Promise<Record<string, ModuleLoadResult> | undefined> {
    return new Promise((resolve) => {
      this.loads.set(req, { message, resend, done: resolve });
      this.post(message);
    });
  }

  unload(req: number, project: string): Promise<void> {
    return new Promise((resolve) => {
      this.unloads.set(req, resolve);
      this.post({ t: 'unload', req, project });
    });
  }

  private onMessage(message: FromSandbox): void {
    switch (message.t) {
      case 'ready': {
        this.ready = true;
        const queued = this.queue;
        this.queue = [];
        for (const m of queued) this.post(m);
        return;
      }
      case 'pong':
        this.lastPong = Date.now();
        return;
      case 'result': {
        const call = this.calls.get(message.call);
        this.calls.delete(message.call);
        call?.resolve(fromSandbox(message.outcome));
        return;
      }
      case 'loaded': {
        const load = this.loads.get(message.req);
        this.loads.delete(message.req);
        load?.done(message.results);
        return;
      }
      case 'unloaded': {
        const done = this.unloads.get(message.req);
        this.unloads.delete(message.req);
        done?.();
        return;
      }
      case 'systemCall':
        return this.supervisor.listener.systemCall(message.project, message.request, message.fn, message.args, message.source);
      case 'log':
        return this.supervisor.listener.log(message.project, message.level, message.logger, message.message, message.source);
      case 'rebuilt':
        this.supervisor.logger.error(`${message.reason}; its sandbox was rebuilt from the last good scripts`, { project: message.project });
        return this.supervisor.listener.reloaded(message.project, { involved: true, failed: failuresOf(message.results) });
      case 'wedged':
        this.stuck.add(message.project);
        this.supervisor.logger.error(
          `project "${message.project}" is stuck in ${message.module} and ignores its timeout; restarting sandbox process ${this.id}`,
          { project: message.project },
        );
        this.kill();
        return;
    }
  }

  private describeWork(): string {
    const running = [...this.calls.values()].map((c) => `${c.project}/${c.module}`);
    return running.length > 0 ? `running ${[...new Set(running)].join(', ')}` : `hosting ${[...this.projects].join(', ') || 'no projects'}`;
  }

  /** The one project concerned, when there is one: the only one with calls in flight, or the only one hosted. */
  private soleProject(): { project?: string } {
    const running = new Set([...this.calls.values()].map((c) => c.project));
    const candidates = running.size > 0 ? running : this.projects;
    return candidates.size === 1 ? { project: [...candidates][0] } : {};
  }

  kill(): void {
    this.child?.kill('SIGKILL');
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    clearInterval(this.heartbeat);
    // Until the new process is ready, messages wait in the queue: sent now, they would be lost with the old one.
    this.ready = false;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    if (!this.stopping) this.supervisor.logger.error(`sandbox process ${this.id} ${how} while ${this.describeWork()}`, this.soleProject());
    // A timer callback or an async continuation is no call: a project stuck in one counts too.
    this.lastCrashInvolved = new Set([...[...this.calls.values()].map((c) => c.project), ...this.stuck]);
    this.stuck = new Set();
    const message = `the sandbox process ${how} while running this call; the project is being restarted with its last good scripts`;
    for (const [, call] of this.calls) call.resolve(failed('SANDBOX_CRASHED', message));
    this.calls.clear();
    // A save whose load was in flight goes again after the replay, in the order sent (issue 10: it was lost, and blamed
    // for the crash). Sent again once: a load in flight at two crashes in a row is the likely cause, and is reported.
    const resent: ToSandbox[] = [];
    for (const [req, load] of this.loads) {
      if (load.resend && !this.stopping) {
        load.resend = false;
        resent.push(load.message);
      } else {
        this.loads.delete(req);
        load.done(undefined);
      }
    }
    for (const [, done] of this.unloads) done();
    this.unloads.clear();
    this.queue = [...resent, ...this.queue.filter((m) => m.t !== 'invoke' && m.t !== 'answer')];
    if (this.stopping) return;
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < 30_000), now];
    // Back off when a process keeps dying (a script that crashes it at startup), up to 5 s between restarts.
    const delay = Math.min(5000, this.crashes.length <= 1 ? 0 : 100 * 2 ** (this.crashes.length - 2));
    setTimeout(() => this.restart(), delay).unref();
  }

  private restart(): void {
    if (this.stopping) return;
    // What was posted while the process was down goes after the replays, so that it finds the projects loaded.
    const waiting = this.queue;
    this.queue = [];
    this.spawn();
    for (const project of this.projects) void this.supervisor.replay(project);
    this.queue.push(...waiting);
  }

  stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.heartbeat);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/**
 * The gateway side of the sandbox: assigns projects to sandbox processes, routes loads and invocations,
 * restarts dead or stuck processes and replays each project's last good scripts into them.
 */
export class Supervisor {
  readonly logger: Logger;
  readonly listener: SandboxListener;
  private readonly shared: SandboxProcess[] = [];
  private readonly own = new Map<string, SandboxProcess>();
  private readonly projects = new Map<string, ProjectState>();
  private nextId = 1;

  constructor(options: SupervisorOptions) {
    this.logger = options.logger;
    this.listener = options.listener;
    for (let i = 0; i < Math.max(1, options.processes); i++) this.shared.push(new SandboxProcess(`shared-${i + 1}`, this));
  }

  private assign(project: string, isolated: boolean): SandboxProcess {
    if (isolated) {
      let own = this.own.get(project);
      if (!own) {
        own = new SandboxProcess(`isolated-${project}`, this);
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
  async replay(project: string): Promise<void> {
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
   * handlers cannot keep a core busy for ever.
   */
  invoke(project: string, module: string, argsJson: string, timeoutMs: number, budgeted = false): Promise<Outcome> {
    const state = this.projects.get(project);
    if (!state) return Promise.resolve(failed('PROJECT_UNAVAILABLE', `project "${project}" is not loaded`));
    return state.process.invoke(this.nextId++, project, module, argsJson, timeoutMs, budgeted);
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

import { fork, type ChildProcess } from 'node:child_process';
import type { SourceLocation } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { LogLevel } from '../logging/record.ts';
import { failed, fromSandbox, type Outcome } from '../outcome.ts';
import { sandboxHostScript } from './host-bundle.ts';
import type { FromSandbox, ModuleLoadResult, ToSandbox } from './protocol.ts';

const HEARTBEAT_MS = 500;
const HEARTBEAT_DEADLINE_MS = 3000;
/**
 * The sandbox keeps every call's deadline; should its answer ever be lost anyway, the caller is answered this long
 * after the deadline (room for a restart's back-off and replay, which a queued call waits for).
 */
const BACKSTOP_GRACE_MS = 10_000;

/** What a sandbox process reports to its owner (the supervisor). */
export interface SandboxProcessEvents {
  /** A system.* call from a script; `request` is 0 for calls that expect no answer. */
  systemCall(project: string, request: number, fn: string, args: unknown[], source: SourceLocation | undefined, context: string): void;
  log(project: string, level: LogLevel, logger: string, message: string, source: SourceLocation | undefined): void;
  /** The host rebuilt a project's isolate after its memory limit; `results` of defining its last good scripts again. */
  rebuilt(project: string, results: Record<string, ModuleLoadResult>): void;
  /**
   * The process was started again after it died, and holds no project: send `project` its last good scripts now
   * (synchronously, so that they go before what was posted while the process was down).
   */
  replay(project: string): void;
}

/** One sandbox host child process: spawn, heartbeat, restart, and the calls in flight in it. */
export class SandboxProcess {
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
  private readonly logger: Logger;
  private readonly events: SandboxProcessEvents;

  constructor(id: string, logger: Logger, events: SandboxProcessEvents) {
    this.id = id;
    this.logger = logger;
    this.events = events;
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
    child.on('error', (error) => this.logger.error(`sandbox process ${this.id} error: ${error.message}`));
    clearInterval(this.heartbeat);
    let n = 0;
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastPong > HEARTBEAT_DEADLINE_MS) {
        this.logger.error(
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

  invoke(
    call: number,
    project: string,
    module: string,
    args: string,
    timeoutMs: number,
    budgeted: boolean,
    live: string,
  ): Promise<Outcome> {
    return new Promise((resolve) => {
      this.calls.set(call, { resolve, project, module, backstopAt: Date.now() + timeoutMs + BACKSTOP_GRACE_MS });
      this.post({ t: 'invoke', call, project, module, args, timeoutMs, budgeted, live });
    });
  }

  /** Answers the calls whose answer is long overdue, so that no caller waits for ever on a lost message. */
  private abandonOverdueCalls(): void {
    const now = Date.now();
    for (const [id, call] of this.calls) {
      if (now < call.backstopAt) continue;
      this.calls.delete(id);
      this.logger.error(`sandbox process ${this.id} never answered a call to ${call.project}/${call.module}; it was abandoned`, {
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
        return this.events.systemCall(message.project, message.request, message.fn, message.args, message.source, message.context ?? '');
      case 'log':
        return this.events.log(message.project, message.level, message.logger, message.message, message.source);
      case 'rebuilt':
        this.logger.error(`${message.reason}; its sandbox was rebuilt from the last good scripts`, { project: message.project });
        return this.events.rebuilt(message.project, message.results);
      case 'wedged':
        this.stuck.add(message.project);
        this.logger.error(
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
    if (!this.stopping) this.logger.error(`sandbox process ${this.id} ${how} while ${this.describeWork()}`, this.soleProject());
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
    for (const project of this.projects) this.events.replay(project);
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

import ivm from 'isolated-vm';
import { HELPERS_PARAM } from '../../compiler/module-helpers.ts';
import { USER_ERROR_CODES, type ErrorCode, type ErrorData, type SourceLocation } from '../../errors.ts';
import type { LogLevel } from '../../logging/record.ts';
import type { ProjectLimits } from '../../projects/limits.ts';
import { API } from '../../system/api.ts';
import type { FunctionDecl } from '../../system/define.ts';
import { validateArgs } from '../../system/validate.ts';
import { readBridgeCall } from '../bridge.ts';
import { LastGood } from '../last-good.ts';
import type { FromSandbox, ModuleLoadResult, ModuleSpec } from '../protocol.ts';
import { PRELUDE_FILENAME, preludeSource } from './prelude-source.ts';
import { WindowCounter } from './quotas.ts';
import { StackMapper } from './stack-mapper.ts';

type Send = (message: FromSandbox) => void;

interface PreludeRefs {
  define: ivm.Reference;
  reevaluate: ivm.Reference;
  remove: ivm.Reference;
  invoke: ivm.Reference;
  settle: ivm.Reference;
  fireTimer: ivm.Reference;
  dropTimers: ivm.Reference;
}

/** One run of code inside the isolate; the watchdog uses these to find an isolate that ignores its timeout. */
interface Entry {
  /** When it was handed to isolated-vm, which runs the entries of one isolate one at a time, in order. */
  start: number;
  timeoutMs: number;
  module: string;
  isolate: ivm.Isolate;
}

/** What a prelude entry returned: its JSON text, or nothing (the entries that answer nothing). */
type EntryResult = { ok: true; value: string | undefined } | { ok: false; code: ErrorCode; message: string; lost?: true };

const DECLS = new Map<string, FunctionDecl>(API.functions.filter((f) => f.mode !== 'prelude').map((f) => [f.name, f]));
const CPU_WINDOW_MS = 10_000;
/** Node runs a timer whose delay does not fit in 32 bits after 1 ms; such a delay waits this long instead. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
/** How long past its timeout an isolate may keep running before it is declared wedged. */
const DEADLINE_SWEEP_MS = 10;
const WEDGE_GRACE_MS = 1500;
/**
 * How long past its timeout an entry may run before its isolate is disposed and rebuilt (issue 10). isolated-vm's
 * termination is lost when it comes while the script is inside a host call, so a loop of host calls runs on (the
 * prelude stops calling the host past the deadline, but is only stopped by isolated-vm's next try, near twice the
 * timeout), and would outlast WEDGE_GRACE_MS and take the whole process and its other projects with it.
 */
const OVERDUE_GRACE_MS = 250;
/** The arguments of a project's requests waiting for an answer may add up to this many times its payload limit. */
const PENDING_PAYLOADS = 4;
/** What a log record costs against logBytesPerMinute beyond its message and logger name: an empty one is not free. */
const LOG_RECORD_OVERHEAD = 100;
const OK = '{"ok":true}';
/** What onSystemCall answers for a blocking call it sent to the gateway: the request its answer will carry. */
const BLOCKING = /^\{"ok":true,"blocking":(\d+)\}$/;
const OK_PREFIX = '{"ok":true,"value":';
/**
 * The codes an error from inside an isolate may carry. Not Flint's own failures (SANDBOX_CRASHED, INTERNAL), nor the
 * HTTP edge's (BAD_REQUEST, UNAUTHORIZED): a script must not pass itself off as a crash, nor tell a client that its
 * request or its token was wrong.
 */
const SCRIPT_ERROR_CODES: ReadonlySet<string> = new Set(
  USER_ERROR_CODES.filter((code) => code !== 'BAD_REQUEST' && code !== 'UNAUTHORIZED'),
);
/** Error text from inside the isolate is cut to these lengths: a little over the prelude's own cut and its note, for a script that tampered with the prelude. */
const MAX_ERROR_MESSAGE = 11_000;
const MAX_ERROR_STACK = 21_000;
/** Longest outcome of a failed call worth parsing: a message and a stack within the limits above, escaped. */
const MAX_ERROR_OUTCOME = 200_000;

type RawError = { code: string; name?: string; message: string; stack?: string };

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/** An error described by the prelude, as data Flint can trust: a known code, strings of bounded length. */
function rawError(error: unknown): RawError {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const raw: RawError = {
    code: typeof e.code === 'string' && SCRIPT_ERROR_CODES.has(e.code) ? e.code : 'SCRIPT_ERROR',
    message: typeof e.message === 'string' ? cut(e.message, MAX_ERROR_MESSAGE) : 'the script failed without a message',
  };
  if (typeof e.name === 'string') raw.name = cut(e.name, 200);
  if (typeof e.stack === 'string') raw.stack = cut(e.stack, MAX_ERROR_STACK);
  return raw;
}

function failure(code: ErrorCode, message: string): string {
  return JSON.stringify({ ok: false, error: { code, message } });
}

/**
 * A project's isolate inside a sandbox host process: the prelude, the module table, invocations with
 * their wall-clock deadlines, timers, quotas and the CPU budget. It keeps the modules it was given so it
 * can rebuild the isolate from them after a memory-limit disposal.
 */
export class ProjectSandbox {
  readonly project: string;
  private readonly limits: ProjectLimits;
  private readonly send: Send;
  private isolate!: ivm.Isolate;
  private context!: ivm.Context;
  private refs!: PreludeRefs;
  private generation = 0;
  private rebuilding: Promise<void> | undefined;
  private disposed = false;
  /** What the isolate is rebuilt from after a memory-limit disposal. */
  private readonly lastGood = new LastGood();
  private readonly modules = this.lastGood.modules;
  private readonly stacks = new StackMapper();
  /** Invocations in flight; `waiting` once the handler returned a promise (its continuations run on the CPU budget). */
  private readonly calls = new Map<
    number,
    { module: string; deadlineAt: number; timeoutMs: number; budgeted: boolean; waiting?: boolean }
  >();
  private deadlineSweep: NodeJS.Timeout | undefined;
  private readonly timers = new Map<
    number,
    { handle: NodeJS.Timeout; repeat: boolean; running: boolean; owner: string; budgeted: boolean }
  >();
  /** Requests waiting for the gateway's answer: the size of their arguments, and the budget their continuation runs on. */
  private readonly pendingRequests = new Map<number, { bytes: number; budgeted: boolean }>();
  private pendingBytes = 0;
  /** Blocking calls waiting for the gateway's answer (at most one per isolate: its thread waits); `answer` if it came first. */
  private readonly blocking = new Map<number, { resolve?: (answer: string) => void; answer?: string }>();
  /**
   * Time the running entry spent in blocking waits. isolated-vm's timeout stops its clock while the isolate waits in
   * applySyncPromise, so such an entry may run this much longer than its timeout without being wedged.
   */
  private waitedMs = 0;
  private waitingSince: number | undefined;
  private nextRequest = 1;
  private readonly entries = new Set<Entry>();
  /** When the last entry into each isolate ended: the next one in line has been running since then, not since it was queued. */
  private readonly lastEnd = new WeakMap<ivm.Isolate, number>();
  /** The isolate's CPU clock when its last entry ended. */
  private readonly lastEndCpu = new WeakMap<ivm.Isolate, bigint>();
  private readonly callRate = new WindowCounter(1000);
  private readonly logBytes = new WindowCounter(60_000);
  private readonly cpu = new WindowCounter(CPU_WINDOW_MS);
  /**
   * CPU of the handlers that scripts call (sendRequest, sendMessage), on a budget of the same size but apart: another
   * project's calls can use it up, and must not thereby stop this project's timers and async work.
   */
  private readonly calledCpu = new WindowCounter(CPU_WINDOW_MS);
  /** The last entry waiting for its turn on each budget (see inTurn). */
  private readonly turns = new Map<WindowCounter, Promise<void>>();
  wedged = false;
  /** Isolates stopOverdue disposed: the entry that ignored its timeout, and its end, which starts the rebuild. */
  private readonly overdue = new WeakMap<ivm.Isolate, { entry: Entry; ended: Promise<void>; end: () => void }>();
  /** The module whose entry was running when an isolate was lost (its memory limit, or stopOverdue). */
  private readonly lostTo = new WeakMap<ivm.Isolate, string>();

  private constructor(project: string, limits: ProjectLimits, send: Send) {
    this.project = project;
    this.limits = limits;
    this.send = send;
  }

  static async create(project: string, limits: ProjectLimits, send: Send): Promise<ProjectSandbox> {
    const sandbox = new ProjectSandbox(project, limits, send);
    await sandbox.build();
    return sandbox;
  }

  private async build(): Promise<void> {
    this.generation++;
    this.isolate = new ivm.Isolate({ memoryLimit: this.limits.memoryMb });
    this.context = await this.isolate.createContext();
    const script = await this.isolate.compileScript(preludeSource(), { filename: PRELUDE_FILENAME });
    const install = await script.run(this.context, { reference: true });
    const bridge = new ivm.Callback((op: unknown, ...args: unknown[]) => this.onBridge(op, args));
    const options = JSON.stringify({ maxPayloadBytes: this.limits.maxPayloadBytes, timeoutMs: this.limits.timeoutMs });
    // The isolate calls this with applySyncPromise: its own thread waits for the promise, this process's event loop does not.
    const blockingWait = new ivm.Reference((fn: unknown, args: unknown, frame: unknown, budgeted: unknown, waitMs: unknown) =>
      this.onBlockingCall(String(fn), String(args), String(frame), budgeted === '1', Number(waitMs)),
    );
    const installArgs = [bridge, blockingWait, JSON.stringify(API), options];
    const api = (await install.apply(undefined, installArgs, { result: { reference: true } })) as ivm.Reference;
    const get = (name: keyof PreludeRefs) => api.get(name, { reference: true }) as Promise<ivm.Reference>;
    this.refs = {
      define: await get('define'),
      reevaluate: await get('reevaluate'),
      remove: await get('remove'),
      invoke: await get('invoke'),
      settle: await get('settle'),
      fireTimer: await get('fireTimer'),
      dropTimers: await get('dropTimers'),
    };
  }

  // ---- entering the isolate -------------------------------------------------------------------

  /**
   * Runs one call into the isolate with a timeout; turns timeouts and memory-limit disposal into codes.
   * Calls wait for a rebuild in progress, except the rebuild's own (`duringRebuild`), which would wait for themselves;
   * the prelude function is looked up by name after that wait, so it belongs to the isolate that is current then.
   */
  private async enter(
    fn: keyof PreludeRefs,
    args: unknown[],
    timeoutMs: number,
    module: string,
    budget: WindowCounter | undefined,
    duringRebuild = false,
  ): Promise<EntryResult> {
    if (this.disposed) return { ok: false, code: 'PROJECT_UNAVAILABLE', message: `project "${this.project}" is unloaded` };
    if (this.rebuilding && !duringRebuild) await this.rebuilding;
    const generation = this.generation;
    const isolate = this.isolate;
    const ref = this.refs[fn];
    const timeout = Math.max(1, Math.ceil(timeoutMs));
    const entry: Entry = { start: Date.now(), timeoutMs: timeout, module, isolate };
    this.entries.add(entry);
    const cpuBefore = budget ? isolate.cpuTime : 0n;
    try {
      // Every prelude entry takes the timeout last: past it, the prelude stops calling the host (see stopIfOverdue).
      const value: unknown = await ref.apply(undefined, [...args, timeout], { timeout });
      // The prelude answers in text; anything else means a script broke what it runs on, which must not break the host.
      if (value !== undefined && typeof value !== 'string')
        return { ok: false, code: 'INTERNAL', message: `${module}: the sandbox answered with something other than text` };
      return { ok: true, value };
    } catch (error) {
      const overdue = this.overdue.get(isolate);
      if (overdue) {
        if (overdue.entry === entry) {
          if (!this.disposed) void this.rebuild(generation, 'TIMEOUT', this.lossReason(isolate), true);
          return { ok: false, code: 'TIMEOUT', message: `${module} timed out after ${timeout} ms and was stopped` };
        }
        // Only waiting in line behind it: once the rebuild is under way, the caller may run this again (see run, load).
        await overdue.ended;
        const message = `${this.lossReason(isolate)}; its sandbox was rebuilt from the last good scripts`;
        return this.isolate === isolate
          ? { ok: false, code: 'PROJECT_UNAVAILABLE', message }
          : { ok: false, code: 'PROJECT_UNAVAILABLE', message, lost: true };
      }
      if (isolate.isDisposed) {
        // The first entry to see the loss names its cause: the entry running then (all of them are still listed).
        if (!this.lostTo.has(isolate)) this.lostTo.set(isolate, [...this.entries].find((e) => e.isolate === isolate)?.module ?? module);
        if (!this.disposed) void this.rebuild(generation, 'MEMORY_LIMIT', this.lossReason(isolate), false);
        return {
          ok: false,
          code: 'MEMORY_LIMIT',
          message: `project "${this.project}" ran out of its ${this.limits.memoryMb} MB memory limit in ${module}; its sandbox was rebuilt from the last good scripts`,
        };
      }
      if (Date.now() - entry.start >= timeout - 5) {
        return { ok: false, code: 'TIMEOUT', message: `${module} ran for more than ${timeout} ms and was stopped` };
      }
      return { ok: false, code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
    } finally {
      if (this.overdue.get(isolate)?.entry === entry) this.overdue.get(isolate)!.end();
      this.entries.delete(entry);
      this.lastEnd.set(isolate, Date.now());
      this.waitedMs = 0;
      if (!isolate.isDisposed) {
        const cpuNow = isolate.cpuTime;
        // Entries run one after another: one that waited in line began when the one before it ended, not when queued.
        const began = this.lastEndCpu.get(isolate) ?? 0n;
        if (budget) budget.add(Number(cpuNow - (began > cpuBefore ? began : cpuBefore)) / 1e6);
        this.lastEndCpu.set(isolate, cpuNow);
      }
    }
  }

  private budgetOf(budgeted: boolean): WindowCounter {
    return budgeted ? this.calledCpu : this.cpu;
  }

  /** Whole milliseconds left on a budget, capped by the invocation timeout. */
  private timeLeftOn(budget: WindowCounter): number {
    return Math.floor(Math.min(this.limits.timeoutMs, budget.remaining(this.limits.cpuBudgetMs)));
  }

  /** Entries on a budget run one at a time, so that each starts only with budget left and runs on what is left. */
  private inTurn(budget: WindowCounter, work: () => Promise<void>): Promise<void> {
    const turn = (this.turns.get(budget) ?? Promise.resolve()).then(work);
    this.turns.set(
      budget,
      turn.catch(() => undefined),
    ); // one entry failing must not stop the turns of the next
    return turn;
  }

  /** Why an isolate was lost: its memory limit, or an entry that ignored its timeout while calling the host (stopOverdue). */
  private lossReason(isolate: ivm.Isolate): string {
    const overdue = this.overdue.get(isolate)?.entry;
    if (!overdue) return `project "${this.project}" exceeded its ${this.limits.memoryMb} MB memory limit in ${this.lostTo.get(isolate)}`;
    return `${this.displayName(overdue.module)} kept calling into the host past its timeout of ${overdue.timeoutMs} ms, so project "${this.project}"'s isolate was disposed`;
  }

  /**
   * Builds the isolate again from the last good scripts, after its memory limit or after stopOverdue disposed it.
   * `onlyWaiting`: only the invocations waiting on async work fail (their promises are gone); the others were only
   * waiting in line, and run again in the new isolate.
   */
  private async rebuild(generation: number, code: ErrorCode, reason: string, onlyWaiting: boolean): Promise<void> {
    if (generation !== this.generation || this.rebuilding) return;
    let results: Record<string, ModuleLoadResult> = {};
    this.rebuilding = (async () => {
      this.failAll(code, `${reason}; its sandbox was rebuilt from the last good scripts`, onlyWaiting);
      await this.build();
      results = await this.defineAll([...this.modules.values()], true);
    })();
    try {
      await this.rebuilding;
      this.send({ t: 'rebuilt', project: this.project, reason, results });
    } finally {
      this.rebuilding = undefined;
    }
  }

  /** Fails every invocation in flight and forgets timers and pending requests (the isolate holding their callbacks is gone). */
  private failAll(code: ErrorCode, message: string, onlyWaiting = false): void {
    for (const [call, state] of this.calls) {
      if (onlyWaiting && !state.waiting) continue;
      this.calls.delete(call);
      this.send({ t: 'result', call, outcome: JSON.stringify({ ok: false, error: { code, message } }) });
    }
    for (const timer of this.timers.values()) clearTimeout(timer.handle);
    this.timers.clear();
    this.pendingRequests.clear();
    this.pendingBytes = 0;
    this.endBlockingWaits(code, message);
  }

  private endBlockingWaits(code: ErrorCode, message: string): void {
    for (const [request, waiting] of this.blocking) {
      this.blocking.delete(request);
      waiting.resolve?.(failure(code, message));
    }
  }

  // ---- modules ---------------------------------------------------------------------------------

  async load(modules: ModuleSpec[], remove: string[], reevaluate: [string, boolean][]): Promise<Record<string, ModuleLoadResult>> {
    // Modules are compiled straight into the isolate, so not into one that a rebuild is replacing.
    if (this.rebuilding) await this.rebuilding;
    const [isolate, generation] = [this.isolate, this.generation];
    const results = await this.loadInto(modules, remove, reevaluate);
    if (!isolate.isDisposed || this.disposed) return results;
    // The isolate was lost under this load (issue 10): the rebuild brings back the last good scripts, without this
    // load's. It goes again, but for the module whose own code lost it, which keeps its failure and its last good version.
    await this.overdue.get(isolate)?.ended;
    if (this.rebuilding) await this.rebuilding;
    if (this.generation === generation) return results;
    const guilty = this.lostTo.get(isolate);
    const again = await this.load(
      modules.filter((m) => m.id !== guilty),
      remove,
      reevaluate.filter(([id]) => id !== guilty),
    );
    return guilty !== undefined && results[guilty] ? { ...again, [guilty]: results[guilty] } : again;
  }

  private async loadInto(
    modules: ModuleSpec[],
    remove: string[],
    reevaluate: [string, boolean][],
  ): Promise<Record<string, ModuleLoadResult>> {
    const results: Record<string, ModuleLoadResult> = {};
    const removed = remove.map((id) => this.modules.get(id)).filter((spec) => spec !== undefined);
    for (const id of remove) await this.enter('remove', [id], this.limits.timeoutMs, id, undefined);
    Object.assign(results, await this.defineAll(modules));
    if (reevaluate.length > 0) {
      const outcome = await this.enter('reevaluate', [JSON.stringify(reevaluate)], this.limits.timeoutMs, reevaluate[0][0], undefined);
      if (outcome.ok) {
        const byId = JSON.parse(outcome.value!) as Record<
          string,
          { ok: boolean; error?: { code: string; name: string; message: string; stack?: string } }
        >;
        for (const [id, r] of Object.entries(byId))
          results[id] = r.ok ? { ok: true } : { ok: false, error: this.errorData(rawError(r.error), this.modules.get(id)?.displayPath) };
      } else {
        for (const [id] of reevaluate) results[id] = { ok: false, error: { code: outcome.code, message: outcome.message } };
      }
    }
    this.lastGood.apply({ modules, remove, reevaluate }, results);
    for (const spec of removed) if (!this.modules.has(spec.id)) this.stacks.delete(spec.displayPath);
    return results;
  }

  /** Libraries first (they are evaluated lazily), then handlers, each kept only if it evaluates. */
  private async defineAll(modules: ModuleSpec[], duringRebuild = false): Promise<Record<string, ModuleLoadResult>> {
    const results: Record<string, ModuleLoadResult> = {};
    const ordered = [...modules.filter((m) => !m.handler), ...modules.filter((m) => m.handler)];
    for (const spec of ordered) results[spec.id] = await this.define(spec, duringRebuild);
    return results;
  }

  private async define(spec: ModuleSpec, duringRebuild: boolean): Promise<ModuleLoadResult> {
    const previous = this.modules.get(spec.id);
    this.stacks.set(spec.displayPath, spec.mappings);
    const restoreMap = () => (previous ? this.stacks.set(previous.displayPath, previous.mappings) : this.stacks.delete(spec.displayPath));
    let factory: ivm.Reference;
    try {
      const script = await this.isolate.compileScript(`(function (exports, require, module, ${HELPERS_PARAM}) {\n${spec.code}\n})`, {
        filename: spec.displayPath,
        lineOffset: -1,
      });
      factory = await script.run(this.context, { reference: true });
      script.release();
    } catch (error) {
      restoreMap();
      return {
        ok: false,
        error: {
          code: 'COMPILE_ERROR',
          message: error instanceof Error ? error.message : String(error),
          location: { file: spec.displayPath, line: 1, column: 1 },
        },
      };
    }
    // Handles are released at once, not when the host's GC gets to them: each save would otherwise keep its version alive for a while.
    const outcome = await this.enter(
      'define',
      [spec.id, factory.derefInto(), spec.handler],
      this.limits.timeoutMs,
      spec.id,
      undefined,
      duringRebuild,
    );
    factory.release();
    if (!outcome.ok) {
      restoreMap();
      return {
        ok: false,
        error: {
          code: outcome.code,
          message: `loading ${spec.displayPath}: ${outcome.message}`,
          location: { file: spec.displayPath, line: 1, column: 1 },
        },
      };
    }
    const answer = JSON.parse(outcome.value!) as { ok: boolean; error?: { code: string; name: string; message: string; stack?: string } };
    if (!answer.ok) {
      const error = this.errorData(rawError(answer.error), spec.displayPath);
      restoreMap();
      return { ok: false, error };
    }
    return { ok: true };
  }

  // ---- invocations -------------------------------------------------------------------------------

  /** Runs a handler; `budgeted` (a script asked for it) charges its CPU time to the project's budget, and is refused once that is used up. */
  async invoke(call: number, module: string, args: string, timeoutMs: number, budgeted = false): Promise<void> {
    const deadlineAt = Date.now() + timeoutMs;
    this.calls.set(call, { module, deadlineAt, timeoutMs, budgeted });
    this.deadlineSweep ??= setInterval(() => this.sweepDeadlines(), DEADLINE_SWEEP_MS);
    // `args` is the JSON list of the handler's arguments: its payload may be no larger than what the project may send.
    if (args.length > this.limits.maxPayloadBytes + 2) {
      return this.finish(
        call,
        failure(
          'QUOTA_EXCEEDED',
          `the payload for ${this.displayName(module)} is larger than the payload limit of ${this.limits.maxPayloadBytes} bytes of project "${this.project}"`,
        ),
      );
    }
    if (!budgeted) return this.run(call, module, args, deadlineAt, timeoutMs);
    return this.inTurn(this.calledCpu, () => this.runOnBudget(call, module, args, deadlineAt, timeoutMs));
  }

  /** A call from a script, in its turn: it runs only with budget left, and for no longer than what is left. */
  private async runOnBudget(call: number, module: string, args: string, deadlineAt: number, timeoutMs: number): Promise<void> {
    if (!this.calls.has(call)) return; // past its deadline while it waited for its turn
    const left = Math.floor(Math.min(timeoutMs, deadlineAt - Date.now(), this.calledCpu.remaining(this.limits.cpuBudgetMs)));
    const refused = () =>
      failure(
        'CPU_BUDGET',
        `${this.displayName(module)} was not run to its end: project "${this.project}" used up its CPU budget of ${this.limits.cpuBudgetMs} ms per 10 s for handlers that scripts call`,
      );
    if (left <= 0) return this.finish(call, refused());
    const cutByBudget = this.calledCpu.remaining(this.limits.cpuBudgetMs) < Math.min(timeoutMs, deadlineAt - Date.now());
    return this.run(call, module, args, deadlineAt, left, this.calledCpu, cutByBudget ? refused : undefined);
  }

  /** Runs a handler within `timeoutMs`, charged to `budget` if any; `onTimeout` says why it was cut short, if not its own timeout. */
  private async run(
    call: number,
    module: string,
    args: string,
    deadlineAt: number,
    timeoutMs: number,
    budget?: WindowCounter,
    onTimeout?: () => string,
  ): Promise<void> {
    const started = Date.now();
    const outcome = await this.enter('invoke', [call, module, args, deadlineAt, budget === this.calledCpu], timeoutMs, module, budget);
    if (!outcome.ok) {
      // Waited in line behind an entry that ignored its timeout, whose isolate was rebuilt: runs in the new one.
      if (outcome.lost && this.calls.has(call)) return this.run(call, module, args, deadlineAt, deadlineAt - Date.now(), budget, onTimeout);
      if (outcome.code === 'TIMEOUT')
        return this.finish(call, onTimeout?.() ?? failure('TIMEOUT', `${this.displayName(module)} timed out after ${timeoutMs} ms`));
      return this.finish(call, failure(outcome.code, outcome.message));
    }
    const value = outcome.value ?? '';
    if (value !== '{"pending":true}') this.finish(call, value);
    else if (Date.now() - started > timeoutMs)
      this.finish(call, failure('TIMEOUT', `${this.displayName(module)} timed out after ${timeoutMs} ms`));
    else {
      // Still waiting on async work, unless that finished during the call itself (an async handler with no await).
      const state = this.calls.get(call);
      if (state) state.waiting = true;
    }
  }

  /**
   * Fails the invocations past their wall-clock deadline (time waiting on system.* calls included). One sweep for all
   * of them, rather than a timer per call, keeps the per-call cost down; deadlines hold to within DEADLINE_SWEEP_MS.
   */
  private sweepDeadlines(): void {
    const now = Date.now();
    for (const [call, state] of this.calls) {
      if (now >= state.deadlineAt)
        this.finish(call, failure('TIMEOUT', `${this.displayName(state.module)} timed out after ${state.timeoutMs} ms`));
    }
    if (this.calls.size === 0) {
      clearInterval(this.deadlineSweep);
      this.deadlineSweep = undefined;
    }
  }

  private displayName(module: string): string {
    return this.modules.get(module)?.displayPath ?? module;
  }

  /** Sends an invocation's outcome once; script errors get their stacks mapped to the user's files. */
  private finish(call: number, outcome: string): void {
    const state = this.calls.get(call);
    if (!state) return;
    this.calls.delete(call);
    this.send({ t: 'result', call, outcome: this.checkedOutcome(outcome, this.displayName(state.module)) });
  }

  /**
   * An outcome as it may leave the sandbox. The prelude builds it, but scripts can tamper with the built-ins it
   * runs on (Array.prototype.join, say) and so with what it produces: it is parsed and written again here, so only
   * JSON within the payload limit, and errors with a known code and bounded text, reach the gateway and other projects.
   */
  private checkedOutcome(outcome: string, file: string): string {
    const ok = outcome.startsWith(OK_PREFIX) || outcome === '{"ok":true}';
    if (ok && outcome.length > this.limits.maxPayloadBytes + OK_PREFIX.length + 1) {
      return failure(
        'QUOTA_EXCEEDED',
        `the return value of ${file} is larger than the payload limit of ${this.limits.maxPayloadBytes} bytes`,
      );
    }
    if (!ok && outcome.length > MAX_ERROR_OUTCOME) return failure('SCRIPT_ERROR', `${file} failed with an error too large to report`);
    try {
      const parsed = JSON.parse(outcome) as { ok?: unknown; value?: unknown; error?: unknown };
      // Parsing is the check; the text itself goes on unchanged (writing it again would double the cost per call).
      if (ok && parsed.ok === true) return outcome;
      if (!ok && parsed.ok === false) return JSON.stringify({ ok: false, error: this.errorData(rawError(parsed.error), file) });
    } catch {
      // not JSON, or nested too deeply to write again: reported below
    }
    return failure('NOT_SERIALIZABLE', `${file} produced a result that is not valid JSON; only plain data can be returned`);
  }

  private errorData(error: RawError, fallbackFile?: string): ErrorData {
    const mapped = this.stacks.mapStack(error.stack);
    const name = error.name && error.name !== 'Error' && error.name !== 'SystemError' ? `${error.name}: ` : '';
    const data: ErrorData = { code: error.code as ErrorCode, message: `${name}${error.message}` };
    const location =
      mapped.location ?? (fallbackFile && error.code === 'COMPILE_ERROR' ? { file: fallbackFile, line: 1, column: 1 } : undefined);
    if (location) data.location = location;
    if (mapped.stack) data.stack = mapped.stack;
    return data;
  }

  /**
   * A blocking call (mode `sync`) and its wait, in one hop from the isolate: resolves with the gateway's answer, or
   * with TIMEOUT after `waitMs` (the prelude sets it a little before its entry's deadline), whichever comes first.
   */
  private onBlockingCall(fnName: string, argsJson: string, frame: string, budgeted: boolean, waitMs: number): Promise<string> | string {
    let sent: string;
    try {
      if (DECLS.get(fnName)?.mode !== 'sync') return failure('BAD_ARGUMENT', `system.${fnName} is not a blocking call`);
      sent = this.onSystemCall(fnName, argsJson, frame, budgeted);
    } catch (error) {
      return failure('INTERNAL', error instanceof Error ? error.message : 'internal error');
    }
    const request = BLOCKING.exec(sent)?.[1];
    return request === undefined ? sent : this.waitForAnswer(Number(request), waitMs);
  }

  private waitForAnswer(request: number, waitMs: number): Promise<string> | string {
    const waiting = this.blocking.get(request);
    if (!waiting) return failure('INTERNAL', `no blocking call ${request} is waiting`);
    if (waiting.answer !== undefined) {
      this.blocking.delete(request);
      return waiting.answer;
    }
    const left = Math.max(0, Math.round(waitMs));
    const timedOut = () => failure('TIMEOUT', `the gateway did not answer within the ${left} ms left before the deadline`);
    if (!(waitMs > 0)) {
      this.blocking.delete(request);
      return timedOut();
    }
    this.waitingSince = Date.now();
    return new Promise((resolve) => {
      const end = (answer: string) => {
        clearTimeout(timer);
        this.blocking.delete(request);
        if (this.waitingSince !== undefined) this.waitedMs += Date.now() - this.waitingSince;
        this.waitingSince = undefined;
        resolve(answer);
      };
      const timer = setTimeout(() => end(timedOut()), waitMs);
      waiting.resolve = end;
    });
  }

  /** The gateway's answer to a system call: resume the waiting script, in its turn on the budget it runs on. */
  async answer(request: number, answer: string): Promise<void> {
    const blocked = this.blocking.get(request);
    if (blocked) {
      if (answer.startsWith(OK_PREFIX) && answer.length > this.limits.maxPayloadBytes + OK_PREFIX.length + 1) {
        answer = failure(
          'QUOTA_EXCEEDED',
          `the answer is larger than the payload limit of ${this.limits.maxPayloadBytes} bytes of project "${this.project}"`,
        );
      }
      if (blocked.resolve) {
        this.blocking.delete(request);
        blocked.resolve(answer);
      } else blocked.answer = answer;
      return;
    }
    const waiting = this.pendingRequests.get(request);
    if (!waiting) return;
    // Still pending until the script has it: answers queued behind a busy isolate count against maxPendingRequests,
    // so a script that loops making requests cannot pile up answers without bound.
    try {
      if (answer.startsWith(OK_PREFIX) && answer.length > this.limits.maxPayloadBytes + OK_PREFIX.length + 1) {
        answer = failure(
          'QUOTA_EXCEEDED',
          `the answer is larger than the payload limit of ${this.limits.maxPayloadBytes} bytes of project "${this.project}"`,
        );
      }
      const budget = this.budgetOf(waiting.budgeted);
      await this.inTurn(budget, async () => {
        const timeout = this.timeLeftOn(budget);
        if (timeout <= 0) return this.budgetUsedUp(waiting.budgeted, 'an async continuation');
        const outcome = await this.enter('settle', [request, answer], timeout, 'an async continuation', budget);
        if (!outcome.ok && outcome.code === 'TIMEOUT') {
          this.log(
            'error',
            `an async continuation ran past ${timeout} ms and was stopped (CPU budget ${this.limits.cpuBudgetMs} ms per 10 s)`,
          );
          if (this.timeLeftOn(budget) <= 0) this.budgetUsedUp(waiting.budgeted, 'the rest of that async work');
        }
      });
    } finally {
      this.pendingBytes -= waiting.bytes;
      this.pendingRequests.delete(request);
    }
  }

  // ---- the bridge: calls from inside the isolate ------------------------------------------------

  /** `budgeted`: the script making the call descends from a handler a script called (see calledCpu). */
  private onBridge(rawOp: unknown, rawArgs: unknown[]): string | undefined {
    const received = readBridgeCall(rawOp, rawArgs);
    if (!received) return failure('INTERNAL', `unknown bridge operation "${String(rawOp)}"`);
    try {
      switch (received.op) {
        case 'call': {
          const [fn, argsJson, frame, budgeted] = received.args;
          // A blocking call comes through onBlockingCall, which waits for its answer; here nothing would.
          if (DECLS.get(fn)?.mode === 'sync') return failure('BAD_ARGUMENT', `system.${fn} is a blocking call`);
          return this.onSystemCall(fn, argsJson, frame, budgeted === '1');
        }
        case 'done':
          this.finish(Number(received.args[0]), received.args[1]);
          return undefined;
        case 'setTimer': {
          const [id, delayMs, repeat, budgeted, owner] = received.args;
          return this.setTimer(Number(id), Number(delayMs), repeat === '1', budgeted === '1', owner);
        }
        case 'clearTimer':
          this.clearTimer(Number(received.args[0]));
          return OK;
      }
    } catch (error) {
      // Never let a host exception (and its host stack) cross into the isolate.
      return failure('INTERNAL', error instanceof Error ? error.message : 'internal error');
    }
  }

  private onSystemCall(fnName: string, argsJson: string, frame: string, budgeted: boolean): string {
    const decl = DECLS.get(fnName);
    if (!decl) return failure('NOT_FOUND', `system.${fnName} does not exist`);
    if (!this.callRate.tryAdd(1, this.limits.callsPerSecond)) {
      return failure(
        'QUOTA_EXCEEDED',
        `system.${fnName}: project "${this.project}" made more than ${this.limits.callsPerSecond} system calls in one second`,
      );
    }
    if (argsJson.length > this.limits.maxPayloadBytes * 2)
      return failure(
        'QUOTA_EXCEEDED',
        `system.${fnName}: arguments are larger than the payload limit of ${this.limits.maxPayloadBytes} bytes`,
      );
    let args: unknown;
    try {
      args = JSON.parse(argsJson);
    } catch {
      return failure('NOT_SERIALIZABLE', `system.${fnName}: arguments are not valid JSON`);
    }
    if (!Array.isArray(args)) return failure('BAD_ARGUMENT', `system.${fnName}: arguments must be a list`);
    const checked = validateArgs(decl, args);
    if (!checked.ok) return failure('BAD_ARGUMENT', checked.message);
    const source = frame ? this.stacks.mapFrame(frame) : undefined;
    if (fnName === 'util.log') return this.onLog(checked.values, source);
    if (decl.mode === 'async') {
      if (this.pendingRequests.size >= this.limits.maxPendingRequests) {
        return failure(
          'QUOTA_EXCEEDED',
          `system.${fnName}: project "${this.project}" already has ${this.limits.maxPendingRequests} requests waiting for an answer`,
        );
      }
      // Each waiting request's arguments cost this process and the gateway their parsing, copying and memory: many
      // large ones at once would stall this process's main thread (and with it every project it hosts).
      const maxPendingBytes = PENDING_PAYLOADS * this.limits.maxPayloadBytes;
      if (this.pendingBytes + argsJson.length > maxPendingBytes) {
        return failure(
          'QUOTA_EXCEEDED',
          `system.${fnName}: project "${this.project}" already has requests carrying ${this.pendingBytes} bytes waiting for an answer (at most ${maxPendingBytes}: ${PENDING_PAYLOADS} times its payload limit)`,
        );
      }
      const request = this.nextRequest++;
      this.pendingRequests.set(request, { bytes: argsJson.length, budgeted });
      this.pendingBytes += argsJson.length;
      this.send({ t: 'systemCall', project: this.project, request, fn: fnName, args: checked.values, source });
      return `{"ok":true,"pending":${request}}`;
    }
    if (decl.mode === 'sync') {
      const request = this.nextRequest++;
      this.blocking.set(request, {});
      this.send({ t: 'systemCall', project: this.project, request, fn: fnName, args: checked.values, source });
      return `{"ok":true,"blocking":${request}}`;
    }
    this.send({ t: 'systemCall', project: this.project, request: 0, fn: fnName, args: checked.values, source });
    return OK;
  }

  private onLog(values: unknown[], source: SourceLocation | undefined): string {
    const [level, logger, message, frame] = values as [LogLevel, string, string, string | undefined];
    const location = source ?? (frame ? this.stacks.mapFrame(frame) : undefined);
    if (!this.logBytes.tryAdd(LOG_RECORD_OVERHEAD + logger.length + message.length, this.limits.logBytesPerMinute)) {
      if (this.logBytes.firstWarningThisWindow())
        this.log(
          'warn',
          `log quota of ${this.limits.logBytesPerMinute} bytes per minute exceeded; further records are dropped until the minute is over`,
        );
      return OK;
    }
    this.send({
      t: 'systemCall',
      project: this.project,
      request: 0,
      fn: 'util.log',
      args: [level, logger, message, undefined],
      source: location,
    });
    return OK;
  }

  private log(level: LogLevel, message: string): void {
    this.send({ t: 'log', project: this.project, level, logger: 'sandbox', message });
  }

  // ---- timers ----------------------------------------------------------------------------------

  private setTimer(id: number, requested: number, repeat: boolean, budgeted: boolean, owner: string): string {
    if (this.timers.size >= this.limits.maxTimers) {
      return failure('QUOTA_EXCEEDED', `project "${this.project}" already has ${this.limits.maxTimers} live timers`);
    }
    const shortest = repeat ? 10 : 1;
    const delay = Number.isNaN(requested) ? shortest : Math.min(MAX_TIMER_DELAY_MS, Math.max(shortest, requested));
    const fire = () => void this.fireTimer(id);
    const handle = repeat ? setInterval(fire, delay) : setTimeout(fire, delay);
    this.timers.set(id, { handle, repeat, running: false, owner, budgeted });
    return OK;
  }

  /** "a timer callback of <file>", naming the module that set the timer when it is one of the project's. */
  private timerName(owner: string): string {
    return this.modules.has(owner) ? `a timer callback of ${this.displayName(owner)}` : 'a timer callback';
  }

  private clearTimer(id: number): void {
    const timer = this.timers.get(id);
    if (!timer) return;
    clearTimeout(timer.handle);
    this.timers.delete(id);
  }

  private async fireTimer(id: number): Promise<void> {
    const timer = this.timers.get(id);
    if (!timer || timer.running) return; // an interval whose last run is still going (or waiting its turn) does not pile up
    const what = this.timerName(timer.owner);
    const budget = this.budgetOf(timer.budgeted);
    timer.running = true;
    try {
      await this.inTurn(budget, async () => {
        const timeout = this.timeLeftOn(budget);
        if (timeout <= 0) return this.budgetUsedUp(timer.budgeted, what);
        const outcome = await this.enter('fireTimer', [id], timeout, what, budget);
        // A timeout counts against maxTimers until its callback has run: a script keeping its isolate busy cannot
        // pile up callbacks waiting for it. (After a rebuild the id may belong to a new timer.)
        if (!timer.repeat && this.timers.get(id) === timer) this.timers.delete(id);
        if (!outcome.ok) {
          if (outcome.code === 'TIMEOUT')
            this.log('error', `${what} ran past ${timeout} ms and was stopped (CPU budget ${this.limits.cpuBudgetMs} ms per 10 s)`);
          return;
        }
        if (outcome.value) {
          const { owner, error } = JSON.parse(outcome.value) as {
            owner: string;
            error: { code: string; name: string; message: string; stack?: string };
          };
          const data = this.errorData(rawError(error), this.displayName(owner));
          this.send({
            t: 'log',
            project: this.project,
            level: 'error',
            logger: 'timer',
            message: `timer callback of ${this.displayName(owner)} threw ${data.message}`,
            source: data.location,
          });
        }
      });
    } finally {
      timer.running = false;
    }
  }

  /**
   * A budget is used up. The project's own (async work and timers): every timer of the project is cleared and the
   * invocations waiting on async work fail now rather than at their deadline. The budget for handlers that scripts
   * call: only the timers those handlers set, and only the invocations they were part of, so that another project's
   * calls cannot stop this project's own timers.
   */
  private budgetUsedUp(budgeted: boolean, what: string): void {
    for (const [id, timer] of this.timers) {
      if (budgeted && !timer.budgeted) continue;
      clearTimeout(timer.handle);
      this.timers.delete(id);
    }
    if (budgeted) void this.enter('dropTimers', [true], 100, 'dropTimers', undefined);
    else for (const drop of [false, true]) void this.enter('dropTimers', [drop], 100, 'dropTimers', undefined);
    const budget = `CPU budget of ${this.limits.cpuBudgetMs} ms per 10 s${budgeted ? ' for handlers that scripts call' : ''}`;
    this.log(
      'error',
      `${budget} used up; ${what} was not run and ${budgeted ? 'the timers those handlers set' : 'all timers of the project'} were cleared`,
    );
    for (const [call, state] of this.calls) {
      if (state.waiting && state.budgeted === budgeted)
        this.finish(
          call,
          failure(
            'CPU_BUDGET',
            `${this.displayName(state.module)} was stopped: project "${this.project}" used up its ${budget} for async work`,
          ),
        );
    }
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /**
   * An entry running past its timeout by more than the grace period: the isolate ignores interrupts. Only the
   * oldest entry of each isolate is running (the others wait their turn, however long, without being wedged),
   * and it has been since it was queued or since the one before it ended. An entry still running in an isolate
   * that was disposed (its memory limit) is stuck in V8 for good.
   */
  wedgedEntry(now: number): Entry | undefined {
    return this.runningEntryPast(now, WEDGE_GRACE_MS);
  }

  /**
   * Disposes an isolate whose running entry is past its timeout by OVERDUE_GRACE_MS (a loop of host calls); when the
   * entry ends, the isolate is rebuilt (see enter). One that does not end (a builtin) is wedged, as before.
   */
  stopOverdue(now: number): void {
    const entry = this.runningEntryPast(now, OVERDUE_GRACE_MS);
    if (!entry || entry.isolate.isDisposed || this.disposed) return;
    let end = () => {};
    const ended = new Promise<void>((resolve) => (end = resolve));
    this.overdue.set(entry.isolate, { entry, ended, end });
    this.lostTo.set(entry.isolate, entry.module);
    entry.isolate.dispose();
  }

  /** The oldest entry of each isolate is the one running, since it was queued or since the one before it ended. */
  private runningEntryPast(now: number, grace: number): Entry | undefined {
    const seen = new Set<ivm.Isolate>();
    for (const entry of this.entries) {
      if (seen.has(entry.isolate)) continue;
      seen.add(entry.isolate);
      const since = Math.max(entry.start, this.lastEnd.get(entry.isolate) ?? 0);
      const waited = entry.isolate === this.isolate ? this.waitedMs + (this.waitingSince === undefined ? 0 : now - this.waitingSince) : 0;
      // An isolate disposed by its memory limit while the entry still runs is stuck for good; by stopOverdue, not yet.
      const allowed = entry.isolate.isDisposed && !this.overdue.has(entry.isolate) ? 0 : entry.timeoutMs + waited;
      if (now - since > allowed + grace) return entry;
    }
    return undefined;
  }

  unload(): void {
    this.failAll('PROJECT_UNAVAILABLE', `project "${this.project}" was unloaded`);
    this.disposed = true;
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }
}

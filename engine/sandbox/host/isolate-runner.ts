import ivm from 'isolated-vm';
import type { ErrorCode } from '../../errors.ts';
import type { ProjectLimits } from '../../projects/limits.ts';
import { API } from '../../system/api.ts';
import { PRELUDE_FILENAME, preludeSource } from './prelude-source.ts';
import type { WindowCounter } from './quotas.ts';

/** The prelude's entry points, looked up once per isolate. */
export interface PreludeRefs {
  define: ivm.Reference;
  reevaluate: ivm.Reference;
  remove: ivm.Reference;
  invoke: ivm.Reference;
  settle: ivm.Reference;
  fireTimer: ivm.Reference;
  dropTimers: ivm.Reference;
}

/** One run of code inside the isolate; the watchdog uses these to find an isolate that ignores its timeout. */
export interface Entry {
  /** When it was handed to isolated-vm, which runs the entries of one isolate one at a time, in order. */
  start: number;
  timeoutMs: number;
  module: string;
  isolate: ivm.Isolate;
}

/** What a prelude entry returned: its JSON text, or nothing (the entries that answer nothing). */
export type EntryResult = { ok: true; value: string | undefined } | { ok: false; code: ErrorCode; message: string; lost?: true };

/** What the runner needs from the sandbox it runs for. */
export interface RunnerHooks {
  /** A call from the prelude on the bridge (see engine/sandbox/bridge.ts). */
  onBridge(op: unknown, args: unknown[]): string | undefined;
  /** A blocking call; the isolate's thread waits for the promise (applySyncPromise). */
  onBlockingCall(fn: string, argsJson: string, frame: string, budgeted: boolean, waitMs: number, context: string): Promise<string> | string;
  /** The isolate of `generation` was lost (memory limit, or disposed by stopOverdue): build it again. */
  onLost(generation: number, code: ErrorCode, reason: string, onlyWaiting: boolean): void;
  displayName(module: string): string;
}

const WEDGE_GRACE_MS = 1500;
/**
 * How long past its timeout an entry may run before its isolate is disposed and rebuilt (issue 10). isolated-vm's
 * termination is lost when it comes while the script is inside a host call, so a loop of host calls runs on (the
 * prelude stops calling the host past the deadline, but is only stopped by isolated-vm's next try, near twice the
 * timeout), and would outlast WEDGE_GRACE_MS and take the whole process and its other projects with it.
 */
const OVERDUE_GRACE_MS = 250;

/**
 * A project's isolate and every entry into it: builds it with the prelude, runs calls into it with a timeout, charges
 * their CPU time to a budget, and finds the entries that ignore their timeout (the watchdog's questions).
 */
export class IsolateRunner {
  private readonly project: string;
  private readonly limits: ProjectLimits;
  private readonly hooks: RunnerHooks;
  isolate!: ivm.Isolate;
  context!: ivm.Context;
  private refs!: PreludeRefs;
  /** Counts the isolates built; an entry's failure rebuilds only the isolate it ran in. */
  generation = 0;
  /** A rebuild in progress: entries wait for it, but for the rebuild's own. */
  rebuilding: Promise<void> | undefined;
  disposed = false;
  private readonly entries = new Set<Entry>();
  /** When the last entry into each isolate ended: the next one in line has been running since then, not since it was queued. */
  private readonly lastEnd = new WeakMap<ivm.Isolate, number>();
  /** The isolate's CPU clock when its last entry ended. */
  private readonly lastEndCpu = new WeakMap<ivm.Isolate, bigint>();
  /** Isolates stopOverdue disposed: the entry that ignored its timeout, and its end, which starts the rebuild. */
  private readonly overdue = new WeakMap<ivm.Isolate, { entry: Entry; ended: Promise<void>; end: () => void }>();
  /** The module whose entry was running when an isolate was lost (its memory limit, or stopOverdue). */
  private readonly lostTo = new WeakMap<ivm.Isolate, string>();
  /**
   * Time the running entry spent in blocking waits. isolated-vm's timeout stops its clock while the isolate waits in
   * applySyncPromise, so such an entry may run this much longer than its timeout without being wedged.
   */
  private waitedMs = 0;
  private waitingSince: number | undefined;

  constructor(project: string, limits: ProjectLimits, hooks: RunnerHooks) {
    this.project = project;
    this.limits = limits;
    this.hooks = hooks;
  }

  async build(): Promise<void> {
    this.generation++;
    this.isolate = new ivm.Isolate({ memoryLimit: this.limits.memoryMb });
    this.context = await this.isolate.createContext();
    const script = await this.isolate.compileScript(preludeSource(), { filename: PRELUDE_FILENAME });
    const install = await script.run(this.context, { reference: true });
    const bridge = new ivm.Callback((op: unknown, ...args: unknown[]) => this.hooks.onBridge(op, args));
    const options = JSON.stringify({ maxPayloadBytes: this.limits.maxPayloadBytes, timeoutMs: this.limits.timeoutMs });
    // The isolate calls this with applySyncPromise: its own thread waits for the promise, this process's event loop does not.
    const blockingWait = new ivm.Reference(
      (fn: unknown, args: unknown, frame: unknown, budgeted: unknown, waitMs: unknown, context: unknown) =>
        this.hooks.onBlockingCall(
          String(fn),
          String(args),
          String(frame),
          budgeted === '1',
          Number(waitMs),
          typeof context === 'string' ? context : '',
        ),
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

  /**
   * Runs one call into the isolate with a timeout; turns timeouts and memory-limit disposal into codes.
   * Calls wait for a rebuild in progress, except the rebuild's own (`duringRebuild`), which would wait for themselves;
   * the prelude function is looked up by name after that wait, so it belongs to the isolate that is current then.
   */
  async enter(
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
      return await this.failedEntry(entry, generation, error);
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

  /** Why an entry threw: stopped past its timeout (and the isolate with it), waiting behind such an entry, the memory limit, its own timeout. */
  private async failedEntry(entry: Entry, generation: number, error: unknown): Promise<EntryResult> {
    const { isolate, module, timeoutMs: timeout } = entry;
    const overdue = this.overdue.get(isolate);
    if (overdue) {
      if (overdue.entry === entry) {
        if (!this.disposed) this.hooks.onLost(generation, 'TIMEOUT', this.lossReason(isolate), true);
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
      if (!this.disposed) this.hooks.onLost(generation, 'MEMORY_LIMIT', this.lossReason(isolate), false);
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
  }

  /** Why an isolate was lost: its memory limit, or an entry that ignored its timeout while calling the host (stopOverdue). */
  private lossReason(isolate: ivm.Isolate): string {
    const overdue = this.overdue.get(isolate)?.entry;
    if (!overdue) return `project "${this.project}" exceeded its ${this.limits.memoryMb} MB memory limit in ${this.lostTo.get(isolate)}`;
    return `${this.hooks.displayName(overdue.module)} kept calling into the host past its timeout of ${overdue.timeoutMs} ms, so project "${this.project}"'s isolate was disposed`;
  }

  /** Waits for the end of an isolate that stopOverdue disposed, if it was; then the module whose entry lost it, if any. */
  async lossOf(isolate: ivm.Isolate): Promise<string | undefined> {
    await this.overdue.get(isolate)?.ended;
    return this.lostTo.get(isolate);
  }

  /** A blocking wait began or ended: its time does not count against the running entry's timeout (see runningEntryPast). */
  waitBegins(): void {
    this.waitingSince = Date.now();
  }

  waitEnds(): void {
    if (this.waitingSince !== undefined) this.waitedMs += Date.now() - this.waitingSince;
    this.waitingSince = undefined;
  }

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
   * entry ends, the isolate is rebuilt (see failedEntry). One that does not end (a builtin) is wedged, as before.
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

  dispose(): void {
    this.disposed = true;
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }
}

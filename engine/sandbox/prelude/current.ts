// Runs INSIDE the isolate. What is running now: every entry from the host sets it first (begin), and timers and
// pending requests started while it runs remember it, so that their callbacks run as the same module, on the same
// budget, later. One object shared by the prelude's modules; it never reaches a script.
import { now } from './primordials.ts';

export interface Current {
  /** The module (and its evaluation) that is running now: timers and pending requests started now belong to it. */
  owner: string;
  token: number;
  /**
   * Whether what runs now descends from a handler a script called: its requests' continuations and its timers then
   * run on the budget for such calls, not on the project's own (the host keeps both).
   */
  budgeted: boolean;
  /**
   * The session, page and view the running code acts for (`<session>/<page>/<view instance>`, '' outside a session):
   * set for a handler with live objects, and kept by what it starts. The gateway reads system.perspective's defaults from it.
   */
  context: string;
  deadline: number;
  /**
   * Until when a blocking call may wait: the invocation's own deadline, else the handler timeout from the entry's start.
   * Apart from `deadline`, which an entry on a CPU budget gets cut to what is left of it: a wait uses no CPU, and
   * isolated-vm's timeout clock stops while the isolate waits (engine/sandbox/host/project-sandbox.ts).
   */
  waitDeadline: number;
  /** The project's handler timeout: how long a blocking call may wait outside an invocation (a timer callback, a continuation). */
  readonly handlerTimeoutMs: number;
}

/** Every field is set here, as the object's own: assigning one later cannot reach a setter a script put on Object.prototype. */
export function createCurrent(handlerTimeoutMs: number): Current {
  return { owner: '', token: 0, budgeted: false, context: '', deadline: Infinity, waitDeadline: Infinity, handlerTimeoutMs };
}

/** What a timer or a pending call keeps of what was running when it was made, to run its callback as that again. */
export type Origin = Pick<Current, 'owner' | 'token' | 'budgeted' | 'context'>;

export function originOf(current: Current): Origin {
  return { owner: current.owner, token: current.token, budgeted: current.budgeted, context: current.context };
}

export function resume(current: Current, origin: Origin): void {
  current.owner = origin.owner;
  current.token = origin.token;
  current.budgeted = origin.budgeted;
  current.context = origin.context;
}

/** Every entry from the host starts with this, with the timeout isolated-vm runs it under. */
export function begin(current: Current, timeoutMs: number): void {
  current.deadline = now() + timeoutMs;
  current.waitDeadline = now() + current.handlerTimeoutMs;
  current.budgeted = false;
  current.context = '';
}

// isolated-vm cannot stop a script while it is inside a host call, and a loop of system calls (errors
// caught) is nearly always inside one: it would run on past its timeout until the watchdog kills the
// whole sandbox process. Past the deadline the host is not called again; the script waits here, where
// isolated-vm's termination (which it keeps requesting until the run ends) does stop it.
export function stopIfOverdue(current: Current): void {
  if (now() > current.deadline) for (;;);
}

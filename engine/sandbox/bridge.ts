/**
 * The bridge between an isolate and its sandbox host, declared once for both sides: the operations the prelude may
 * call on the one callback it captured, each with its arguments, and the blocking call it makes with applySyncPromise.
 * Arguments are strings: isolated-vm copies a string across cheaply, and the host reads nothing else from inside.
 * Types only, so the prelude imports it without anything entering its bundle (test/unit/sandbox/bundle-contents).
 */

/** A yes/no argument. */
export type Flag = '1' | '';

/** Each operation of the non-blocking bridge and its arguments, in order. */
export interface BridgeOps {
  /** A system.* call that does not wait; answers `{"ok":true}`, `{"ok":true,"pending":<request>}` or a failure. */
  call: [fn: string, argsJson: string, frame: string, budgeted: Flag, context: string];
  /** An invocation has finished with this outcome; answers nothing. */
  done: [call: string, outcome: string];
  /** A timer was set; `owner` is the module that was running. Answers `{"ok":true}` or a failure (the timer quota). */
  setTimer: [id: string, delayMs: string, repeat: Flag, budgeted: Flag, owner: string];
  clearTimer: [id: string];
}

export type BridgeOp = keyof BridgeOps;

/** The bridge as the prelude calls it. */
export type Bridge = <Op extends BridgeOp>(op: Op, ...args: BridgeOps[Op]) => string | undefined;

/** The arguments of a blocking system.* call: the host answers with its outcome once the gateway has, or at `waitMs`. */
export type BlockingCallArgs = [fn: string, argsJson: string, frame: string, budgeted: Flag, waitMs: string, context: string];

const ARITY: { [Op in BridgeOp]: number } = { call: 5, done: 2, setTimer: 5, clearTimer: 1 };

/** What the host received, read as the operation it names; undefined for anything the prelude does not send. */
export function readBridgeCall(op: unknown, args: unknown[]): { [Op in BridgeOp]: { op: Op; args: BridgeOps[Op] } }[BridgeOp] | undefined {
  if (typeof op !== 'string' || !Object.hasOwn(ARITY, op)) return undefined;
  const arity = ARITY[op as BridgeOp];
  const strings = args.slice(0, arity).map((a) => (typeof a === 'string' ? a : ''));
  while (strings.length < arity) strings.push('');
  return { op, args: strings } as never;
}

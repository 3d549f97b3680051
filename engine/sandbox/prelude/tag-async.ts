// Runs INSIDE the isolate. system.tag.readAsync and writeAsync (issue 12 item 2): each returns at once and calls its
// callback later, in this sandbox, when the host's answer to an internal async call arrives. The continuation runs as
// the module that made the call (host-call.ts settle), so its budget, deadline and timers are that module's.
import type { FunctionDecl } from '../../system/define.ts';
import { validateArgs } from '../../system/validate.ts';
import { errorInfo, SystemError } from './errors.ts';
import { callerFrame, type CallHost } from './host-call.ts';
import { apply, promiseThen } from './primordials.ts';

type Log = (level: string, logger: string, message: string, frame: string) => void;

const LOGGER = 'system.tag';

/** The first frame of a thrown value's stack outside the prelude, so the log names the callback's file:line. */
function frameOf(stack: string | undefined, fallback: string): string {
  if (!stack) return fallback;
  const lines = stack.split('\n');
  for (let i = 1; i < lines.length; i++) if (!lines[i].includes('flint:prelude')) return lines[i].slice(0, 1000);
  return fallback;
}

export function createTagAsync(byName: Map<string, FunctionDecl>, callHost: CallHost, log: Log) {
  const later = (
    decl: FunctionDecl,
    host: FunctionDecl,
    args: unknown[],
    callbackAt: number,
    onResult: (result: unknown, callback: unknown, frame: string) => void,
  ): void => {
    const checked = validateArgs(decl, args);
    if (!checked.ok) throw new SystemError('BAD_ARGUMENT', checked.message);
    const frame = callerFrame();
    const callback = checked.values[callbackAt];
    const pending = callHost(host, checked.values.slice(0, callbackAt)) as Promise<unknown>;
    void apply(promiseThen, pending, [
      (result: unknown) => {
        try {
          onResult(result, callback, frame);
        } catch (error) {
          const info = errorInfo(error);
          log('error', LOGGER, `system.${decl.name}: the callback threw: ${info.message}`, frameOf(info.stack, frame));
        }
      },
      (error: unknown) => log('error', LOGGER, `system.${decl.name} failed: ${errorInfo(error, 'INTERNAL').message}`, frame),
    ]);
  };

  const readAsync = byName.get('tag.readAsync')!;
  const readHost = byName.get('tag.readForCallback')!;
  const writeAsync = byName.get('tag.writeAsync')!;
  const writeHost = byName.get('tag.writeForCallback')!;
  return {
    readAsync(tagPaths: unknown, callback: unknown): void {
      later(readAsync, readHost, [tagPaths, callback], 1, (values, cb) => void apply(cb as (v: unknown) => void, undefined, [values]));
    },
    writeAsync(...args: unknown[]): void {
      later(writeAsync, writeHost, args, 2, (qualities, cb, frame) => {
        if (typeof cb === 'function') return void apply(cb as (q: unknown) => void, undefined, [qualities]);
        // No callback (the seeds' Barcode example): a refused path must still be seen somewhere.
        const list = qualities as { quality: string }[];
        const refused = list.filter((q) => q.quality !== 'Good').map((q) => q.quality);
        if (refused.length)
          log('warn', LOGGER, `system.tag.writeAsync: ${refused.length} of ${list.length} writes refused: ${refused.join(', ')}`, frame);
      });
    },
  };
}

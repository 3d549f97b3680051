// Runs INSIDE the isolate. `system` and `console` as scripts see them, built from the API declaration: one stub per
// declared function, nested by namespace and frozen, each a call to the host; util.getLogger's loggers and console
// write through util.log.
import type { ApiDecl, FunctionDecl } from '../../system/define.ts';
import { validateArgs } from '../../system/validate.ts';
import { SystemError } from './errors.ts';
import { formatPrintf, messageText } from './format.ts';
import { callerFrame, type CallHost } from './host-call.ts';
import { freeze, MapCtor } from './primordials.ts';
import { createTagAsync } from './tag-async.ts';

export function createSystem(api: ApiDecl, callHost: CallHost) {
  // system.*: one stub per declared function, nested by namespace, frozen.
  const byName = new MapCtor<string, FunctionDecl>();
  const system: Record<string, Record<string, unknown>> = {};
  for (const fn of api.functions) {
    byName.set(fn.name, fn);
    if (fn.internal || fn.mode === 'prelude') continue;
    const [ns, name] = fn.name.split('.');
    (system[ns] ??= {})[name] = function (...args: unknown[]) {
      return callHost(fn, args);
    };
  }
  const logFn = byName.get('util.log')!;
  const log = (level: string, logger: string, message: string) => {
    callHost(logFn, [level, logger, message, callerFrame()]);
  };
  const getLoggerFn = byName.get('util.getLogger')!;
  system.util.getLogger = function getLogger(name: unknown) {
    const checked = validateArgs(getLoggerFn, [name]);
    if (!checked.ok) throw new SystemError('BAD_ARGUMENT', checked.message);
    const loggerName = checked.values[0] as string;
    const logger: Record<string, unknown> = {};
    for (const level of ['trace', 'debug', 'info', 'warn', 'error']) {
      logger[level] = (message: unknown) => log(level, loggerName, messageText(message));
      logger[level + 'f'] = (format: string, ...args: unknown[]) => log(level, loggerName, formatPrintf(format, args));
    }
    return freeze(logger);
  };
  if (byName.has('tag.readAsync')) {
    const tagAsync = createTagAsync(byName, callHost, (level, logger, message, frame) => callHost(logFn, [level, logger, message, frame]));
    system.tag.readAsync = tagAsync.readAsync;
    system.tag.writeAsync = tagAsync.writeAsync;
  }
  for (const ns of Object.keys(system)) freeze(system[ns]);
  freeze(system);

  const consoleLog =
    (level: string) =>
    (...args: unknown[]) =>
      log(level, 'console', args.map(messageText).join(' '));
  const consoleObject = freeze({
    log: consoleLog('info'),
    info: consoleLog('info'),
    debug: consoleLog('debug'),
    warn: consoleLog('warn'),
    error: consoleLog('error'),
  });

  return { system, console: consoleObject };
}

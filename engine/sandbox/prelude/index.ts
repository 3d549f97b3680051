// Runs INSIDE the isolate, before any user code: builds `system`, console and timers on top of one
// bridge function, and the module table that handler scripts live in. Everything it needs from the
// global object is captured first (primordials.ts and the top of each module, when the bundle is evaluated), so
// later tampering by scripts can only confuse their own project: the host validates every call again.
import type { ApiDecl } from '../../system/define.ts';
import type { Bridge } from '../bridge.ts';
import { createCurrent } from './current.ts';
import { createHostCalls, type BlockingWait } from './host-call.ts';
import { createInvoke } from './invocations.ts';
import { createLiveObjects } from './live-objects.ts';
import { createModuleTable } from './modules.ts';
import { defineProperty, deleteProperty, parse, PromiseCtor } from './primordials.ts';
import { installProxyRegistry } from './proxy-registry.ts';
import { createSystem } from './system.ts';
import { createTimers } from './timers.ts';

interface Options {
  maxPayloadBytes: number;
  /** The project's handler timeout: how long a blocking call may wait outside an invocation (a timer callback, a continuation). */
  timeoutMs: number;
}

export function install(bridge: Bridge, blockingWait: BlockingWait, apiJson: string, optionsJson: string) {
  const api = parse(apiJson) as ApiDecl;
  const options = parse(optionsJson) as Options;
  const isProxy = installProxyRegistry();
  const current = createCurrent(options.timeoutMs);
  const { callHost, settle } = createHostCalls(bridge, blockingWait, options.maxPayloadBytes, isProxy, current);
  const { system, console } = createSystem(api, callHost);
  const { addTimer, removeTimer, clearTimersOf, fireTimer, dropTimers } = createTimers(bridge, current);

  const globals: Record<string, unknown> = {
    system,
    console,
    setTimeout: (cb: unknown, ms?: unknown, ...args: unknown[]) => addTimer(cb, ms, args, false),
    setInterval: (cb: unknown, ms?: unknown, ...args: unknown[]) => addTimer(cb, ms, args, true),
    clearTimeout: removeTimer,
    clearInterval: removeTimer,
    queueMicrotask: (cb: () => void) => void PromiseCtor.resolve().then(cb),
  };
  for (const name of Object.keys(globals))
    defineProperty(globalThis, name, { value: globals[name], writable: false, configurable: false, enumerable: false });
  // seeds and issue 5: no WebAssembly, no SharedArrayBuffer inside the sandbox.
  deleteProperty(globalThis, 'WebAssembly');
  deleteProperty(globalThis, 'SharedArrayBuffer');
  deleteProperty(globalThis, 'Atomics');

  const modules = createModuleTable(current, clearTimersOf);
  const writeLive = api.functions.filter((fn) => fn.name === 'perspective.writeLive')[0];
  const buildLive = createLiveObjects(callHost, writeLive, options.maxPayloadBytes, isProxy);
  // The entries the host calls (engine/sandbox/host/project-sandbox.ts); each starts with begin() (current.ts).
  return {
    define: modules.define,
    reevaluate: modules.reevaluate,
    remove: modules.remove,
    invoke: createInvoke(bridge, modules, options.maxPayloadBytes, isProxy, current, buildLive),
    settle,
    fireTimer,
    dropTimers,
  };
}

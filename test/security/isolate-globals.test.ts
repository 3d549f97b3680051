// Attack: look for a way out in what is lying around. A script walks globalThis and everything reachable from
// it and from the values it is handed (its module's locals, payload, a system call's value, error and promise),
// every property, getter, setter and prototype, looking for isolated-vm handles (Reference, ExternalCopy,
// Callback), host globals (process, require, module) and WebAssembly or SharedArrayBuffer.
import ivm from 'isolated-vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectServing, script } from './hostile.ts';

/**
 * Plain JavaScript, run both inside the sandbox and in a fresh isolated-vm context: every object and function
 * reachable from `roots`, without calling getters. Returns the global names, every property key seen, and how
 * many native functions of each name it met (a host callback is a native function too, without a name).
 */
const WALK = `function walk(roots) {
  const seen = new Set();
  const keys = new Set();
  const natives = {};
  const queue = roots.slice();
  const toSource = Function.prototype.toString;
  while (queue.length > 0) {
    const value = queue.pop();
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
    seen.add(value);
    if (typeof value === 'function') {
      const nameDescriptor = Reflect.getOwnPropertyDescriptor(value, 'name');
      const name = nameDescriptor && typeof nameDescriptor.value === 'string' ? nameDescriptor.value : '';
      if (/^function [^(]*\\(\\) \\{\\s+\\[native code\\]\\s+\\}$/.test(toSource.call(value))) natives[name] = (natives[name] || 0) + 1;
    }
    for (const key of Reflect.ownKeys(value)) {
      keys.add(String(key));
      const d = Reflect.getOwnPropertyDescriptor(value, key);
      if (d) queue.push(d.value, d.get, d.set);
    }
    queue.push(Reflect.getPrototypeOf(value));
  }
  return { globals: Reflect.ownKeys(globalThis).map(String).sort(), keys: [...keys].sort(), natives, count: seen.size };
}`;

interface WalkResult {
  globals: string[];
  keys: string[];
  natives: Record<string, number>;
  count: number;
}

const OUR_GLOBALS = ['clearInterval', 'clearTimeout', 'console', 'queueMicrotask', 'setInterval', 'setTimeout', 'system'];
const REMOVED_GLOBALS = ['Atomics', 'SharedArrayBuffer', 'WebAssembly'];

let fresh: WalkResult;

const t = useGateway({
  bystander,
  hostile: {
    files: {
      'gateway-events/message/data.ts': `export default function () {\n  return { list: [1, { two: 2 }] };\n}\n`,
      'gateway-events/message/walk.ts': script(`${WALK}
  let systemError: unknown;
  try { await system.util.sendRequest('nope', 'x'); } catch (e) { systemError = e; }
  const promise = system.util.sendRequest('hostile', 'data');
  const value = await promise;
  const result = walk([globalThis, module, exports, require, arguments, payload, systemError, promise, value, system.util.getLogger('w')]);
  const requires: Record<string, string> = {};
  for (const id of ['fs', 'child_process', 'isolated-vm', 'node:process', '../../../../etc/passwd']) {
    try { require(id); requires[id] = 'LOADED'; } catch (e: any) { requires[id] = e.message; }
  }
  const g = globalThis as any;
  return {
    ...result,
    locals: { require: typeof require, module: typeof module, exports: typeof exports },
    onGlobal: ['process', 'require', 'module', 'exports', 'global', 'Buffer', 'WebAssembly', 'SharedArrayBuffer', 'Atomics', 'ivm', '_ivm'].filter((name) => name in g || g[name] !== undefined),
    typeofs: [typeof WebAssembly, typeof SharedArrayBuffer, typeof (g.process), typeof (g.require)],
    requires,
  };`),
    },
  },
});
beforeAll(async () => {
  const isolate = new ivm.Isolate({ memoryLimit: 32 });
  const context = await isolate.createContext();
  // Without the globals the sandbox removes or replaces, so that the native functions can be counted against it.
  // The constructors of async and generator functions, and the stack accessors of errors, are reachable only from such values.
  await context.eval(`${REMOVED_GLOBALS.map((name) => `delete globalThis.${name};`).join(' ')} globalThis.console = {};`);
  fresh = JSON.parse(
    await context.eval(
      `JSON.stringify((${WALK})([globalThis, async function () {}, function* () {}, async function* () {}, new Error('x')]))`,
      { timeout: 5000 },
    ),
  ) as WalkResult;
  isolate.dispose();
});

describe('what a script can reach', () => {
  let found: WalkResult & { locals: Record<string, string>; onGlobal: string[]; typeofs: string[]; requires: Record<string, string> };

  beforeAll(async () => {
    found = (await t.request('hostile', 'walk', { a: [1] })) as typeof found;
  });

  it('has exactly the standard globals, less WebAssembly, SharedArrayBuffer and Atomics, plus system, console and timers', () => {
    expect(fresh.globals).toContain('Array');
    const expected = [...new Set([...fresh.globals, ...OUR_GLOBALS])].sort();
    expect(found.globals).toEqual(expected);
    expect(found.onGlobal).toEqual([]);
    expect(found.typeofs).toEqual(['undefined', 'undefined', 'undefined', 'undefined']);
  });

  it('has no isolated-vm handle: every native function is one a fresh context has, and no key names a handle', () => {
    // the walk did cover the built-ins, ours and the values handed to the script
    expect(found.count).toBeGreaterThan(500);
    expect(found.keys).toEqual(expect.arrayContaining(['sendRequest', 'getLogger', 'infof', 'list', 'two', 'code']));
    const extra = Object.entries(found.natives).filter(([name, count]) => count > (fresh.natives[name] ?? 0));
    expect(extra).toEqual([]);
    const handleName = (key: string) =>
      /^(Reference|ExternalCopy|Callback|Isolate|Context|Script|Module|NativeModule|derefInto|applySync|copyInto|deref)$/.test(key) ||
      /ivm|isolated/i.test(key);
    expect(found.keys.filter((key) => !fresh.keys.includes(key) && handleName(key))).toEqual([]);
    expect(found.keys).not.toContain('process');
    expect(found.keys).not.toContain('bridge');
  });

  it('has require, module and exports only as its module’s own locals, and require loads nothing from the host', () => {
    expect(found.locals).toEqual({ require: 'function', module: 'object', exports: 'object' });
    for (const [id, outcome] of Object.entries(found.requires))
      expect(outcome, id).toBe(`cannot find module "${id}": it was deleted or failed to compile`);
  });

  it('leaves the gateway up and the other project answering', async () => {
    await expectServing(t);
  });
});

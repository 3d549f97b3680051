// Attack: walk the errors that the host makes (gateway NOT_FOUND, another sandbox's TIMEOUT, the sandbox
// host's quota and argument checks) through .constructor, prototypes and every property, looking for a host realm, a host
// stack or host paths. The errors a script sees must be the isolate's own, made from data.
import { describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectServing, sandboxPid, script } from './hostile.ts';

/** Describes an error the script caught: its realm, its keys, and everything reachable from it. */
const INSPECT = `
function inspect(e: any) {
  const seen = new Set<unknown>();
  const foreign: string[] = [];
  const queue: [unknown, string][] = [[e, 'e']];
  while (queue.length > 0) {
    const [value, path] = queue.shift()!;
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
    seen.add(value);
    if (typeof value === 'function' && (value as any).constructor !== Function) foreign.push(path);
    for (const key of Reflect.ownKeys(value)) {
      const d = Reflect.getOwnPropertyDescriptor(value, key)!;
      queue.push([d.value, path + '.' + String(key)], [d.get, path + '.get ' + String(key)], [d.set, path + '.set ' + String(key)]);
    }
    queue.push([Reflect.getPrototypeOf(value), path + '.__proto__']);
  }
  let escape: string;
  try { escape = String(e.constructor.constructor('return typeof process')()); } catch (x: any) { escape = 'threw ' + x.message; }
  return {
    code: e.code,
    message: e.message,
    isolateError: e instanceof Error && e.constructor.constructor === Function,
    ownKeys: Reflect.ownKeys(e).map(String).sort(),
    stack: String(e.stack),
    foreign,
    reachable: seen.size,
    escape,
  };
}
`;

const t = useGateway({
  bystander,
  slowpoke: {
    files: {
      'gateway-events/message/slow.ts': script(`await new Promise((r) => setTimeout(r, 1000));\nreturn 'late';`),
    },
  },
  hostile: {
    config: { limits: { maxTimers: 2 } },
    files: {
      'gateway-events/message/collect.ts': script(`${INSPECT}
  const errors: Record<string, unknown> = {};
  // made by the gateway, and by the sandbox keeping the awaited handler's deadline
  try { await system.util.sendRequest('nope', 'x'); } catch (e) { errors.notFound = inspect(e); }
  try { await system.util.sendRequest('slowpoke', 'slow', {}, undefined, 0.05); } catch (e) { errors.timeout = inspect(e); }
  try { system.util.sendMessage('bystander', 'missing', {}, 'G'); } catch (e) { errors.noHandler = inspect(e); }
  // made by the sandbox host: the timer quota
  const timers = [setTimeout(() => {}, 60_000), setTimeout(() => {}, 60_000)];
  try { setTimeout(() => {}, 1); } catch (e) { errors.quota = inspect(e); }
  timers.forEach(clearTimeout);
  // made by the sandbox host when its own argument check refuses what the prelude let through
  const RealRegExp = RegExp;
  (globalThis as any).RegExp = function () { return { test: () => true }; };
  try { await system.util.sendRequest('../etc', 'x'); } catch (e) { errors.hostValidation = inspect(e); }
  (globalThis as any).RegExp = RealRegExp;
  return errors;`),
    },
  },
});

describe('errors made by the host', () => {
  it('reach the script as the isolate’s own errors, made from data, with no host stack or paths', async () => {
    const pid = sandboxPid(t, 'hostile');
    const errors = (await t.request('hostile', 'collect')) as Record<
      string,
      {
        code: string;
        message: string;
        isolateError: boolean;
        ownKeys: string[];
        stack: string;
        foreign: string[];
        reachable: number;
        escape: string;
      }
    >;
    expect(Object.keys(errors).sort()).toEqual(['hostValidation', 'noHandler', 'notFound', 'quota', 'timeout']);
    expect(errors.notFound).toMatchObject({ code: 'NOT_FOUND', message: 'project "nope" does not exist' });
    expect(errors.timeout).toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringMatching(/^slowpoke\/slow: .*slowpoke\/gateway-events\/message\/slow\.ts timed out after 50 ms$/),
    });
    expect(errors.noHandler).toMatchObject({
      code: 'NOT_FOUND',
      message: 'project "bystander" has no message handler "missing" for scope "G"',
    });
    expect(errors.quota).toMatchObject({ code: 'QUOTA_EXCEEDED', message: 'project "hostile" already has 2 live timers' });
    expect(errors.hostValidation).toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/^system\.util\.sendRequest: argument 1 "project" must match .*; received "\.\.\/etc"$/),
    });
    for (const [name, e] of Object.entries(errors)) {
      expect(e.isolateError, name).toBe(true);
      expect(e.escape, name).toBe('undefined');
      expect(e.foreign, name).toEqual([]);
      expect(e.ownKeys, name).toEqual(['code', 'message', 'name', 'stack']);
      // only prelude frames and the script's own: nothing from the gateway, Node or isolated-vm
      const frames = e.stack.split('\n').slice(1);
      for (const frame of frames)
        expect(frame, name).toMatch(
          /\((flint:prelude|projects\/hostile\/gateway-events\/message\/collect\.ts):\d+:\d+\)$|^\s+at (flint:prelude|projects\/hostile\/)/,
        );
      expect(e.stack + e.message, name).not.toMatch(/node:|node_modules|isolated-vm|engine\/|\/work\//);
    }
    expect(sandboxPid(t, 'hostile')).toBe(pid);
  });

  it('leave the gateway up and the other project answering', async () => {
    await expectServing(t);
  });
});

// Attack: floods of unhandled promise rejections, from a handler and from a timer, rejections with hostile
// values (a Proxy whose traps throw, a symbol), thenables that throw and promises that never settle, hoping
// to crash the sandbox process (Node ends a process on an unhandled rejection) or to wedge the project.
import { beforeAll, describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectAnswers, expectServing, sandboxPid, script } from './hostile.ts';

let pid: number | undefined;

const t = useGateway({
  bystander,
  hostile: {
    config: { limits: { timeoutMs: 1000 } },
    files: {
      'gateway-events/message/flood.ts': script(`
  for (let i = 0; i < 100_000; i++) Promise.reject(new Error('unhandled ' + i));
  return 'flooded';`),
      'gateway-events/message/timerFlood.ts': script(`
  let ticks = 0;
  await new Promise<void>((resolve) => {
    const id = setInterval(() => {
      for (let i = 0; i < 5_000; i++) Promise.reject(new Error('from a timer'));
      if (++ticks === 10) { clearInterval(id); resolve(); }
    }, 10);
  });
  return ticks;`),
      'gateway-events/message/hostileValues.ts': script(`
  Promise.reject(new Proxy({}, { get() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); } }));
  Promise.reject(Symbol('rejected'));
  Promise.reject(Object.create(null));
  return 'ok';`),
      'gateway-events/message/rejectsProxy.ts': script(
        `throw new Proxy({}, { get() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); } });`,
      ),
      'gateway-events/message/rejectsSymbol.ts': script(`throw Symbol('thrown');`),
      'gateway-events/message/throwingThenable.ts': `export default function () {\n  return { then() { throw new Error('then threw'); } };\n}\n`,
      'gateway-events/message/neverSettles.ts': `export default function () {\n  return new Promise(() => {});\n}\n`,
      'gateway-events/message/ping.ts': `export default function (payload: any) {\n  return { pong: payload.n };\n}\n`,
    },
  },
});
beforeAll(() => {
  pid = sandboxPid(t, 'hostile');
});

describe('unhandled rejections', () => {
  it('in a flood from a handler leave the handler answering', async () => {
    expect(await t.request('hostile', 'flood')).toBe('flooded');
    await expectServing(t);
  });

  it('in a flood from a timer leave the handler answering', async () => {
    expect(await t.request('hostile', 'timerFlood')).toBe(10);
    await expectServing(t);
  });

  it('with hostile values are ignored', async () => {
    expect(await t.request('hostile', 'hostileValues')).toBe('ok');
  });

  it('of a handler are reported with a clear error, whatever the value', async () => {
    await expect(t.request('hostile', 'rejectsProxy')).rejects.toMatchObject({
      code: 'SCRIPT_ERROR',
      message: 'hostile/rejectsProxy: a value was thrown that could not be described',
    });
    await expect(t.request('hostile', 'rejectsSymbol')).rejects.toMatchObject({
      code: 'SCRIPT_ERROR',
      message: 'hostile/rejectsSymbol: a non-error value was thrown: Symbol(thrown)',
    });
    await expect(t.request('hostile', 'throwingThenable')).rejects.toMatchObject({
      code: 'SCRIPT_ERROR',
      message: 'hostile/throwingThenable: then threw',
    });
  });

  it('never settling ends in the project’s TIMEOUT', async () => {
    await expect(t.request('hostile', 'neverSettles')).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringContaining('timed out after 1000 ms'),
    });
  });

  it('leave the sandbox process running, the project answering, the gateway up and the other project answering', async () => {
    expect(sandboxPid(t, 'hostile')).toBe(pid);
    expect(t.logs((r) => /sandbox process .* (exited|was killed)/.test(r.message))).toEqual([]);
    await expectAnswers(t, 'hostile');
    await expectServing(t);
  });
});

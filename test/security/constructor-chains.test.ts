// Attack: climb from any value a script can get hold of to a Function constructor and ask it for the host's
// `process`: `this.constructor.constructor('return process')()`, from errors that system.* calls throw,
// from values they return and from the rejections of their promises.
import { describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectServing, sandboxPid, script } from './hostile.ts';

/** Tries every chain from `start`; records what each gave: a ReferenceError (contained) or whatever came back. */
const CLIMB = `
const results: Record<string, string> = {};
const describeValue = (v: any) => (v === undefined ? 'undefined' : typeof v === 'object' || typeof v === 'function' ? 'ESCAPED ' + Object.keys(v).slice(0, 5).join(',') : typeof v + ' ' + String(v));
function climb(name: string, start: any) {
  const chains: Record<string, () => any> = {
    ctor: () => start.constructor.constructor('return process')(),
    proto: () => Object.getPrototypeOf(start).constructor.constructor('return process')(),
    dunder: () => start.__proto__.constructor.constructor('return require')(),
    globalThis: () => { const g = start.constructor.constructor('return this')(); return g.process ?? g.require ?? g.module ?? g.global ?? g.Buffer; },
    realm: () => (start.constructor.constructor === Function ? undefined : 'a Function from another realm'),
  };
  for (const [chain, attempt] of Object.entries(chains)) {
    try {
      results[name + '.' + chain] = describeValue(attempt());
    } catch (e: any) {
      results[name + '.' + chain] = e instanceof ReferenceError ? 'contained' : 'threw ' + e?.name + ': ' + e?.message;
    }
  }
}
`;

const t = useGateway({
  bystander,
  hostile: {
    files: {
      'gateway-events/message/data.ts': `export default function () {\n  return { list: [1, { deep: true }], text: 'x' };\n}\n`,
      'gateway-events/message/fails.ts': `export default function () {\n  throw new Error('handler failed');\n}\n`,
      'gateway-events/message/climb.ts': script(`${CLIMB}
  climb('this', this);
  climb('handlerArguments', arguments);
  climb('payload', payload);
  climb('system', system);
  climb('sendRequest', system.util.sendRequest);
  climb('logger', system.util.getLogger('x'));
  climb('console', console);
  climb('setTimeout', setTimeout);
  // an error the prelude throws synchronously (argument validation)
  try { (system.util.sendRequest as any)(42); } catch (e) { climb('syncError', e); }
  // an error that a system call rejects with, made from the gateway's answer
  try { await system.util.sendRequest('nope', 'x'); } catch (e) { climb('rejection', e); }
  // a rejection from a handler that threw, in another call
  try { await system.util.sendRequest('hostile', 'fails'); } catch (e) { climb('remoteRejection', e); }
  // the promise a system call returns, and the values it resolves to
  const pending = system.util.sendRequest('hostile', 'data');
  climb('promise', pending);
  const value = await pending;
  climb('value', value);
  climb('valueArray', value.list);
  climb('valueNested', value.list[1]);
  climb('delivery', system.util.sendMessage('hostile', 'data', {}, 'G'));
  // a timer id and a rejection the script makes itself from a system call's promise
  climb('timerId', setTimeout(() => {}, 1));
  await Promise.reject(system.util.sendRequest('nope', 'y')).catch(async (p) => { try { await p; } catch (e) { climb('chainedRejection', e); } });
  return results;`),
    },
  },
});

describe('constructor chains', () => {
  it('never reach the host Function: every chain from every value a script can reach ends in a ReferenceError', async () => {
    const pid = sandboxPid(t, 'hostile');
    const results = (await t.request('hostile', 'climb', { a: [1] })) as Record<string, string>;
    const starts = [
      'this',
      'handlerArguments',
      'payload',
      'system',
      'sendRequest',
      'logger',
      'console',
      'setTimeout',
      'syncError',
      'rejection',
      'remoteRejection',
      'promise',
      'value',
      'valueArray',
      'valueNested',
      'delivery',
      'timerId',
      'chainedRejection',
    ];
    for (const start of starts) {
      for (const chain of ['ctor', 'proto', 'dunder']) expect(results[`${start}.${chain}`], `${start}.${chain}`).toBe('contained');
      // the global object a Function reaches has no process, require, module, global or Buffer
      expect(results[`${start}.globalThis`], `${start}.globalThis`).toBe('undefined');
      // and the Function is the isolate's own: no host realm behind it
      expect(results[`${start}.realm`], `${start}.realm`).toBe('undefined');
    }
    expect(Object.keys(results)).toHaveLength(starts.length * 5);
    expect(sandboxPid(t, 'hostile')).toBe(pid);
  });

  it('leaves the gateway up and the other project answering', async () => {
    await expectServing(t);
  });
});

// Attack: values JSON cannot carry (functions, symbols, cycles, bigints, NaN, Infinity, class instances...) as
// system.* arguments and as return values, hoping something other than plain data crosses the boundary or
// that the serializer falls over. Each must fail inside the script with a clear error; nothing may cross.
import { describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectServing, logsOf, receiver, sandboxPid, script } from './hostile.ts';

const t = useGateway({
  bystander,
  receiver,
  hostile: {
    files: {
      'gateway-events/message/send.ts': script(`
  const cycle: any = { name: 'loop' };
  cycle.self = { back: cycle };
  const arrayCycle: any[] = [];
  arrayCycle.push(arrayCycle);
  let deep: any = {};
  for (let i = 0; i < 1000; i++) deep = { deep };
  class Point { x = 1; }
  const payloads: Record<string, any> = {
    function: { fn: () => 1 },
    symbol: { s: Symbol('secret') },
    symbolKey: { [Symbol('k')]: 1 },
    cycle,
    arrayCycle: { list: arrayCycle },
    bigint: { n: 10n ** 30n },
    nan: { n: NaN },
    infinity: { n: [1, -Infinity] },
    map: { m: new Map([[1, 2]]) },
    set: { s: new Set([1]) },
    classInstance: { p: new Point() },
    regexp: { r: /x/ },
    typedArray: { bytes: new Uint8Array(4) },
    error: { e: new Error('x') },
    promise: { p: Promise.resolve(1) },
    deep,
  };
  const results: Record<string, string> = {};
  for (const [name, value] of Object.entries(payloads)) {
    try {
      await system.util.sendRequest('receiver', 'record', value);
      results[name] = 'CROSSED';
    } catch (e: any) {
      results[name] = e.code + ' ' + e.message;
    }
  }
  const args: Record<string, () => unknown> = {
    functionAsProject: () => system.util.sendRequest((() => 'receiver') as any, 'record'),
    nanTimeout: () => system.util.sendRequest('receiver', 'record', {}, undefined, NaN),
    bigintTimeout: () => system.util.sendRequest('receiver', 'record', {}, undefined, 5n as any),
    symbolHandler: () => system.util.sendRequest('receiver', Symbol('record') as any),
    arrayPayload: () => system.util.sendRequest('receiver', 'record', [1, 2] as any),
    tooManyArguments: () => (system.util.sendRequest as any)('receiver', 'record', {}, undefined, 1, 'extra'),
  };
  for (const [name, call] of Object.entries(args)) {
    try {
      await call();
      results[name] = 'CROSSED';
    } catch (e: any) {
      results[name] = e.code + ' ' + e.message;
    }
  }
  // A logger takes any value: it is turned into text inside the sandbox.
  const log = system.util.getLogger('values');
  log.info(cycle);
  log.info(10n as any);
  log.info(Symbol('logged') as any);
  log.infof('%j %s %d', cycle, Symbol('s'), 3n);
  return results;`),
      'gateway-events/message/returns.ts': script(`
  const values: Record<string, () => any> = {
    function: () => () => 1,
    symbol: () => Symbol('s'),
    bigint: () => 1n,
    nan: () => ({ n: NaN }),
    cycle: () => { const c: any = {}; c.c = c; return c; },
    map: () => new Map(),
  };
  return values[payload.kind]();`),
    },
  },
});

describe('values JSON cannot carry', () => {
  it('fail inside the script with NOT_SERIALIZABLE or BAD_ARGUMENT, naming the value', async () => {
    const pid = sandboxPid(t, 'hostile');
    const results = (await t.request('hostile', 'send')) as Record<string, string>;
    const p = 'NOT_SERIALIZABLE system.util.sendRequest: argument 3 "payload"';
    expect(results).toEqual({
      function: `${p}.fn is a function; only JSON-compatible values can be sent`,
      symbol: `${p}.s is a symbol; only JSON-compatible values can be sent`,
      symbolKey: `${p} has a symbol key; only JSON-compatible values can be sent`,
      cycle: `${p}.self.back refers back to itself (a cycle)`,
      arrayCycle: `${p}.list[0] refers back to itself (a cycle)`,
      bigint: `${p}.n is a bigint; only JSON-compatible values can be sent`,
      nan: `${p}.n is NaN, which JSON cannot carry`,
      infinity: `${p}.n[1] is -Infinity, which JSON cannot carry`,
      map: `${p}.m is not a plain object or array; only JSON-compatible values can be sent`,
      set: `${p}.s is not a plain object or array; only JSON-compatible values can be sent`,
      classInstance: `${p}.p is not a plain object or array; only JSON-compatible values can be sent`,
      regexp: `${p}.r is not a plain object or array; only JSON-compatible values can be sent`,
      typedArray: `${p}.bytes is not a plain object or array; only JSON-compatible values can be sent`,
      error: `${p}.e is not a plain object or array; only JSON-compatible values can be sent`,
      promise: `${p}.p is not a plain object or array; only JSON-compatible values can be sent`,
      deep: `${p}${'.deep'.repeat(201)} is nested more than 200 levels deep`,
      functionAsProject: 'BAD_ARGUMENT system.util.sendRequest: argument 1 "project" must be a string; received a function',
      nanTimeout: 'BAD_ARGUMENT system.util.sendRequest: argument 5 "timeoutSec" must be a finite number; received number NaN',
      bigintTimeout: 'BAD_ARGUMENT system.util.sendRequest: argument 5 "timeoutSec" must be a finite number; received a bigint',
      symbolHandler: 'BAD_ARGUMENT system.util.sendRequest: argument 2 "messageHandler" must be a string; received a symbol',
      arrayPayload:
        'BAD_ARGUMENT system.util.sendRequest: argument 3 "payload" must be an object (a dictionary); received an array of length 2',
      tooManyArguments: 'BAD_ARGUMENT system.util.sendRequest: expects at most 5 arguments; received 6',
    });
    expect(sandboxPid(t, 'hostile')).toBe(pid);
  });

  it('let nothing cross: the receiving handler never ran', async () => {
    expect(logsOf(t, 'receiver', 'received')).toEqual([]);
    expect(await t.request('receiver', 'record', { plain: [1, 'two', null, true, { n: 1.5 }] })).toEqual({
      plain: [1, 'two', null, true, { n: 1.5 }],
    });
    expect(logsOf(t, 'receiver', 'received')).toHaveLength(1);
  });

  it('are refused as return values, with the code and the value named', async () => {
    const expected: Record<string, string> = {
      function: 'the return value is a function',
      symbol: 'the return value is a symbol',
      bigint: 'the return value is a bigint',
      nan: 'the return value.n is NaN',
      cycle: 'the return value.c refers back to itself (a cycle)',
      map: 'the return value is not a plain object or array',
    };
    for (const [kind, message] of Object.entries(expected)) {
      await expect(t.request('hostile', 'returns', { kind }), kind).rejects.toMatchObject({
        code: 'NOT_SERIALIZABLE',
        message: expect.stringContaining(message),
      });
    }
  });

  it('still log as text', async () => {
    await t.waitFor(() => logsOf(t, 'hostile', '').filter((r) => r.logger === 'values').length === 4, 5000, 'the log records');
    expect(
      logsOf(t, 'hostile', '')
        .filter((r) => r.logger === 'values')
        .map((r) => r.message),
    ).toEqual(['[object Object]', '10', 'Symbol(logged)', '[object Object] Symbol(s) 3']);
  });

  it('leave the gateway up and the other project answering', async () => {
    await expectServing(t);
  });
});

import { describe, expect, it } from 'vitest';
import { API } from '../../../engine/system/api.ts';
import { validateArgs } from '../../../engine/system/validate.ts';

const fn = (name: string) => API.functions.find((f) => f.name === name)!;

describe('validateArgs', () => {
  it('names the function, the argument position and name, the rule and the value received', () => {
    expect(validateArgs(fn('util.sendMessage'), ['p', 'h', {}, 'X'])).toEqual({
      ok: false,
      message: 'system.util.sendMessage: argument 4 "scope" must match /^[CGS]+$/; received "X"',
    });
    expect(validateArgs(fn('util.sendRequest'), [])).toEqual({
      ok: false,
      message: 'system.util.sendRequest: argument 1 "project" is required; received undefined',
    });
    expect(validateArgs(fn('util.sendRequest'), ['p', 'h', [1]])).toMatchObject({
      message: 'system.util.sendRequest: argument 3 "payload" must be an object (a dictionary); received an array of length 1',
    });
    expect(validateArgs(fn('util.sendRequest'), ['p', 'h', {}, undefined, -1])).toMatchObject({
      message: 'system.util.sendRequest: argument 5 "timeoutSec" must be at least 0.001; received number -1',
    });
    expect(validateArgs(fn('util.getLogger'), [1])).toMatchObject({
      message: 'system.util.getLogger: argument 1 "name" must be a string; received number 1',
    });
    expect(validateArgs(fn('util.sendMessage'), ['p', 'h', {}, 'G', null, null, null, null, ['ok', '../x']])).toMatchObject({
      message: expect.stringContaining('argument 9 "remoteServers" must have items that match'),
    });
  });

  it('fills in defaults for omitted and null optional arguments', () => {
    expect(validateArgs(fn('util.sendRequest'), ['p', 'h'])).toEqual({ ok: true, values: ['p', 'h', {}, undefined, 60] });
    expect(validateArgs(fn('util.sendRequest'), ['p', 'h', null, null, null])).toEqual({ ok: true, values: ['p', 'h', {}, undefined, 60] });
  });

  it('refuses names with path tricks and too many arguments', () => {
    for (const name of ['..', '../etc', 'a/b', 'nul\u0000', '', ' lead']) {
      expect(validateArgs(fn('util.sendRequest'), [name, 'h']).ok, JSON.stringify(name)).toBe(false);
    }
    expect(validateArgs(fn('util.getLogger'), ['a', 'b'])).toMatchObject({
      message: 'system.util.getLogger: expects at most 1 arguments; received 2',
    });
  });

  it("takes the seeds' keyword arguments as a trailing object where the parameter takes no object", () => {
    const send = fn('util.sendMessage');
    expect(validateArgs(send, ['p', 'h', { a: 1 }, { scope: 'S', user: 'alice' }])).toEqual({
      ok: true,
      values: ['p', 'h', { a: 1 }, 'S', undefined, 'alice', undefined, undefined, undefined],
    });
    // an object where the parameter is an object is that argument, whatever its keys
    expect(validateArgs(send, ['p', 'h', { scope: 'S' }])).toMatchObject({
      ok: true,
      values: ['p', 'h', { scope: 'S' }, ...Array(6).fill(undefined)],
    });
    expect(validateArgs(fn('perspective.sendMessage'), ['NewItem', { itemName: 'banana' }, { scope: 'view' }])).toMatchObject({
      ok: true,
      values: ['NewItem', { itemName: 'banana' }, 'view', undefined, undefined],
    });
    expect(validateArgs(fn('perspective.getSessionInfo'), [{ usernameFilter: 'alice' }])).toEqual({
      ok: true,
      values: ['alice', undefined],
    });
    expect(validateArgs(send, ['p', 'h', {}, { scope: 'S', project: 'q' }])).toEqual({
      ok: false,
      message:
        'system.util.sendMessage: "project" cannot be named in argument 4, which may name scope, clientSessionId, user, hasRole, hostName, remoteServers',
    });
    expect(validateArgs(send, ['p', 'h', {}, { scope: 'X' }])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/argument 4 "scope" must match/),
    });
  });
});

// Attack: Proxies and getters as the payload of system.util.sendRequest/sendMessage and as a handler's return
// value, hoping that what is checked differs from what crosses, or that a trap or getter runs on the other side.
// Each must fail inside the script with NOT_SERIALIZABLE naming where the value is, and nothing may cross.
import { describe, expect, it } from 'vitest';
import { FlintError } from '../../engine/errors.ts';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectServing, logsOf, receiver, sandboxPid, script } from './hostile.ts';

const t = useGateway({
  bystander,
  receiver,
  hostile: {
    files: {
      'gateway-events/message/send.ts': script(`
  let getterRuns = 0;
  const revocable = Proxy.revocable({}, {});
  revocable.revoke();
  const indexGetter: any[] = [1];
  Object.defineProperty(indexGetter, 0, { get() { getterRuns++; return 2; }, enumerable: true });
  const payloads: Record<string, any> = {
    proxy: new Proxy({ a: 1 }, {}),
    nestedProxy: { list: [1, new Proxy({ b: 2 }, {})] },
    arrayProxy: { arr: new Proxy([1, 2], {}) },
    lyingProxy: { inner: new Proxy({}, {
      getPrototypeOf: () => Object.prototype,
      ownKeys: () => ['secret'],
      getOwnPropertyDescriptor: () => ({ value: 'forged', enumerable: true, configurable: true }),
    }) },
    revokedProxy: { r: revocable.proxy },
    throwingProxy: { t: new Proxy({}, { ownKeys() { throw new Error('a trap threw'); } }) },
    dateProxy: { when: new Proxy(new Date(0), {}) },
    getter: { get a() { getterRuns++; return 1; } },
    setter: { set a(_v: unknown) { getterRuns++; } },
    deepGetter: { x: { y: { get z() { getterRuns++; return 1; } } } },
    indexGetter: { arr: indexGetter },
  };
  const results: Record<string, string> = {};
  for (const [name, value] of Object.entries(payloads)) {
    try {
      await system.util.sendRequest('receiver', 'record', value);
      results[name] = 'CROSSED';
    } catch (e: any) {
      results[name] = e.code + ' ' + e.message;
    }
    try {
      system.util.sendMessage('receiver', 'record', value, 'G');
      results[name + '/message'] = 'CROSSED';
    } catch (e: any) {
      results[name + '/message'] = e.code;
    }
  }
  try {
    await system.util.sendRequest(new Proxy({}, {}) as any, 'record');
  } catch (e: any) {
    results.proxyAsProjectName = e.code + ' ' + e.message;
  }
  return { results, getterRuns };`),
      'gateway-events/message/returnsProxy.ts': `export default function () {\n  return { ok: [new Proxy({ a: 1 }, {})] };\n}\n`,
      'gateway-events/message/returnsGetter.ts': `export default function () {\n  return { get secret() { return 'from a getter'; } };\n}\n`,
      'gateway-events/message/asksProxy.ts': script(`
  try { return await system.util.sendRequest('hostile', 'returnsProxy'); } catch (e: any) { return e.code + ' ' + e.message; }`),
    },
  },
});

describe('Proxies and getters sent through system.util.sendRequest and sendMessage', () => {
  it('fail inside the script with NOT_SERIALIZABLE, naming the value, without running getters', async () => {
    const pid = sandboxPid(t, 'hostile');
    const { results, getterRuns } = (await t.request('hostile', 'send')) as { results: Record<string, string>; getterRuns: number };
    const prefix = 'NOT_SERIALIZABLE system.util.sendRequest: argument 3 "payload"';
    expect(results.proxy).toBe(`${prefix} is a Proxy; only plain data can be sent`);
    expect(results.nestedProxy).toBe(`${prefix}.list[1] is a Proxy; only plain data can be sent`);
    expect(results.arrayProxy).toMatch(new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.arr is a Proxy`));
    expect(results.lyingProxy).toBe(`${prefix}.inner is a Proxy; only plain data can be sent`);
    expect(results.revokedProxy).toBe(`${prefix}.r is a Proxy; only plain data can be sent`);
    expect(results.throwingProxy).toBe(`${prefix}.t is a Proxy; only plain data can be sent`);
    expect(results.dateProxy).toBe(`${prefix}.when is a Proxy; only plain data can be sent`);
    expect(results.getter).toBe(`${prefix}.a has a getter; only plain data can be sent`);
    expect(results.setter).toBe(`${prefix}.a has a getter; only plain data can be sent`);
    expect(results.deepGetter).toBe(`${prefix}.x.y.z has a getter; only plain data can be sent`);
    expect(results.indexGetter).toBe(`${prefix}.arr[0] has a getter; only plain data can be sent`);
    for (const [name, result] of Object.entries(results)) if (name.endsWith('/message')) expect(result, name).toBe('NOT_SERIALIZABLE');
    expect(results.proxyAsProjectName).toBe(
      'BAD_ARGUMENT system.util.sendRequest: argument 1 "project" must be a string; received an object',
    );
    expect(getterRuns).toBe(0);
    expect(sandboxPid(t, 'hostile')).toBe(pid);
  });

  it('let nothing cross: the receiving handler never ran', async () => {
    expect(logsOf(t, 'receiver', 'received')).toEqual([]);
    // the same route does deliver plain data, so the check above would have seen a crossing
    expect(await t.request('receiver', 'record', { plain: true })).toEqual({ plain: true });
    expect(logsOf(t, 'receiver', 'received')).toHaveLength(1);
  });

  it('refuse a Proxy or a getter in a return value, to the gateway and to a calling script', async () => {
    const proxyError = (await t.request('hostile', 'returnsProxy').catch((e) => e)) as FlintError;
    expect(proxyError).toBeInstanceOf(FlintError);
    expect(proxyError.code).toBe('NOT_SERIALIZABLE');
    expect(proxyError.message).toContain('the return value.ok[0] is a Proxy; only plain data can be sent');
    await expect(t.request('hostile', 'returnsGetter')).rejects.toMatchObject({
      code: 'NOT_SERIALIZABLE',
      message: expect.stringContaining('the return value.secret has a getter'),
    });
    expect(await t.request('hostile', 'asksProxy')).toMatch(
      /^NOT_SERIALIZABLE hostile\/returnsProxy: NotSerializable: the return value\.ok\[0\] is a Proxy/,
    );
  });

  it('leaves the gateway up and the other project answering', async () => {
    await expectServing(t);
  });
});

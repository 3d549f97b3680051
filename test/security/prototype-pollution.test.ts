// Attack: prototype pollution through payloads. `__proto__` and `constructor.prototype` keys sent from a script,
// from the gateway API and over HTTP, and returned by a handler, hoping that some copy on the way assigns them
// and so reaches Object.prototype of the receiving isolate or of the gateway. Also: a sender that pollutes its
// own built-ins (Object.prototype, Array.prototype setters, Array.prototype.join, String.prototype.slice),
// hoping that forged or malformed JSON crosses.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectServing, sandboxPid, script } from './hostile.ts';

const POISON =
  '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"nested":[{"__proto__":{"polluted":"yes"}}]}';

/** What the receiving handler reports about its own realm and the payload it got. */
const INSPECT = `
  const probe: any = {};
  return {
    isolateClean: probe.polluted === undefined && ([] as any).polluted === undefined && (Object.prototype as any).polluted === undefined,
    payloadProto: Object.getPrototypeOf(payload) === Object.prototype,
    nestedProto: Object.getPrototypeOf(payload.nested?.[0] ?? {}) === Object.prototype,
    ownProtoKey: Object.prototype.hasOwnProperty.call(payload, '__proto__'),
    payloadPolluted: payload.polluted ?? null,
    echo: payload,
  };`;

let pid: number | undefined;

function expectHostClean(): void {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Array.prototype).not.toHaveProperty('polluted');
}

const t = useGateway({
  bystander,
  receiver: {
    files: {
      'gateway-events/message/inspect.ts': script(INSPECT),
      'gateway-events/message/asksTamperer.ts': script(`return await system.util.sendRequest('hostile', 'tampersBuiltins');`),
      'gateway-events/message/spread.ts': script(
        `const copy = { ...payload, ...JSON.parse(JSON.stringify(payload)) }; Object.assign({}, copy);\n${INSPECT}`,
      ),
    },
  },
  hostile: {
    files: {
      'gateway-events/message/send.ts': script(`
  const poison = JSON.parse(${JSON.stringify(POISON)});
  return await system.util.sendRequest('receiver', 'inspect', poison);`),
      'gateway-events/message/returnsPoison.ts': `export default function () {\n  return JSON.parse(${JSON.stringify(POISON)});\n}\n`,
      'gateway-events/message/pollutesItself.ts': script(`
  (Object.prototype as any).polluted = 'yes';
  (Object.prototype as any).extra = 'inherited';
  (Array.prototype as any).polluted = 'yes';
  const sent = await system.util.sendRequest('receiver', 'inspect', { a: 1 });
  delete (Object.prototype as any).polluted;
  delete (Object.prototype as any).extra;
  delete (Array.prototype as any).polluted;
  return sent;`),
      'gateway-events/message/tampersBuiltins.ts': script(`
  // Left in place until the restore handler runs: the prelude serializes the value after this returns.
  if (!(globalThis as any).originals) {
    (globalThis as any).originals = { join: Array.prototype.join, slice: String.prototype.slice };
    Array.prototype.join = function () { return '1}, "forged": {"x": 2'; };
    Object.defineProperty(Array.prototype, '0', { set() {}, get() { return '"forged"'; }, configurable: true });
    Object.defineProperty(Object.prototype, 'value', { set() {}, get() { return 'forged'; }, configurable: true });
    String.prototype.slice = function () { return 'forged '.repeat(100_000); };
  }
  if (payload.fail) throw new Error('x'.repeat(20_000));
  return { list: [1, 2], text: 'real' };`),
      'gateway-events/message/restore.ts': script(`
  const { join, slice } = (globalThis as any).originals;
  Array.prototype.join = join;
  String.prototype.slice = slice;
  delete (Array.prototype as any)[0];
  delete (Object.prototype as any).value;
  delete (globalThis as any).originals;
  return [1, 2].join('+') + 'xyz'.slice(1);`),
    },
  },
});
beforeAll(() => {
  pid = sandboxPid(t, 'hostile');
});
afterEach(() => expectHostClean());

const clean = { isolateClean: true, payloadProto: true, nestedProto: true, ownProtoKey: true, payloadPolluted: null };

describe('__proto__ and constructor.prototype keys in payloads', () => {
  it('stay plain own keys when a script sends them to another project', async () => {
    const answer = (await t.request('hostile', 'send')) as Record<string, unknown>;
    expect(answer).toMatchObject(clean);
    expect(JSON.stringify(answer.echo)).toBe(POISON);
  });

  it('stay plain own keys when they come from the gateway API, even through spreads and Object.assign in the handler', async () => {
    expect(await t.request('receiver', 'inspect', JSON.parse(POISON))).toMatchObject(clean);
    expect(await t.request('receiver', 'spread', JSON.parse(POISON))).toMatchObject({ ...clean, isolateClean: true });
    // and the receiving isolate stays clean for the next call
    expect(await t.request('receiver', 'inspect', {})).toMatchObject({ isolateClean: true, payloadPolluted: null });
  });

  it('stay plain own keys over HTTP', async () => {
    const server = await t.http();
    const response = await fetch(`${server.url}/api/projects/receiver/request/inspect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: `{"payload":${POISON}}`,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { value: Record<string, unknown> };
    expect(body.value).toMatchObject(clean);
  });

  it('in a return value reach the gateway as own keys, without touching its Object.prototype', async () => {
    const value = (await t.request('hostile', 'returnsPoison')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(value, '__proto__')).toBe(true);
    expect(JSON.stringify(value)).toBe(POISON);
  });
});

describe('a script that pollutes its own built-ins', () => {
  it('sends only its own keys: inherited properties do not cross and the receiver stays clean', async () => {
    const answer = (await t.request('hostile', 'pollutesItself')) as Record<string, unknown>;
    expect(answer).toMatchObject({ isolateClean: true, payloadProto: true, payloadPolluted: null, echo: { a: 1 } });
    expect(answer.echo).toEqual({ a: 1 });
  });

  it('cannot make forged or malformed JSON cross, nor an error message over the limit', async () => {
    expect(await t.request('hostile', 'tampersBuiltins')).toEqual({ list: [1, 2], text: 'real' });
    expect(await t.request('receiver', 'asksTamperer')).toEqual({ list: [1, 2], text: 'real' });
    const error = (await t.request('hostile', 'tampersBuiltins', { fail: true }).catch((e) => e)) as Error;
    expect(error).toMatchObject({ code: 'SCRIPT_ERROR' });
    expect(error.message.length).toBeLessThan(20_000);
    expect(await t.request('hostile', 'restore')).toBe('1+2yz');
  });

  it('leaves the sandbox process, the gateway and the other project running', async () => {
    expect(sandboxPid(t, 'hostile')).toBe(pid);
    await expectServing(t);
  });
});

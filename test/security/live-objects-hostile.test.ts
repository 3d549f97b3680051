// Hostile scripts against the live objects of session handlers (session, page, self; engine/sandbox/prelude/live-objects.ts).
// A script may wreck its own realm before a handler runs (a lib's top level, an earlier handler), but it must not
// write the gateway's read-only props, write another session's props, or make the gateway keep more than the bounds
// (1000 keys, 1 MiB of JSON per group); a flood of writes stops at a quota or the timeout, and the other projects
// keep answering. Each attack that pollutes the realm has a project of its own, so that one does not decide the next.
import { describe, expect, it } from 'vitest';
import { connect, type FlintSession } from '../../client/index.ts';
import { MAX_LIVE_GROUP_BYTES, MAX_LIVE_KEYS } from '../../engine/sessions/live-args.ts';
import type { GatewayFrame } from '../../engine/sessions/protocol.ts';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectServing, logsOf, sandboxPid } from './hostile.ts';

const handler = (body: string, imports = '') => `${imports}export default function (session: any, payload: any) {\n${body}\n}\n`;

/** Runs each attempt, noting 'allowed' or the error's code and message. */
const ATTEMPT = `const attempts: Record<string, string> = {};
  const attempt = (name: string, f: () => void) => { try { f(); attempts[name] = 'allowed'; } catch (e: any) { attempts[name] = e?.code + ': ' + e?.message; } };`;

// A lib whose top level puts getters on Object.prototype for the names the prelude reads off its descriptions of the
// live objects (`fields`, `links`: absent for a session, so the read falls through to the prototype). A getter runs
// with the prelude's own object as `this`: the lib keeps each one, and rewrites it as `plan` says, before the
// handler's live objects are built from it.
const LEAKING_LIB = `export const leaked: any[] = [];
export const plan: { victim?: string; emptyCustom?: boolean } = {};
for (const name of ['fields', 'links']) {
  Object.defineProperty(Object.prototype, name, {
    configurable: true,
    get(this: any) {
      if (this && typeof this.ref === 'string' && !leaked.includes(this)) {
        leaked.push(this);
        if (plan.victim && this.kind === 'session') this.ref = plan.victim;
        if (plan.emptyCustom && this.groups && this.groups.custom) this.groups.custom = {};
      }
      return undefined;
    },
  });
}
`;
const IMPORT_LIB = `import { leaked, plan } from '../../lib/leak.ts';\n`;

// Replaces every built-in the prelude might use, at a lib's top level: the handlers of this project run in that realm.
const REPLACING_LIB = `const forged = () => { throw new Error('a replaced built-in ran'); };
JSON.parse = (() => ({ forged: true })) as any;
JSON.stringify = (() => '{"forged":true}') as any;
for (const name of Object.getOwnPropertyNames(Reflect)) (Reflect as any)[name] = forged;
(Object as any).hasOwn = () => true;
Object.freeze = ((o: unknown) => o) as any;
Object.create = forged as any;
Object.keys = () => ['forged'];
Object.defineProperty(globalThis, 'Proxy', { value: function () { return { forged: true }; }, configurable: true, writable: true });
Array.prototype.map = forged as any;
Array.prototype.includes = () => true;
Array.isArray = () => false;
RegExp.prototype.test = () => true;
String.prototype.split = (() => ['forged']) as any;
export const replaced = true;
`;

const t = useGateway({
  bystander,
  leak: {
    files: {
      'lib/leak.ts': LEAKING_LIB,
      'session-events/message/arm.ts': handler(
        `plan.victim = payload.victim; plan.emptyCustom = payload.emptyCustom; return true;`,
        IMPORT_LIB,
      ),
      'session-events/message/write.ts': handler(
        `const kinds = leaked.map((o) => o.kind); leaked.length = 0;
  session.custom[payload.key] = payload.value;
  return kinds;`,
        IMPORT_LIB,
      ),
      'session-events/message/fill.ts': handler(
        `let written = 0;
  try { for (let i = payload.from; i < payload.from + payload.count; i++) { session.custom['k' + i] = i; written++; } }
  catch (e: any) { return { written, error: e.code }; }
  return { written };`,
        IMPORT_LIB,
      ),
    },
  },
  push: {
    files: {
      // The prelude's argument check (engine/system/validate.ts, bundled into the sandbox) builds its list of values
      // with Array.prototype.push: a replaced push sees, and may change, each argument of the internal writeLive call.
      'session-events/message/forge.ts': handler(`
  const realPush = Array.prototype.push;
  Array.prototype.push = function (this: unknown[], ...items: unknown[]) {
    for (let i = 0; i < items.length; i++) {
      if (items[i] === session.props.id) items[i] = payload.victim;
      if (payload.readOnly && items[i] === 'custom') items[i] = 'props';
      if (payload.readOnly && items[i] === 'note') items[i] = 'userName';
    }
    return Reflect.apply(realPush, this, items);
  };
  try { session.custom.note = 'forged by ' + session.props.id; } finally { Array.prototype.push = realPush; }
  return 'written';`),
    },
  },
  replaced: {
    files: {
      'lib/replace.ts': REPLACING_LIB,
      'session-events/message/write.ts': handler(
        `${ATTEMPT}
  attempt('userName', () => { session.props.userName = 'mallory'; });
  attempt('roles', () => { session.props.roles = ['admin']; });
  attempt('id', () => { session.props.id = payload.victim; });
  attempt('custom', () => { session.custom.value = { list: [1, 2], text: 'kept' }; });
  attempt('nested', () => { session.custom.value.list.push(3); });
  attempt('readBack', () => { if (session.custom.value.text !== 'kept') throw new Error('read back ' + session.custom.value.text); });
  return { replaced, attempts, userName: session.props.userName, id: session.props.id };`,
        `import { replaced } from '../../lib/replace.ts';\n`,
      ),
    },
  },
  scan: {
    files: {
      // Looks for the internal system.perspective.writeLive, or anything of the prelude's, from everything a script reaches.
      'session-events/message/scan.ts': handler(`
  const found: string[] = [];
  const seen = new Set<unknown>();
  const queue: [unknown, string][] = [[globalThis, 'globalThis'], [session, 'session'], [system, 'system']];
  // The prelude's internal names: its bridge, its calls to the host, and the entries it gives the host.
  const suspicious = /^(writeLive|callHost|bridge|blockingWait|applySyncPromise|install|buildLive|createLiveObjects|settle|fireTimer|dropTimers|reevaluate|invoke)$/i;
  while (queue.length > 0 && seen.size < 20000) {
    const [value, path] = queue.shift()!;
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
    seen.add(value);
    let keys: (string | symbol)[] = [];
    try { keys = Reflect.ownKeys(value); } catch { continue; }
    try { queue.push([Object.getPrototypeOf(value), path + '.__proto__']); } catch {}
    if (typeof value === 'function' && suspicious.test(value.name)) found.push(path + ' is named ' + value.name);
    for (const key of keys) {
      if (typeof key === 'string' && suspicious.test(key)) found.push(path + '.' + key);
      let d: PropertyDescriptor | undefined;
      try { d = Reflect.getOwnPropertyDescriptor(value, key); } catch { continue; }
      if (!d) continue;
      for (const v of [d.value, d.get, d.set]) queue.push([v, path + '.' + String(key)]);
    }
  }
  const tricks: Record<string, unknown> = {};
  const trick = (name: string, f: () => unknown) => { try { tricks[name] = f(); } catch (e: any) { tricks[name] = 'threw ' + e?.name; } };
  trick('writeLive', () => typeof (system.perspective as any).writeLive);
  trick('perspective', () => Object.getOwnPropertyNames(system.perspective));
  trick('sessionProto', () => Object.getPrototypeOf(session));
  trick('customProto', () => Object.getPrototypeOf(session.custom));
  trick('customConstructor', () => typeof session.custom.constructor);
  trick('sameGlobal', () => system.perspective.sendMessage.constructor('return this')() === globalThis);
  trick('globalNames', () => Object.getOwnPropertyNames(globalThis).filter((n) => !(n in payload.standard)));
  return { found, visited: seen.size, tricks };`),
      // A sloppy-mode getter (Function() makes one), run by the prelude's own reads while it builds the live objects:
      // it looks up its callers and their arguments, and the functions and receivers of a structured stack.
      'session-events/message/arm.ts': handler(`
  const probe = new Function('report', \`return function () {
    const out = { callers: [], frames: [] };
    try { let f = arguments.callee.caller; for (let i = 0; f && i < 10; i++) { out.callers.push(String(f.name) + ' ' + typeof f.arguments); f = f.caller; } }
    catch (e) { out.callers.push('threw ' + e.name); }
    const prepare = Error.prepareStackTrace;
    Error.prepareStackTrace = (e, frames) => frames;
    try {
      for (const frame of new Error().stack) out.frames.push({ name: frame.getFunctionName(), fn: typeof frame.getFunction(), self: typeof frame.getThis() });
    } catch (e) { out.frames.push({ threw: e.name }); }
    Error.prepareStackTrace = prepare;
    report.push(out);
    return undefined;
  }\`)(globalThis.__reports = globalThis.__reports || []);
  Object.defineProperty(Object.prototype, 'links', { get: probe, configurable: true });
  return true;`),
      'session-events/message/report.ts': handler(`
  delete (Object.prototype as any).links;
  return (globalThis as any).__reports;`),
    },
  },
  bounds: {
    files: {
      'session-events/message/big.ts': handler(`
  const written: number[] = [];
  for (let i = 0; i < payload.count; i++) { session.custom['big' + i] = 'x'.repeat(payload.size); written.push(i); }
  return { written, local: Object.keys(session.custom).length };`),
    },
  },
  flood: {
    config: { limits: { timeoutMs: 1500, callsPerSecond: 2000 } },
    files: {
      'session-events/message/flood.ts': handler(`
  let i = 0;
  try { for (; i < 1_000_000; i++) session.custom.x = i; } catch (e: any) { return { i, code: e.code, message: e.message, local: session.custom.x }; }
  return { i };`),
      'session-events/message/ignores.ts': handler(`for (let i = 0; ; i++) { try { session.custom.y = i; } catch {} }`),
      'session-events/message/read.ts': handler(`return { x: session.custom.x };`),
    },
  },
  legit: {
    files: {
      'lib/stash.ts': `export const stash: { session?: any } = {};\n`,
      'gateway-events/message/echo.ts': `export default function (payload: any) { return payload; }\n`,
      'session-events/message/later.ts': `import { stash } from '../../lib/stash.ts';
export default async function (session: any) {
  await system.util.sendRequest('legit', 'echo', {});
  session.custom.afterRequest = 1;
  await new Promise((r) => setTimeout(r, 5));
  session.custom.afterTimer = 2;
  setTimeout(() => { session.custom.fromTimer = 3; }, 5);
  stash.session = session;
  return 'ok';
}\n`,
      'gateway-events/message/useStash.ts': `import { stash } from '../../lib/stash.ts';
export default function () { stash.session.custom.fromGateway = 4; return 'written'; }\n`,
    },
  },
  components: {
    files: {
      'views/Box/view.json': JSON.stringify({ components: { Box: { props: { text: '' }, events: { onActionPerformed: 'fill' } } } }),
      'views/Box/fill.ts': `export default function (self: any, event: any) {
  const group = self[event.group];
  let written = 0;
  try { for (let i = 0; i < event.count; i++) { group['k' + i] = 'x'.repeat(event.size); written++; } }
  catch (e: any) { self.page.session.custom.result = { written, error: e.code }; return; }
  self.page.session.custom.result = { written };
  try { self.page.props.path = '/elsewhere'; } catch (e: any) { self.page.session.custom.pathWrite = e.code; }
  try { self.name = 'Other'; } catch (e: any) { self.page.session.custom.nameWrite = e.code; }
}\n`,
    },
  },
  queue: {
    files: {
      'views/Slow/view.json': JSON.stringify({
        components: { Label: { messageHandlers: [{ messageType: 'Slow', scopes: ['session'], script: 'slow' }] } },
      }),
      'views/Slow/slow.ts': `export default function (self: any, payload: any) { const end = Date.now() + 30; while (Date.now() < end); }\n`,
      'gateway-events/message/spam.ts': `export default function (payload: any) {
  const pad = 'x'.repeat(payload.size);
  let sent = 0;
  try { for (let i = 0; i < payload.count; i++) { system.perspective.sendMessage('Slow', { pad, n: i }, 'session', payload.sessionId, payload.pageId); sent++; } }
  catch (e: any) { return { sent, error: e.code + ': ' + e.message }; }
  return { sent };
}\n`,
    },
  },
  values: {
    files: {
      'session-events/message/values.ts': handler(`${ATTEMPT}
  const cyclic: any = { a: 1 }; cyclic.self = cyclic;
  const deep: any = {}; let at = deep; for (let i = 0; i < 300; i++) { at.next = {}; at = at.next; }
  class Point { x = 1; }
  attempt('getter', () => { session.custom.g = { get a() { return 1; } }; });
  attempt('getterInArray', () => { const list: unknown[] = [1]; Object.defineProperty(list, 0, { get: () => 1 }); session.custom.ga = list; });
  attempt('setter', () => { session.custom.s = { set a(_v: unknown) {} }; });
  attempt('proxy', () => { session.custom.p = new Proxy({}, {}); });
  attempt('revocable', () => { session.custom.r = Proxy.revocable({}, {}).proxy; });
  attempt('proxyInside', () => { session.custom.pi = { list: [new Proxy([], {})] }; });
  attempt('cyclic', () => { session.custom.c = cyclic; });
  attempt('deep', () => { session.custom.d = deep; });
  attempt('classInstance', () => { session.custom.ci = new Point(); });
  attempt('map', () => { session.custom.m = new Map(); });
  attempt('bigint', () => { session.custom.b = 1n; });
  attempt('nan', () => { session.custom.n = NaN; });
  attempt('symbolKey', () => { (session.custom as any)[Symbol('s')] = 1; });
  attempt('defineGetter', () => { Object.defineProperty(session.custom, 'dg', { get: () => 1 }); });
  attempt('setPrototype', () => { Object.setPrototypeOf(session.custom, { evil: true }); });
  attempt('freeze', () => { Object.freeze(session.custom); });
  attempt('replaceSessionProps', () => { (session as any).props = {}; });
  attempt('setSessionField', () => { (session as any).admin = true; });
  return attempts;`),
    },
  },
});

async function open(project: string): Promise<FlintSession> {
  const http = await t.http();
  return connect({ url: `${http.url.replace('http', 'ws')}/session`, project, reconnect: false });
}

const kept = (session: FlintSession) => t.gateway.sessions.get(session.sessionId)!;
const refusedWrites = (project: string) => logsOf(t, project, 'was not applied');

describe('a script that polluted its realm against the live objects', () => {
  it("cannot write another session's custom props through an Object.prototype getter: the prelude never reads one", async () => {
    const victim = await open('leak');
    const attacker = await open('leak');
    const victimFrames: GatewayFrame<'props'>[] = [];
    victim.onProps((frame) => victimFrames.push(frame));
    expect(await attacker.request('arm', { victim: victim.sessionId })).toBe(true);
    // The prelude reads only own properties of what the gateway sent: the getter never sees its objects, and the
    // write lands where it belongs. (The gateway would refuse a rewritten ref anyway: see the push test below.)
    expect(await attacker.request('write', { key: 'pwned', value: 'yes' })).toEqual([]);
    await t.waitFor(() => kept(attacker).custom.get('pwned') === 'yes', 5000, "the attacker's write to its own session");
    expect(kept(victim).custom.toObject()).toEqual({});
    expect(refusedWrites('leak')).toEqual([]);
    expect(victimFrames).toEqual([]);
    await attacker.request('arm', {});
    victim.close();
    attacker.close();
  });

  it("cannot write another session's or a read-only prop by changing the arguments of the internal write through Array.prototype.push", async () => {
    const victim = await open('push');
    const attacker = await open('push');
    expect(await attacker.request('forge', { victim: victim.sessionId })).toBe('written');
    expect(await attacker.request('forge', { victim: attacker.sessionId, readOnly: true })).toBe('written');
    await t.waitFor(() => refusedWrites('push').length >= 2, 5000, 'both refused writes to be logged');
    expect(kept(victim).custom.toObject()).toEqual({});
    expect(kept(attacker).props().userName).toBeNull();
    expect(refusedWrites('push').map((r) => r.message)).toEqual([
      `a script's write to session.custom.note was not applied: it was not made by a handler of session ${victim.sessionId}`,
      "a script's write to session.props.userName was not applied: session.props.userName is read-only",
    ]);
    victim.close();
    attacker.close();
  });

  it("cannot write a session of another project, even with that session's id", async () => {
    const other = await open('bounds');
    const attacker = await open('push');
    expect(await attacker.request('forge', { victim: other.sessionId })).toBe('written');
    await t.waitFor(() => refusedWrites('push').some((r) => r.message.includes(`session ${other.sessionId} has ended`)), 5000);
    expect(kept(other).custom.toObject()).toEqual({});
    other.close();
    attacker.close();
  });

  it('with Reflect, JSON, Object, Array, RegExp, String and Proxy replaced at a lib top level, still cannot write read-only props, and its own writes arrive as written', async () => {
    const victim = await open('replaced');
    const session = await open('replaced');
    const result = (await session.request('write', { victim: victim.sessionId })) as {
      replaced: boolean;
      attempts: Record<string, string>;
      userName: unknown;
      id: string;
    };
    expect(result.replaced).toBe(true);
    expect(result.attempts).toMatchObject({
      userName: expect.stringMatching(/^BAD_ARGUMENT: session\.props\.userName is read-only/),
      roles: expect.stringMatching(/^BAD_ARGUMENT: session\.props\.roles is read-only/),
      id: expect.stringMatching(/^BAD_ARGUMENT: session\.props\.id is read-only/),
      custom: 'allowed',
      nested: expect.stringMatching(/not extensible|read only/),
      readBack: 'allowed',
    });
    expect(result.userName).toBeNull();
    expect(result.id).toBe(session.sessionId);
    expect(kept(session).custom.toObject()).toEqual({ value: { list: [1, 2], text: 'kept' } });
    expect(kept(session).props()).toMatchObject({ id: session.sessionId, userName: null, roles: [] });
    expect(kept(victim).custom.toObject()).toEqual({});
    victim.close();
    session.close();
  });

  it('reaches neither the internal writeLive nor any prelude function: not by scanning from globalThis, nor by constructor tricks', async () => {
    const session = await open('scan');
    // The names a fresh V8 context has, plus what the prelude installs: anything else on globalThis is news.
    const standard = Object.fromEntries(
      [
        ...Object.getOwnPropertyNames(globalThis),
        'system',
        'console',
        'setTimeout',
        'setInterval',
        'clearTimeout',
        'clearInterval',
        'queueMicrotask',
      ].map((n) => [n, true]),
    );
    const { found, visited, tricks } = (await session.request('scan', { standard })) as {
      found: string[];
      visited: number;
      tricks: Record<string, unknown>;
    };
    expect(found).toEqual([]);
    expect(visited).toBeGreaterThan(500); // the scan did walk the realm
    expect(tricks).toEqual({
      writeLive: 'undefined',
      perspective: ['sendMessage', 'pushMessage', 'authenticationChallenge', 'getSessionInfo'],
      sessionProto: null,
      customProto: null,
      customConstructor: 'undefined',
      sameGlobal: true, // the Function constructor of a stub is the isolate's own: it leads back to this realm only
      globalNames: [],
    });
    session.close();
  });

  it("gets no prelude function, receiver or arguments from a sloppy getter's callers or a structured stack", async () => {
    const session = await open('scan');
    expect(await session.request('arm')).toBe(true);
    const reports = (await session.request('report')) as {
      callers: string[];
      frames: { name: string | null; fn: string; self: string }[];
    }[];
    // The prelude reads only own properties while it builds the live objects: a getter on Object.prototype never runs
    // inside it. (Were it to run, a strict caller would show as null and the stack would give no functions.)
    expect(reports).toEqual([]);
    for (const report of reports) {
      // A strict caller shows as null: the chain stops at once.
      expect(report.callers).toEqual([]);
      for (const frame of report.frames.slice(1))
        expect(frame, JSON.stringify(frame)).toMatchObject({ fn: 'undefined', self: 'undefined' });
    }
    session.close();
  });
});

describe("the gateway's check that a write comes from a handler of its session", () => {
  it("takes the writes of the session's own handler after awaits and from its timers, and refuses one from a gateway script that kept the object", async () => {
    const session = await open('legit');
    expect(await session.request('later')).toBe('ok');
    await t.waitFor(() => kept(session).custom.get('fromTimer') === 3, 5000, 'the timer write');
    expect(kept(session).custom.toObject()).toEqual({ afterRequest: 1, afterTimer: 2, fromTimer: 3 });
    expect(await t.request('legit', 'useStash')).toBe('written');
    await t.waitFor(() => refusedWrites('legit').length === 1, 5000, 'the refused write');
    expect(refusedWrites('legit')[0].message).toBe(
      `a script's write to session.custom.fromGateway was not applied: it was not made by a handler of session ${session.sessionId}`,
    );
    expect(kept(session).custom.get('fromGateway')).toBeUndefined();
    session.close();
  });
});

describe('the bounds of session.custom against a hostile script', () => {
  it(`keeps at most ${MAX_LIVE_KEYS} keys, in the prelude and again at the gateway, even with Object.prototype polluted`, async () => {
    const session = await open('leak');
    expect(await session.request('fill', { from: 0, count: 1200 })).toEqual({ written: MAX_LIVE_KEYS, error: 'QUOTA_EXCEEDED' });
    expect(kept(session).custom.size).toBe(MAX_LIVE_KEYS);
    // A getter on Object.prototype that would show each handler an empty session.custom changes nothing now.
    await session.request('arm', { emptyCustom: true });
    expect(await session.request('fill', { from: MAX_LIVE_KEYS, count: 200 })).toEqual({ written: 0, error: 'QUOTA_EXCEEDED' });
    // A write that got past the prelude anyway is refused by the gateway.
    const write = { kind: 'session' as const, ref: session.sessionId, group: 'custom', key: 'k1199', value: 1199 };
    t.gateway.sessions.writeLive('leak', write, session.sessionId);
    expect(kept(session).custom.size).toBe(MAX_LIVE_KEYS);
    expect(refusedWrites('leak').at(-1)?.message).toBe(
      `a script's write to session.custom.k1199 was not applied: session.custom: at most ${MAX_LIVE_KEYS} properties may be set`,
    );
    await session.request('arm', {});
    session.close();
  });

  it(`keeps at most ${MAX_LIVE_GROUP_BYTES} bytes of JSON at the gateway: values under the payload limit that add up past it are refused`, async () => {
    const session = await open('bounds');
    // Each value fits the payload limit, so the script's writes succeed; the gateway keeps only what fits in the group.
    const result = (await session.request('big', { count: 4, size: 400_000 })) as { written: number[]; local: number };
    expect(result.written).toEqual([0, 1, 2, 3]);
    await t.waitFor(() => refusedWrites('bounds').length >= 2, 5000, 'the writes past the group bound');
    expect(Object.keys(kept(session).custom.toObject())).toEqual(['big0', 'big1']);
    expect(JSON.stringify(kept(session).custom.toObject()).length).toBeLessThanOrEqual(MAX_LIVE_GROUP_BYTES);
    expect(refusedWrites('bounds')[0].message).toMatch(/session\.custom\.big2 was not applied: .*at most 1048576 bytes/);
    session.close();
  });
});

describe("the bounds of a component's props and custom props", () => {
  it.each(['props', 'custom'])(
    `keep at most ${MAX_LIVE_KEYS} keys and ${MAX_LIVE_GROUP_BYTES} bytes in self.%s, and page.props and self.name stay read-only`,
    async (group) => {
      const session = await open('components');
      const { pageId } = await session.openPage('/box');
      const view = await session.mountView(pageId, 'Box');
      const component = () =>
        t.gateway.sessions.get(session.sessionId)!.pages.get(pageId)!.views.get(view.instanceId)!.components.get('Box')!;
      const result = async (fields: object) => {
        await session.componentEvent(pageId, view.instanceId, 'Box', 'onActionPerformed', { group, ...fields });
        return kept(session).custom.get('result');
      };
      const keysBefore = component()[group as 'props'].size;
      expect(await result({ count: 1200, size: 1 })).toEqual({ written: MAX_LIVE_KEYS - keysBefore, error: 'QUOTA_EXCEEDED' });
      expect(component()[group as 'props'].size).toBe(MAX_LIVE_KEYS);
      expect(kept(session).custom.get('pathWrite')).toBeUndefined(); // it stopped at the quota first
      // Values that each fit the payload limit, adding up past the group's bytes: the gateway keeps what fits.
      const refusedBefore = refusedWrites('components').length;
      expect(await result({ count: 4, size: 400_000 })).toEqual({ written: 4 });
      await t.waitFor(() => refusedWrites('components').length - refusedBefore === 2, 5000, 'the writes past the group bound');
      expect(JSON.stringify(component()[group as 'props'].toObject()).length).toBeLessThanOrEqual(MAX_LIVE_GROUP_BYTES);
      expect(component()[group as 'props'].size).toBe(MAX_LIVE_KEYS);
      expect(kept(session).custom.toObject()).toMatchObject({ pathWrite: 'BAD_ARGUMENT', nameWrite: 'BAD_ARGUMENT' });
      expect(t.gateway.sessions.get(session.sessionId)!.pages.get(pageId)!.path).toBe('/box');
      await session.logout();
    },
  );
});

describe('a flood of writes to session.custom', () => {
  it('stops at the calls-per-second quota, with the gateway and the script agreeing on the last value written', async () => {
    const session = await open('flood');
    const frames: GatewayFrame<'props'>[] = [];
    session.onProps((frame) => frames.push(frame));
    const result = (await session.request('flood')) as { i: number; code: string; message: string; local: number };
    expect(result).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      message: 'system.perspective.writeLive: project "flood" made more than 2000 system calls in one second',
    });
    // The script read back the last value the gateway accepted (a refused write leaves the local copy as it was).
    expect(result.i).toBeLessThanOrEqual(2000);
    expect(result.local).toBe(result.i - 1);
    await t.waitFor(() => kept(session).custom.get('x') === result.local, 5000, 'the last accepted write');
    await t.waitFor(() => frames.at(-1)?.value === result.local, 5000, 'the props frame of the last write');
    expect(frames.length).toBe(result.i);
    session.close();
  });

  it('that ignores every error is stopped at its timeout, while the gateway, its sessions and the other projects keep answering', async () => {
    const pid = sandboxPid(t, 'flood');
    const session = await open('flood');
    const other = await open('flood');
    const flood = session.request('ignores').catch((e: unknown) => e);
    await expectServing(t);
    await expect(flood).resolves.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('timed out after 1500 ms') });
    expect(sandboxPid(t, 'flood')).toBe(pid);
    expect(typeof kept(session).custom.get('y')).toBe('number');
    // The project's isolate ran the flood; once it is over, its sessions are served again.
    expect(await other.request('read')).toEqual({});
    expect(await session.request('read')).toEqual({});
    session.close();
    other.close();
  });
});

describe('component handlers a script queues on a session with system.perspective.sendMessage', () => {
  // BUG (not fixed here): each message is queued on the target session (SessionManager.sendMessage ->
  // runComponentScript -> run), with its payload, until its turn, and nothing bounds the queue. Measured: one gateway
  // message handler sent 2000 messages of 100 KB to a session whose listener takes 30 ms, in 3.4 s, all accepted; the
  // gateway then held about 200 MB for the minute the session needed to run them, and more calls add more. A fix would
  // refuse sendMessage (QUOTA_EXCEEDED) once the target session has some number of handlers waiting.
  it('are bounded: past a number waiting, sendMessage throws QUOTA_EXCEEDED', async () => {
    const http = await t.http();
    const session = await connect({ url: `${http.url.replace('http', 'ws')}/session`, project: 'queue', reconnect: false });
    const { pageId } = await session.openPage('/');
    await session.mountView(pageId, 'Slow');
    try {
      // 300 messages of 10 KB, each about 30 ms of work: past MAX_WAITING_HANDLERS waiting, sendMessage throws.
      const result = (await t.request('queue', 'spam', { sessionId: session.sessionId, pageId, count: 300, size: 10_000 })) as {
        sent: number;
        error?: string;
      };
      expect(result.sent).toBeLessThan(300);
      expect(result.error).toMatch(/^QUOTA_EXCEEDED: /);
    } finally {
      // Ending the session drops what still waits.
      await session.logout();
    }
  });
});

describe('values a script assigns to session.custom', () => {
  it('are refused with a clear error when they are getters, setters, proxies, cycles or not JSON, and nothing reaches the gateway', async () => {
    const session = await open('values');
    const attempts = (await session.request('values')) as Record<string, string>;
    expect(attempts).toEqual({
      getter: 'NOT_SERIALIZABLE: session.custom.g.a has a getter; only plain data can be sent',
      getterInArray: 'NOT_SERIALIZABLE: session.custom.ga[0] has a getter; only plain data can be sent',
      setter: 'NOT_SERIALIZABLE: session.custom.s.a has a getter; only plain data can be sent',
      proxy: 'NOT_SERIALIZABLE: session.custom.p is a Proxy; only plain data can be sent',
      revocable: 'NOT_SERIALIZABLE: session.custom.r is a Proxy; only plain data can be sent',
      proxyInside: 'NOT_SERIALIZABLE: session.custom.pi.list[0] is a Proxy; only plain data can be sent',
      cyclic: 'NOT_SERIALIZABLE: session.custom.c.self refers back to itself (a cycle)',
      deep: expect.stringMatching(/^NOT_SERIALIZABLE: session\.custom\.d(\.next)+ is nested more than 200 levels deep$/),
      classInstance: 'NOT_SERIALIZABLE: session.custom.ci is not a plain object or array; only JSON-compatible values can be sent',
      map: 'NOT_SERIALIZABLE: session.custom.m is not a plain object or array; only JSON-compatible values can be sent',
      bigint: 'NOT_SERIALIZABLE: session.custom.b is a bigint; only JSON-compatible values can be sent',
      nan: 'NOT_SERIALIZABLE: session.custom.n is NaN, which JSON cannot carry',
      symbolKey: 'BAD_ARGUMENT: session.custom: properties are named by strings',
      defineGetter: 'BAD_ARGUMENT: session.custom: only values can be assigned, not getters or setters',
      setPrototype: 'BAD_ARGUMENT: session.custom: its prototype cannot be changed',
      freeze: 'BAD_ARGUMENT: session.custom cannot be frozen or sealed',
      replaceSessionProps: expect.stringMatching(/^BAD_ARGUMENT: session\.props cannot be replaced/),
      setSessionField: 'BAD_ARGUMENT: session has no property "admin"',
    });
    expect(kept(session).custom.toObject()).toEqual({});
    session.close();
  });
});

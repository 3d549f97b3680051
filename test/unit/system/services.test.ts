import { Bus } from '../../../engine/bus/bus.ts';
import { DEFAULT_BUS } from '../../../engine/bus/bus-config.ts';
import { describe, expect, it } from 'vitest';
import { okJson } from '../../../engine/outcome.ts';
import { composeApi, type ServiceDecl } from '../../../engine/system/define.ts';
import { Dispatcher } from '../../../engine/system/dispatch.ts';
import { bindService, defineService, implementationGaps } from '../../../engine/system/service.ts';
import { composeServices } from '../../../engine/system/services.ts';
import { LogHub } from '../../../engine/logging/logger.ts';
import { SqliteTagStore } from '../../../engine/tags/sqlite-store.ts';
import { TagSystem } from '../../../engine/tags/tag-system.ts';

/** A real tag system on an in-memory SQLite database, with no providers defined. */
function tagDeps() {
  const tags = new TagSystem(new SqliteTagStore(':memory:'), new LogHub({ stdoutLevel: 'off' }).logger('tags'));
  return { tags, defaultProvider: () => 'default' };
}

const DEMO: ServiceDecl = {
  namespace: 'demo',
  functions: [
    {
      name: 'demo.twice',
      mode: 'async',
      params: [{ name: 'n', type: { type: 'number' }, doc: 'A number to double.' }],
      returns: 'Promise<number>',
      result: { type: 'number' },
      doc: 'Doubles a number.',
    },
    { name: 'demo.hello', mode: 'prelude', params: [], returns: 'string', doc: 'Built inside the isolate.' },
  ],
  interfaces: [],
};

/** A real bus whose one project is running with the default settings. */
function realBus() {
  return new Bus({ project: () => ({ running: true, bus: DEFAULT_BUS }), verifyToken: () => undefined, session: () => undefined });
}

describe('system.* services', () => {
  it('compose the declarations of every namespace and refuse one declared outside its namespace or twice', () => {
    expect(composeApi([DEMO]).functions.map((f) => f.name)).toEqual(['demo.twice', 'demo.hello']);
    expect(() => composeApi([{ ...DEMO, namespace: 'other' }])).toThrow('system.demo.twice is declared in the "other" service');
    expect(() => composeApi([DEMO, DEMO])).toThrow('system.demo.twice is declared twice');
    const { result: _, ...untyped } = DEMO.functions[0];
    expect(() => composeApi([{ ...DEMO, functions: [untyped] }])).toThrow('system.demo.twice returns a value but declares no result type');
  });

  it('check every value against its declared result type in the gateway: a mismatch is a clear error for the script and a logged gateway fault', async () => {
    const faults: { message: string; fields?: { project?: string } }[] = [];
    const service = defineService<null>(DEMO, {
      'demo.twice': (_call, [n]) => (n === 1 ? 'two' : n === 2 ? undefined : (n as number) * 2),
    });
    const dispatcher = new Dispatcher([bindService(service, null)], { error: (message, fields) => faults.push({ message, fields }) });
    expect(await dispatcher.dispatch({ project: 'p' }, 'demo.twice', [3])).toBe('{"ok":true,"value":6}');
    expect(JSON.parse(await dispatcher.dispatch({ project: 'p' }, 'demo.twice', [1]))).toEqual({
      ok: false,
      error: {
        code: 'INTERNAL',
        message: 'system.demo.twice failed inside the gateway: its result must be a finite number; received "two", so it was not passed on',
      },
    });
    expect(JSON.parse(await dispatcher.dispatch({ project: 'p' }, 'demo.twice', [2]))).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL', message: expect.stringContaining('received null') },
    });
    expect(faults).toHaveLength(2);
    expect(faults[0]).toEqual({
      message:
        'system.demo.twice: the gateway\'s implementation broke its declared result type (its result must be a finite number; received "two"); the call failed. A fault in the gateway, not in the script.',
      fields: { project: 'p' },
    });
  });

  it('refuse a blocking call that only the calling project itself could answer', async () => {
    const ask: ServiceDecl = {
      namespace: 'demo',
      functions: [
        {
          name: 'demo.ask',
          mode: 'sync',
          answeredByProject: 'project',
          params: [{ name: 'project', type: { type: 'string' }, doc: 'The project whose scripts answer.' }],
          returns: 'string',
          result: { type: 'string' },
          doc: 'Asks a project.',
        },
      ],
      interfaces: [],
    };
    const dispatcher = new Dispatcher([
      bindService(defineService<null>(ask, { 'demo.ask': (_call, [project]) => `answered by ${project as string}` }), null),
    ]);
    expect(await dispatcher.dispatch({ project: 'p' }, 'demo.ask', ['q'])).toBe('{"ok":true,"value":"answered by q"}');
    expect(JSON.parse(await dispatcher.dispatch({ project: 'p' }, 'demo.ask', ['p']))).toEqual({
      ok: false,
      error: {
        code: 'PROJECT_UNAVAILABLE',
        message:
          'system.demo.ask: project "p" cannot wait for its own scripts: a blocking call stops its isolate until the answer comes, so they could never answer',
      },
    });
  });

  it('name the functions a service declares but does not implement, and those it implements without declaring', () => {
    const service = defineService<null>(DEMO, { 'demo.thrice': () => 3 });
    expect(implementationGaps(service)).toEqual({ missing: ['demo.twice'], extra: ['demo.thrice'] });
  });

  it('give an implementation the caller, its own dependencies and the validated arguments', async () => {
    const seen: unknown[] = [];
    const service = defineService<{ factor: number }>(DEMO, {
      'demo.twice': ({ caller, deps }, [n]) => {
        seen.push(caller.project);
        return (n as number) * deps.factor;
      },
    });
    const dispatcher = new Dispatcher([bindService(service, { factor: 2 })]);
    expect(await dispatcher.dispatch({ project: 'p' }, 'demo.twice', [21])).toBe('{"ok":true,"value":42}');
    expect(seen).toEqual(['p']);
    expect(JSON.parse(await dispatcher.dispatch({ project: 'p' }, 'demo.twice', ['x']))).toMatchObject({
      ok: false,
      error: { code: 'BAD_ARGUMENT' },
    });
    expect(JSON.parse(await dispatcher.dispatch({ project: 'p' }, 'demo.hello', []))).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it('declare a result type for every function that returns a value', () => {
    for (const fn of composeServices({
      logs: { write: () => undefined },
      messaging: { send: () => [], request: () => Promise.resolve(okJson('1')) },
      sessions: { writeLive: () => undefined, sendMessage: () => undefined, info: () => [], push: () => 0, challenge: () => 'c' },
      ...tagDeps(),
      queries: {
        runNamedQuery: () => Promise.resolve(1),
        runPrepQuery: () => Promise.resolve([]),
        runPrepUpdate: () => Promise.resolve(1),
      },
      bus: realBus(),
    }).flatMap((s) => s.decl.functions)) {
      if (fn.mode === 'sync' || fn.mode === 'async') expect(fn.result, fn.name).toBeDefined();
    }
  });

  it('are all composed into the gateway: every declared host function dispatches to its implementation', async () => {
    const written: unknown[] = [];
    const liveWrites: unknown[] = [];
    const dispatcher = new Dispatcher(
      composeServices({
        logs: { write: (r) => written.push(r) },
        messaging: { send: () => ['flint,G,p,h'], request: () => Promise.resolve(okJson('1')) },
        sessions: {
          writeLive: (project, write) => void liveWrites.push({ project, ...write }),
          sendMessage: (caller, ...args) => void liveWrites.push({ caller, args }),
          info: (project, userName) => [{ project, userName }],
          push: (caller, ...args) => {
            liveWrites.push({ push: [caller, ...args] });
            return 2;
          },
          challenge: () => 'challenge-1',
        },
        ...tagDeps(),
        queries: {
          runNamedQuery: (...args) => {
            liveWrites.push({ named: args });
            return Promise.resolve(3);
          },
          runPrepQuery: (...args) => {
            liveWrites.push({ prep: args });
            return Promise.resolve([{ a: 1 }]);
          },
          runPrepUpdate: (...args) => {
            liveWrites.push({ update: args });
            return Promise.resolve(2);
          },
        },
        bus: realBus(),
      }),
    );
    expect(await dispatcher.dispatch({ project: 'p' }, 'util.log', ['info', 'L', 'hello', undefined])).toBe('{"ok":true,"value":null}');
    expect(written).toMatchObject([{ level: 'info', logger: 'L', message: 'hello', project: 'p' }]);
    expect(await dispatcher.dispatch({ project: 'p' }, 'util.sendMessage', ['q', 'h'])).toBe('{"ok":true,"value":["flint,G,p,h"]}');
    expect(await dispatcher.dispatch({ project: 'p' }, 'util.sendRequest', ['q', 'h'])).toBe('{"ok":true,"value":1}');
    const write = ['session', 's1', 'custom', 'x', 'set', { a: 1 }];
    expect(await dispatcher.dispatch({ project: 'p' }, 'perspective.writeLive', write)).toBe('{"ok":true,"value":null}');
    expect(await dispatcher.dispatch({ project: 'p' }, 'perspective.getSessionInfo', ['alice'])).toBe(
      '{"ok":true,"value":[{"project":"p","userName":"alice"}]}',
    );
    expect(await dispatcher.dispatch({ project: 'p' }, 'perspective.getSessionInfo', [undefined, 'q'])).toBe('{"ok":true,"value":[]}');
    const sent = ['NewItem', { a: 1 }, 'view'];
    expect(await dispatcher.dispatch({ project: 'p', session: 's1', page: 'p1' }, 'perspective.sendMessage', sent)).toBe(
      '{"ok":true,"value":null}',
    );
    expect(await dispatcher.dispatch({ project: 'p', session: 's1' }, 'perspective.pushMessage', ['T', null, true, ['a'], 'any'])).toBe(
      '{"ok":true,"value":2}',
    );
    expect(liveWrites).toEqual([
      { project: 'p', kind: 'session', ref: 's1', group: 'custom', key: 'x', value: { a: 1 } },
      { caller: { project: 'p', session: 's1', page: 'p1' }, args: ['NewItem', { a: 1 }, 'view', undefined, undefined] },
      {
        push: [{ project: 'p', session: 's1' }, 'T', null, { restrictToOwnSession: true, permissions: ['a'], permissionMatch: 'any' }],
      },
    ]);
    const published = JSON.parse(await dispatcher.dispatch({ project: 'p' }, 'bus.publish', ['orders', { type: 'order', n: 1 }])) as {
      value: string;
    };
    const notified = JSON.parse(await dispatcher.dispatch({ project: 'p', session: 's9' }, 'bus.notify', ['Hi', undefined, 3])) as {
      value: string;
    };
    expect(JSON.parse(await dispatcher.dispatch({ project: 'p' }, 'bus.subscribe', [['orders', 'client:s9'], published.value, 0]))).toEqual(
      {
        ok: true,
        value: {
          channel: 'client:s9',
          message: { type: 'notification', kind: 'notification', title: 'Hi', body: '', priority: 3, message_id: notified.value },
        },
      },
    );
    expect(JSON.parse(await dispatcher.dispatch({ project: 'p' }, 'bus.notify', ['Hi']))).toMatchObject({
      ok: false,
      error: { code: 'BAD_ARGUMENT' },
    });
    const notFound = { value: null, quality: 'Bad_NotFound', qualityCode: -2147483129 };
    const call = async (fn: string, args: unknown[]) => JSON.parse(await dispatcher.dispatch({ project: 'p' }, fn, args)) as unknown;
    expect(await call('tag.readBlocking', [['[default]A']])).toMatchObject({ ok: true, value: [notFound] });
    expect(await call('tag.readForCallback', [['A']])).toMatchObject({ ok: true, value: [notFound] });
    const invalid = { quality: 'Error_InvalidPathSyntax', qualityCode: -1073741047 };
    expect(await call('tag.writeBlocking', [['[x'], [1]])).toEqual({ ok: true, value: [invalid] });
    expect(await call('tag.writeForCallback', [['A'], [1]])).toEqual({
      ok: true,
      value: [{ quality: 'Bad_NotFound', qualityCode: -2147483129 }],
    });
    expect(await call('tag.browse', ['[nope]'])).toEqual({
      ok: true,
      value: { quality: 'Bad_NotFound', qualityCode: -2147483129, results: [] },
    });
    expect(await call('tag.exists', ['A'])).toEqual({ ok: true, value: false });
    liveWrites.length = 0;
    expect(await dispatcher.dispatch({ project: 'p' }, 'db.runNamedQuery', ['p', 'Q', { id: 1 }])).toBe('{"ok":true,"value":3}');
    expect(await dispatcher.dispatch({ project: 'p' }, 'db.runPrepQuery', ['SELECT ?', [1]])).toBe('{"ok":true,"value":[{"a":1}]}');
    expect(await dispatcher.dispatch({ project: 'p' }, 'db.runPrepUpdate', ['DELETE FROM t', undefined, { getKey: true }])).toBe(
      '{"ok":true,"value":2}',
    );
    expect(liveWrites).toEqual([
      { named: ['p', 'p', 'Q', { id: 1 }] },
      { prep: ['p', 'SELECT ?', [1], 'default'] },
      { update: ['p', 'DELETE FROM t', [], 'default', true] },
    ]);
  });
});

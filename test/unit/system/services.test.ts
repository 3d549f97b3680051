import { describe, expect, it } from 'vitest';
import { composeApi, type ServiceDecl } from '../../../engine/system/define.ts';
import { Dispatcher } from '../../../engine/system/dispatch.ts';
import { bindService, defineService, implementationGaps } from '../../../engine/system/service.ts';
import { composeServices } from '../../../engine/system/services.ts';

const DEMO: ServiceDecl = {
  namespace: 'demo',
  functions: [
    { name: 'demo.twice', mode: 'async', params: [{ name: 'n', type: { type: 'number' }, doc: 'A number to double.' }], returns: 'Promise<number>', doc: 'Doubles a number.' },
    { name: 'demo.hello', mode: 'prelude', params: [], returns: 'string', doc: 'Built inside the isolate.' },
  ],
  interfaces: [],
};

describe('system.* services', () => {
  it('compose the declarations of every namespace and refuse one declared outside its namespace or twice', () => {
    expect(composeApi([DEMO]).functions.map((f) => f.name)).toEqual(['demo.twice', 'demo.hello']);
    expect(() => composeApi([{ ...DEMO, namespace: 'other' }])).toThrow('system.demo.twice is declared in the "other" service');
    expect(() => composeApi([DEMO, DEMO])).toThrow('system.demo.twice is declared twice');
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
    expect(JSON.parse(await dispatcher.dispatch({ project: 'p' }, 'demo.twice', ['x']))).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENT' } });
    expect(JSON.parse(await dispatcher.dispatch({ project: 'p' }, 'demo.hello', []))).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('are all composed into the gateway: every declared host function dispatches to its implementation', async () => {
    const written: unknown[] = [];
    const dispatcher = new Dispatcher(composeServices({ logs: { write: (r) => written.push(r) }, messaging: { send: () => ['flint,G,p,h'], request: async () => '{"ok":true,"value":1}' } }));
    expect(await dispatcher.dispatch({ project: 'p' }, 'util.log', ['info', 'L', 'hello', undefined])).toBe('{"ok":true,"value":null}');
    expect(written).toMatchObject([{ level: 'info', logger: 'L', message: 'hello', project: 'p' }]);
    expect(await dispatcher.dispatch({ project: 'p' }, 'util.sendMessage', ['q', 'h'])).toBe('{"ok":true,"value":["flint,G,p,h"]}');
    expect(await dispatcher.dispatch({ project: 'p' }, 'util.sendRequest', ['q', 'h'])).toBe('{"ok":true,"value":1}');
  });
});

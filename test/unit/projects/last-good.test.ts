import { describe, expect, it } from 'vitest';
import { LastGood } from '../../../engine/projects/last-good.ts';
import type { ModuleLoadResult, ModuleSpec } from '../../../engine/sandbox/protocol.ts';

function spec(id: string, code: string, imports: string[] = []): ModuleSpec {
  return { id, displayPath: `projects/p/${id}`, code, mappings: '', imports, handler: !id.startsWith('lib/') };
}

const ok: ModuleLoadResult = { ok: true };
const failed: ModuleLoadResult = { ok: false, error: { code: 'SCRIPT_ERROR', message: 'broken lib' } };
const H = 'gateway-events/message/h.ts';

function loaded(): LastGood {
  const good = new LastGood();
  good.apply({ modules: [spec('lib/x.ts', 'v1'), spec(H, 'h1', ['lib/x.ts'])], remove: [], reevaluate: [] }, { 'lib/x.ts': ok, [H]: ok });
  return good;
}

const codes = (good: LastGood) => Object.fromEntries([...good.modules].map(([id, s]) => [id, s.code]));
const running = (good: LastGood) => Object.fromEntries([...good.allRunning()].map(([id, s]) => [id, s.code]));

describe('LastGood', () => {
  it('takes a library’s new version when every module importing it re-evaluated', () => {
    const good = loaded();
    good.apply({ modules: [spec('lib/x.ts', 'v2')], remove: [], reevaluate: [[H, true]] }, { 'lib/x.ts': ok, [H]: ok });
    expect(codes(good)).toEqual({ 'lib/x.ts': 'v2', [H]: 'h1' });
  });

  it('keeps a library’s old version while a module importing it failed to re-evaluate with the new one', () => {
    const good = loaded();
    good.apply({ modules: [spec('lib/x.ts', 'v2')], remove: [], reevaluate: [[H, true]] }, { 'lib/x.ts': ok, [H]: failed });
    expect(codes(good)).toEqual({ 'lib/x.ts': 'v1', [H]: 'h1' });
    // fixed: the next version that works for its importers replaces it
    good.apply({ modules: [spec('lib/x.ts', 'v3')], remove: [], reevaluate: [[H, true]] }, { 'lib/x.ts': ok, [H]: ok });
    expect(codes(good)).toEqual({ 'lib/x.ts': 'v3', [H]: 'h1' });
  });

  it('takes a held-back library’s newer version once a module saved since loads against it', () => {
    const good = loaded();
    good.apply({ modules: [spec('lib/x.ts', 'v2')], remove: [], reevaluate: [[H, true]] }, { 'lib/x.ts': ok, [H]: failed });
    expect(codes(good)).toEqual({ 'lib/x.ts': 'v1', [H]: 'h1' });
    // the handler, saved again for the new library, loads: the newest code wins
    good.apply({ modules: [spec(H, 'h2', ['lib/x.ts'])], remove: [], reevaluate: [] }, { [H]: ok });
    expect(codes(good)).toEqual({ 'lib/x.ts': 'v2', [H]: 'h2' });
  });

  it('takes a held-back library’s newer version reached through another library too', () => {
    const good = new LastGood();
    good.apply(
      { modules: [spec('lib/b.ts', 'b1'), spec('lib/a.ts', 'a1', ['lib/b.ts']), spec(H, 'h1', ['lib/a.ts'])], remove: [], reevaluate: [] },
      { 'lib/b.ts': ok, 'lib/a.ts': ok, [H]: ok },
    );
    good.apply(
      {
        modules: [spec('lib/b.ts', 'b2')],
        remove: [],
        reevaluate: [
          ['lib/a.ts', false],
          [H, true],
        ],
      },
      { 'lib/b.ts': ok, 'lib/a.ts': ok, [H]: failed },
    );
    expect(codes(good)['lib/b.ts']).toBe('b1');
    good.apply({ modules: [spec(H, 'h2', ['lib/a.ts'])], remove: [], reevaluate: [] }, { [H]: ok });
    expect(codes(good)).toEqual({ 'lib/b.ts': 'b2', 'lib/a.ts': 'a1', [H]: 'h2' });
  });

  it('takes a held-back library’s newer version once nothing imports the old one', () => {
    const good = loaded();
    good.apply({ modules: [spec('lib/x.ts', 'v2')], remove: [], reevaluate: [[H, true]] }, { 'lib/x.ts': ok, [H]: failed });
    good.apply({ modules: [], remove: [H], reevaluate: [] }, {});
    expect(codes(good)).toEqual({ 'lib/x.ts': 'v2' });
  });

  it('keeps a deleted library while a module imports it, and drops it when none does', () => {
    const good = loaded();
    good.apply({ modules: [], remove: ['lib/x.ts'], reevaluate: [] }, {});
    expect(codes(good)).toEqual({ 'lib/x.ts': 'v1', [H]: 'h1' });
    good.apply({ modules: [spec(H, 'h2')], remove: [], reevaluate: [] }, { [H]: ok });
    expect(codes(good)).toEqual({ [H]: 'h2' });
  });

  it('drops a chain of kept libraries together, and forgets handlers and modules that failed to load', () => {
    const good = new LastGood();
    good.apply(
      {
        modules: [
          spec('lib/b.ts', 'b1'),
          spec('lib/a.ts', 'a1', ['lib/b.ts']),
          spec(H, 'h1', ['lib/a.ts']),
          spec('gateway-events/message/bad.ts', 'x'),
        ],
        remove: [],
        reevaluate: [],
      },
      { 'lib/b.ts': ok, 'lib/a.ts': ok, [H]: ok, 'gateway-events/message/bad.ts': failed },
    );
    expect(Object.keys(codes(good))).toEqual(['lib/b.ts', 'lib/a.ts', H]);
    good.apply({ modules: [], remove: ['lib/b.ts', 'lib/a.ts'], reevaluate: [] }, {});
    expect(Object.keys(codes(good)).sort()).toEqual([H, 'lib/a.ts', 'lib/b.ts'].sort());
    good.apply({ modules: [], remove: [H], reevaluate: [] }, {});
    expect(codes(good)).toEqual({});
  });

  it('runs a library’s new version while the snapshot holds the old one back for the modules it broke', () => {
    const good = loaded();
    good.apply({ modules: [spec('lib/x.ts', 'v2')], remove: [], reevaluate: [[H, true]] }, { 'lib/x.ts': ok, [H]: failed });
    expect(codes(good)).toEqual({ 'lib/x.ts': 'v1', [H]: 'h1' });
    expect(running(good)).toEqual({ 'lib/x.ts': 'v2', [H]: 'h1' });
    expect(good.running('lib/x.ts')?.code).toBe('v2');
  });

  it('runs no deleted library, while the snapshot keeps it for a module that imports it', () => {
    const good = loaded();
    good.apply({ modules: [], remove: ['lib/x.ts'], reevaluate: [] }, {});
    expect(codes(good)).toEqual({ 'lib/x.ts': 'v1', [H]: 'h1' });
    expect(running(good)).toEqual({ [H]: 'h1' });
    expect(good.running('lib/x.ts')).toBeUndefined();
  });

  it('keeps the running view of a module that failed to load, and of a failed library save', () => {
    const good = loaded();
    good.apply(
      { modules: [spec('lib/x.ts', 'v2'), spec(H, 'h2', ['lib/x.ts'])], remove: [], reevaluate: [] },
      { 'lib/x.ts': failed, [H]: failed },
    );
    expect(running(good)).toEqual({ 'lib/x.ts': 'v1', [H]: 'h1' });
  });

  it('drops a module from both views, held back or not', () => {
    const good = loaded();
    good.apply({ modules: [spec('lib/x.ts', 'v2')], remove: [], reevaluate: [[H, true]] }, { 'lib/x.ts': ok, [H]: failed });
    good.drop('lib/x.ts');
    good.drop(H);
    expect(codes(good)).toEqual({});
    expect(running(good)).toEqual({});
  });
});

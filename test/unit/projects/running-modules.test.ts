import { describe, expect, it } from 'vitest';
import { LastGood } from '../../../engine/projects/last-good.ts';
import type { ModuleLoadResult, ModuleSpec } from '../../../engine/projects/module-loader.ts';
import { RunningModules } from '../../../engine/projects/running-modules.ts';

function spec(id: string, code: string, imports: string[] = []): ModuleSpec {
  return { id, displayPath: `projects/p/${id}`, code, mappings: '', imports, handler: !id.startsWith('lib/') };
}

const ok: ModuleLoadResult = { ok: true };
const failed: ModuleLoadResult = { ok: false, error: { code: 'SCRIPT_ERROR', message: 'broken' } };
const H = 'gateway-events/message/h.ts';
const A = 'lib/a.ts';
const B = 'lib/b.ts';

/** The project's record and the supervisor's snapshot, given the same loads, as the gateway gives them. */
function both() {
  const project = new RunningModules();
  const supervisor = new LastGood();
  const load = (
    sources: Record<string, string>,
    modules: ModuleSpec[],
    remove: string[],
    reevaluate: [string, boolean][],
    results: Record<string, ModuleLoadResult>,
  ) => {
    for (const [id, source] of Object.entries(sources)) project.sources.set(id, source);
    project.apply({ modules, remove, reevaluate }, results);
    supervisor.apply({ modules, remove, reevaluate }, results);
  };
  load({ [B]: 'b1', [A]: 'a1', [H]: 'h1' }, [spec(B, 'b1'), spec(A, 'a1', [B]), spec(H, 'h1', [A])], [], [], { [B]: ok, [A]: ok, [H]: ok });
  return { project, supervisor, load };
}

describe('RunningModules', () => {
  it('follows the rule of last good: the running version of a library its importers broke is its new one', () => {
    const { project, supervisor, load } = both();
    load(
      { [B]: 'b2' },
      [spec(B, 'b2')],
      [],
      project.dependentsOf(B).map((id) => [id, project.get(id)!.handler]),
      { [B]: ok, [A]: ok, [H]: failed },
    );
    expect(supervisor.modules.get(B)?.code).toBe('b1'); // what a rebuild brings back
    expect(project.get(B)?.source).toBe('b2'); // what runs now
    expect(project.stale(() => true)).toEqual([]); // nothing to retry: every file's text is what runs
    expect([...project.entries()].map(([id]) => id)).toEqual([...supervisor.modules.keys()]);
  });

  it('finds dependents through other libraries, and a file whose latest save failed as stale', () => {
    const { project, load } = both();
    expect(project.dependentsOf(B).sort()).toEqual([A, H].sort());
    load({ [H]: 'h2' }, [spec(H, 'h2', [A])], [], [], { [H]: failed });
    expect(project.get(H)?.source).toBe('h1');
    expect(project.stale(() => true)).toEqual([H]);
  });

  it('forgets a deleted library that is still imported, and a module lost in a rebuild', () => {
    const { project, supervisor, load } = both();
    load({}, [], [B], [], {});
    expect(project.has(B)).toBe(false);
    expect(supervisor.modules.has(B)).toBe(true);
    project.drop(H);
    expect(project.has(H)).toBe(false);
    expect(project.size).toBe(1);
  });
});

// Gateway tag-change scripts (issue 12 item 3) in a real gateway: `gateway-events/tag-change/<name>.ts` with its
// `<name>.json` sidecar, subscribed to the tag feed. The initial call per path, one call per change with old and new
// values in order and never overlapping, executionCount, changeTypes, the default provider, refused sidecars (with
// their diagnostic, and nothing runs), hot reload, deletion, sidecar edits and a script that throws.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/fixture.ts';

interface Call {
  initialChange: boolean;
  newValue: { value: unknown; quality: string; qualityCode: number; timestamp: number };
  previousValue: { value: unknown; quality: string; qualityCode: number; timestamp: number } | null;
  event: { tagPath: string };
  executionCount: number;
  overlap?: boolean;
}

const tags = (names: string[], dataType = 'Int') => names.map((name) => ({ name, dataType, value: 0 }));
const DEFAULT = {
  tags: [
    ...tags(['Initial', 'Once', 'Many', 'Same', 'Gone', 'Edited', 'EditedToo', 'Throws', 'Reload', 'Bad', 'Off', 'Sidecar', 'LastGood']),
    { name: 'Empty', dataType: 'String' },
    { name: 'Line', tags: [{ name: 'Speed', dataType: 'Float', value: 1.5 }] },
  ],
};
const OTHER = { tags: tags(['Level']) };

/** A tag-change script that logs each call as JSON under the logger `name`; async with a pause, to show overlap. */
const recorder = (name: string) => `let busy = false;
export default (async (initialChange, newValue, previousValue, event, executionCount) => {
  const overlap = busy;
  busy = true;
  await new Promise((r) => setTimeout(r, 1));
  system.util.getLogger(${JSON.stringify(name)}).info(JSON.stringify({ initialChange, newValue, previousValue, event, executionCount, overlap }));
  busy = false;
}) satisfies Flint.GatewayTagChangeHandler;
`;
const sidecar = (settings: object) => JSON.stringify(settings);

let t: TestGateway;
let tagsDir: string;

beforeAll(async () => {
  tagsDir = mkdtempSync(join(tmpdir(), 'flint-tags-'));
  writeFileSync(join(tagsDir, 'default.json'), JSON.stringify(DEFAULT));
  writeFileSync(join(tagsDir, 'other.json'), JSON.stringify(OTHER));
  const files: Record<string, string> = {};
  const add = (name: string, settings: object) => {
    files[`gateway-events/tag-change/${name}.ts`] = recorder(name);
    files[`gateway-events/tag-change/${name}.json`] = sidecar(settings);
  };
  add('initial', { paths: ['[default]Initial', 'Line/Speed', 'Initial'] });
  add('once', { paths: ['Once'] });
  add('many', { paths: ['Many'] });
  add('same', { paths: ['Same'] });
  add('stamp', { paths: ['Same'], changeTypes: ['timestamp'] });
  add('valueOnly', { paths: ['Empty'], changeTypes: ['value'] });
  add('qualityToo', { paths: ['Empty'] });
  add('gone', { paths: ['Gone'] });
  add('edited', { paths: ['Edited'] });
  add('reload', { paths: ['Reload'] });
  add('off', { paths: ['Off'], enabled: false });
  add('lastGood', { paths: ['LastGood'] });
  files['gateway-events/tag-change/throws.ts'] = `export default ((initialChange, newValue) => {
  system.util.getLogger('throws').info(JSON.stringify({ value: newValue.value }));
  if (newValue.value === 1) throw new Error('one is unlucky');
}) satisfies Flint.GatewayTagChangeHandler;
`;
  files['gateway-events/tag-change/throws.json'] = sidecar({ paths: ['Throws'] });
  t = await startGateway(
    {
      p: { files },
      q: {
        config: { defaultTagProvider: 'other' },
        files: {
          'gateway-events/tag-change/level.ts': recorder('level'),
          'gateway-events/tag-change/level.json': sidecar({ paths: ['Level'] }),
        },
      },
    },
    { tagsDir },
  );
  await t.waitFor(() => t.gateway.project('p')?.isRunning && t.gateway.project('q')?.isRunning, 10_000, 'projects running');
});
afterAll(async () => {
  await t.stop();
  rmSync(tagsDir, { recursive: true, force: true });
});

const calls = (logger: string): Call[] => t.logs((r) => r.logger === logger).map((r) => JSON.parse(r.message) as Call);
const callsAtLeast = async (logger: string, n: number): Promise<Call[]> =>
  (await t.waitFor(
    () => {
      const seen = calls(logger);
      return seen.length >= n ? seen : undefined;
    },
    10_000,
    `${n} calls of ${logger}`,
  ))!;
const write = async (path: string, value: unknown) => {
  const [written] = await t.gateway.tagSystem.write([path], [value], 'default');
  expect(written.quality).toBe('Good');
};
const diagnosticsOf = (project: string) => t.gateway.project(project)?.status().diagnostics ?? [];
/** Lets at least one millisecond pass, so the next write has a timestamp of its own. */
const nextMillisecond = async () => {
  const now = Date.now();
  await t.waitFor(() => Date.now() > now, 1000, 'the clock');
};

describe('gateway tag-change scripts', () => {
  it('are called once per path when they subscribe: initialChange, the current value, no previous value', async () => {
    const initial = await callsAtLeast('initial', 2);
    expect(initial).toHaveLength(2); // `Initial` and `[default]Initial` are one tag
    expect(initial.map((c) => c.event.tagPath)).toEqual(['[default]Initial', '[default]Line/Speed']);
    expect(initial.map((c) => c.executionCount)).toEqual([1, 2]);
    for (const c of initial) {
      expect(c.initialChange).toBe(true);
      expect(c.previousValue).toBeNull();
    }
    expect(initial[1].newValue).toMatchObject({ value: 1.5, quality: 'Good', qualityCode: 192, timestamp: expect.any(Number) });
  });

  it('run once per write with the new and the previous value, counting their executions', async () => {
    await callsAtLeast('once', 1);
    await write('[default]Once', 7);
    const [first, second] = await callsAtLeast('once', 2);
    expect(first).toMatchObject({ initialChange: true, executionCount: 1 });
    expect(second).toMatchObject({
      initialChange: false,
      newValue: { value: 7, quality: 'Good', qualityCode: 192 },
      previousValue: { value: 0, quality: 'Good' },
      event: { tagPath: '[default]Once' },
      executionCount: 2,
    });
    await write('Once', 8);
    const third = (await callsAtLeast('once', 3))[2];
    expect(third).toMatchObject({ newValue: { value: 8 }, previousValue: { value: 7 }, executionCount: 3 });
    expect(calls('once')).toHaveLength(3);
  });

  it('see many quick writes each once, in order, one run at a time', async () => {
    await callsAtLeast('many', 1);
    const values = Array.from({ length: 60 }, (_, i) => i + 1);
    await Promise.all(values.map((v) => write('Many', v)));
    const seen = await callsAtLeast('many', 61);
    const changes = seen.slice(1);
    expect(changes.map((c) => c.newValue.value)).toEqual(values);
    expect(changes.map((c) => c.previousValue?.value)).toEqual([0, ...values.slice(0, -1)]);
    expect(seen.map((c) => c.executionCount)).toEqual([1, ...values.map((v) => v + 1)]);
    expect(seen.filter((c) => c.overlap)).toEqual([]);
  });

  it('skip a change that only moves the timestamp, unless changeTypes asks for it', async () => {
    await callsAtLeast('same', 1);
    await callsAtLeast('stamp', 1);
    await nextMillisecond();
    await write('Same', 0); // the value it has: only the timestamp changes
    await callsAtLeast('stamp', 2);
    await write('Same', 5);
    const same = await callsAtLeast('same', 2);
    expect(same.map((c) => c.newValue.value)).toEqual([0, 5]);
    const stamp = await callsAtLeast('stamp', 3);
    expect(stamp.map((c) => c.newValue.value)).toEqual([0, 0, 5]);
    expect(stamp[1].newValue.timestamp).toBeGreaterThan(stamp[1].previousValue!.timestamp);
  });

  it('with changeTypes ["value"] skip a change of quality alone', async () => {
    await callsAtLeast('valueOnly', 1);
    await callsAtLeast('qualityToo', 1);
    // Empty holds null: when it leaves the definitions only its quality changes (to Bad_NotFound).
    writeFileSync(join(tagsDir, 'default.json'), JSON.stringify({ tags: DEFAULT.tags.filter((d) => d.name !== 'Empty') }));
    const removed = (await callsAtLeast('qualityToo', 2))[1];
    expect(removed).toMatchObject({ newValue: { value: null, quality: 'Bad_NotFound' }, previousValue: { value: null, quality: 'Good' } });
    writeFileSync(join(tagsDir, 'default.json'), JSON.stringify(DEFAULT));
    const back = (await callsAtLeast('qualityToo', 3))[2];
    expect(back).toMatchObject({ initialChange: false, newValue: { value: null, quality: 'Good' }, previousValue: null });
    const valueOnly = await callsAtLeast('valueOnly', 2); // a tag defined again is a change of everything
    expect(valueOnly.map((c) => c.newValue.quality)).toEqual(['Good', 'Good']);
  });

  it('read paths without [provider] from the project defaultTagProvider', async () => {
    const [initial] = await callsAtLeast('level', 1);
    expect(initial.event.tagPath).toBe('[other]Level');
    await t.gateway.tagSystem.write(['[other]Level'], [4], 'x');
    expect((await callsAtLeast('level', 2))[1]).toMatchObject({ newValue: { value: 4 }, event: { tagPath: '[other]Level' } });
  });

  it('do not run while disabled', async () => {
    await write('Off', 1);
    await callsAtLeast('once', 3); // a subscribed script has long had its initial call
    expect(calls('off')).toEqual([]);
    expect(t.gateway.tagChanges.status('p').map((s) => s.name)).not.toContain('off');
  });

  it('refuse a sidecar without paths, with a bad change type or bad path syntax: a diagnostic at its file, nothing runs', async () => {
    const bad: [string, object, RegExp][] = [
      ['noPaths', {}, /^"paths" is required$/],
      ['emptyPaths', { paths: [] }, /^"paths" must be a non-empty list of strings/],
      [
        'badType',
        { paths: ['Bad'], changeTypes: ['colour'] },
        /^"changeTypes" must be a non-empty list of distinct values out of "value", "quality", "timestamp"; received \["colour"\]$/,
      ],
      ['badSyntax', { paths: ['Bad', 'Line//Speed'] }, /^"paths" holds "Line\/\/Speed", which is not valid tag path syntax/],
      ['badProperty', { paths: ['Bad.Colour'] }, /^"paths" holds "Bad.Colour", which is not valid tag path syntax/],
      ['provider', { paths: ['[default]'] }, /^"paths" holds "\[default\]", which names a provider, not a tag$/],
      ['unknownKey', { tagPaths: ['Bad'] }, /^unknown key "tagPaths"; allowed: paths, changeTypes, enabled$/],
    ];
    for (const [name, settings] of bad) {
      t.write('p', `gateway-events/tag-change/${name}.json`, sidecar(settings));
      t.write('p', `gateway-events/tag-change/${name}.ts`, recorder(name));
    }
    for (const [name, , message] of bad) {
      const d = await t.waitFor(
        () => diagnosticsOf('p').find((x) => x.file.endsWith(`tag-change/${name}.json`)),
        10_000,
        `the diagnostic of ${name}.json`,
      );
      expect(d).toMatchObject({ line: 1, column: 1, severity: 'error', file: `projects/p/gateway-events/tag-change/${name}.json` });
      expect(d!.message).toMatch(message);
    }
    // Their scripts are loaded (a good script is subscribed after them), but none of them subscribed.
    t.write('p', 'gateway-events/tag-change/good.json', sidecar({ paths: ['Bad'] }));
    t.write('p', 'gateway-events/tag-change/good.ts', recorder('good'));
    await callsAtLeast('good', 1);
    await write('Bad', 9);
    await callsAtLeast('good', 2);
    for (const [name] of bad) expect(calls(name), name).toEqual([]);
    for (const [name] of bad) {
      t.remove('p', `gateway-events/tag-change/${name}.json`);
      t.remove('p', `gateway-events/tag-change/${name}.ts`);
    }
    await t.waitFor(() => !diagnosticsOf('p').some((d) => d.file.includes('tag-change/')), 10_000, 'the diagnostics to go');
  });

  it('wait for their sidecar, and stop when it is deleted', async () => {
    t.write('p', 'gateway-events/tag-change/sidecar.ts', recorder('sidecar'));
    const missing = 'gateway-events/tag-change/sidecar.json is missing: this tag-change script does not run until its settings exist';
    await t.waitFor(() => diagnosticsOf('p').some((d) => d.severity === 'warning' && d.message === missing), 10_000, 'the warning');
    expect(calls('sidecar')).toEqual([]);
    t.write('p', 'gateway-events/tag-change/sidecar.json', sidecar({ paths: ['Sidecar'] }));
    await callsAtLeast('sidecar', 1);
    t.remove('p', 'gateway-events/tag-change/sidecar.json');
    await t.waitFor(() => !t.gateway.tagChanges.status('p').some((s) => s.name === 'sidecar'), 10_000, 'the unsubscription');
    await write('Sidecar', 1);
    await write('Once', 21);
    await t.waitFor(() => calls('once').some((c) => c.newValue.value === 21), 10_000, 'a subscribed script to see its write');
    expect(calls('sidecar')).toHaveLength(1);
    t.remove('p', 'gateway-events/tag-change/sidecar.ts');
  });

  it('keep running on their last good settings while the sidecar is refused', async () => {
    await callsAtLeast('lastGood', 1);
    t.write('p', 'gateway-events/tag-change/lastGood.json', sidecar({ paths: ['LastGood'], changeTypes: ['often'] }));
    await t.waitFor(() => diagnosticsOf('p').some((d) => d.file.endsWith('lastGood.json')), 10_000, 'the diagnostic');
    await write('LastGood', 1);
    expect((await callsAtLeast('lastGood', 2))[1]).toMatchObject({ initialChange: false, executionCount: 2, newValue: { value: 1 } });
    t.write('p', 'gateway-events/tag-change/lastGood.json', sidecar({ paths: ['LastGood'] }));
    await t.waitFor(() => !diagnosticsOf('p').some((d) => d.file.endsWith('lastGood.json')), 10_000, 'the diagnostic to clear');
    await write('LastGood', 2);
    expect((await callsAtLeast('lastGood', 3))[2]).toMatchObject({ initialChange: false, executionCount: 3, newValue: { value: 2 } });
  });

  it('stop when the script is deleted', async () => {
    await callsAtLeast('gone', 1);
    t.remove('p', 'gateway-events/tag-change/gone.ts');
    await t.waitFor(() => !t.gateway.tagChanges.status('p').some((s) => s.name === 'gone'), 10_000, 'the unsubscription');
    await write('Gone', 1);
    await write('Once', 11);
    await t.waitFor(() => calls('once').some((c) => c.newValue.value === 11), 10_000, 'a subscribed script to see its write');
    expect(calls('gone')).toHaveLength(1);
  });

  it('resubscribe when the sidecar changes, with new initial calls and a count from 1', async () => {
    await callsAtLeast('edited', 1);
    await write('Edited', 1);
    await callsAtLeast('edited', 2);
    t.write('p', 'gateway-events/tag-change/edited.json', sidecar({ paths: ['EditedToo'] }));
    const after = await callsAtLeast('edited', 3);
    expect(after[2]).toMatchObject({ initialChange: true, executionCount: 1, event: { tagPath: '[default]EditedToo' } });
    await write('Edited', 2);
    await write('EditedToo', 3);
    const last = await callsAtLeast('edited', 4);
    expect(last[3]).toMatchObject({ initialChange: false, executionCount: 2, newValue: { value: 3 } });
    expect(last.some((c) => c.newValue.value === 2)).toBe(false);
  });

  it('keep their subscription and count when the script is saved again', async () => {
    await callsAtLeast('reload', 1);
    await write('Reload', 1);
    await callsAtLeast('reload', 2);
    t.write('p', 'gateway-events/tag-change/reload.ts', recorder('reloaded'));
    await t.waitFor(
      async () => {
        await write('Reload', Math.floor(Math.random() * 1e6) + 10);
        return calls('reloaded').length > 0;
      },
      10_000,
      'the new version to run',
    );
    const [first] = calls('reloaded');
    expect(first.initialChange).toBe(false);
    expect(first.executionCount).toBeGreaterThanOrEqual(3);
    expect(calls('reloaded').every((c) => !c.initialChange)).toBe(true);
  });

  it('that throw are logged with file:line and still get the next changes', async () => {
    await t.waitFor(() => t.logs((r) => r.logger === 'throws').length >= 1, 10_000, 'the initial call');
    await write('Throws', 1);
    const failure = await t.waitFor(() => t.logs((r) => /one is unlucky/.test(r.message))[0], 10_000, 'the failure');
    expect(failure).toMatchObject({
      level: 'error',
      project: 'p',
      source: { line: 3, file: expect.stringMatching(/tag-change\/throws\.ts$/) },
    });
    expect(failure.message).toMatch(/^gateway tag-change "throws" script of project "p" failed/);
    await write('Throws', 2);
    await t.waitFor(() => t.logs((r) => r.logger === 'throws' && r.message === '{"value":2}').length === 1, 10_000, 'the next change');
  });

  it('stop when their project stops, and subscribe again when it starts', async () => {
    const before = calls('level').length;
    t.write('q', 'project.json', JSON.stringify({ defaultTagProvider: 'other', enabled: false }));
    await t.waitFor(() => !t.gateway.project('q')?.isRunning, 10_000, 'q to stop');
    expect(t.gateway.tagChanges.status('q')).toEqual([]);
    await t.gateway.tagSystem.write(['[other]Level'], [40], 'x');
    t.write('q', 'project.json', JSON.stringify({ defaultTagProvider: 'other' }));
    const again = await callsAtLeast('level', before + 1);
    expect(again[before]).toMatchObject({ initialChange: true, executionCount: 1, newValue: { value: 40 } });
    expect(again.slice(before).filter((c) => !c.initialChange)).toEqual([]);
  });
});

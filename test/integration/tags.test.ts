// The tag system through system.tag.* from real scripts in a real gateway (issue 12 items 1 and 2): reads, writes,
// the async forms with their callbacks run later in the sandbox, browse, exists, every bad input as a quality code,
// a definitions file with errors (last good stays, diagnostic with file:line:column) and hot reload of definitions.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QualifiedValue, TagChange } from '../../engine/tags/feed.ts';
import type { BrowseResults } from '../../engine/tags/tag-system.ts';
import { QUALITIES } from '../../engine/tags/quality.ts';
import { startGateway, type TestGateway } from '../helpers/fixture.ts';

const DEFAULT = {
  tags: [
    { name: 'New Tag 5', dataType: 'String', value: '' },
    {
      name: 'Line',
      documentation: 'A line.',
      tags: [
        { name: 'Count', dataType: 'Int', value: 0 },
        { name: 'Speed', dataType: 'Float', value: 1.5, documentation: 'per minute' },
        { name: 'Running', dataType: 'Boolean' },
        { name: 'Started', dataType: 'DateTime' },
        { name: 'Recipe', dataType: 'Document', value: { a: 1 } },
        { name: 'Serial', dataType: 'String', value: 'S-1', readOnly: true },
      ],
    },
  ],
};
const OTHER = { tags: [{ name: 'Level', dataType: 'Float', value: 3 }] };

const files = {
  // Any system.tag function called as the payload says, its error caught: what a script sees of it.
  'gateway-events/message/call.ts': `export default function (payload: any) {
  try {
    return { value: (system.tag as any)[payload.fn](...payload.args) };
  } catch (e: any) {
    return { code: e.code, message: e.message };
  }
}
`,
  'gateway-events/message/direct.ts': `export default function () {
  const written = system.tag.writeBlocking(['Line/Count', '[default]Line/Speed'], [41, '2.25']);
  const read = system.tag.readBlocking(['Line/Count', 'Line/Speed', 'Line/Speed.DataType', 'Line/Speed.Documentation']);
  return { written, read };
}
`,
  'gateway-events/message/later.ts': `let seen: unknown[] = [];
export default function (payload: any) {
  if (payload.read) return seen;
  seen = [];
  system.tag.writeAsync(['Line/Count', 'Line/Serial'], [payload.n, 'x'], (q) => {
    seen.push({ wrote: q });
    system.tag.readAsync(['Line/Count'], (values) => seen.push({ read: values }));
  });
  return 'returned first';
}
`,
  'gateway-events/message/barcode.ts': `export default function (payload: any) {
  system.tag.writeAsync(['[default]New Tag 5'], [payload.text]);
  return null;
}
`,
  'gateway-events/message/throws.ts': `export default function () {
  system.tag.readAsync(['Line/Count'], () => {
    throw new Error('callback broke');
  });
  return null;
}
`,
};

let t: TestGateway;
let tagsDir: string;
const writeDefs = (provider: string, defs: unknown, text = JSON.stringify(defs, null, 2)) =>
  writeFileSync(join(tagsDir, `${provider}.json`), text);

beforeAll(async () => {
  tagsDir = mkdtempSync(join(tmpdir(), 'flint-tags-'));
  writeDefs('default', DEFAULT);
  writeDefs('other', OTHER);
  t = await startGateway({ p: { files }, q: { files, config: { defaultTagProvider: 'other' } } }, { tagsDir });
  await t.waitFor(() => t.gateway.project('p')?.isRunning && t.gateway.project('q')?.isRunning, 10_000, 'projects running');
});
afterAll(async () => {
  await t.stop();
  rmSync(tagsDir, { recursive: true, force: true });
});

const call = (fn: string, ...args: unknown[]) =>
  t.request('p', 'call', { fn, args }) as Promise<{ value?: unknown; code?: string; message?: string }>;
const browse = async (...args: unknown[]) => (await call('browse', ...args)).value as BrowseResults;
const q = (name: keyof typeof QUALITIES) => ({ quality: name, qualityCode: QUALITIES[name] });

describe('system.tag from a script', () => {
  it('writeBlocking and readBlocking return without await: qualities, converted values, properties', async () => {
    const { written, read } = (await t.request('p', 'direct')) as { written: unknown; read: { value: unknown; quality: string }[] };
    expect(written).toEqual([q('Good'), q('Good')]);
    expect(read.map((v) => v.value)).toEqual([41, 2.25, 'Float', 'per minute']);
    expect(read.every((v) => v.quality === 'Good')).toBe(true);
    const [count] = t.gateway.tags.read(['[default]Line/Count'], 'x');
    expect(count).toMatchObject({ value: 41, ...q('Good') });
    expect(Math.abs(count.timestamp - Date.now())).toBeLessThan(10_000);
  });

  it('gives each bad path its own quality code, never one exception for the call', async () => {
    const paths = [
      '[default',
      'Line//Count',
      'Line/Count.Colour',
      'Nope',
      '[nope]Line/Count',
      'Line/Serial',
      'Line/Count',
      'Line/Running',
      'Line',
      'Line/Count.Quality',
    ];
    const values = [1, 1, 1, 1, 1, 'changed', 'not a number', { on: true }, 1, 'Bad'];
    const { value } = await call('writeBlocking', paths, values);
    expect(value).toEqual([
      q('Error_InvalidPathSyntax'),
      q('Error_InvalidPathSyntax'),
      q('Error_InvalidPathSyntax'),
      q('Bad_NotFound'),
      q('Bad_NotFound'),
      q('Bad_ReadOnly'),
      q('Error_TypeConversion'),
      q('Error_TypeConversion'),
      q('Bad_Unsupported'),
      q('Bad_Unsupported'),
    ]);
    const read = (await call('readBlocking', ['[default', 'Nope', 'Line/Serial', 'Line/Count.quality', 'Line'])).value as QualifiedValue[];
    expect(read.map((v) => [v.value, v.quality])).toEqual([
      [null, 'Error_InvalidPathSyntax'],
      [null, 'Bad_NotFound'],
      ['S-1', 'Good'],
      ['Good', 'Good'],
      [null, 'Bad_Unsupported'],
    ]);
    expect((await call('writeBlocking', ['Line/Int'], [1.5])).value).toEqual([q('Bad_NotFound')]);
    expect((await call('writeBlocking', ['Line/Count'], [1.5])).value).toEqual([q('Error_TypeConversion')]);
  });

  it('refuses arguments of the wrong shape with BAD_ARGUMENT', async () => {
    expect(await call('readBlocking', 'Line/Count')).toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringContaining('argument 1 "tagPaths" must be an array'),
    });
    expect(await call('writeBlocking', ['Line/Count'], [1, 2])).toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringContaining('one value per path; received 2 values for 1 paths'),
    });
    expect(await call('readBlocking', ['a'], -1)).toMatchObject({ code: 'BAD_ARGUMENT' });
    expect(await call('readAsync', ['a'], 'not a function')).toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringContaining('"callback" must be a function'),
    });
    expect(await call('browse', '', { kind: 'Folder' })).toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringContaining('unknown key "kind"'),
    });
    expect(await call('browse', '', { tagType: 'Tag' })).toMatchObject({ code: 'BAD_ARGUMENT' });
    expect(await call('exists')).toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it('writeAsync and readAsync return at once and run their callbacks later in the sandbox', async () => {
    expect(await t.request('p', 'later', { n: 7 })).toBe('returned first');
    const seen = await t.waitFor(async () => {
      const list = (await t.request('p', 'later', { read: true })) as unknown[];
      return list.length === 2 && list;
    });
    expect(seen).toEqual([{ wrote: [q('Good'), q('Bad_ReadOnly')] }, { read: [expect.objectContaining({ value: 7, quality: 'Good' })] }]);
  });

  it('runs the Barcode example: writeAsync with no callback', async () => {
    await t.request('p', 'barcode', { text: 'ABC-123' });
    await t.waitFor(() => t.gateway.tags.read(['[default]New Tag 5'], 'default')[0].value === 'ABC-123');
  });

  it('logs a callback that throws, with the script file', async () => {
    await t.request('p', 'throws');
    const record = await t.waitFor(() => t.logs((r) => r.message.includes('the callback threw: callback broke'))[0]);
    expect(record).toMatchObject({ project: 'p', level: 'error' });
    expect(record.source?.file).toContain('throws.ts');
  });

  it("uses the project's defaultTagProvider for paths without [provider]", async () => {
    const read = (await t.request('q', 'call', { fn: 'readBlocking', args: [['Level', '[default]Line/Speed.Name']] })) as {
      value: QualifiedValue[];
    };
    expect(read.value.map((v) => v.value)).toEqual([3, 'Speed']);
  });

  it('browses folders, with name and type filters, and says whether paths exist', async () => {
    const root = await browse('');
    expect(root).toMatchObject({ quality: 'Good' });
    expect(root.results).toEqual([
      { name: 'New Tag 5', fullPath: '[default]New Tag 5', tagType: 'AtomicTag', dataType: 'String', hasChildren: false },
      { name: 'Line', fullPath: '[default]Line', tagType: 'Folder', dataType: null, hasChildren: true },
    ]);
    const filtered = (await browse('[default]Line', { name: 's*' })).results.map((r) => r.name);
    expect(filtered).toEqual(['Speed', 'Started', 'Serial']);
    const recursive = (await browse('[default]', { tagType: 'AtomicTag', recursive: true })).results;
    expect(recursive).toHaveLength(7);
    expect((await call('browse', '[default]Nope')).value).toEqual({ ...q('Bad_NotFound'), results: [] });
    expect((await call('browse', '[default]Line/Count')).value).toEqual({ ...q('Bad_Unsupported'), results: [] });
    expect((await call('browse', 'Line/')).value).toEqual({ ...q('Error_InvalidPathSyntax'), results: [] });
    expect((await call('exists', '[default]Line/Count')).value).toBe(true);
    expect((await call('exists', 'Line')).value).toBe(true);
    expect((await call('exists', 'Line/Nope')).value).toBe(false);
    expect((await call('exists', '[[bad')).value).toBe(false);
  });
});

describe('tag definitions files', () => {
  it('keep the last good definitions of a file with errors, with a diagnostic at its line and column', async () => {
    const broken = JSON.stringify(
      {
        tags: [
          { name: 'Level', dataType: 'Float' },
          { name: 'Bad', dataType: 'Decimal' },
        ],
      },
      null,
      2,
    );
    writeDefs('other', undefined, broken);
    const diagnostic = await t.waitFor(() => t.gateway.tagStatus().diagnostics[0]);
    expect(diagnostic).toMatchObject({
      file: 'tags/other.json',
      line: 9,
      column: 19,
      message: expect.stringContaining('"dataType" must be one of'),
    });
    expect(t.logs((r) => r.message.startsWith('tags/other.json:9:19 ')).length).toBe(1);
    expect(t.gateway.tags.read(['[other]Level'], 'default')[0]).toMatchObject({ value: 3, quality: 'Good' });
    writeDefs('other', undefined, '{ "tags": [ oops ] }');
    await t.waitFor(() => t.gateway.tagStatus().diagnostics[0]?.message.startsWith('invalid JSON'));
    expect(t.gateway.tagStatus().diagnostics[0]).toMatchObject({ file: 'tags/other.json', line: 1 });
    expect(t.gateway.tags.read(['[other]Level'], 'default')[0]).toMatchObject({ value: 3, quality: 'Good' });
  });

  it('hot-reload: a tag added is readable at once, a tag removed reads Bad_NotFound and gets its value back when it returns', async () => {
    const changes: TagChange[] = [];
    const unsubscribe = t.gateway.tags.subscribe(['[other]Level', '[other]Fresh.DataType'], 'default', (c) => changes.push(c));
    expect(await t.request('q', 'call', { fn: 'writeBlocking', args: [['Level'], [9.5]] })).toEqual({ value: [q('Good')] });
    writeDefs('other', { tags: [{ name: 'Fresh', dataType: 'Int', value: 5 }] });
    await t.waitFor(() => t.gateway.tags.read(['[other]Fresh'], 'default')[0].quality === 'Good');
    expect(t.gateway.tagStatus().diagnostics).toEqual([]);
    expect(t.gateway.tags.read(['[other]Level', '[other]Fresh'], 'default').map((v) => [v.value, v.quality])).toEqual([
      [null, 'Bad_NotFound'],
      [5, 'Good'],
    ]);
    writeDefs('other', OTHER);
    await t.waitFor(() => t.gateway.tags.read(['[other]Level'], 'default')[0].quality === 'Good');
    expect(t.gateway.tags.read(['[other]Level'], 'default')[0].value).toBe(9.5);
    unsubscribe();
    expect(changes.map((c) => [c.path, c.value.value, c.value.quality, c.previous?.value])).toEqual([
      ['[other]Level', 9.5, 'Good', 3],
      ['[other]Level', null, 'Bad_NotFound', 9.5],
      ['[other]Fresh.DataType', 'Int', 'Good', undefined],
      ['[other]Fresh.DataType', null, 'Bad_NotFound', 'Int'],
      ['[other]Level', 9.5, 'Good', undefined],
    ]);
  });
});

describe('the tag store of a gateway', () => {
  it('refuses to start on an unreachable PostgreSQL with an error naming the store', async () => {
    await expect(startGateway({}, { tagStoreUrl: 'postgresql://postgres@127.0.0.1:1/postgres' })).rejects.toThrow(
      /^tag values could not be loaded from the PostgreSQL tag store: .*ECONNREFUSED/,
    );
    await expect(startGateway({}, { tagStoreUrl: 'mysql://x' })).rejects.toThrow(
      'the tag store must be a postgresql:// URL; received "mysql://x"',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { parseDefinitions, type FolderDef } from '../../../engine/tags/definitions.ts';

const parse = (value: unknown) =>
  parseDefinitions(typeof value === 'string' ? value : JSON.stringify(value, null, 2), 'tags/default.json', 'default');
const problems = (value: unknown) => {
  const result = parse(value);
  if (result.ok) throw new Error('expected problems');
  return result.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`);
};

describe('tag definitions files', () => {
  it('give folders and tags with their types, initial values (converted), readOnly and documentation', () => {
    const result = parse({
      documentation: 'root',
      tags: [
        { name: 'New Tag 5', dataType: 'String' },
        { name: 'Line', tags: [{ name: 'Count', dataType: 'Int', value: '3', readOnly: true, documentation: 'packages' }] },
      ],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const root = result.provider.root;
    expect(root.documentation).toBe('root');
    expect(root.children.get('New Tag 5')).toEqual({
      kind: 'tag',
      name: 'New Tag 5',
      dataType: 'String',
      initial: null,
      readOnly: false,
      documentation: '',
    });
    expect((root.children.get('Line') as FolderDef).children.get('Count')).toEqual({
      kind: 'tag',
      name: 'Count',
      dataType: 'Int',
      initial: 3,
      readOnly: true,
      documentation: 'packages',
    });
  });

  it('accept an empty file object and an empty folder', () => {
    expect(parse({}).ok).toBe(true);
    expect(parse({ tags: [{ name: 'Empty', tags: [] }] }).ok).toBe(true);
  });

  it('report each problem at its line and column', () => {
    const text = JSON.stringify(
      {
        tags: [
          { name: 'A', dataType: 'Decimal' },
          { name: 'B/C', dataType: 'Int' },
          { name: 'D', dataType: 'Int', value: 1.5 },
          { name: 'E', dataType: 'Int', colour: 'red' },
          { name: 'F', tags: [{ name: 'G', dataType: 'Boolean', readOnly: 'yes' }] },
          { name: 'H' },
          { name: 'I', dataType: 'Int', tags: [] },
          { name: 'A', dataType: 'String' },
          'text',
        ],
        extra: 1,
      },
      null,
      2,
    );
    expect(problems(text)).toEqual([
      '45:12 unknown key "extra"; allowed at the top: tags, documentation',
      '5:19 "dataType" must be one of Int, Float, Boolean, String, DateTime, Document; received "Decimal"',
      '8:15 "name" must be 1 to 128 letters, digits, _ - or spaces, starting with a letter, digit or _ (no "/" or "."); received "B/C"',
      '14:16 "value" cannot convert number 1.5 to Int: it has a fraction (an Int tag holds whole numbers)',
      '19:17 unknown key "colour" in a tag; allowed: name, dataType, value, readOnly, documentation',
      '27:23 "readOnly" must be true or false',
      '31:5 an entry needs "dataType" (a tag) or "tags" (a folder)',
      '34:5 an entry has either "tags" (a folder) or "dataType" (a tag), not both',
      '43:5 each entry of "tags" is an object: a tag (with "dataType") or a folder (with "tags")',
    ]);
  });

  it('refuse a name twice in one folder', () => {
    expect(
      problems({
        tags: [
          { name: 'A', dataType: 'Int' },
          { name: 'A', tags: [] },
        ],
      }),
    ).toEqual([expect.stringMatching(/^\d+:\d+ "A" is defined twice in the same folder$/)]);
  });

  it('refuse invalid JSON with its line, and a file that is not an object', () => {
    expect(problems('{\n  "tags": [\n    oops\n  ]\n}')).toEqual([expect.stringMatching(/^\d+:\d+ invalid JSON/)]);
    expect(problems('[1]')).toEqual(['1:1 a tag definitions file holds a JSON object: { "tags": [ ... ] }']);
    expect(problems({ tags: {} })).toEqual(['2:11 "tags" must be an array of tags and folders']);
  });

  it('refuse folders nested past 32 levels', () => {
    let node: object = { name: 'Leaf', dataType: 'Int' };
    for (let i = 0; i < 40; i++) node = { name: `F${i}`, tags: [node] };
    expect(problems({ tags: [node] })).toEqual([expect.stringContaining('nested deeper than 32 levels')]);
  });
});

import { describe, expect, it } from 'vitest';
import { checkParameters, parseNamedQuerySettings, undeclaredParameter, type NamedQuerySettings } from '../../../engine/db/named-query.ts';
import { namedQueryPathProblem } from '../../../engine/db/queries.ts';

const parse = (text: string) => parseNamedQuerySettings(JSON.parse(text), text);

const ALL: NamedQuerySettings = {
  type: 'Query',
  database: 'default',
  parameters: [
    { name: 'Name', type: 'String' },
    { name: 'Count', type: 'Int' },
    { name: 'Ratio', type: 'Float' },
    { name: 'On', type: 'Boolean' },
    { name: 'At', type: 'DateTime' },
  ],
};
const good = { name: 'x', count: 3, ratio: 0.5, on: true, at: '2026-12-07T03:00:00.000Z' };

describe('named query settings', () => {
  it('fill in the defaults: a Query on "default" with no parameters', () => {
    expect(parse('{}')).toEqual({ ok: true, settings: { type: 'Query', database: 'default', parameters: [] } });
    expect(parse('{"type": "Update Query", "parameters": [{"name": "SessionID", "type": "String"}]}')).toEqual({
      ok: true,
      settings: { type: 'Update Query', database: 'default', parameters: [{ name: 'SessionID', type: 'String' }] },
    });
  });

  it('name the key and the line of each problem', () => {
    const cases: [string, RegExp, number][] = [
      ['{\n  "type": "Select"\n}', /"type" must be one of "Query", "Update Query", "Scalar Query"; received "Select"/, 2],
      ['{\n  "typo": 1\n}', /unknown key "typo"/, 2],
      ['{\n  "database": "../x"\n}', /"database" must be a connection name/, 2],
      ['{\n  "parameters": {}\n}', /"parameters" must be a list/, 2],
      ['{\n  "parameters": [\n    {"name": "a", "type": "Integer"}\n  ]\n}', /"parameters"\[0\]\.type must be one of .*"Int"/, 3],
      ['{\n  "parameters": [{"name": "a b", "type": "Int"}]\n}', /\.name must be a letter/, 2],
      ['{\n  "parameters": [\n {"name": "a", "type": "Int"},\n {"name": "A", "type": "Int"}]\n}', /declared twice/, 4],
      ['[]', /must hold a JSON object/, 1],
    ];
    for (const [text, message, line] of cases)
      expect(parse(text), text).toMatchObject({ ok: false, message: expect.stringMatching(message), line });
  });

  it('find a :name the SQL uses but the settings do not declare, with its line', () => {
    expect(undeclaredParameter('SELECT 1\nWHERE a = :Name AND b = :other', ALL)).toEqual({ name: 'other', line: 2 });
    expect(undeclaredParameter('SELECT :NAME, :count', ALL)).toBeUndefined();
  });
});

describe('named query parameters', () => {
  it('are matched without regard to case and bound as the driver takes them', () => {
    const checked = checkParameters(ALL, good, true);
    expect(checked.ok && Object.fromEntries(checked.values)).toEqual({
      name: 'x',
      count: 3,
      ratio: 0.5,
      on: 1,
      at: '2026-12-07T03:00:00.000Z',
    });
    const pg = checkParameters(ALL, { ...good, at: Date.UTC(2026, 0, 2) }, false);
    expect(pg.ok && Object.fromEntries(pg.values)).toMatchObject({ on: true, at: '2026-01-02T00:00:00.000Z' });
  });

  it('take null as SQL NULL for every type', () => {
    const nulls = { name: null, count: null, ratio: null, on: null, at: null };
    const checked = checkParameters(ALL, nulls, true);
    expect(checked.ok && [...checked.values.values()]).toEqual([null, null, null, null, null]);
  });

  it('of the wrong type, missing or undeclared are refused, naming the parameter', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, name: 5 }, /parameter "Name" \(String\) must be a string; received 5/],
      [{ ...good, count: 1.5 }, /parameter "Count" \(Int\) must be a whole number/],
      [{ ...good, count: '3' }, /parameter "Count" \(Int\) must be a whole number .*received "3"/],
      [{ ...good, ratio: 'x' }, /parameter "Ratio" \(Float\) must be a finite number/],
      [{ ...good, on: 'true' }, /parameter "On" \(Boolean\) must be true or false/],
      [{ ...good, at: 'yesterday' }, /parameter "At" \(DateTime\) must be an ISO 8601 date/],
      [{ ...good, at: { y: 1 } }, /parameter "At" \(DateTime\)/],
      [{ name: 'x', count: 3, ratio: 0.5, on: true }, /parameter "At" \(DateTime\) is missing/],
      [{ ...good, extra: 1 }, /parameter "extra" is not declared in its settings \(declared: Name, Count, Ratio, On, At\)/],
      [{ ...good, NAME: 'y' }, /parameters "name" and "NAME" name the same parameter/],
    ];
    for (const [given, message] of cases)
      expect(checkParameters(ALL, given, true), JSON.stringify(given)).toEqual({ ok: false, message: expect.stringMatching(message) });
  });
});

describe('named query paths', () => {
  it('are relative paths of names under named-queries/', () => {
    for (const path of ['Startup Query', 'Reports/Daily', 'a.b/c-d']) expect(namedQueryPathProblem(path), path).toBeUndefined();
  });

  it('with .., absolute or malformed are refused', () => {
    expect(namedQueryPathProblem('../other/named-queries/Q')).toMatch(/may not contain "\." or "\.\."/);
    expect(namedQueryPathProblem('Reports/../../x')).toMatch(/\.\./);
    expect(namedQueryPathProblem('/etc/passwd')).toMatch(/not absolute/);
    expect(namedQueryPathProblem('C:/x')).toMatch(/not absolute/);
    expect(namedQueryPathProblem('a\\b')).toMatch(/"\/"/);
    expect(namedQueryPathProblem('a//b')).toMatch(/folder and query names/);
  });
});

import { describe, expect, it } from 'vitest';
import { parseDatabases } from '../../../engine/db/databases-file.ts';

const parse =
  (value: unknown, env: Record<string, string> = {}) =>
  () =>
    parseDatabases(value, 'databases.json', env);

describe('the databases file', () => {
  it('lists PostgreSQL connections, with environment variables put into their urls', () => {
    const list = {
      connections: [
        { name: 'plant', type: 'postgres', url: 'postgres://flint:${PG_PASSWORD}@db:5432/plant', poolSize: 4, statementTimeoutMs: 2000 },
      ],
    };
    expect(parse(list, { PG_PASSWORD: 's3cret' })()).toEqual([
      { name: 'plant', type: 'postgres', url: 'postgres://flint:s3cret@db:5432/plant', poolSize: 4, statementTimeoutMs: 2000 },
    ]);
    expect(parse({})()).toEqual([]);
  });

  it('names the file and the entry of each problem', () => {
    const entry = (c: object) => ({ connections: [{ name: 'p', type: 'postgres', url: 'postgres://h/db', ...c }] });
    const cases: [unknown, RegExp][] = [
      [[], /must hold a JSON object/],
      [{ pools: [] }, /unknown key "pools"/],
      [{ connections: {} }, /"connections" must be a list/],
      [entry({ name: 'default' }), /connections\[0\]\.name "default" is taken \(the embedded SQLite database\)/],
      [{ connections: [entry({}).connections[0], entry({}).connections[0]] }, /connections\[1\]\.name "p" is taken \(listed twice\)/],
      [entry({ name: '../x' }), /\.name must be a name/],
      [entry({ type: 'mysql' }), /\.type must be "postgres"/],
      [entry({ url: 'http://h/db' }), /must start with postgres:\/\//],
      [entry({ url: 'postgres://u:${NOPE}@h/db' }), /environment variable NOPE, which is not set/],
      [entry({ poolSize: 0 }), /poolSize must be a whole number from 1 to 100/],
      [entry({ password: 'x' }), /unknown key "password"/],
      [entry({ statementTimeoutMs: 5 }), /statementTimeoutMs must be a whole number of milliseconds from 100/],
    ];
    for (const [value, message] of cases) expect(parse(value), JSON.stringify(value)).toThrow(message);
    expect(parse([])).toThrow(/^databases\.json: /);
  });
});

// system.db through a real gateway and real scripts: named queries as project files (SQLite and PostgreSQL), prepared
// statements, and every bad input and fault of issue 12: SQL errors, wrong parameter types, `..` paths, another
// project's queries, connections a project may not use, a settings file with errors, PostgreSQL going away and back.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';
import { createPgSchema, PG_URL, terminateBackends, type PgSchema } from '../helpers/postgres.ts';

/** Runs one system.db function with the arguments given and answers its value, or the error's code and message. */
const RUN = `export default function (payload: any) {
  try {
    return { value: (system.db as any)[payload.fn](...payload.args) };
  } catch (e: any) {
    return { code: e.code, message: e.message };
  }
}
`;
/** The same, iterating the rows with for...of as a script would. */
const ITERATE = `export default function (payload: any) {
  const names: string[] = [];
  for (const row of system.db.runNamedQuery('app', 'Reports/Items', { minQty: payload.minQty })) names.push(String(row.name));
  return names;
}
`;

const settings = (s: object) => JSON.stringify(s, null, 2);
const configDir = mkdtempSync(join(tmpdir(), 'flint-dbconf-'));
const databasesFile = join(configDir, 'databases.json');
let schema: PgSchema;
let proxy: PgProxy;

beforeAll(async () => {
  schema = await createPgSchema();
  proxy = await PgProxy.start();
  const viaProxy = schema.url.replace('127.0.0.1:5432', `127.0.0.1:${proxy.port}`);
  writeFileSync(
    databasesFile,
    JSON.stringify({
      connections: [
        { name: 'pg', type: 'postgres', url: '${FLINT_TEST_DB_URL}' },
        { name: 'flaky', type: 'postgres', url: viaProxy },
        { name: 'slow', type: 'postgres', url: schema.url, statementTimeoutMs: 300 },
      ],
    }),
  );
  process.env.FLINT_TEST_DB_URL = schema.url;
});
afterAll(async () => {
  await proxy?.close();
  await schema?.drop();
  rmSync(configDir, { recursive: true, force: true });
});

const t = useGateway(
  {
    app: {
      config: { databases: ['default', 'pg', 'flaky', 'slow'] },
      files: {
        'gateway-events/message/run.ts': RUN,
        'gateway-events/message/iterate.ts': ITERATE,
        'gateway-events/message/uncaught.ts': `export default function () {\n  return system.db.runPrepQuery('SELECT * FROM no_such_table');\n}\n`,
        'named-queries/Setup.sql': 'CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER)',
        'named-queries/Setup.json': settings({ type: 'Update Query' }),
        'named-queries/Add Item.sql': 'INSERT INTO items (id, name, qty) VALUES (:id, :name, :qty)',
        'named-queries/Add Item.json': settings({
          type: 'Update Query',
          parameters: [
            { name: 'id', type: 'Int' },
            { name: 'name', type: 'String' },
            { name: 'qty', type: 'Int' },
          ],
        }),
        'named-queries/Reports/Items.sql': 'SELECT id, name, qty FROM items\nWHERE qty >= :minQty\nORDER BY id',
        'named-queries/Reports/Items.json': settings({ type: 'Query', parameters: [{ name: 'minQty', type: 'Int' }] }),
        'named-queries/Count.sql': 'SELECT COUNT(*) AS n FROM items',
        'named-queries/Count.json': settings({ type: 'Scalar Query' }),
        'named-queries/Broken SQL.sql': 'SELECT * FROM no_such_table WHERE id = :id',
        'named-queries/Broken SQL.json': settings({ parameters: [{ name: 'id', type: 'Int' }] }),
        'named-queries/PG Setup.sql':
          'CREATE TABLE IF NOT EXISTS readings (id SERIAL PRIMARY KEY, tag TEXT, value DOUBLE PRECISION, at TIMESTAMPTZ)',
        'named-queries/PG Setup.json': settings({ type: 'Update Query', database: 'pg' }),
        'named-queries/PG Add.sql': 'INSERT INTO readings (tag, value, at) VALUES (:tag, :value, :at)',
        'named-queries/PG Add.json': settings({
          type: 'Update Query',
          database: 'pg',
          parameters: [
            { name: 'tag', type: 'String' },
            { name: 'value', type: 'Float' },
            { name: 'at', type: 'DateTime' },
          ],
        }),
        'named-queries/PG Read.sql': 'SELECT tag, value, at FROM readings WHERE tag = :tag OR :tag IS NULL ORDER BY id',
        'named-queries/PG Read.json': settings({ database: 'pg', parameters: [{ name: 'tag', type: 'String' }] }),
        'named-queries/Flaky Ping.sql': 'SELECT 1 AS one',
        'named-queries/Flaky Ping.json': settings({ type: 'Scalar Query', database: 'flaky' }),
        'named-queries/Bad Settings.sql': 'SELECT 1',
        'named-queries/Bad Settings.json': '{\n  "type": "Query",\n  "parameters": [\n    { "name": "x", "type": "Integer" }\n  ]\n}\n',
        'named-queries/Undeclared.sql': 'SELECT 1\nWHERE 1 = :nope',
      },
    },
    limited: {
      config: {},
      files: {
        'gateway-events/message/run.ts': RUN,
        'named-queries/On PG.sql': 'SELECT 1 AS one',
        'named-queries/On PG.json': settings({ type: 'Scalar Query', database: 'pg' }),
      },
    },
  },
  { databasesFile },
);

type Answer = { value?: unknown; code?: string; message?: string };
const run = (project: string, fn: string, ...args: unknown[]) => t.request(project, 'run', { fn, args }) as Promise<Answer>;

describe('system.db named queries', () => {
  it('run Update, Query and Scalar queries from project files, with folders, on the embedded SQLite database', async () => {
    expect(await run('app', 'runNamedQuery', 'app', 'Setup')).toEqual({ value: 0 });
    expect(await run('app', 'runNamedQuery', 'app', 'Add Item', { id: 1, name: 'apple', qty: 3 })).toEqual({ value: 1 });
    expect(await run('app', 'runNamedQuery', 'app', 'Add Item', { ID: 2, Name: 'pear', QTY: 10 })).toEqual({ value: 1 });
    expect(await run('app', 'runNamedQuery', 'app', 'Add Item', { id: 3, name: 'fig', qty: null })).toEqual({ value: 1 });
    expect(await run('app', 'runNamedQuery', 'app', 'Reports/Items', { minQty: 0 })).toEqual({
      value: [
        { id: 1, name: 'apple', qty: 3 },
        { id: 2, name: 'pear', qty: 10 },
      ],
    });
    expect(await run('app', 'runNamedQuery', 'app', 'Count')).toEqual({ value: 3 });
    expect(await t.request('app', 'iterate', { minQty: 5 })).toEqual(['pear']);
    const file = new DatabaseSync(join(t.root, 'data', 'database.sqlite'), { readOnly: true });
    expect(
      file
        .prepare('SELECT name FROM items ORDER BY id')
        .all()
        .map((r) => r.name),
    ).toEqual(['apple', 'pear', 'fig']);
    file.close();
  });

  it('bind a value that looks like SQL as a value', async () => {
    const hostile = "x', 1); DROP TABLE items; --";
    expect(await run('app', 'runNamedQuery', 'app', 'Add Item', { id: 4, name: hostile, qty: 99 })).toEqual({ value: 1 });
    expect(await run('app', 'runNamedQuery', 'app', 'Reports/Items', { minQty: 99 })).toEqual({
      value: [{ id: 4, name: hostile, qty: 99 }],
    });
  });

  it('refuse a parameter of the wrong type, naming the query and the parameter', async () => {
    expect(await run('app', 'runNamedQuery', 'app', 'Add Item', { id: 'five', name: 'x', qty: 1 })).toEqual({
      code: 'BAD_ARGUMENT',
      message:
        'system.db.runNamedQuery: named query "Add Item": parameter "id" (Int) must be a whole number (a safe integer); received "five"',
    });
    expect(await run('app', 'runNamedQuery', 'app', 'Add Item', { id: 9, name: 'x' })).toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringContaining('named query "Add Item": parameter "qty" (Int) is missing'),
    });
    expect(await run('app', 'runNamedQuery', 'app', 'Reports/Items', { minQty: 1, other: 2 })).toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringContaining('named query "Reports/Items": parameter "other" is not declared'),
    });
  });

  it('fail an SQL error with QUERY_FAILED naming the query and the database', async () => {
    expect(await run('app', 'runNamedQuery', 'app', 'Broken SQL', { id: 1 })).toEqual({
      code: 'QUERY_FAILED',
      message: 'system.db.runNamedQuery: named query "Broken SQL" on database "default" failed: no such table: no_such_table',
    });
    expect(await run('app', 'runNamedQuery', 'app', 'Add Item', { id: 1, name: 'again', qty: 1 })).toMatchObject({
      code: 'QUERY_FAILED',
      message: expect.stringMatching(/named query "Add Item" on database "default" failed: UNIQUE constraint failed/),
    });
  });

  it('refuse a path with .., an absolute path, and a query that does not exist', async () => {
    for (const path of ['../limited/named-queries/On PG', 'Reports/../Count', '/etc/passwd'])
      expect(await run('app', 'runNamedQuery', 'app', path), path).toMatchObject({
        code: 'BAD_ARGUMENT',
        message: expect.stringMatching(/named query path .* (may not contain "\." or "\.\."|not absolute)/),
      });
    expect(await run('app', 'runNamedQuery', 'app', 'Nope')).toEqual({
      code: 'NOT_FOUND',
      message: 'system.db.runNamedQuery: no named query "Nope" in project "app" (named-queries/Nope.sql)',
    });
  });

  it("refuse another project's named query", async () => {
    expect(await run('limited', 'runNamedQuery', 'app', 'Count')).toEqual({
      code: 'FORBIDDEN',
      message: `system.db.runNamedQuery: a script may run only its own project's named queries; "limited" asked for project "app"`,
    });
  });

  it('refuse a connection the project.json "databases" list does not allow, for named and prepared queries', async () => {
    const refused = 'project "limited" may not use database "pg" (its project.json "databases" allows: default)';
    expect(await run('limited', 'runNamedQuery', 'limited', 'On PG')).toEqual({
      code: 'FORBIDDEN',
      message: `system.db.runNamedQuery: ${refused}`,
    });
    expect(await run('limited', 'runPrepQuery', 'SELECT 1', [], 'pg')).toEqual({
      code: 'FORBIDDEN',
      message: `system.db.runPrepQuery: ${refused}`,
    });
    expect(await run('limited', 'runPrepUpdate', 'DELETE FROM x', [], 'pg')).toEqual({
      code: 'FORBIDDEN',
      message: `system.db.runPrepUpdate: ${refused}`,
    });
    expect(await run('app', 'runPrepQuery', 'SELECT 1', [], { database: 'nowhere' })).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('report a settings file with errors at its file and line, and refuse to run the query until it is fixed', async () => {
    const diagnostics = t.gateway.project('app')!.status().diagnostics;
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        file: 'projects/app/named-queries/Bad Settings.json',
        line: 4,
        message: expect.stringContaining('"parameters"[0].type must be one of'),
      }),
    );
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        file: 'projects/app/named-queries/Undeclared.sql',
        line: 2,
        message: expect.stringContaining(':nope is not a declared parameter'),
      }),
    );
    expect(await run('app', 'runNamedQuery', 'app', 'Bad Settings', { x: 1 })).toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringContaining(
        'named query "Bad Settings" cannot run: its settings file named-queries/Bad Settings.json has errors',
      ),
    });
    t.write('app', 'named-queries/Bad Settings.json', settings({ type: 'Scalar Query', parameters: [{ name: 'x', type: 'Int' }] }));
    t.write('app', 'named-queries/Bad Settings.sql', 'SELECT :x * 2 AS doubled');
    await t.waitFor(
      async () => (await run('app', 'runNamedQuery', 'app', 'Bad Settings', { x: 21 })).value === 42,
      10_000,
      'the fixed query',
    );
    await t.waitFor(
      () =>
        !t.gateway
          .project('app')!
          .status()
          .diagnostics.some((d) => d.file.includes('Bad Settings')),
      5000,
      'no diagnostic',
    );
  });
});

describe('system.db errors a script does not catch', () => {
  it('reach the admin API as 422 with their code and message, not as an internal error', async () => {
    const http = await t.http();
    const token = readFileSync(join(t.root, 'data', 'admin-token'), 'utf8').trim();
    const response = await fetch(`${http.url}/api/projects/app/request/uncaught`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: 'QUERY_FAILED', message: expect.stringContaining('no such table: no_such_table') });
  });
});

describe('system.db named queries, hot reload', () => {
  it('picks up a new query, an edited one, and forgets a deleted one', async () => {
    t.write('app', 'named-queries/Live/Answer.sql', 'SELECT 41 AS answer');
    t.write('app', 'named-queries/Live/Answer.json', settings({ type: 'Scalar Query' }));
    await t.waitFor(async () => (await run('app', 'runNamedQuery', 'app', 'Live/Answer')).value === 41, 10_000, 'the new query');
    t.writeByRename('app', 'named-queries/Live/Answer.sql', 'SELECT 42 AS answer');
    await t.waitFor(async () => (await run('app', 'runNamedQuery', 'app', 'Live/Answer')).value === 42, 10_000, 'the edited query');
    t.remove('app', 'named-queries/Live/Answer.sql');
    await t.waitFor(async () => (await run('app', 'runNamedQuery', 'app', 'Live/Answer')).code === 'NOT_FOUND', 10_000, 'the query gone');
  });
});

describe('system.db prepared statements', () => {
  it('run queries and updates with ? placeholders, returning rows, counts and generated keys', async () => {
    expect(await run('app', 'runPrepUpdate', 'CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT, done BOOLEAN)')).toEqual(
      { value: 0 },
    );
    expect(await run('app', 'runPrepUpdate', 'INSERT INTO notes (body, done) VALUES (?, ?)', ['first', false], 'default', true)).toEqual({
      value: 1,
    });
    expect(await run('app', 'runPrepUpdate', 'INSERT INTO notes (body, done) VALUES (?, ?)', ['second', true], { getKey: true })).toEqual({
      value: 2,
    });
    expect(await run('app', 'runPrepUpdate', 'UPDATE notes SET done = ?', [true])).toEqual({ value: 2 });
    expect(await run('app', 'runPrepQuery', "SELECT id, body FROM notes WHERE body <> '?' AND id >= ? ORDER BY id", [1])).toEqual({
      value: [
        { id: 1, body: 'first' },
        { id: 2, body: 'second' },
      ],
    });
  });

  it('refuse a wrong number of arguments, arguments that are not scalars, and name the SQL error', async () => {
    expect(await run('app', 'runPrepQuery', 'SELECT ?, ?', [1])).toEqual({
      code: 'BAD_ARGUMENT',
      message: 'system.db.runPrepQuery: the query has 2 ? placeholders but 1 argument was given',
    });
    expect(await run('app', 'runPrepQuery', 'SELECT ?', [{ a: 1 }])).toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringContaining('argument 1 of "args" must be a string, number, boolean or null'),
    });
    expect(await run('app', 'runPrepQuery', 'SELEC 1')).toMatchObject({
      code: 'QUERY_FAILED',
      message: expect.stringMatching(/^system\.db\.runPrepQuery: the query on database "default" failed: .*syntax error/),
    });
    const big =
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT i, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' AS pad FROM n";
    expect(await run('app', 'runPrepQuery', big)).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(await run('app', 'runPrepQuery', 42)).toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringContaining('argument 1 "query" must be'),
    });
  });
});

describe('system.db on PostgreSQL', () => {
  it('runs named queries and prepared statements on a configured pool, with the url from the environment', async () => {
    expect(await run('app', 'runNamedQuery', 'app', 'PG Setup')).toEqual({ value: 0 });
    const at = '2026-12-07T03:00:00.000Z';
    expect(await run('app', 'runNamedQuery', 'app', 'PG Add', { tag: 'T1', value: 1.5, at })).toEqual({ value: 1 });
    expect(await run('app', 'runNamedQuery', 'app', 'PG Add', { tag: 'T2', value: 2, at: Date.parse(at) + 1000 })).toEqual({ value: 1 });
    expect(await run('app', 'runNamedQuery', 'app', 'PG Read', { tag: 'T1' })).toEqual({ value: [{ tag: 'T1', value: 1.5, at }] });
    expect(await run('app', 'runNamedQuery', 'app', 'PG Read', { tag: null })).toMatchObject({ value: [{ tag: 'T1' }, { tag: 'T2' }] });
    expect(await run('app', 'runPrepUpdate', 'INSERT INTO readings (tag) VALUES (?) RETURNING id', ['T3'], 'pg', true)).toEqual({
      value: 3,
    });
    expect(await run('app', 'runPrepQuery', 'SELECT count(*) AS n FROM readings WHERE tag LIKE ?', ['T%'], 'pg')).toEqual({
      value: [{ n: 3 }],
    });
    expect(await run('app', 'runPrepQuery', 'SELECT * FROM nowhere', [], 'pg')).toMatchObject({
      code: 'QUERY_FAILED',
      message: expect.stringContaining('the query on database "pg" failed: relation "nowhere" does not exist'),
    });
  });

  it("cancels a statement that runs past the connection's statementTimeoutMs, and the pool keeps serving", async () => {
    expect(await run('app', 'runPrepQuery', 'SELECT pg_sleep(3)', [], 'slow')).toMatchObject({
      code: 'QUERY_FAILED',
      message: expect.stringContaining('the query on database "slow" failed: canceling statement due to statement timeout'),
    });
    expect(await run('app', 'runPrepQuery', 'SELECT 1 AS one', [], 'slow')).toEqual({ value: [{ one: 1 }] });
  });

  it('answers DATABASE_UNAVAILABLE while PostgreSQL cannot be reached, keeps the gateway serving, and works again when it is back', async () => {
    expect(await run('app', 'runNamedQuery', 'app', 'Flaky Ping')).toEqual({ value: 1 });
    await proxy.down();
    const down = await run('app', 'runNamedQuery', 'app', 'Flaky Ping');
    expect(down).toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      message: expect.stringMatching(
        /^system\.db\.runNamedQuery: named query "Flaky Ping" on database "flaky" failed: database "flaky" cannot be reached at 127\.0\.0\.1:\d+\/postgres/,
      ),
    });
    expect(down.message).not.toContain('postgres://');
    expect(await run('app', 'runNamedQuery', 'app', 'Count')).toMatchObject({ value: expect.any(Number) });
    await proxy.up();
    await t.waitFor(async () => (await run('app', 'runNamedQuery', 'app', 'Flaky Ping')).value === 1, 10_000, 'the pool to reconnect');
  });

  it('gets a new connection after PostgreSQL terminated the backends of the pool', async () => {
    expect(await run('app', 'runNamedQuery', 'app', 'PG Read', { tag: 'T1' })).toMatchObject({ value: [{ tag: 'T1' }] });
    expect(await terminateBackends(schema.schema)).toBeGreaterThan(0);
    await t.waitFor(
      async () => (await run('app', 'runNamedQuery', 'app', 'PG Read', { tag: 'T1' })).value !== undefined,
      10_000,
      'a new backend',
    );
    expect(t.gateway.project('app')!.status().status).not.toBe('not-loaded');
  });
});

/** A TCP forwarder to the PostgreSQL server that can be taken down (refusing connections, cutting those open) and up again on its port. */
class PgProxy {
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  static async start(): Promise<PgProxy> {
    const proxy = new PgProxy();
    await proxy.up();
    return proxy;
  }

  up(): Promise<void> {
    const target = new URL(PG_URL);
    this.server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    return new Promise((resolve) =>
      this.server!.listen(this.port, '127.0.0.1', () => {
        this.port = (this.server!.address() as { port: number }).port;
        resolve();
      }),
    );
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  close(): Promise<void> {
    return this.down();
  }
}

// Benchmark: a named query returning one row, called from a script (system.db.runNamedQuery, a blocking call), beside
// the same query run directly on the driver in this process, in the same run: a node:sqlite prepared statement on the
// same database file, and for PostgreSQL a pg.Pool query on the same table. Each is measured as (time of n calls in
// one entry - time of 0 calls) / n, in interleaved rounds. The blocking host call's own floor (a sendMessage that
// routes to no one) is printed beside them, as what any blocking system.* call costs before the query runs. The
// engine's SQLite runs in a child process (engine/db/sqlite.ts), so its figure includes that IPC hop too.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Gateway } from '../engine/gateway.ts';
import { makeRoot, MESSAGE, removeRoot, writeProject } from './fixtures.ts';
import { median, num, summarize, type Report } from './stats.ts';

const PROJECT = 'dbbench';
const CALLS = 500;
const ROUNDS = 11;
const PG_URL = process.env.FLINT_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROW_SQL = 'SELECT id, name, qty FROM items WHERE id = ?';

const LOOP = `export default function (payload: { n: number; query: string }) {
  let row: any = null;
  for (let i = 0; i < payload.n; i++) row = system.db.runNamedQuery('${PROJECT}', payload.query, { id: 1 + (i % 100) })[0];
  return row === null ? 0 : row.id;
}
`;
const FLOOR = `export default function (payload: { n: number }) {
  for (let i = 0; i < payload.n; i++) system.util.sendMessage('${PROJECT}', 'sink', {}, 'S');
  return 0;
}
`;
const oneRow = (database: string) => ({
  sql: 'SELECT id, name, qty FROM items WHERE id = :id',
  settings: JSON.stringify({ type: 'Query', database, parameters: [{ name: 'id', type: 'Int' }] }),
});

/** Milliseconds per call: one entry making `CALLS` calls, less one making none. */
async function perCall(run: (n: number) => unknown): Promise<number> {
  const t0 = performance.now();
  await run(0);
  const empty = performance.now() - t0;
  const t1 = performance.now();
  await run(CALLS);
  return (performance.now() - t1 - empty) / CALLS;
}

async function pgAvailable(): Promise<pg.Client | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return client;
  } catch {
    return undefined;
  }
}

/** Interleaved rounds of an engine loop and its driver baseline; prints and reports the figure. */
async function compare(report: Report, label: string, note: string, engine: (n: number) => Promise<unknown>, raw: (n: number) => unknown) {
  for (let i = 0; i < 3; i++) {
    await perCall(engine);
    await perCall(raw);
  }
  const engineMs: number[] = [];
  const rawMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    rawMs.push(await perCall(raw));
    engineMs.push(await perCall(engine));
  }
  const e = summarize(engineMs);
  const r = summarize(rawMs);
  report.info(`${note}: median ${num(r.median * 1000)} µs per call, ${num(r.min * 1000)} to ${num(r.max * 1000)} µs over ${r.n} rounds`);
  report.info(
    `${label} from a script: median ${num(e.median * 1000)} µs per call (${num(1000 / e.median)} calls/s), ${num(e.min * 1000)} to ${num(e.max * 1000)} µs`,
  );
  report.figure({
    label: `${label} from a script, per call (median)`,
    value: median(engineMs) * 1000,
    unit: 'µs',
    baseline: median(rawMs) * 1000,
    baselineNote: note,
    target: { kind: 'info' },
  });
}

export async function benchDatabase(report: Report): Promise<void> {
  const root = makeRoot('db');
  const projectsDir = join(root, 'projects');
  const dataDir = join(root, 'data');
  const admin = await pgAvailable();
  const schema = `flint_bench_${process.pid}`;
  let gateway: Gateway | undefined;
  let direct: DatabaseSync | undefined;
  let pool: pg.Pool | undefined;
  try {
    const files: Record<string, string> = {
      [`${MESSAGE}/loop.ts`]: LOOP,
      [`${MESSAGE}/floor.ts`]: FLOOR,
      'session-events/message/sink.ts': 'export default function () {}\n',
      'named-queries/One Row.sql': oneRow('default').sql,
      'named-queries/One Row.json': oneRow('default').settings,
    };
    let databasesFile: string | undefined;
    const pgUrl = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    if (admin) {
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.query(`CREATE TABLE ${schema}.items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)`);
      await admin.query(`INSERT INTO ${schema}.items SELECT i, 'item ' || i, i * 2 FROM generate_series(1, 100) AS i`);
      files['named-queries/PG One Row.sql'] = oneRow('pg').sql;
      files['named-queries/PG One Row.json'] = oneRow('pg').settings;
      databasesFile = join(root, 'databases.json');
      writeFileSync(databasesFile, JSON.stringify({ connections: [{ name: 'pg', type: 'postgres', url: pgUrl }] }));
    }
    writeProject(projectsDir, PROJECT, files, { databases: ['default', 'pg'] });
    gateway = await Gateway.start({ projectsDir, dataDir, stdoutLevel: 'off', watch: false, databasesFile });
    const gw = gateway;
    direct = new DatabaseSync(join(dataDir, 'database.sqlite'));
    direct.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)');
    direct.exec(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) INSERT INTO items SELECT i, 'item ' || i, i * 2 FROM n",
    );
    const statement = direct.prepare(ROW_SQL);

    report.section(`database: a named query returning one row (${ROUNDS} interleaved rounds of ${CALLS} calls)`);
    const floorMs: number[] = [];
    for (let i = 0; i < 3 + ROUNDS; i++) floorMs.push(await perCall((n) => gw.request(PROJECT, 'floor', { n })));
    report.info(
      `blocking host call floor (system.util.sendMessage routed to no one): median ${num(median(floorMs.slice(3)) * 1000)} µs per call`,
    );
    const engine = (query: string) => async (n: number) => {
      const id = await gw.request(PROJECT, 'loop', { n, query });
      if (n > 0 && id !== 1 + ((n - 1) % 100)) throw new Error(`the loop answered ${JSON.stringify(id)}`);
    };
    await compare(
      report,
      'runNamedQuery, SQLite',
      'node:sqlite prepared statement .get() on the same file, in this process',
      engine('One Row'),
      (n) => {
        for (let i = 0; i < n; i++) statement.get(1 + (i % 100));
      },
    );
    if (admin) {
      pool = new pg.Pool({ connectionString: pgUrl, max: 10 });
      const raw = pool;
      await compare(
        report,
        'runNamedQuery, PostgreSQL',
        'pg.Pool query with $1 on the same table, one at a time, in this process',
        engine('PG One Row'),
        async (n) => {
          for (let i = 0; i < n; i++) await raw.query({ text: 'SELECT id, name, qty FROM items WHERE id = $1', values: [1 + (i % 100)] });
        },
      );
    } else report.info(`PostgreSQL not reachable at ${PG_URL}: its figure is skipped`);
  } finally {
    direct?.close();
    await pool?.end();
    await gateway?.stop();
    if (admin) {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await admin.end();
    }
    removeRoot(root);
  }
}

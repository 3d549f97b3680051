// The database seam's contract (engine/db/connection.ts), run against every implementation: the embedded SQLite
// connection and a PostgreSQL pool on the server at 127.0.0.1:5432, each in its own temp folder or schema.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ROWS, type DbConnection } from '../../engine/db/connection.ts';
import { translateNamed, translatePositional } from '../../engine/db/placeholders.ts';
import { PostgresConnection } from '../../engine/db/postgres.ts';
import { SqliteConnection } from '../../engine/db/sqlite.ts';
import { LogHub } from '../../engine/logging/logger.ts';
import { createPgSchema, type PgSchema } from '../helpers/postgres.ts';

interface Implementation {
  name: string;
  create(): Promise<{ connection: DbConnection; dispose: () => Promise<void> }>;
  /** DDL for a table with an auto-generated integer key. */
  keyed: string;
}

const logger = new LogHub({ stdoutLevel: 'off' }).logger('db');

const IMPLEMENTATIONS: Implementation[] = [
  {
    name: 'sqlite',
    keyed: 'CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, qty INTEGER, price REAL, ok BOOLEAN)',
    create() {
      const dir = mkdtempSync(join(tmpdir(), 'flint-db-'));
      const connection = new SqliteConnection({ name: 'default', path: join(dir, 'database.sqlite'), statementTimeoutMs: 1000, logger });
      return Promise.resolve({
        connection,
        async dispose() {
          await connection.close();
          rmSync(dir, { recursive: true, force: true });
        },
      });
    },
  },
  {
    name: 'postgres',
    keyed: 'CREATE TABLE items (id SERIAL PRIMARY KEY, name TEXT, qty INTEGER, price DOUBLE PRECISION, ok BOOLEAN)',
    async create() {
      const schema: PgSchema = await createPgSchema();
      const connection = new PostgresConnection({ name: 'pg', url: schema.url, statementTimeoutMs: 1000, logger });
      return {
        connection,
        async dispose() {
          await connection.close();
          await schema.drop();
        },
      };
    },
  },
];

for (const impl of IMPLEMENTATIONS) {
  describe(`the database connection contract: ${impl.name}`, () => {
    let db: DbConnection;
    let dispose: () => Promise<void>;
    const prep = (sql: string) => translatePositional(sql, db.dialect).sql;

    beforeAll(async () => {
      const created = await impl.create();
      db = created.connection;
      dispose = () => created.dispose();
      await db.update(impl.keyed, []);
    });
    afterAll(() => dispose());

    it('inserts with bound parameters and reports the affected rows and the generated key', async () => {
      const sql = prep('INSERT INTO items (name, qty, price, ok) VALUES (?, ?, ?, ?)') + (db.dialect === 'postgres' ? ' RETURNING id' : '');
      const first = await db.update(sql, ['apple', 3, 1.5, true]);
      const second = await db.update(sql, ['pear', null, 2.25, false]);
      expect(first).toEqual({ affectedRows: 1, generatedKey: 1 });
      expect(second).toEqual({ affectedRows: 1, generatedKey: 2 });
    });

    it('returns rows keyed by column, in column order, with numbers, text and null', async () => {
      const result = await db.query(prep('SELECT id, name, qty, price FROM items WHERE id <= ? ORDER BY id'), [2]);
      expect(result.columns).toEqual(['id', 'name', 'qty', 'price']);
      expect(result.rows).toEqual([
        { id: 1, name: 'apple', qty: 3, price: 1.5 },
        { id: 2, name: 'pear', qty: null, price: 2.25 },
      ]);
      expect(Object.keys(result.rows[0])).toEqual(['id', 'name', 'qty', 'price']);
    });

    it('binds a value that looks like SQL as a value, never as SQL', async () => {
      const hostile = "x'); DROP TABLE items; --";
      await db.update(prep('INSERT INTO items (name) VALUES (?)'), [hostile]);
      const result = await db.query(prep('SELECT name FROM items WHERE name = ?'), [hostile]);
      expect(result.rows).toEqual([{ name: hostile }]);
      expect((await db.query('SELECT COUNT(*) AS n FROM items', [])).rows[0].n).toBe(3);
    });

    it('reports the columns of a query with no rows', async () => {
      expect(await db.query(prep('SELECT id, name FROM items WHERE id = ?'), [999])).toEqual({ columns: ['id', 'name'], rows: [] });
    });

    it('runs a named query with a parameter used twice, translated to its placeholder style', async () => {
      const { sql, order } = translateNamed('SELECT name FROM items WHERE id = :id OR qty = :ID ORDER BY id', db.dialect);
      const values = order.map(() => 1);
      expect((await db.query(sql, values)).rows).toEqual([{ name: 'apple' }]);
    });

    it('counts the rows an UPDATE and a DELETE change, with no generated key', async () => {
      expect(await db.update(prep('UPDATE items SET qty = ? WHERE qty IS NULL'), [7])).toEqual({ affectedRows: 2, generatedKey: null });
      expect(await db.update(prep('DELETE FROM items WHERE id = ?'), [999])).toEqual({ affectedRows: 0, generatedKey: null });
    });

    it('fails an SQL error with QUERY_FAILED and the database message, and keeps working', async () => {
      await expect(db.query('SELEC 1', [])).rejects.toMatchObject({ code: 'QUERY_FAILED', message: expect.stringMatching(/syntax error/) });
      await expect(db.query('SELECT * FROM no_such_table', [])).rejects.toMatchObject({
        code: 'QUERY_FAILED',
        message: expect.stringMatching(/no_such_table/),
      });
      expect((await db.query('SELECT 1 AS one', [])).rows).toEqual([{ one: 1 }]);
    });

    it('refuses a result of more than MAX_ROWS rows with QUERY_FAILED', async () => {
      const rows = (n: number) => `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n}) SELECT i FROM n`;
      expect((await db.query(rows(MAX_ROWS), [])).rows).toHaveLength(MAX_ROWS);
      await expect(db.query(rows(MAX_ROWS + 1), [])).rejects.toMatchObject({
        code: 'QUERY_FAILED',
        message: `the query returned more than ${MAX_ROWS} rows; add a LIMIT or a WHERE clause`,
      });
    });

    it('stops a statement that never ends after its statement timeout with QUERY_FAILED, and serves the next call', async () => {
      const endless = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) AS c FROM n';
      await expect(db.query(endless, [])).rejects.toMatchObject({ code: 'QUERY_FAILED' });
      expect((await db.query('SELECT COUNT(*) AS n FROM items', [])).rows).toEqual([{ n: 3 }]);
    });

    it('fails every call once closed, with DATABASE_UNAVAILABLE', async () => {
      const other = await impl.create();
      await other.connection.query('SELECT 1 AS one', []);
      await other.connection.close();
      await expect(other.connection.query('SELECT 1', [])).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
      await other.dispose();
    });
  });
}

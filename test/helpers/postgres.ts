// PostgreSQL for tests: the server on 127.0.0.1:5432 (trust auth, user postgres; FLINT_TEST_PG_URL to point elsewhere),
// with a schema of its own per test file, dropped afterwards, so runs never see each other's tables.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env.FLINT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface PgSchema {
  schema: string;
  /** A URL whose connections use the schema (search_path) and are named after it (application_name). */
  url: string;
  drop(): Promise<void>;
}

export async function createPgSchema(): Promise<PgSchema> {
  const schema = `flint_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}application_name=${schema}&options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    schema,
    url,
    async drop() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Ends every backend connected with this schema in its search_path but the caller's own (PostgreSQL "going away"). */
export async function terminateBackends(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const result = await client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() AND application_name = $1`,
      [schema],
    );
    return result.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

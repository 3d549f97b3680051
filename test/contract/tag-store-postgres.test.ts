import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresTagStore } from '../../engine/tags/postgres-store.ts';
import { tagStoreContract } from './tag-store.contract.ts';

/** PostgreSQL on this machine and in CI (issue 12 item 7); FLINT_TEST_PG overrides. */
const URL = process.env.FLINT_TEST_PG ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

tagStoreContract('PostgreSQL (pg, one schema per test)', () => {
  const schema = `flint_test_${randomBytes(6).toString('hex')}`;
  return Promise.resolve({
    open: () => new PostgresTagStore({ connectionString: URL, schema }),
    async cleanup() {
      const client = new pg.Client({ connectionString: URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  });
});

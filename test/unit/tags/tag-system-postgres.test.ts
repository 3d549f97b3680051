// The tag system on PostgreSQL where a write cannot finish in time: a real lock held by another connection.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { LogHub } from '../../../engine/logging/logger.ts';
import { parseDefinitions } from '../../../engine/tags/definitions.ts';
import { PostgresTagStore } from '../../../engine/tags/postgres-store.ts';
import { TagSystem } from '../../../engine/tags/tag-system.ts';

const URL = process.env.FLINT_TEST_PG ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const schema = `flint_test_${randomBytes(6).toString('hex')}`;
const admin = new pg.Client({ connectionString: URL });

afterAll(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

it('answers Error_TimeoutExpired for a write not durable in time, and applies it, in order, once the store takes it', async () => {
  await admin.connect();
  const tags = new TagSystem(new PostgresTagStore({ connectionString: URL, schema }), new LogHub({ stdoutLevel: 'off' }).logger('tags'));
  await tags.load(); // creates the table
  const parsed = parseDefinitions('{"tags":[{"name":"A","dataType":"Int","value":0}]}', 'tags/default.json', 'default');
  if (!parsed.ok) throw new Error('definitions');
  tags.setProvider('default', parsed.provider);
  const seen: unknown[] = [];
  tags.subscribe(['A'], 'default', (c) => seen.push(c.value.value));

  await admin.query('BEGIN');
  await admin.query(`LOCK TABLE "${schema}".tag_values IN ACCESS EXCLUSIVE MODE`);
  const late = await tags.write(['A'], [1], 'default', 100);
  expect(late).toEqual([{ quality: 'Error_TimeoutExpired', qualityCode: -1073741049 }]);
  expect(tags.read(['A'], 'default')[0].value).toBe(0);
  const next = tags.write(['A'], [2], 'default');
  await admin.query('COMMIT');
  expect(await next).toEqual([{ quality: 'Good', qualityCode: 192 }]);
  expect(tags.read(['A'], 'default')[0].value).toBe(2);
  expect(seen).toEqual([1, 2]);
  await tags.close();
});

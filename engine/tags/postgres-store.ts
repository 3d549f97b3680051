import pg from 'pg';
import { lastPerPath, type StoredValue, type TagValueStore } from './value-store.ts';

/** A schema name as it may be spliced into SQL (identifiers cannot be bound parameters). */
const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Tag values in PostgreSQL, for a gateway whose data lives in a database server: a table `tag_values` in `schema`,
 * pooled connections (pg). A batch is one transaction, committed with PostgreSQL's default synchronous_commit, so it
 * is durable when writeBatch resolves. Values are kept as JSON text, not jsonb, so a Document reads back with its
 * keys in the order written.
 */
export class PostgresTagStore implements TagValueStore {
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private readonly table: string;
  private ready: Promise<void> | undefined;

  constructor(options: { connectionString: string; schema?: string; max?: number }) {
    const schema = options.schema ?? 'public';
    if (!SCHEMA.test(schema)) throw new Error(`schema must be a lower-case SQL identifier; received ${JSON.stringify(schema)}`);
    this.table = `"${schema}".tag_values`;
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 4 });
    // An idle client that loses its connection must not crash the gateway; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.schema = schema;
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      await this.pool.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await this.pool.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
        provider TEXT NOT NULL,
        path TEXT NOT NULL,
        value TEXT NOT NULL,
        quality INTEGER NOT NULL,
        timestamp BIGINT NOT NULL,
        PRIMARY KEY (provider, path)
      )`);
    })().catch((error: unknown) => {
      this.ready = undefined; // tried again on the next call, once the server is back
      throw error;
    });
    return this.ready;
  }

  async loadAll(): Promise<StoredValue[]> {
    await this.init();
    const result = await this.pool.query<{ provider: string; path: string; value: string; quality: number; timestamp: string }>(
      `SELECT provider, path, value, quality, timestamp FROM ${this.table}`,
    );
    return result.rows.map((row) => ({
      provider: row.provider,
      path: row.path,
      value: JSON.parse(row.value) as unknown,
      qualityCode: row.quality,
      timestamp: Number(row.timestamp),
    }));
  }

  async writeBatch(rows: readonly StoredValue[]): Promise<void> {
    if (rows.length === 0) return;
    await this.init();
    const unique = lastPerPath(rows);
    // One statement for the whole batch: five arrays unnested into rows, so a batch of 100 is one round trip.
    await this.pool.query(
      `INSERT INTO ${this.table} (provider, path, value, quality, timestamp)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::bigint[])
       ON CONFLICT (provider, path) DO UPDATE SET value = excluded.value, quality = excluded.quality, timestamp = excluded.timestamp`,
      [
        unique.map((r) => r.provider),
        unique.map((r) => r.path),
        unique.map((r) => JSON.stringify(r.value)),
        unique.map((r) => r.qualityCode),
        unique.map((r) => String(r.timestamp)),
      ],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

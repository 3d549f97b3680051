import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FlintError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { DbConnection } from './connection.ts';
import { readDatabasesFile } from './databases-file.ts';
import { PostgresConnection } from './postgres.ts';
import { SqliteConnection } from './sqlite.ts';

export interface DatabasesOptions {
  dataDir: string;
  /** The connections file; without one, `<dataDir>/databases.json` when it exists. */
  file?: string;
  logger: Logger;
}

/**
 * The gateway's database connections by name: "default", the embedded SQLite database at `<dataDir>/database.sqlite`,
 * always, and the PostgreSQL pools of the connections file. Read once, at gateway start.
 */
export class Databases {
  private readonly connections = new Map<string, DbConnection>();

  constructor(options: DatabasesOptions) {
    const file = options.file ?? join(options.dataDir, 'databases.json');
    // Parsed before anything opens: a bad file stops the gateway's start with its message, and leaves nothing open.
    const configs = options.file !== undefined || existsSync(file) ? readDatabasesFile(file) : [];
    this.connections.set(
      'default',
      new SqliteConnection({ name: 'default', path: join(options.dataDir, 'database.sqlite'), logger: options.logger }),
    );
    for (const c of configs)
      this.connections.set(
        c.name,
        new PostgresConnection({
          name: c.name,
          url: c.url,
          poolSize: c.poolSize,
          statementTimeoutMs: c.statementTimeoutMs,
          logger: options.logger,
        }),
      );
  }

  /** The connection of that name, or NOT_FOUND naming those that exist. */
  get(name: string): DbConnection {
    const connection = this.connections.get(name);
    if (!connection) throw new FlintError('NOT_FOUND', `no database connection "${name}" (the gateway has: ${this.names().join(', ')})`);
    return connection;
  }

  names(): string[] {
    return [...this.connections.keys()];
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.connections.values()].map((c) => c.close()));
  }
}

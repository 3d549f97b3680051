import { readFileSync } from 'node:fs';
import { isValidName } from '../names.ts';

/**
 * The gateway's database connections file (docs/database.md): `{ "connections": [{ "name", "type": "postgres",
 * "url", "poolSize"? }] }`. A url may name environment variables as `${NAME}`, so that a password stays out of git.
 * The embedded SQLite connection "default" is always there and is not listed.
 */
export interface PostgresConfig {
  name: string;
  type: 'postgres';
  url: string;
  poolSize?: number;
  statementTimeoutMs?: number;
}

const CONNECTION_KEYS = ['name', 'type', 'url', 'poolSize', 'statementTimeoutMs'];

/** Reads and checks the file; every problem names the file and the entry. */
export function readDatabasesFile(path: string, env: NodeJS.ProcessEnv = process.env): PostgresConfig[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the databases file ${path}: ${(error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseDatabases(value, path, env);
}

export function parseDatabases(value: unknown, path: string, env: NodeJS.ProcessEnv = process.env): PostgresConfig[] {
  const fail = (message: string) => new Error(`${path}: ${message}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('must hold a JSON object { "connections": [...] }');
  const extra = Object.keys(value).find((k) => k !== 'connections');
  if (extra) throw fail(`unknown key "${extra}"; allowed: connections`);
  const list = (value as { connections?: unknown }).connections ?? [];
  if (!Array.isArray(list)) throw fail('"connections" must be a list');
  const names = new Set<string>(['default']);
  return list.map((entry: unknown, i) => {
    const where = `connections[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw fail(`${where} must be an object`);
    const c = entry as Record<string, unknown>;
    const unknown = Object.keys(c).find((k) => !CONNECTION_KEYS.includes(k));
    if (unknown) throw fail(`${where} has unknown key "${unknown}"; allowed: ${CONNECTION_KEYS.join(', ')}`);
    if (typeof c.name !== 'string' || !isValidName(c.name)) throw fail(`${where}.name must be a name; received ${JSON.stringify(c.name)}`);
    if (names.has(c.name))
      throw fail(`${where}.name "${c.name}" is taken (${c.name === 'default' ? 'the embedded SQLite database' : 'listed twice'})`);
    names.add(c.name);
    if (c.type !== 'postgres') throw fail(`${where}.type must be "postgres"; received ${JSON.stringify(c.type)}`);
    if (typeof c.url !== 'string') throw fail(`${where}.url must be a string such as "postgres://user@host:5432/db"`);
    const url = c.url.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, variable: string) => {
      const set = env[variable];
      if (set === undefined) throw fail(`${where}.url names the environment variable ${variable}, which is not set`);
      return set;
    });
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw fail(`${where}.url is not a URL (after the environment variables were put in)`);
    }
    if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
      throw fail(`${where}.url must start with postgres:// or postgresql://`);
    if (c.poolSize !== undefined && !(Number.isInteger(c.poolSize) && (c.poolSize as number) >= 1 && (c.poolSize as number) <= 100))
      throw fail(`${where}.poolSize must be a whole number from 1 to 100; received ${JSON.stringify(c.poolSize)}`);
    const timeout = c.statementTimeoutMs;
    if (timeout !== undefined && !(Number.isInteger(timeout) && (timeout as number) >= 100 && (timeout as number) <= 3_600_000))
      throw fail(
        `${where}.statementTimeoutMs must be a whole number of milliseconds from 100 to 3600000; received ${JSON.stringify(timeout)}`,
      );
    return {
      name: c.name,
      type: 'postgres',
      url,
      ...(c.poolSize !== undefined ? { poolSize: c.poolSize as number } : {}),
      ...(timeout !== undefined ? { statementTimeoutMs: timeout as number } : {}),
    };
  });
}

import { FlintError } from '../errors.ts';
import { isValidName } from '../names.ts';
import type { NamedQueryLookup } from './named-query-files.ts';
import type { DbConnection, DbRow, DbValue } from './connection.ts';
import { checkParameters } from './named-query.ts';
import { translateNamed, translatePositional } from './placeholders.ts';

/** What the queries need to know of the calling script's project. */
export interface QueryProject {
  /** The connections its project.json allows ("databases", default ["default"]). */
  databases: string[];
  namedQuery(path: string): NamedQueryLookup | undefined;
}

export interface QueryDeps {
  /** The running project of that name, if any. */
  project(name: string): QueryProject | undefined;
  /** A connection by name (NOT_FOUND when the gateway has none of that name). */
  connection(name: string): DbConnection;
}

/**
 * Named queries and ad-hoc prepared statements for scripts, with the access rules of docs/database.md: a script runs
 * only its own project's named queries, only on the connections its project.json allows, and its values are always
 * bound as driver parameters. Every error names the function and the query.
 */
export class Queries {
  private readonly deps: QueryDeps;

  constructor(deps: QueryDeps) {
    this.deps = deps;
  }

  private projectOf(name: string): QueryProject {
    const project = this.deps.project(name);
    if (!project) throw new FlintError('PROJECT_UNAVAILABLE', `project "${name}" is not running`);
    return project;
  }

  /** The connection, if the project may use it. */
  private connection(fn: string, project: string, access: QueryProject, name: string): DbConnection {
    if (!access.databases.includes(name))
      throw new FlintError(
        'FORBIDDEN',
        `${fn}: project "${project}" may not use database "${name}" (its project.json "databases" allows: ${access.databases.join(', ') || 'none'})`,
      );
    try {
      return this.deps.connection(name);
    } catch (error) {
      throw new FlintError('NOT_FOUND', `${fn}: ${(error as Error).message}`);
    }
  }

  /** system.db.runNamedQuery: rows for a Query, the first value (or null) for a Scalar Query, the affected rows for an Update Query. */
  async runNamedQuery(caller: string, project: string, path: string, parameters: Record<string, unknown>): Promise<DbRow[] | DbValue> {
    const fn = 'system.db.runNamedQuery';
    if (project !== caller)
      throw new FlintError(
        'FORBIDDEN',
        `${fn}: a script may run only its own project's named queries; "${caller}" asked for project "${project}"`,
      );
    const pathProblem = namedQueryPathProblem(path);
    if (pathProblem) throw new FlintError('BAD_ARGUMENT', `${fn}: named query path ${JSON.stringify(path)} ${pathProblem}`);
    const access = this.projectOf(caller);
    const found = access.namedQuery(path);
    const label = `named query "${path}"`;
    if (!found) throw new FlintError('NOT_FOUND', `${fn}: no ${label} in project "${caller}" (named-queries/${path}.sql)`);
    if ('problem' in found) throw new FlintError('BAD_ARGUMENT', `${fn}: ${label} cannot run: ${found.problem}`);
    const { settings } = found;
    const connection = this.connection(fn, caller, access, settings.database);
    const checked = checkParameters(settings, parameters, connection.dialect === 'sqlite');
    if (!checked.ok) throw new FlintError('BAD_ARGUMENT', `${fn}: ${label}: ${checked.message}`);
    const { sql, order } = translateNamed(found.sql, connection.dialect);
    const undeclared = order.find((name) => !checked.values.has(name));
    if (undeclared !== undefined)
      throw new FlintError('BAD_ARGUMENT', `${fn}: ${label} uses :${undeclared}, which its settings do not declare`);
    const values = order.map((name) => checked.values.get(name)!);
    return failingAs(fn, label, settings.database, async () => {
      if (settings.type === 'Update Query') return (await connection.update(sql, values)).affectedRows;
      const result = await connection.query(sql, values);
      if (settings.type === 'Scalar Query')
        return result.rows.length > 0 && result.columns.length > 0 ? result.rows[0][result.columns[0]] : null;
      return result.rows;
    });
  }

  /** system.db.runPrepQuery: the rows of an ad-hoc query with `?` placeholders. */
  async runPrepQuery(caller: string, query: string, args: unknown[], database: string): Promise<DbRow[]> {
    const fn = 'system.db.runPrepQuery';
    const { connection, sql, values } = this.prepare(fn, caller, query, args, database);
    return failingAs(fn, 'the query', database, async () => (await connection.query(sql, values)).rows);
  }

  /** system.db.runPrepUpdate: the affected rows, or the generated key with getKey. */
  async runPrepUpdate(caller: string, query: string, args: unknown[], database: string, getKey: boolean): Promise<number> {
    const fn = 'system.db.runPrepUpdate';
    const { connection, sql, values } = this.prepare(fn, caller, query, args, database);
    const result = await failingAs(fn, 'the update', database, () => connection.update(sql, values));
    if (!getKey) return result.affectedRows;
    const key = typeof result.generatedKey === 'string' ? Number(result.generatedKey) : result.generatedKey;
    if (typeof key !== 'number' || !Number.isSafeInteger(key))
      throw new FlintError(
        'QUERY_FAILED',
        `${fn}: the update generated no numeric key (an INSERT on SQLite, or one RETURNING column on PostgreSQL); received ${JSON.stringify(result.generatedKey)}`,
      );
    return key;
  }

  private prepare(fn: string, caller: string, query: string, args: unknown[], database: string) {
    const connection = this.connection(fn, caller, this.projectOf(caller), database);
    const { sql, count } = translatePositional(query, connection.dialect);
    if (count !== args.length)
      throw new FlintError(
        'BAD_ARGUMENT',
        `${fn}: the query has ${count} ? placeholder${count === 1 ? '' : 's'} but ${args.length} argument${args.length === 1 ? ' was' : 's were'} given`,
      );
    const values = args.map((value, i) => {
      if (
        value === null ||
        typeof value === 'string' ||
        typeof value === 'boolean' ||
        (typeof value === 'number' && Number.isFinite(value))
      )
        return value;
      throw new FlintError(
        'BAD_ARGUMENT',
        `${fn}: argument ${i + 1} of "args" must be a string, number, boolean or null; received ${JSON.stringify(value)}`,
      );
    });
    return { connection, sql, values };
  }
}

/** Why a named query path is refused, or undefined: it is relative to named-queries/, with no `..`, each part one name. */
export function namedQueryPathProblem(path: string): string | undefined {
  if (path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path))
    return "must be relative to the project's named-queries folder, not absolute";
  const parts = path.split(/[/\\]/);
  if (parts.includes('..') || parts.includes('.')) return 'may not contain "." or ".." (a named query is always inside its project)';
  if (path.includes('\\')) return 'separates folders with "/"';
  if (!parts.every(isValidName)) return 'must be folder and query names (letters, digits, _ . - and spaces) separated by "/"';
  return undefined;
}

/** Runs `work`; a database error gets the function, the query and the connection in front of its message. */
async function failingAs<T>(fn: string, label: string, database: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof FlintError && (error.code === 'QUERY_FAILED' || error.code === 'DATABASE_UNAVAILABLE'))
      throw new FlintError(error.code, `${fn}: ${label} on database "${database}" failed: ${error.message}`);
    throw error;
  }
}

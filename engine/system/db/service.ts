import { defineService } from '../service.ts';
import { DB } from './declaration.ts';

/** What system.db needs of the gateway: the named and prepared queries with their access rules (engine/db/queries.ts). */
export interface DbDeps {
  queries: {
    runNamedQuery(caller: string, project: string, path: string, parameters: Record<string, unknown>): Promise<unknown>;
    runPrepQuery(caller: string, query: string, args: unknown[], database: string): Promise<unknown>;
    runPrepUpdate(caller: string, query: string, args: unknown[], database: string, getKey: boolean): Promise<number>;
  };
}

/** system.db.*: arguments arrive validated against declaration.ts; the caller's project is the one the rules apply to. */
export const dbService = defineService<DbDeps>(DB, {
  'db.runNamedQuery': ({ caller, deps }, [project, path, parameters]) =>
    deps.queries.runNamedQuery(caller.project, project as string, path as string, (parameters ?? {}) as Record<string, unknown>),
  'db.runPrepQuery': ({ caller, deps }, [query, args, database]) =>
    deps.queries.runPrepQuery(caller.project, query as string, (args ?? []) as unknown[], (database ?? 'default') as string),
  'db.runPrepUpdate': ({ caller, deps }, [query, args, database, getKey]) =>
    deps.queries.runPrepUpdate(
      caller.project,
      query as string,
      (args ?? []) as unknown[],
      (database ?? 'default') as string,
      (getKey ?? false) as boolean,
    ),
});

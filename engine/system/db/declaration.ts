import { NAME_SEGMENT } from '../../names.ts';
import type { ParamDecl, ServiceDecl } from '../define.ts';

const NAME = `^${NAME_SEGMENT}$`;

/** The parameters runPrepQuery and runPrepUpdate share: the SQL, its arguments and the connection. */
const PREP_PARAMS: ParamDecl[] = [
  { name: 'query', type: { type: 'string', minLength: 1, maxLength: 100_000 }, doc: 'The SQL, with a `?` for each argument.' },
  {
    name: 'args',
    type: { type: 'array', items: { type: 'json' } },
    optional: true,
    doc: 'One value (string, number, boolean or null) per `?`, bound by the driver. Default: none.',
  },
  {
    name: 'database',
    type: { type: 'string', pattern: NAME },
    optional: true,
    default: 'default',
    doc: 'The connection name; it must be in the project\'s "databases" list.',
  },
];

/**
 * system.db.*: named queries (project files, seeds/002's Startup and Shutdown examples) and ad-hoc prepared
 * statements, on the gateway's database connections (docs/database.md). Blocking calls, as in the seeds: a script
 * gets the rows without `await`. The implementation is beside it in service.ts; this file is bundled into every
 * sandbox, so it imports only the name rule.
 */
export const DB: ServiceDecl = {
  namespace: 'db',
  functions: [
    {
      name: 'db.runNamedQuery',
      mode: 'sync',
      params: [
        {
          name: 'project',
          type: { type: 'string', pattern: NAME },
          doc: "The project the named query belongs to: the calling script's own project (another project's queries are refused with FORBIDDEN).",
        },
        {
          name: 'path',
          type: { type: 'string', minLength: 1, maxLength: 1000 },
          doc: 'The query path under named-queries/ without the extension, such as "Startup Query" or "Reports/Daily"; no "..", not absolute.',
        },
        {
          name: 'parameters',
          type: { type: 'object' },
          optional: true,
          default: {},
          doc: 'The values of the parameters its settings declare, by name (matched without regard to case); each is checked against its declared type and bound by the driver, never spliced into the SQL. null is SQL NULL.',
        },
      ],
      returns: 'any',
      result: { type: 'json' },
      doc: 'Runs a named query of the project (`named-queries/<path>.sql` with its settings `<path>.json`) and returns, by its type: a Query, its rows (an array of `DbRow` objects, one property per column, so `for (const row of result)` works); a Scalar Query, the first column of the first row, or null; an Update Query, the number of rows it changed. A parameter of the wrong type fails with BAD_ARGUMENT, an SQL error with QUERY_FAILED, an unreachable database with DATABASE_UNAVAILABLE, each naming the query; a connection not in the project\'s "databases" is refused with FORBIDDEN.',
    },
    {
      name: 'db.runPrepQuery',
      mode: 'sync',
      params: [...PREP_PARAMS],
      returns: 'DbRow[]',
      result: { type: 'array', items: { type: 'object' } },
      doc: 'Runs an ad-hoc query with `?` placeholders and returns its rows, one `DbRow` object per row. Errors as for runNamedQuery.',
    },
    {
      name: 'db.runPrepUpdate',
      mode: 'sync',
      params: [
        ...PREP_PARAMS,
        {
          name: 'getKey',
          type: { type: 'boolean' },
          optional: true,
          default: false,
          doc: "Return the generated key instead of the row count: SQLite's rowid after an INSERT, or the one value of a `RETURNING id` clause on PostgreSQL.",
        },
      ],
      returns: 'number',
      result: { type: 'number' },
      doc: 'Runs an INSERT, UPDATE, DELETE or DDL statement with `?` placeholders and returns the number of rows it changed (or, with getKey, the key it generated). Errors as for runNamedQuery.',
    },
  ],
  interfaces: [
    {
      name: 'DbRow',
      doc: 'One row of a query result: a property per column, in column order. Dates come as ISO strings, blobs as base64 text.',
      members: [{ signature: '[column: string]: string | number | boolean | null', doc: 'The value of a column (null for SQL NULL).' }],
    },
  ],
};

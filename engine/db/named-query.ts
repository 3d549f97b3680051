import { isValidName } from '../names.ts';
import type { DbValue } from './connection.ts';
import { findPlaceholders, lineAt } from './placeholders.ts';

/**
 * A named query: `named-queries/<path>.sql` with its settings in `named-queries/<path>.json` (docs/database.md).
 * The settings say what kind of statement it is, which connection it runs on and its typed parameters; the SQL
 * refers to the parameters as `:name`.
 */

export const QUERY_TYPES = ['Query', 'Update Query', 'Scalar Query'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

export const PARAMETER_TYPES = ['String', 'Int', 'Float', 'Boolean', 'DateTime'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export interface QueryParameter {
  name: string;
  type: ParameterType;
}

export interface NamedQuerySettings {
  type: QueryType;
  /** The connection name (default "default", the embedded SQLite database). */
  database: string;
  parameters: QueryParameter[];
}

/** Settings of a named query without a sidecar: a Query with no parameters on the default connection. */
export const DEFAULT_SETTINGS: NamedQuerySettings = { type: 'Query', database: 'default', parameters: [] };

const KEYS = ['type', 'database', 'parameters'];
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export type SettingsParse = { ok: true; settings: NamedQuerySettings } | { ok: false; message: string; line: number };

/** The first line of `text` that holds `needle` (a key or value as JSON spells it), else 1: where a diagnostic points. */
function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  return at < 0 ? 1 : lineAt(text, at);
}

/** Checks a parsed settings file; a problem names the key and comes with the line it is on. */
export function parseNamedQuerySettings(value: unknown, text: string): SettingsParse {
  const fail = (message: string, needle?: string): SettingsParse => ({ ok: false, message, line: needle ? lineOf(text, needle) : 1 });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('must hold a JSON object');
  const raw = value as Record<string, unknown>;
  for (const key of Object.keys(raw))
    if (!KEYS.includes(key)) return fail(`unknown key "${key}"; allowed: ${KEYS.join(', ')}`, JSON.stringify(key));
  const type = raw.type ?? DEFAULT_SETTINGS.type;
  if (typeof type !== 'string' || !(QUERY_TYPES as readonly string[]).includes(type))
    return fail(
      `"type" must be one of ${QUERY_TYPES.map((t) => JSON.stringify(t)).join(', ')}; received ${JSON.stringify(type)}`,
      '"type"',
    );
  const database = raw.database ?? DEFAULT_SETTINGS.database;
  if (typeof database !== 'string' || !isValidName(database))
    return fail(`"database" must be a connection name; received ${JSON.stringify(database)}`, '"database"');
  const list = raw.parameters ?? [];
  if (!Array.isArray(list)) return fail('"parameters" must be a list of { "name", "type" }', '"parameters"');
  const parameters: QueryParameter[] = [];
  const seen = new Set<string>();
  for (const [i, p] of list.entries()) {
    const where = `"parameters"[${i}]`;
    if (typeof p !== 'object' || p === null || Array.isArray(p))
      return fail(`${where} must be an object { "name", "type" }`, '"parameters"');
    const entry = p as Record<string, unknown>;
    const extra = Object.keys(entry).find((k) => k !== 'name' && k !== 'type');
    if (extra) return fail(`${where} has unknown key "${extra}"; allowed: name, type`, JSON.stringify(extra));
    if (typeof entry.name !== 'string' || !PARAMETER_NAME.test(entry.name))
      return fail(`${where}.name must be a letter or _ then letters, digits or _; received ${JSON.stringify(entry.name)}`, '"parameters"');
    const nameLine = JSON.stringify(entry.name);
    if (seen.has(entry.name.toLowerCase()))
      return fail(`${where}: parameter "${entry.name}" is declared twice (names are compared without regard to case)`, nameLine);
    seen.add(entry.name.toLowerCase());
    if (typeof entry.type !== 'string' || !(PARAMETER_TYPES as readonly string[]).includes(entry.type))
      return fail(
        `${where}.type must be one of ${PARAMETER_TYPES.map((t) => JSON.stringify(t)).join(', ')}; received ${JSON.stringify(entry.type)}`,
        nameLine,
      );
    parameters.push({ name: entry.name, type: entry.type as ParameterType });
  }
  return { ok: true, settings: { type: type as QueryType, database, parameters } };
}

/** A `:name` in the SQL that the settings do not declare, with its line, or undefined when every one is declared. */
export function undeclaredParameter(sql: string, settings: NamedQuerySettings): { name: string; line: number } | undefined {
  const declared = new Set(settings.parameters.map((p) => p.name.toLowerCase()));
  for (const p of findPlaceholders(sql))
    if (p.kind === 'named' && !declared.has(p.name.toLowerCase())) return { name: p.name, line: lineAt(sql, p.start) };
  return undefined;
}

/** Why `value` is not a valid `type`, or undefined. Null is SQL NULL and fits every type. */
function typeProblem(type: ParameterType, value: unknown): string | undefined {
  if (value === null) return undefined;
  switch (type) {
    case 'String':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'Int':
      return Number.isSafeInteger(value) ? undefined : 'must be a whole number (a safe integer)';
    case 'Float':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a finite number';
    case 'Boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'DateTime':
      return (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) ||
        (typeof value === 'number' && Number.isFinite(value))
        ? undefined
        : 'must be an ISO 8601 date string (a Date becomes one as it leaves the script) or milliseconds since 1970';
  }
}

/** A value as the driver binds it: a DateTime as its ISO string in UTC, a Boolean as 1/0 for SQLite (which has no boolean). */
function bound(type: ParameterType, value: DbValue, sqlite: boolean): DbValue {
  if (value === null) return null;
  if (type === 'DateTime') return new Date(value as string | number).toISOString();
  if (type === 'Boolean' && sqlite) return value ? 1 : 0;
  return value;
}

export type ParameterCheck = { ok: true; values: Map<string, DbValue> } | { ok: false; message: string };

/**
 * The script's parameters checked against the declared ones: each declared parameter must be given (null for NULL)
 * with a value of its type, and nothing else may be given. Names match without regard to case; the values come back
 * by lower-cased name, as the driver binds them.
 */
export function checkParameters(settings: NamedQuerySettings, given: Record<string, unknown>, sqlite: boolean): ParameterCheck {
  const byName = new Map<string, [string, unknown]>();
  for (const [key, value] of Object.entries(given)) {
    const lower = key.toLowerCase();
    if (byName.has(lower)) return { ok: false, message: `parameters "${byName.get(lower)![0]}" and "${key}" name the same parameter` };
    byName.set(lower, [key, value]);
  }
  const values = new Map<string, DbValue>();
  for (const p of settings.parameters) {
    const entry = byName.get(p.name.toLowerCase());
    if (!entry) return { ok: false, message: `parameter "${p.name}" (${p.type}) is missing; pass null for SQL NULL` };
    const problem = typeProblem(p.type, entry[1]);
    if (problem) return { ok: false, message: `parameter "${p.name}" (${p.type}) ${problem}; received ${describe(entry[1])}` };
    values.set(p.name.toLowerCase(), bound(p.type, entry[1] as DbValue, sqlite));
    byName.delete(p.name.toLowerCase());
  }
  const [extra] = byName.values();
  if (extra) {
    const declared = settings.parameters.map((p) => p.name).join(', ') || 'none';
    return { ok: false, message: `parameter "${extra[0]}" is not declared in its settings (declared: ${declared})` };
  }
  return { ok: true, values };
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

import type { Dialect } from './connection.ts';

/**
 * Finding the placeholders of an SQL text: `:name` in a named query, `?` in runPrepQuery/runPrepUpdate. Quoted strings,
 * quoted identifiers, comments, PostgreSQL dollar-quoted bodies and `::` casts are skipped, so a `:x` or `?` inside
 * them is text, not a parameter. Every value is then bound by the driver in the connection's own style (`?` for
 * SQLite, `$n` for PostgreSQL): nothing a script gives is ever spliced into SQL.
 */

export type Placeholder = { kind: 'named'; name: string; start: number; end: number } | { kind: 'positional'; start: number; end: number };

const IDENT_START = /[A-Za-z_]/;
const IDENT = /[A-Za-z0-9_]/;
const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

/** The index just past a quoted run that starts at `from` with `quote` (a doubled quote stays inside). */
function skipQuoted(sql: string, from: number, quote: string): number {
  let i = from + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/** Every placeholder in `sql`, in order. */
export function findPlaceholders(sql: string): Placeholder[] {
  const found: Placeholder[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`') i = skipQuoted(sql, i, c);
    else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === '$' && DOLLAR_TAG.test(sql.slice(i, i + 66))) {
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 66))![0];
      const end = sql.indexOf(tag, i + tag.length);
      i = end < 0 ? sql.length : end + tag.length;
    } else if (c === ':' && sql[i + 1] === ':') i += 2;
    else if (c === ':' && IDENT_START.test(sql[i + 1] ?? '')) {
      let end = i + 2;
      while (end < sql.length && IDENT.test(sql[end])) end++;
      found.push({ kind: 'named', name: sql.slice(i + 1, end), start: i, end });
      i = end;
    } else if (c === '?') {
      found.push({ kind: 'positional', start: i, end: i + 1 });
      i++;
    } else i++;
  }
  return found;
}

/** The text with each placeholder replaced by `replace(placeholder, position)`. */
function rewrite(sql: string, placeholders: Placeholder[], replace: (p: Placeholder, position: number) => string): string {
  let out = '';
  let at = 0;
  placeholders.forEach((p, position) => {
    out += sql.slice(at, p.start) + replace(p, position);
    at = p.end;
  });
  return out + sql.slice(at);
}

/**
 * A named query's SQL in the dialect's positional style, and the parameter name each position takes. PostgreSQL
 * numbers each distinct name once (`:id` twice is `$1` twice); SQLite gets one `?` per occurrence. Names are
 * matched without regard to case (seeds/002 declares `SessionID` and passes `sessionID`), so they come back lower-cased.
 * A `?` in a named query stays a `?` and is left to the driver, which refuses it.
 */
export function translateNamed(sql: string, dialect: Dialect): { sql: string; order: string[] } {
  const named = findPlaceholders(sql).filter((p) => p.kind === 'named');
  const order: string[] = [];
  const text = rewrite(sql, named, (p) => {
    const name = (p as { name: string }).name.toLowerCase();
    if (dialect === 'sqlite') {
      order.push(name);
      return '?';
    }
    let index = order.indexOf(name);
    if (index < 0) index = order.push(name) - 1;
    return `$${index + 1}`;
  });
  return { sql: text, order };
}

/** An ad-hoc query's `?` placeholders in the dialect's style, and how many there are. */
export function translatePositional(sql: string, dialect: Dialect): { sql: string; count: number } {
  const positional = findPlaceholders(sql).filter((p) => p.kind === 'positional');
  const text = dialect === 'sqlite' ? sql : rewrite(sql, positional, (_, position) => `$${position + 1}`);
  return { sql: text, count: positional.length };
}

/** The line (1-based) of an offset in a text, for diagnostics. */
export function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

import type { Diagnostic } from '../compiler/diagnostics.ts';

export type JsonParse = { ok: true; value: unknown } | { ok: false; diagnostic: Diagnostic };

/** JSON.parse with a diagnostic that points at the line and column of the syntax error. */
export function parseJsonFile(text: string, displayPath: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    let line = 1;
    let column = 1;
    const lc = /line (\d+) column (\d+)/.exec(message);
    const pos = /position (\d+)/.exec(message);
    if (lc) {
      line = Number(lc[1]);
      column = Number(lc[2]);
    } else if (pos) {
      const before = text.slice(0, Number(pos[1])).split('\n');
      line = before.length;
      column = before[before.length - 1].length + 1;
    }
    return {
      ok: false,
      diagnostic: {
        file: displayPath,
        line,
        column,
        message: `invalid JSON: ${message.replace(/ \(line \d+ column \d+\)/, '')}`,
        severity: 'error',
      },
    };
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Stable, diff-friendly JSON: sorted keys, two-space indent, trailing newline. */
export function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : isPlainObject(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort(v[k])]),
          )
        : v;
  return JSON.stringify(sort(value), null, 2) + '\n';
}

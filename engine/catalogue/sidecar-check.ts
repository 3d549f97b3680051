import type { SidecarField, SidecarSchema } from './define.ts';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkField(field: SidecarField, v: unknown): string | undefined {
  switch (field.type) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && v >= field.min && v <= field.max
        ? undefined
        : `must be a number between ${field.min} and ${field.max}`;
    case 'boolean':
      return typeof v === 'boolean' ? undefined : 'must be true or false';
    case 'string':
      return typeof v === 'string' && v.length > 0 ? undefined : 'must be a non-empty string';
    case 'strings':
      if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string' && s.length > 0))
        return 'must be a non-empty list of strings';
      return field.maxItems !== undefined && v.length > field.maxItems ? `must list at most ${field.maxItems} strings` : undefined;
    case 'enums':
      return Array.isArray(v) && v.length > 0 && v.every((x) => field.values.includes(x as string)) && new Set(v).size === v.length
        ? undefined
        : `must be a non-empty list of distinct values out of ${field.values.map((x) => JSON.stringify(x)).join(', ')}`;
    case 'enum':
      return typeof v === 'string' && field.values.includes(v)
        ? undefined
        : `must be one of ${field.values.map((x) => JSON.stringify(x)).join(', ')}`;
    case 'regex':
      if (typeof v !== 'string') return 'must be a regular expression string';
      try {
        new RegExp(v);
        return undefined;
      } catch (error) {
        return `is not a valid regular expression: ${(error as Error).message}`;
      }
  }
}

/**
 * Checks a settings file (a sidecar, a view.json, a named query's settings) against its schema; returns the problem,
 * naming the key, or undefined. Without a schema the file only has to hold a JSON object.
 */
export function checkSidecar(schema: SidecarSchema | undefined, value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'must hold a JSON object';
  if (!schema) return undefined;
  const keys = Object.keys(schema.fields);
  for (const key of Object.keys(value)) if (!Object.hasOwn(schema.fields, key)) return `unknown key "${key}"; allowed: ${keys.join(', ')}`;
  for (const [key, field] of Object.entries(schema.fields)) {
    if (value[key] === undefined) {
      if (field.required) return `"${key}" is required`;
      continue;
    }
    const problem = checkField(field, value[key]);
    if (problem) return `"${key}" ${problem}; received ${JSON.stringify(value[key])}`;
  }
  for (const rule of schema.rules ?? []) {
    const applies = Object.entries(rule.when).every(([key, want]) =>
      typeof want === 'string' ? value[key] === want : value[key] !== want.not,
    );
    if (applies && rule.requireOneOf.every((key) => value[key] === undefined)) return rule.message;
  }
  return undefined;
}

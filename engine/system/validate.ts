import type { FunctionDecl, TypeDesc } from './define.ts';

/**
 * Argument validation driven by the declaration. It runs twice: inside the isolate (bundled into the
 * prelude, so a script gets a clear error at the call site) and in the host (which never trusts the isolate).
 * No imports but types: this file must bundle into the prelude on its own.
 */

export type Validated = { ok: true; values: unknown[] } | { ok: false; message: string };

export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 60) + '…' : value);
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Patterns compiled once: the declarations are fixed, and a call validates its arguments up to three times on its way. */
const patterns = new Map<string, RegExp>();
function patternOf(source: string): RegExp {
  let pattern = patterns.get(source);
  if (!pattern) patterns.set(source, (pattern = new RegExp(source)));
  return pattern;
}

/** Returns what is wrong with `value` ("must be ..."), or undefined when it is acceptable. */
export function checkType(desc: TypeDesc, value: unknown): string | undefined {
  switch (desc.type) {
    case 'string': {
      if (typeof value !== 'string') return 'must be a string';
      if (desc.minLength !== undefined && value.length < desc.minLength) return `must be at least ${desc.minLength} characters long`;
      if (desc.maxLength !== undefined && value.length > desc.maxLength) return `must be at most ${desc.maxLength} characters long`;
      if (desc.pattern !== undefined && !patternOf(desc.pattern).test(value)) return `must match /${desc.pattern}/`;
      return undefined;
    }
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a finite number';
      if (desc.integer && !Number.isInteger(value)) return 'must be an integer';
      if (desc.min !== undefined && value < desc.min) return `must be at least ${desc.min}`;
      if (desc.max !== undefined && value > desc.max) return `must be at most ${desc.max}`;
      return undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be a boolean';
    case 'json':
      return undefined; // the boundary serializer checks JSON-compatibility of the whole value
    case 'object':
      return isPlainObject(value) ? undefined : 'must be an object (a dictionary)';
    case 'array': {
      if (!Array.isArray(value)) return 'must be an array';
      if (desc.minItems !== undefined && value.length < desc.minItems) return `must have at least ${desc.minItems} items`;
      if (desc.maxItems !== undefined && value.length > desc.maxItems) return `must have at most ${desc.maxItems} items`;
      for (let i = 0; i < value.length; i++) {
        const problem = checkType(desc.items, value[i]);
        if (problem) return `must have items that ${problem.replace(/^must /, '')} (item ${i} does not)`;
      }
      return undefined;
    }
    case 'enum':
      return typeof value === 'string' && desc.values.includes(value)
        ? undefined
        : `must be one of ${desc.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'function':
      return typeof value === 'function' ? undefined : 'must be a function';
  }
}

/**
 * The seeds' keyword arguments (`payload = {...}, scope = "view"`): a plain object given last, where the parameter
 * takes no object, names that parameter and the ones after it: `sendMessage("NewItem", { a: 1 }, { scope: "view" })`.
 * Returns the arguments by position, or what is wrong. Unambiguous: an object where an object (or any JSON) is
 * expected is always that argument.
 */
function byPosition(fn: FunctionDecl, args: readonly unknown[], prefix: string): readonly unknown[] | string {
  const at = args.length - 1;
  const param = fn.params[at];
  const named = args[at];
  if (!param || param.type.type === 'object' || param.type.type === 'json' || !isPlainObject(named)) return args;
  const names = fn.params.slice(at).map((p) => p.name);
  for (const key of Object.keys(named))
    if (!names.includes(key)) return `${prefix}: "${key}" cannot be named in argument ${at + 1}, which may name ${names.join(', ')}`;
  return [...args.slice(0, at), ...names.map((name) => named[name])];
}

/** Checks the arguments of one call (by position, or named in a trailing object: byPosition) and fills in defaults. */
export function validateArgs(fn: FunctionDecl, given: readonly unknown[]): Validated {
  const prefix = `system.${fn.name}`;
  const args = byPosition(fn, given, prefix);
  if (typeof args === 'string') return { ok: false, message: args };
  if (args.length > fn.params.length) {
    return { ok: false, message: `${prefix}: expects at most ${fn.params.length} arguments; received ${args.length}` };
  }
  const values: unknown[] = [];
  for (let i = 0; i < fn.params.length; i++) {
    const param = fn.params[i];
    let value = args[i];
    // null stands for "omitted" too: JSON (the only way values cross the boundary) has no undefined.
    if (value === undefined || (value === null && param.optional)) {
      if (!param.optional) return { ok: false, message: `${prefix}: argument ${i + 1} "${param.name}" is required; received undefined` };
      value = param.default === undefined ? undefined : structuredDefault(param.default);
      values.push(value);
      continue;
    }
    const problem = checkType(param.type, value);
    if (problem) return { ok: false, message: `${prefix}: argument ${i + 1} "${param.name}" ${problem}; received ${describeValue(value)}` };
    values.push(value);
  }
  return { ok: true, values };
}

function structuredDefault(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? { ...value } : value;
}

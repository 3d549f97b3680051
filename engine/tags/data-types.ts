/**
 * The data types of a tag and the conversion of a written value to one (issue 12 item 1). A value that cannot be
 * converted without loss is refused (the write gets Error_TypeConversion) rather than rounded or truncated, so a
 * script learns of its mistake. null is a value of every type: a tag may hold "no value".
 */
export const DATA_TYPES = ['Int', 'Float', 'Boolean', 'String', 'DateTime', 'Document'] as const;

export type DataType = (typeof DATA_TYPES)[number];

export type Conversion = { ok: true; value: unknown } | { ok: false; message: string };

const fail = (dataType: DataType, value: unknown, why: string): Conversion => ({
  ok: false,
  message: `cannot convert ${describe(value)} to ${dataType}: ${why}`,
});

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** A number written as a string: decimal, optional sign, fraction and exponent; no hex, no blanks, no "". */
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && NUMERIC.test(value.trim())) return Number(value.trim());
  return undefined;
}

export function isDataType(value: unknown): value is DataType {
  return typeof value === 'string' && (DATA_TYPES as readonly string[]).includes(value);
}

/** `value` as a value of `dataType`, or why it cannot be one. */
export function convert(dataType: DataType, value: unknown): Conversion {
  if (value === null) return { ok: true, value: null };
  switch (dataType) {
    case 'Int': {
      const n = toNumber(value);
      if (n === undefined) return fail(dataType, value, 'not a number');
      if (!Number.isInteger(n)) return fail(dataType, value, 'it has a fraction (an Int tag holds whole numbers)');
      if (!Number.isSafeInteger(n)) return fail(dataType, value, 'it is beyond ±2^53, the range of an Int');
      return { ok: true, value: n };
    }
    case 'Float': {
      const n = toNumber(value);
      return n === undefined ? fail(dataType, value, 'not a finite number') : { ok: true, value: n };
    }
    case 'Boolean': {
      if (typeof value === 'boolean') return { ok: true, value };
      if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value: value !== 0 };
      if (typeof value === 'string') {
        const text = value.trim().toLowerCase();
        if (text === 'true' || text === '1') return { ok: true, value: true };
        if (text === 'false' || text === '0') return { ok: true, value: false };
      }
      return fail(dataType, value, 'a Boolean tag takes true, false, a number, or "true"/"false"/"1"/"0"');
    }
    case 'String':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      return fail(dataType, value, 'a String tag takes a string, a number or a boolean');
    case 'DateTime': {
      // Dates cross the sandbox boundary as ISO strings, so a DateTime tag holds one: the canonical toISOString form.
      const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
      if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return fail(dataType, value, 'not a date (an ISO 8601 string or ms since 1970)');
      return { ok: true, value: new Date(ms).toISOString() };
    }
    case 'Document':
      if (typeof value === 'object') return { ok: true, value };
      return fail(dataType, value, 'a Document tag takes a JSON object or array');
  }
}

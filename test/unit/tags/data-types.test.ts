import { describe, expect, it } from 'vitest';
import { convert } from '../../../engine/tags/data-types.ts';

const ok = (value: unknown) => ({ ok: true, value });
const refused = { ok: false, message: expect.any(String) as string };

describe('conversion of written values', () => {
  it('Int takes whole numbers, numeric strings and booleans; refuses fractions and non-numbers', () => {
    expect(convert('Int', 42)).toEqual(ok(42));
    expect(convert('Int', ' -7 ')).toEqual(ok(-7));
    expect(convert('Int', true)).toEqual(ok(1));
    expect(convert('Int', '1e3')).toEqual(ok(1000));
    for (const bad of [1.5, '1.5', 'abc', '', '0x10', {}, [], 2 ** 60, Infinity])
      expect(convert('Int', bad), JSON.stringify(bad)).toEqual(refused);
    expect(convert('Int', 1.5)).toMatchObject({
      message: 'cannot convert number 1.5 to Int: it has a fraction (an Int tag holds whole numbers)',
    });
  });

  it('Float takes finite numbers and numeric strings', () => {
    expect(convert('Float', 2.25)).toEqual(ok(2.25));
    expect(convert('Float', '2.25')).toEqual(ok(2.25));
    expect(convert('Float', false)).toEqual(ok(0));
    for (const bad of ['two', NaN, {}, '']) expect(convert('Float', bad)).toEqual(refused);
  });

  it('Boolean takes booleans, numbers and the four strings', () => {
    expect(convert('Boolean', 0)).toEqual(ok(false));
    expect(convert('Boolean', 3)).toEqual(ok(true));
    expect(convert('Boolean', 'TRUE')).toEqual(ok(true));
    expect(convert('Boolean', '0')).toEqual(ok(false));
    for (const bad of ['yes', {}, [], NaN]) expect(convert('Boolean', bad)).toEqual(refused);
  });

  it('String takes strings, numbers and booleans but no objects', () => {
    expect(convert('String', 5)).toEqual(ok('5'));
    expect(convert('String', false)).toEqual(ok('false'));
    expect(convert('String', { a: 1 })).toEqual(refused);
  });

  it('DateTime takes ISO strings and ms, and holds the canonical ISO string', () => {
    expect(convert('DateTime', 0)).toEqual(ok('1970-01-01T00:00:00.000Z'));
    expect(convert('DateTime', '2026-12-07T03:00:00+01:00')).toEqual(ok('2026-12-07T02:00:00.000Z'));
    for (const bad of ['not a date', true, {}, 1e20]) expect(convert('DateTime', bad)).toEqual(refused);
  });

  it('Document takes objects and arrays', () => {
    expect(convert('Document', { a: [1] })).toEqual(ok({ a: [1] }));
    expect(convert('Document', [1, 2])).toEqual(ok([1, 2]));
    expect(convert('Document', 'text')).toEqual(refused);
  });

  it('null is a value of every type', () => {
    for (const t of ['Int', 'Float', 'Boolean', 'String', 'DateTime', 'Document'] as const) expect(convert(t, null)).toEqual(ok(null));
  });
});

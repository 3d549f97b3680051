import { describe, expect, it } from 'vitest';
import { asOutcome, errorOf, failed, isOk, ok, okJson, parseOutcome, valueLength } from '../../engine/outcome.ts';

describe('outcomes', () => {
  it('are successes with a value, or failures with an error code and message', () => {
    expect(ok({ a: 1 })).toBe('{"ok":true,"value":{"a":1}}');
    expect(ok(undefined)).toBe('{"ok":true,"value":null}');
    expect(isOk(okJson('[1,2]'))).toBe(true);
    expect(valueLength(okJson('[1,2]'))).toBe(5);
    const failure = failed('TIMEOUT', 'p/h timed out after 5 ms', { location: { file: 'projects/p/h.ts', line: 1, column: 2 } });
    expect(isOk(failure)).toBe(false);
    expect(errorOf(failure)).toEqual({
      code: 'TIMEOUT',
      message: 'p/h timed out after 5 ms',
      location: { file: 'projects/p/h.ts', line: 1, column: 2 },
    });
    expect(parseOutcome(okJson('"x"'))).toEqual({ ok: true, value: 'x' });
    expect(() => errorOf(ok(1))).toThrow('the outcome is a success');
  });

  it('from outside are taken only when they parse as one', () => {
    const malformed = () => failed('NOT_SERIALIZABLE', 'malformed');
    expect(asOutcome('{"ok":true,"value":1}', malformed)).toBe('{"ok":true,"value":1}');
    for (const text of ['', '{"ok":true,"value":', '{"ok":false}', '{"ok":false,"error":{"code":1}}', '[]', '"ok"']) {
      expect(asOutcome(text, malformed), text).toBe(malformed());
    }
  });
});

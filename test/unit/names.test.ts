import { describe, expect, it } from 'vitest';
import { isValidName, nameProblem } from '../../engine/names.ts';

describe('names', () => {
  it('accepts letters, digits, _ . - and spaces, starting with a letter, digit or _, up to 128 characters', () => {
    for (const name of ['p', 'My Project', 'sample_quickstart', '_x', '0.9-beta', 'a'.repeat(128)])
      expect(isValidName(name), name).toBe(true);
  });

  it('refuses separators, dot-dot, hidden names, control characters and overlong names', () => {
    for (const name of ['', '..', '../etc', 'a/b', 'a\\b', '.hidden', '-x', ' x', 'p\u0000', 'p\n', 'a'.repeat(129)])
      expect(isValidName(name), JSON.stringify(name)).toBe(false);
  });

  it('says why a name is refused, naming what it labels', () => {
    expect(nameProblem('project', 'ok')).toBeUndefined();
    expect(nameProblem('project', '../etc')).toBe(
      'project "../etc" is not a valid name (1 to 128 letters, digits, _ . - or spaces, starting with a letter, digit or _)',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { sidecarProblem, tagChangeSettings } from '../../../engine/projects/sidecars.ts';

describe('tag-change sidecars', () => {
  it('apply the defaults: changeTypes value and quality, enabled', () => {
    expect(tagChangeSettings({ paths: ['Line/Speed'] })).toEqual({
      paths: ['Line/Speed'],
      changeTypes: ['value', 'quality'],
      enabled: true,
    });
    expect(tagChangeSettings({ paths: ['[other]A.Quality'], changeTypes: ['timestamp'], enabled: false })).toEqual({
      paths: ['[other]A.Quality'],
      changeTypes: ['timestamp'],
      enabled: false,
    });
    expect(sidecarProblem('gateway/tag-change', { paths: ['[default]Line 1/Speed', 'A'] })).toBeUndefined();
  });

  it('refuse missing or empty paths, too many, unknown or repeated change types, naming the key', () => {
    const cases: [unknown, RegExp][] = [
      [{}, /^"paths" is required$/],
      [{ paths: [] }, /^"paths" must be a non-empty list of strings/],
      [{ paths: 'A' }, /^"paths" must be a non-empty list of strings/],
      [{ paths: [''] }, /^"paths" must be a non-empty list of strings/],
      [{ paths: Array.from({ length: 1001 }, (_, i) => `T${i}`) }, /^"paths" must list at most 1000 strings/],
      [{ paths: ['A'], changeTypes: [] }, /^"changeTypes" must be a non-empty list of distinct values/],
      [{ paths: ['A'], changeTypes: ['value', 'value'] }, /^"changeTypes" must be a non-empty list of distinct values/],
      [{ paths: ['A'], changeTypes: 'value' }, /^"changeTypes" must be a non-empty list of distinct values/],
      [
        { paths: ['A'], changeTypes: ['Value'] },
        /^"changeTypes" must be a non-empty list of distinct values out of "value", "quality", "timestamp"; received \["Value"\]$/,
      ],
      [{ paths: ['A'], enabled: 'yes' }, /^"enabled" must be true or false/],
      [{ tagPaths: ['A'] }, /^unknown key "tagPaths"/],
    ];
    for (const [value, message] of cases) {
      expect(sidecarProblem('gateway/tag-change', value), JSON.stringify(value).slice(0, 80)).toMatch(message);
      expect(tagChangeSettings(value)).toBeUndefined();
    }
  });

  it('refuse a path that is not tag path syntax or names no tag', () => {
    for (const path of ['Line//Speed', '[default', 'Line/Speed.Colour', 'Line/', 'a]b', '.Value']) {
      expect(sidecarProblem('gateway/tag-change', { paths: ['A', path] }), path).toBe(
        `"paths" holds ${JSON.stringify(path)}, which is not valid tag path syntax ([provider]Folder/Tag, optional .Property)`,
      );
      expect(tagChangeSettings({ paths: [path] }), path).toBeUndefined();
    }
    expect(sidecarProblem('gateway/tag-change', { paths: ['[default]'] })).toBe(
      '"paths" holds "[default]", which names a provider, not a tag',
    );
  });

  it('check other events by their catalogue schema only', () => {
    expect(sidecarProblem('gateway/timer', { delayMs: 5 })).toMatch(/^"delayMs" must be a number between 10/);
    expect(sidecarProblem('gateway/timer', { delayMs: 50 })).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { formatTagPath, parseTagPath } from '../../../engine/tags/paths.ts';

const parse = (path: string) => parseTagPath(path, 'default');

describe('tag paths', () => {
  it('take the provider in brackets, or the default provider', () => {
    expect(parse('[other]Line 1/Speed')).toEqual({ provider: 'other', segments: ['Line 1', 'Speed'], property: undefined });
    expect(parse('New Tag 5')).toEqual({ provider: 'default', segments: ['New Tag 5'], property: undefined });
    expect(parse('[default]')).toEqual({ provider: 'default', segments: [], property: undefined });
    expect(parse('')).toEqual({ provider: 'default', segments: [], property: undefined });
  });

  it('take a property suffix, in any case, spelled canonically', () => {
    expect(parse('Line/Speed.quality')?.property).toBe('Quality');
    expect(parse('Line/Speed.TIMESTAMP')?.property).toBe('Timestamp');
    for (const p of ['Value', 'Quality', 'Timestamp', 'DataType', 'Name', 'Documentation', 'ReadOnly'])
      expect(parse(`A.${p}`)?.property).toBe(p);
  });

  it('are canonical as [provider]Folder/Tag, with a property other than the value', () => {
    expect(formatTagPath(parse('Line/Speed.value')!)).toBe('[default]Line/Speed');
    expect(formatTagPath(parse('Line/Speed.readonly')!)).toBe('[default]Line/Speed.ReadOnly');
  });

  it('refuse invalid syntax', () => {
    const invalid = [
      '[default',
      '[]Tag',
      '[a/b]Tag',
      '[default]]Tag',
      'Line//Speed',
      '/Line',
      'Line/',
      'Line/Speed.Colour',
      'Line/Speed.',
      'Line.Value/Speed',
      '.Value',
      '[default].Quality',
      'Line/Sp[eed',
      'Tag\nname',
      ' Tag',
      'x'.repeat(2001),
    ];
    for (const path of invalid) expect(parse(path), JSON.stringify(path)).toBeUndefined();
    expect(parseTagPath(42 as unknown as string, 'default')).toBeUndefined();
  });
});

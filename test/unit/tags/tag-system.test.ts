import { describe, expect, it } from 'vitest';
import { LogHub } from '../../../engine/logging/logger.ts';
import { parseDefinitions } from '../../../engine/tags/definitions.ts';
import type { TagChange } from '../../../engine/tags/feed.ts';
import { SqliteTagStore } from '../../../engine/tags/sqlite-store.ts';
import { TagSystem } from '../../../engine/tags/tag-system.ts';

function system() {
  const hub = new LogHub({ stdoutLevel: 'off' });
  const store = new SqliteTagStore(':memory:');
  const tags = new TagSystem(store, hub.logger('tags'));
  const parsed = parseDefinitions(
    JSON.stringify({
      tags: [
        { name: 'A', dataType: 'Int', value: 0 },
        { name: 'F', tags: [{ name: 'B', dataType: 'String' }] },
      ],
    }),
    'tags/default.json',
    'default',
  );
  if (!parsed.ok) throw new Error('definitions');
  tags.setProvider('default', parsed.provider);
  return { tags, store, hub };
}

describe('the tag system as a TagFeed', () => {
  it('delivers each write once, in the order written, to every listener, though one throws', async () => {
    const { tags, hub } = system();
    const seen: string[] = [];
    tags.subscribe(['A'], 'default', () => {
      throw new Error('listener broke');
    });
    const unsubscribe = tags.subscribe(['[default]A', '[default]F/B.Value'], 'x', (c: TagChange) =>
      seen.push(`${c.path}=${String(c.value.value)}<${String(c.previous?.value)}`),
    );
    await Promise.all([
      tags.write(['A'], [1], 'default'),
      tags.write(['A', 'F/B'], [2, 'b'], 'default'),
      tags.write(['A'], [3], 'default'),
    ]);
    expect(seen).toEqual(['[default]A=1<0', '[default]A=2<1', '[default]F/B=b<null', '[default]A=3<2']);
    expect(hub.ring.query().filter((r) => r.message.includes('listener broke'))).toHaveLength(3);
    unsubscribe();
    await tags.write(['A'], [4], 'default');
    expect(seen).toHaveLength(4);
  });

  it('gives canonical paths, or undefined for invalid syntax', () => {
    const { tags } = system();
    expect(tags.canonicalPath('F/B.value', 'default')).toBe('[default]F/B');
    expect(tags.canonicalPath('[p]F/B.quality', 'default')).toBe('[p]F/B.Quality');
    expect(tags.canonicalPath('F//B', 'default')).toBeUndefined();
    expect(tags.canonicalPath('[default]', 'default')).toBeUndefined();
  });

  it('answers Bad_Failure for every accepted path when the store fails, and keeps the old value', async () => {
    const { tags, store, hub } = system();
    await store.close();
    const result = await tags.write(['A', 'Nope'], [5, 1], 'default');
    expect(result.map((q) => q.quality)).toEqual(['Bad_Failure', 'Bad_NotFound']);
    expect(tags.read(['A'], 'default')[0].value).toBe(0);
    expect(hub.ring.query().some((r) => r.level === 'error' && r.message.startsWith('tag write of 1 values failed in the store'))).toBe(
      true,
    );
  });

  it('loads stored values before the definitions arrive, converting them to the defined type', async () => {
    const store = new SqliteTagStore(':memory:');
    await store.writeBatch([
      { provider: 'default', path: 'A', value: 7, qualityCode: 192, timestamp: 1000 },
      { provider: 'default', path: 'Gone', value: 'kept', qualityCode: 192, timestamp: 1000 },
    ]);
    const tags = new TagSystem(store, new LogHub({ stdoutLevel: 'off' }).logger('tags'));
    await tags.load();
    const parsed = parseDefinitions('{"tags":[{"name":"A","dataType":"String"}]}', 'tags/default.json', 'default');
    if (!parsed.ok) throw new Error('definitions');
    tags.setProvider('default', parsed.provider);
    expect(tags.read(['A', 'Gone'], 'default').map((v) => [v.value, v.quality, v.timestamp === 1000])).toEqual([
      ['7', 'Good', true],
      [null, 'Bad_NotFound', false],
    ]);
  });
});

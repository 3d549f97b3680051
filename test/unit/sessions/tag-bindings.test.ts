import { describe, expect, it } from 'vitest';
import { LogHub } from '../../../engine/logging/logger.ts';
import type { GatewayFrame } from '../../../engine/sessions/protocol.ts';
import type { SessionClient } from '../../../engine/sessions/session.ts';
import { MAX_BOUND_TAGS, TagBindings } from '../../../engine/sessions/tag-bindings.ts';
import { parseDefinitions } from '../../../engine/tags/definitions.ts';
import { SqliteTagStore } from '../../../engine/tags/sqlite-store.ts';
import { TagSystem } from '../../../engine/tags/tag-system.ts';

function setup() {
  const tags = new TagSystem(new SqliteTagStore(':memory:'), new LogHub({ stdoutLevel: 'off' }).logger('tags'));
  const parsed = parseDefinitions(JSON.stringify({ tags: [{ name: 'A', dataType: 'Int', value: 0 }] }), 'tags/default.json', 'default');
  if (!parsed.ok) throw new Error('definitions');
  tags.setProvider('default', parsed.provider);
  return { tags, bindings: new TagBindings(tags) };
}

/** A socket that keeps the texts it was sent. */
function socket(): SessionClient & { texts: string[] } {
  const texts: string[] = [];
  return {
    texts,
    send: (frame: GatewayFrame) => texts.push(JSON.stringify(frame)),
    sendText: (text: string) => texts.push(text),
    close: () => undefined,
  };
}

describe('TagBindings', () => {
  it('counts each spelling: unbinding one leaves the tag bound until the last goes', async () => {
    const { tags, bindings } = setup();
    const one = socket();
    bindings.bind(one, ['A'], 'default');
    bindings.bind(one, ['[default]A'], 'default');
    await tags.write(['A'], [1], 'default');
    expect(one.texts).toHaveLength(1); // bound twice, told once
    bindings.unbind(one, ['A'], 'default');
    await tags.write(['A'], [2], 'default');
    expect(one.texts).toHaveLength(2);
    bindings.unbind(one, ['[default]A', 'never bound', '[bad'], 'default');
    await tags.write(['A'], [3], 'default');
    expect(one.texts).toHaveLength(2);
    expect(bindings.followedCount).toBe(0);
  });

  it('serializes a change once for every socket that follows it', async () => {
    const { tags, bindings } = setup();
    const sockets = Array.from({ length: 3 }, socket);
    for (const s of sockets) bindings.bind(s, ['A'], 'default');
    expect(bindings.followedCount).toBe(1);
    await tags.write(['A'], [9], 'default');
    const [text] = sockets[0].texts;
    expect(JSON.parse(text)).toMatchObject({ v: 1, type: 'tag', path: '[default]A', value: 9, quality: 'Good', qualityCode: 192 });
    for (const s of sockets) expect(s.texts).toEqual([text]);
    bindings.unbindAll(sockets[0]);
    await tags.write(['A'], [10], 'default');
    expect(sockets[0].texts).toHaveLength(1);
    expect(sockets[1].texts).toHaveLength(2);
  });

  it('refuses a bind past the limit whole, binding nothing of it', () => {
    const { bindings } = setup();
    const one = socket();
    bindings.bind(
      one,
      Array.from({ length: MAX_BOUND_TAGS - 1 }, (_, i) => `T${i}`),
      'default',
    );
    expect(() => bindings.bind(one, ['X', 'Y'], 'default')).toThrow(/at most 1000 tags/);
    expect(bindings.boundCount(one)).toBe(MAX_BOUND_TAGS - 1);
    bindings.bind(one, ['X', 'T0'], 'default');
    expect(bindings.boundCount(one)).toBe(MAX_BOUND_TAGS);
  });
});

// One contract for every TagValueStore (issue 12 item 7): run by tag-store-sqlite.test.ts and tag-store-postgres.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredValue, TagValueStore } from '../../engine/tags/value-store.ts';

export interface StoreFixture {
  /** A store on this fixture's storage; a second call opens the same storage again (a restart). */
  open(): TagValueStore;
  /** Drops the storage (temp folder, schema). */
  cleanup(): Promise<void>;
}

const row = (path: string, value: unknown, timestamp = 1_700_000_000_000, provider = 'default'): StoredValue => ({
  provider,
  path,
  value,
  qualityCode: 192,
  timestamp,
});

export function tagStoreContract(name: string, create: () => Promise<StoreFixture>): void {
  describe(`TagValueStore contract: ${name}`, () => {
    const open: TagValueStore[] = [];
    let fixture: StoreFixture | undefined;
    const store = async () => {
      fixture ??= await create();
      const s = fixture.open();
      open.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
      await fixture?.cleanup();
      fixture = undefined;
    });

    it('starts empty', async () => {
      expect(await (await store()).loadAll()).toEqual([]);
    });

    it('gives back every JSON kind as written, Documents with their key order', async () => {
      const s = await store();
      const values = ['text ünïcode ✓', 42, -1.5, true, null, { z: 1, a: [1, { b: 'c' }] }, [3, 2, 1], '2026-12-07T00:00:00.000Z'];
      await s.writeBatch(values.map((v, i) => row(`Folder/Tag ${i}`, v, 1_700_000_000_000 + i)));
      const loaded = (await s.loadAll()).sort((a, b) => a.timestamp - b.timestamp);
      expect(loaded).toEqual(values.map((v, i) => row(`Folder/Tag ${i}`, v, 1_700_000_000_000 + i)));
      expect(Object.keys(loaded[5].value as object)).toEqual(['z', 'a']);
    });

    it('overwrites a path, and keeps the last row of a path given twice in one batch', async () => {
      const s = await store();
      await s.writeBatch([row('A', 1)]);
      await s.writeBatch([row('A', 2, 2), row('B', 'x'), row('A', 3, 3)]);
      expect((await s.loadAll()).sort((a, b) => a.path.localeCompare(b.path))).toEqual([row('A', 3, 3), row('B', 'x')]);
    });

    it('keeps providers apart', async () => {
      const s = await store();
      await s.writeBatch([row('A', 1, 1, 'default'), row('A', 2, 1, 'other')]);
      expect((await s.loadAll()).map((r) => [r.provider, r.value]).sort()).toEqual([
        ['default', 1],
        ['other', 2],
      ]);
    });

    it('writes a batch all or nothing: a batch that fails leaves no row of it', async () => {
      const s = await store();
      await s.writeBatch([row('Kept', 'before')]);
      // undefined is no JSON value: the store cannot write that row, so the whole batch fails.
      await expect(s.writeBatch([row('Kept', 'after'), row('New', 1), row('Broken', undefined)])).rejects.toThrow();
      expect(await s.loadAll()).toEqual([row('Kept', 'before')]);
      await s.writeBatch([row('Kept', 'later')]);
      expect(await s.loadAll()).toEqual([row('Kept', 'later')]);
    });

    it('accepts an empty batch', async () => {
      const s = await store();
      await s.writeBatch([]);
      expect(await s.loadAll()).toEqual([]);
    });

    it('keeps what was written across a close and a reopen', async () => {
      const first = await store();
      await first.writeBatch(Array.from({ length: 100 }, (_, i) => row(`Batch/T${i}`, i)));
      await first.close();
      open.splice(open.indexOf(first), 1);
      const again = await store();
      const loaded = await again.loadAll();
      expect(loaded).toHaveLength(100);
      expect(loaded.find((r) => r.path === 'Batch/T99')).toEqual(row('Batch/T99', 99));
    });
  });
}

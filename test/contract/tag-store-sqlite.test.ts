import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteTagStore } from '../../engine/tags/sqlite-store.ts';
import { tagStoreContract } from './tag-store.contract.ts';

tagStoreContract('SQLite (node:sqlite, WAL, synchronous=FULL)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flint-tag-store-'));
  return Promise.resolve({
    open: () => new SqliteTagStore(join(dir, 'tags.sqlite')),
    cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  });
});

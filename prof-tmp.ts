import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogHub } from './engine/logging/logger.ts';
import { parseDefinitions } from './engine/tags/definitions.ts';
import { SqliteTagStore } from './engine/tags/sqlite-store.ts';
import { TagSystem } from './engine/tags/tag-system.ts';
const dir = mkdtempSync(join(tmpdir(), 'p-'));
const tags = new TagSystem(new SqliteTagStore(join(dir, 't.sqlite')), new LogHub({ stdoutLevel: 'off' }).logger('t'));
const defs = parseDefinitions(JSON.stringify({ tags: Array.from({ length: 100 }, (_, i) => ({ name: `T${i}`, dataType: 'Int' })) }), 'x', 'default');
if (!defs.ok) throw 1;
tags.setProvider('default', defs.provider);
const paths = Array.from({ length: 100 }, (_, i) => `T${i}`);
for (let r = 0; r < 3; r++) {
  let t = performance.now();
  for (let i = 0; i < 500; i++) await tags.write(['T0'], [i], 'default');
  const single = (performance.now() - t) / 500;
  t = performance.now();
  for (let i = 0; i < 50; i++) await tags.write(paths, paths.map((_, j) => i + j), 'default');
  const batch = (performance.now() - t) / 50;
  console.log('single ms', single.toFixed(3), 'batch ms', batch.toFixed(3));
}

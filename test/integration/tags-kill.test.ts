// A value acknowledged by writeBlocking survives kill -9 of the gateway (issue 12 item 1): a real gateway process
// streams writes from a script and logs each acknowledgement; the whole process group is SIGKILLed mid-stream; a
// gateway started again on the same data folder reads every acknowledged value back.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startGatewayProcess } from '../helpers/gateway-process.ts';
import { waitFor } from '../helpers/wait-for.ts';

const dir = mkdtempSync(join(tmpdir(), 'flint-tags-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TAGS = {
  tags: [
    { name: 'Counter', dataType: 'Int', value: 0 },
    { name: 'Stream', tags: Array.from({ length: 10 }, (_, i) => ({ name: `Slot ${i}`, dataType: 'String' })) },
  ],
};

// Each tick writes ten values, one at a time, then a batch of two; every acknowledged write is logged after its Good.
const STREAM = `let n = 0;
export default function () {
  setInterval(() => {
    for (let i = 0; i < 10; i++) {
      n++;
      const [q] = system.tag.writeBlocking(['Counter'], [n]);
      if (q.quality === 'Good') system.util.getLogger('stream').info('acked ' + n);
    }
    const slot = 'Stream/Slot ' + (n % 10);
    const both = system.tag.writeBlocking(['Counter', slot], [n, 'value ' + n]);
    if (both.every((q) => q.quality === 'Good')) system.util.getLogger('stream').info('acked slot ' + (n % 10) + '=' + n);
  }, 10);
}
`;
const READ = `export default function () {
  const paths = ['Counter', ...Array.from({ length: 10 }, (_, i) => 'Stream/Slot ' + i)];
  system.util.getLogger('read').info('restored ' + JSON.stringify(system.tag.readBlocking(paths).map((v) => v.value)));
}
`;

function project(name: string, startup: string): string {
  const projects = join(dir, name);
  mkdirSync(join(projects, 'p/gateway-events'), { recursive: true });
  writeFileSync(join(projects, 'p/project.json'), '{}');
  writeFileSync(join(projects, 'p/gateway-events/startup.ts'), startup);
  return projects;
}

const start = (projects: string) => startGatewayProcess({ projects, data: join(dir, 'data'), tags: join(dir, 'tags') });

it('every write acknowledged before a kill -9 is there after restart', async () => {
  mkdirSync(join(dir, 'tags'));
  writeFileSync(join(dir, 'tags/default.json'), JSON.stringify(TAGS, null, 2));
  const writer = start(project('writer', STREAM));
  await waitFor(() => (writer.output().match(/acked \d+/g) ?? []).length >= 300, 30_000, '300 acknowledged writes');
  await writer.kill();
  const acked = [...writer.output().matchAll(/acked (\d+)/g)].map((m) => Number(m[1]));
  const lastCounter = Math.max(...acked);
  const lastSlots = new Map<number, number>();
  for (const m of writer.output().matchAll(/acked slot (\d+)=(\d+)/g)) lastSlots.set(Number(m[1]), Number(m[2]));
  expect(lastSlots.size).toBeGreaterThan(0);

  const reader = start(project('reader', READ));
  try {
    const line = await waitFor(() => /restored (\[.*\])/.exec(reader.output()), 20_000, 'the values read after restart');
    const [counter, ...slots] = JSON.parse(line![1]) as [number, ...(string | null)[]];
    // The writer may have written past its last logged acknowledgement, never short of it.
    expect(counter).toBeGreaterThanOrEqual(lastCounter);
    for (const [slot, n] of lastSlots) {
      const stored = Number(/^value (\d+)$/.exec(slots[slot] ?? '')?.[1]);
      expect(stored, `Stream/Slot ${slot}`).toBeGreaterThanOrEqual(n);
    }
  } finally {
    await reader.kill();
  }
}, 60_000);

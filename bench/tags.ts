// Tag writes per second from a script (issue 12, performance): system.tag.writeBlocking of one tag, and of batches of
// 100, beside raw node:sqlite upserts in this process with the same durability settings (WAL, synchronous=FULL, one
// transaction per write or per batch), in interleaved rounds. Each script call is one durable transaction: its fsync
// is most of its time, as it is of the raw insert's.
import { writeFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MESSAGE, startBenchGateway, waitFor } from './fixtures.ts';
import { median, num, summarize, type Report } from './stats.ts';

const PROJECT = 'tagbench';
const SINGLE_WRITES = 200;
const BATCHES = 20;
const BATCH = 100;
const ROUNDS = 5;

const TAGS = {
  tags: [{ name: 'Bench', tags: Array.from({ length: BATCH }, (_, i) => ({ name: `T${i}`, dataType: 'Int', value: 0 })) }],
};
const SINGLE_SOURCE = `export default function (payload: { n: number }) {
  for (let i = 0; i < payload.n; i++) {
    const [q] = system.tag.writeBlocking(['Bench/T0'], [i]);
    if (q.quality !== 'Good') throw new Error(q.quality);
  }
  return payload.n;
}
`;
const BATCH_SOURCE = `const paths = Array.from({ length: ${BATCH} }, (_, i) => 'Bench/T' + i);
export default function (payload: { n: number }) {
  for (let b = 0; b < payload.n; b++) {
    const qualities = system.tag.writeBlocking(paths, paths.map((_, i) => b * ${BATCH} + i));
    if (qualities.some((q) => q.quality !== 'Good')) throw new Error('a write was refused');
  }
  return payload.n;
}
`;

/** The raw floor: the same table and upsert as the tag store, on a file of its own, each write or batch one transaction. */
export class RawSqlite {
  private readonly db: DatabaseSync;
  private readonly upsert;

  constructor(file: string) {
    this.db = new DatabaseSync(file);
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA synchronous = FULL');
    this.db.exec(
      'CREATE TABLE t (provider TEXT NOT NULL, path TEXT NOT NULL, value TEXT NOT NULL, quality INTEGER NOT NULL, timestamp INTEGER NOT NULL, PRIMARY KEY (provider, path)) WITHOUT ROWID',
    );
    this.upsert = this.db.prepare(
      'INSERT INTO t VALUES (?, ?, ?, ?, ?) ON CONFLICT (provider, path) DO UPDATE SET value = excluded.value, quality = excluded.quality, timestamp = excluded.timestamp',
    );
  }

  singles(n: number): void {
    for (let i = 0; i < n; i++) this.upsert.run('default', 'Bench/T0', String(i), 192, Date.now());
  }

  batches(n: number): void {
    for (let b = 0; b < n; b++) {
      this.db.exec('BEGIN IMMEDIATE');
      for (let i = 0; i < BATCH; i++) this.upsert.run('default', `Bench/T${i}`, String(b * BATCH + i), 192, Date.now());
      this.db.exec('COMMIT');
    }
  }

  close(): void {
    this.db.close();
  }
}

/** Writes per second of `run(n)`, less the time of `run(0)` (the request's own round trip). */
async function rate(run: (n: number) => unknown, n: number, writesPerUnit: number): Promise<number> {
  const t0 = performance.now();
  await run(0);
  const empty = performance.now() - t0;
  const t1 = performance.now();
  await run(n);
  const ms = Math.max(performance.now() - t1 - empty, 0.001);
  return (n * writesPerUnit * 1000) / ms;
}

export async function benchTags(report: Report): Promise<void> {
  const gw = await startBenchGateway('tags', {
    [PROJECT]: { [`${MESSAGE}/single.ts`]: SINGLE_SOURCE, [`${MESSAGE}/batch.ts`]: BATCH_SOURCE },
  });
  const raw = new RawSqlite(join(gw.root, 'raw.sqlite'));
  try {
    mkdirSync(join(gw.root, 'tags'), { recursive: true });
    writeFileSync(join(gw.root, 'tags', 'default.json'), JSON.stringify(TAGS));
    await waitFor(() => gw.gateway.tags.read(['[default]Bench/T99'], 'default')[0].quality === 'Good', 10_000, 'the bench tags');
    const single = (n: number) => gw.gateway.request(PROJECT, 'single', { n });
    const batch = (n: number) => gw.gateway.request(PROJECT, 'batch', { n });
    await rate(single, 20, 1); // warm-up: JIT, IPC, the WAL file
    await rate(batch, 2, BATCH);
    raw.singles(20);
    raw.batches(2);
    report.section(`tag writes from a script (system.tag.writeBlocking; ${ROUNDS} interleaved rounds, WAL + synchronous=FULL)`);
    const engineSingle: number[] = [];
    const rawSingle: number[] = [];
    const engineBatch: number[] = [];
    const rawBatch: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      rawSingle.push(await rate((n) => raw.singles(n), SINGLE_WRITES, 1));
      engineSingle.push(await rate(single, SINGLE_WRITES, 1));
      rawBatch.push(await rate((n) => raw.batches(n), BATCHES, BATCH));
      engineBatch.push(await rate(batch, BATCHES, BATCH));
    }
    for (const [name, samples] of Object.entries({
      'raw single': rawSingle,
      'script single': engineSingle,
      'raw batch': rawBatch,
      'script batch': engineBatch,
    })) {
      const s = summarize(samples);
      report.info(`${name}: median ${num(s.median)} writes/s, ${num(s.min)} to ${num(s.max)} over ${s.n} rounds`);
    }
    report.figure({
      label: 'writeBlocking of one tag',
      value: median(engineSingle),
      unit: 'writes/s',
      baseline: median(rawSingle),
      baselineNote: 'raw node:sqlite upsert, one transaction each',
      target: { kind: 'ratio-min', x: 0.3 },
    });
    report.figure({
      label: 'writeBlocking of 100 tags',
      value: median(engineBatch),
      unit: 'writes/s',
      baseline: median(rawBatch),
      baselineNote: 'raw node:sqlite, 100 upserts per transaction',
      target: { kind: 'ratio-min', x: 0.5 },
    });
  } finally {
    raw.close();
    await gw.stop();
  }
}

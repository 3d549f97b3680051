// Benchmark: one tag change delivered to 1,000 sessions that bound the tag (issue 12, performance; session bindings,
// engine/sessions/tag-bindings.ts), until the last SDK client has it, beside a raw `ws` server broadcasting one frame
// to 1,000 sockets of the same SDK clients (bench/ws-raw.ts), in interleaved rounds. The gateway's change starts with
// a durable write (SQLite, WAL, synchronous=FULL), so its total is also shown beside raw broadcast + a raw upsert of
// the same settings; the fan-out alone is timed from the moment the change is applied (a tag-feed listener that
// subscribed before the sessions).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openFanOutPair } from './fanout-pair.ts';
import { waitFor } from './fixtures.ts';
import { arrivals } from './session-clients.ts';
import { num, summarize, type Report } from './stats.ts';
import { RawSqlite } from './tags.ts';

const PROJECT = 'bindbench';
const CLIENTS = 1000;
const ROUNDS = 20;
const TAG = '[default]Bench/Fan';

export async function benchTagBindings(report: Report): Promise<void> {
  const pair = await openFanOutPair('bindings', PROJECT, {}, CLIENTS);
  const { gw, clients } = pair;
  const rawStore = new RawSqlite(join(gw.root, 'raw.sqlite'));
  try {
    mkdirSync(join(gw.root, 'tags'), { recursive: true });
    writeFileSync(
      join(gw.root, 'tags', 'default.json'),
      JSON.stringify({ tags: [{ name: 'Bench', tags: [{ name: 'Fan', dataType: 'Int', value: 0 }] }] }),
    );
    await waitFor(() => gw.gateway.tags.read([TAG], 'default')[0].quality === 'Good', 10_000, 'the bench tag');
    // Called first at each change, before the sessions' fan-out: the moment the change is applied.
    let appliedAt = 0;
    gw.gateway.tags.subscribe([TAG], 'default', () => (appliedAt = performance.now()));
    const gwSeen = arrivals(clients, (client, seen) => void client.bindTag(TAG, (v) => seen(v.value)));
    await waitFor(() => gw.gateway.sessions.tagBindings.followedCount === 1 && clients.every((c) => c.tagValue(TAG)), 10_000, 'bound');

    let n = 0;
    const gatewayChange = async () => {
      const value = ++n;
      const arrived = gwSeen.arm(value);
      const t0 = performance.now();
      const [quality] = await gw.gateway.tagSystem.write([TAG], [value], 'default');
      if (quality.quality !== 'Good') throw new Error(`the write was ${quality.quality}`);
      await arrived;
      const end = performance.now();
      return { all: end - t0, fanOut: end - appliedAt };
    };
    const rawBroadcast = () => pair.rawBroadcast();
    const rawUpsert = () => {
      const t0 = performance.now();
      rawStore.singles(1);
      return performance.now() - t0;
    };
    for (let i = 0; i < 3; i++) {
      await gatewayChange();
      await rawBroadcast();
      rawUpsert();
    }
    report.section(
      `tag bindings: one change of a tag bound by ${CLIENTS} sessions, until the last SDK client has it (${ROUNDS} interleaved rounds)`,
    );
    const s = { all: [] as number[], fanOut: [] as number[], raw: [] as number[], upsert: [] as number[] };
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const g = await gatewayChange();
      const r = await rawBroadcast();
      s.all.push(g.all);
      s.fanOut.push(g.fanOut);
      s.raw.push(r);
      s.upsert.push(rawUpsert());
      ratios.push(g.fanOut / r);
    }
    const [all, fan, r, u] = [summarize(s.all), summarize(s.fanOut), summarize(s.raw), summarize(s.upsert)];
    report.info(`raw ws broadcast of one frame to ${CLIENTS} sockets: median ${num(r.median)} ms, ${num(r.min)} to ${num(r.max)} ms`);
    report.info(`gateway, from the change applied: median ${num(fan.median)} ms, ${num(fan.min)} to ${num(fan.max)} ms`);
    report.info(
      `gateway, from the write call (durable write first): median ${num(all.median)} ms; raw durable upsert median ${num(u.median)} ms`,
    );
    report.noise(ratios, 'gateway fan-out / raw broadcast within each round');
    report.info(`wrong values received: gateway ${gwSeen.wrong}, raw ${pair.rawWrong}`);
    report.figure({
      label: `tag change to ${CLIENTS} bound sessions (from the change applied)`,
      value: fan.median,
      unit: 'ms',
      baseline: r.median,
      baselineNote: 'raw ws broadcast, one frame serialized once',
      target: { kind: 'ratio-max', x: 1.5 },
    });
    report.figure({
      label: `tag write to ${CLIENTS} bound sessions (from the write call)`,
      value: all.median,
      unit: 'ms',
      baseline: r.median + u.median,
      baselineNote: 'raw ws broadcast + raw durable SQLite upsert',
      target: { kind: 'info' },
    });
  } finally {
    rawStore.close();
    await pair.close();
  }
}

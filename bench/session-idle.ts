// Benchmark 9: memory of idle sessions. The server runs in a fresh child process (session-idle-child.ts) so that its
// RSS is its own; the SDK clients run here. After a few warm-up sessions (the first ones pay for code, JIT and buffers
// once), IDLE_SESSIONS more are opened and left idle; the server's growth per session is compared with the same
// number of the same clients connected to a plain ws server (bench/ws-raw.ts) running at the same time. The project
// has a session message handler but no Startup script, so the sandbox has nothing to do per session.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FlintSession } from '../client/index.ts';
import { MAX_SESSIONS } from '../engine/sessions/session-manager.ts';
import { makeRoot, removeRoot, writeProject } from './fixtures.ts';
import { startChild, type BenchChild } from './proc.ts';
import type { IdleReading } from './session-idle-child.ts';
import { closeSessions, openSessions } from './session-clients.ts';
import { num, type Report } from './stats.ts';

const PROJECT = 'idlebench';
const WARM = 100;
const IDLE_SESSIONS = 5000;
const CONCURRENCY = 32;
/** Sessions opened on one server before the other's turn. */
const BATCH = 500;
if (WARM + IDLE_SESSIONS > MAX_SESSIONS) throw new Error(`${WARM + IDLE_SESSIONS} sessions is more than a gateway keeps (${MAX_SESSIONS})`);

interface IdleResult {
  before: IdleReading;
  after: IdleReading;
  openMs: number;
}

/**
 * Starts both servers, opens WARM sessions on each, reads their memory, then opens IDLE_SESSIONS more on each in
 * alternating batches (so that machine noise hits both open rates alike) and reads their memory again.
 */
async function measure(gatewayRoot: string): Promise<{ raw: IdleResult; gateway: IdleResult }> {
  const modes = { raw: [], gateway: [gatewayRoot] } as const;
  const children: Partial<Record<keyof typeof modes, BenchChild<{ url: string }>>> = {};
  const clients: FlintSession[][] = [];
  try {
    for (const mode of ['raw', 'gateway'] as const)
      children[mode] = await startChild('session-idle-child.ts', [mode, ...modes[mode]], 30_000);
    const { raw, gateway } = children as Record<keyof typeof modes, BenchChild<{ url: string }>>;
    const open = async (child: BenchChild<{ url: string }>, count: number) => {
      const t0 = performance.now();
      clients.push(await openSessions(child.ready.url, PROJECT, count, CONCURRENCY));
      return performance.now() - t0;
    };
    const read = (child: BenchChild<{ url: string }>) => child.ask<IdleReading>({ t: 'read' }, 10_000);
    await open(raw, WARM);
    await open(gateway, WARM);
    const before = { raw: await read(raw), gateway: await read(gateway) };
    const openMs = { raw: 0, gateway: 0 };
    for (let opened = 0; opened < IDLE_SESSIONS; opened += BATCH) {
      openMs.raw += await open(raw, BATCH);
      openMs.gateway += await open(gateway, BATCH);
    }
    const after = { raw: await read(raw), gateway: await read(gateway) };
    for (const mode of ['raw', 'gateway'] as const)
      if (after[mode].sessions !== WARM + IDLE_SESSIONS)
        throw new Error(`the ${mode} server holds ${after[mode].sessions} sessions, expected ${WARM + IDLE_SESSIONS}`);
    return {
      raw: { before: before.raw, after: after.raw, openMs: openMs.raw },
      gateway: { before: before.gateway, after: after.gateway, openMs: openMs.gateway },
    };
  } finally {
    for (const list of clients) closeSessions(list);
    await Promise.all(Object.values(children).map((child) => child.stop()));
  }
}

const kb = (mb: number) => (mb * 1024) / IDLE_SESSIONS;

export async function benchSessionIdle(report: Report): Promise<void> {
  report.section(
    `9. Idle sessions: the server's memory growth per idle session, ${IDLE_SESSIONS} sessions opened ${CONCURRENCY} at a time after ${WARM} warm-up ones, in batches of ${BATCH} alternating between the two servers (fresh processes)`,
  );
  const root = makeRoot('session-idle');
  let raw: IdleResult;
  let gw: IdleResult;
  try {
    writeProject(join(root, 'projects'), PROJECT, {
      'session-events/message/echo.ts': `export default function (_session: unknown, payload: unknown) {\n  return payload;\n}\n`,
    });
    ({ raw, gateway: gw } = await measure(root));
  } finally {
    removeRoot(root);
  }
  const describe = (r: IdleResult) =>
    `RSS ${num(r.before.rss)} -> ${num(r.after.rss)} MB, heap after GC ${num(r.before.heap)} -> ${num(r.after.heap)} MB, external ${num(r.before.external)} -> ${num(r.after.external)} MB; opened in ${num(r.openMs)} ms`;
  report.info(`raw ws server: ${describe(raw)}`);
  report.info(`gateway: ${describe(gw)}`);
  report.info(
    `gateway's sandbox process: ${num(gw.before.sandbox)} -> ${num(gw.after.sandbox)} MB (no Startup script, nothing per session)`,
  );
  const rssPer = kb(gw.after.rss - gw.before.rss);
  const rawRssPer = kb(raw.after.rss - raw.before.rss);
  report.info(
    `at the gateway's limit of ${MAX_SESSIONS} sessions that would be about ${num((rssPer * MAX_SESSIONS) / 1024)} MB of RSS (raw ws: ${num((rawRssPer * MAX_SESSIONS) / 1024)} MB)`,
  );
  report.figure({
    label: 'gateway RSS growth per idle session',
    value: rssPer,
    unit: 'KB',
    baseline: rawRssPer,
    baselineNote: 'plain ws server, per connection',
    target: { kind: 'ratio-max', x: 2 },
  });
  report.figure({
    label: `sessions opened per second (${CONCURRENCY} handshakes at a time)`,
    value: (IDLE_SESSIONS / gw.openMs) * 1000,
    unit: '/s',
    baseline: (IDLE_SESSIONS / raw.openMs) * 1000,
    baselineNote: 'plain ws server: upgrade, hello, welcome',
    target: { kind: 'info' },
  });
  // RSS keeps what the allocator took at the peak and moves with the pace of opening (11 to 16 KB a session over three
  // runs); the heap after a full GC is what the server retains (6.8 KB in each), so both are judged.
  report.figure({
    label: 'gateway JS heap growth per idle session (after GC)',
    value: kb(gw.after.heap - gw.before.heap),
    unit: 'KB',
    baseline: kb(raw.after.heap - raw.before.heap),
    baselineNote: 'plain ws server, per connection',
    target: { kind: 'ratio-max', x: 2 },
  });
}

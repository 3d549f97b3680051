// Benchmark 9: memory of idle sessions. The server runs in a fresh child process (session-idle-child.ts) so that its
// RSS is its own; the SDK clients run here. After a few warm-up sessions (the first ones pay for code, JIT and buffers
// once), IDLE_SESSIONS more are opened and left idle; the server's growth per session is compared with the same
// number of the same clients connected to a plain ws server (bench/ws-raw.ts). The project has a session message
// handler but no Startup script, so the sandbox has nothing to do per session.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FlintSession } from '../client/index.ts';
import { MAX_SESSIONS } from '../engine/sessions/session-manager.ts';
import { makeRoot, removeRoot, writeProject } from './fixtures.ts';
import { startChild } from './proc.ts';
import type { IdleReading } from './session-idle-child.ts';
import { closeSessions, openSessions } from './session-clients.ts';
import { num, type Report } from './stats.ts';

const PROJECT = 'idlebench';
const WARM = 100;
const IDLE_SESSIONS = 5000;
const CONCURRENCY = 32;
if (WARM + IDLE_SESSIONS > MAX_SESSIONS) throw new Error(`${WARM + IDLE_SESSIONS} sessions is more than a gateway keeps (${MAX_SESSIONS})`);

interface IdleResult {
  before: IdleReading;
  after: IdleReading;
  openMs: number;
}

/** Starts the server in `mode`, opens WARM then IDLE_SESSIONS sessions on it, and reads its memory before and after. */
async function measure(mode: 'gateway' | 'raw', args: string[]): Promise<IdleResult> {
  const child = await startChild<{ url: string }>('session-idle-child.ts', [mode, ...args], 30_000);
  const clients: FlintSession[][] = [];
  try {
    const url = child.ready.url;
    clients.push(await openSessions(url, PROJECT, WARM, CONCURRENCY));
    const before = await child.ask<IdleReading>({ t: 'read' }, 10_000);
    const t0 = performance.now();
    clients.push(await openSessions(url, PROJECT, IDLE_SESSIONS, CONCURRENCY));
    const openMs = performance.now() - t0;
    const after = await child.ask<IdleReading>({ t: 'read' }, 10_000);
    if (after.sessions !== WARM + IDLE_SESSIONS)
      throw new Error(`the ${mode} server holds ${after.sessions} sessions, expected ${WARM + IDLE_SESSIONS}`);
    return { before, after, openMs };
  } finally {
    for (const list of clients) closeSessions(list);
    await child.stop();
  }
}

const kb = (mb: number) => (mb * 1024) / IDLE_SESSIONS;

export async function benchSessionIdle(report: Report): Promise<void> {
  report.section(
    `9. Idle sessions: the server's memory growth per idle session, ${IDLE_SESSIONS} sessions opened ${CONCURRENCY} at a time after ${WARM} warm-up ones (fresh processes)`,
  );
  const raw = await measure('raw', []);
  const root = makeRoot('session-idle');
  let gw: IdleResult;
  try {
    writeProject(join(root, 'projects'), PROJECT, {
      'session-events/message/echo.ts': `export default function (_session: unknown, payload: unknown) {\n  return payload;\n}\n`,
    });
    gw = await measure('gateway', [root]);
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
  report.figure({
    label: 'gateway JS heap growth per idle session (after GC)',
    value: kb(gw.after.heap - gw.before.heap),
    unit: 'KB',
    baseline: kb(raw.after.heap - raw.before.heap),
    baselineNote: 'plain ws server, per connection',
    target: { kind: 'info' },
  });
}

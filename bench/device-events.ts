// Benchmarks of the Perspective App and form events (issue 15), sessions over the session protocol with the SDK, in
// this process as in bench/sessions.ts:
//   1. a barcode scan (and a keystroke regex match) from each of 1,000 sessions at once, until every script has run,
//      beside a session message request from the same 1,000 sessions at once into a script doing the same work;
//   2. a form submission acknowledged (recorded durably as started, script run, response recorded durably, answer
//      back), one at a time, beside the same two durable writes on raw node:sqlite and a plain session request.
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { performance } from 'node:perf_hooks';
import { serve } from '../api/server.ts';
import type { FlintSession } from '../client/index.ts';
import { DEVICE_EVENTS_PER_SECOND } from '../engine/sessions/session-manager.ts';
import { measureSerial } from './baselines.ts';
import { startBenchGateway, waitFor } from './fixtures.ts';
import { closeSessions, openSessions, within } from './session-clients.ts';
import { median, num, summarize, type Report } from './stats.ts';

const PROJECT = 'devicebench';
const SESSIONS = 1000;
const ROUNDS = 8;
const FORMS = 200;
const WORK = `session.custom.last = data.text;`;

/** Raw floor of a form submission's bookkeeping: the same insert and update, each its own durable transaction. */
function rawFormWrites(file: string) {
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec(
    'CREATE TABLE f (project TEXT, id TEXT, data TEXT, state TEXT, response TEXT, at INTEGER, PRIMARY KEY (project, id)) WITHOUT ROWID',
  );
  const insert = db.prepare("INSERT INTO f VALUES (?, ?, ?, 'started', NULL, ?)");
  const update = db.prepare("UPDATE f SET state = 'done', response = ? WHERE project = ? AND id = ?");
  let n = 0;
  return {
    once() {
      const id = `raw-${n++}`;
      insert.run('p', id, '{"email":"a@b.c"}', Date.now());
      update.run('{"success":true}', 'p', id);
    },
    close: () => db.close(),
  };
}

export async function benchDeviceEvents(report: Report): Promise<void> {
  const gw = await startBenchGateway('devices', {
    [PROJECT]: {
      'session-events/barcode.ts': `export default function (session: any, data: any) { ${WORK} }\n`,
      'session-events/message/scan.ts': `export default function (session: any, data: any) { ${WORK} return null; }\n`,
      'session-events/keystroke/scanner.ts': `export default function (page: any, event: any) { page.session.custom.last = event.matches[0]; }\n`,
      'session-events/keystroke/scanner.json': JSON.stringify({ mode: 'regex', regex: '[0-9]{4}@$', bufferLength: 5 }),
      'session-events/form-submission/Form.ts': `export default function (session: any, data: any) { return { success: !!data.email }; }\n`,
    },
  });
  const api = await serve(gw.gateway, 0);
  const raw = rawFormWrites(join(gw.root, 'raw-forms.sqlite'));
  const opened: FlintSession[][] = [];
  try {
    const clients = await openSessions(`${api.url.replace('http', 'ws')}/session`, PROJECT, SESSIONS);
    opened.push(clients);
    await waitFor(() => clients.every((c) => c.keystrokeRules.length === 1), 10_000, 'the keystroke rules');
    const pages = await Promise.all(clients.map((c) => c.openPage('/')));
    let n = 0;
    const allScan = () => {
      const text = `scan-${n++}`;
      return Promise.all(clients.map((c) => c.scanBarcode({ text })));
    };
    const allRequest = () => {
      const text = `req-${n++}`;
      return Promise.all(clients.map((c) => c.request('scan', { text })));
    };
    const allKeys = async () => {
      const digits = String(1000 + (n++ % 9000));
      for (const key of `${digits}@`) await Promise.all(clients.map((c, i) => c.sendKey(pages[i].pageId, { type: 'keyup', key })));
    };
    const timed = async (fn: () => Promise<unknown>) => {
      const t0 = performance.now();
      await within(fn(), 60_000, 'a round');
      return performance.now() - t0;
    };
    // One scan per session per round stays far under DEVICE_EVENTS_PER_SECOND; the pause lets each second pass.
    const pause = () => new Promise((resolve) => setTimeout(resolve, 1100 / DEVICE_EVENTS_PER_SECOND));
    await timed(allScan);
    await timed(allRequest);
    report.section(
      `device events: one barcode scan from each of ${SESSIONS} sessions at once, until every script has run (${ROUNDS} interleaved rounds)`,
    );
    const s = { scan: [] as number[], request: [] as number[], keys: [] as number[] };
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const scan = await timed(allScan);
      await pause();
      const request = await timed(allRequest);
      s.scan.push(scan);
      s.request.push(request);
      ratios.push(scan / request);
      if (round < 3) s.keys.push(await timed(allKeys)); // 5 key events per session, only the last matches
      await pause();
    }
    const [sc, rq] = [summarize(s.scan), summarize(s.request)];
    report.info(
      `session message request from ${SESSIONS} sessions at once: median ${num(rq.median)} ms, ${num(rq.min)} to ${num(rq.max)} ms`,
    );
    report.info(`barcode scan from ${SESSIONS} sessions at once: median ${num(sc.median)} ms, ${num(sc.min)} to ${num(sc.max)} ms`);
    report.info(`keystroke regex: 5 keys typed in each of ${SESSIONS} sessions, the fifth matching: median ${num(median(s.keys))} ms`);
    report.noise(ratios, 'scan / request within each round');
    report.figure({
      label: `barcode scans from ${SESSIONS} sessions, all scripts run`,
      value: sc.median,
      unit: 'ms',
      baseline: rq.median,
      baselineNote: `session message requests from ${SESSIONS} sessions`,
      target: { kind: 'info' },
    });

    report.section(`form submissions: one at a time, round-robin over the sessions, until the answer is back (${FORMS} per kind)`);
    // Round-robin over the sessions: each stays far under its 20 client events and 200 frames a second.
    const noStorage = { load: () => Promise.resolve([]), put: () => Promise.resolve(), remove: () => Promise.resolve() };
    const managers = clients.map((c) => c.formSubmissions(noStorage));
    let next = 0;
    const submit = async () => {
      const response = await managers[next++ % managers.length].submitForm('Form', { email: 'a@b.c' });
      if (!response.success) throw new Error('the form failed');
    };
    const request = () => clients[next++ % clients.length].request('scan', { text: 'x' });
    await measureSerial(submit, 20, 2000);
    const gatewayForms = await measureSerial(submit, FORMS, 2000);
    const rawForms = await measureSerial(() => Promise.resolve(raw.once()), FORMS, 1000);
    const requests = await measureSerial(request, FORMS, 2000);
    report.info(`raw node:sqlite insert + update, each durable (WAL, synchronous=FULL): median ${num(median(rawForms))} ms`);
    report.info(`session message request (no durable writes): median ${num(median(requests))} ms`);
    report.info(`form submission acknowledged: median ${num(median(gatewayForms))} ms, p99 ${num(summarize(gatewayForms).p99)} ms`);
    report.figure({
      label: 'form submission acknowledged',
      value: median(gatewayForms),
      unit: 'ms',
      baseline: median(rawForms) + median(requests),
      baselineNote: 'raw durable insert + update, plus a session request',
      target: { kind: 'info' },
    });
  } finally {
    for (const clients of opened) closeSessions(clients);
    raw.close();
    await api.close();
    await gw.stop();
  }
}

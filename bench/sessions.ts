// Benchmarks 7 and 8: sessions over the session protocol (`/session`, api/server.ts) with the SDK (client/index.ts), the
// gateway and its HTTP server in this process as in bench/http.ts. The baseline server is a plain `ws` server
// (bench/ws-raw.ts) that the same SDK clients talk to, so only the server differs, measured in interleaved rounds.
//   7. a client `request` into a session message handler and back, one at a time and 64 in flight
//   8. fan-out: one system.util.sendMessage (scope C) from a script to 1000 connected clients
import { performance } from 'node:perf_hooks';
import { serve, type RunningServer } from '../api/server.ts';
import type { FlintSession } from '../client/index.ts';
import { FRAMES_PER_SECOND } from '../engine/sessions/connection.ts';
import { EchoChild, IvmEcho, measureSerial, measureThroughput, type Throughput } from './baselines.ts';
import { ECHO_SOURCE, MESSAGE, PAYLOAD, PAYLOAD_JSON, startBenchGateway, waitFor, type BenchGateway } from './fixtures.ts';
import { closeSessions, openSessions, within } from './session-clients.ts';
import { median, num, summarize, type Report } from './stats.ts';
import { startRawSessionServer, type RawSessionServer } from './ws-raw.ts';

const PROJECT = 'sessbench';
const ROUNDS = 20;
const PER_ROUND = 100;
const IN_FLIGHT = 64;
const THROUGHPUT_ROUNDS = 6;
const THROUGHPUT_MS = 600;
/**
 * Requests go round-robin over this many sessions, also one at a time: one socket may send FRAMES_PER_SECOND (200)
 * frames a second (engine/sessions/connection.ts) and a refused frame is never replied to, while one client asking
 * one request at a time goes faster than that (and 64 in flight over 64 sessions came to 180 a second each).
 */
const POOL = 4 * IN_FLIGHT;
const FANOUT_CLIENTS = 1000;
const FANOUT_ROUNDS = 20;
const FAN = 'fan';

/** The frames on the wire, the same for the gateway and the raw server (the ids vary in length). */
const REQUEST_FRAME = JSON.stringify({ v: 1, type: 'request', id: 1000, handler: 'echo', payload: PAYLOAD });
const REPLY_FRAME = JSON.stringify({ v: 1, type: 'reply', id: 1000, ok: true, value: PAYLOAD });
const MESSAGE_FRAME = JSON.stringify({ v: 1, type: 'message', handler: FAN, payload: PAYLOAD });

const SESSION_ECHO_SOURCE = `export default function (_session: unknown, payload: unknown) {\n  return payload;\n}\n`;
/** What the fan-out times: one sendMessage from a script to every client handler `fan` of the project. */
const BROADCAST_SOURCE = `export default function (payload: object): number {\n  return system.util.sendMessage('${PROJECT}', '${FAN}', payload, 'C').length;\n}\n`;

function concat(rounds: Throughput[]): Throughput {
  const completed = rounds.reduce((a, r) => a + r.completed, 0);
  const failed = rounds.reduce((a, r) => a + r.failed, 0);
  const seconds = rounds.reduce((a, r) => a + r.seconds, 0);
  return { completed, failed, seconds, perSecond: completed / seconds };
}

interface Setup {
  gw: BenchGateway;
  api: RunningServer;
  url: string;
}

async function startGateway(tag: string): Promise<Setup> {
  const gw = await startBenchGateway(tag, {
    [PROJECT]: {
      'session-events/message/echo.ts': SESSION_ECHO_SOURCE,
      [`${MESSAGE}/echo.ts`]: ECHO_SOURCE,
      [`${MESSAGE}/broadcast.ts`]: BROADCAST_SOURCE,
    },
  });
  try {
    const api = await serve(gw.gateway, 0);
    return { gw, api, url: `${api.url.replace('http', 'ws')}/session` };
  } catch (error) {
    await gw.stop();
    throw error;
  }
}

/** A request over one of `pool`'s sessions, round-robin, checked and bounded. */
function requester(pool: FlintSession[], counts: { wrong: number }): () => Promise<void> {
  let next = 0;
  return async () => {
    const session = pool[next++ % pool.length];
    const value = (await within(session.request('echo', PAYLOAD), 5000, 'a session request')) as typeof PAYLOAD;
    if (value?.text !== PAYLOAD.text) {
      counts.wrong++;
      throw new Error(`wrong answer ${JSON.stringify(value)}`);
    }
  };
}

// ---- 7. request round trip ------------------------------------------------------------------------

export async function benchSessionRequests(report: Report): Promise<void> {
  const { gw, api, url } = await startGateway('sessions');
  let echo: RawSessionServer | undefined;
  let chained: RawSessionServer | undefined;
  let ivmEcho: IvmEcho | undefined;
  let ipc: EchoChild | undefined;
  let pipeline: EchoChild | undefined;
  const opened: FlintSession[][] = [];
  try {
    ivmEcho = await IvmEcho.create();
    ipc = await EchoChild.start('plain');
    pipeline = await EchoChild.start('ivm');
    const pipe = pipeline;
    echo = await startRawSessionServer();
    // The raw pipeline in one chain: ws frame in, IPC to a child that applies into its isolate, ws frame out.
    chained = await startRawSessionServer((payloadJson) => pipe.call(payloadJson));
    const [gwPool, echoPool, chainPool] = await Promise.all([
      openSessions(url, PROJECT, POOL),
      openSessions(echo.url, PROJECT, POOL),
      openSessions(chained.url, PROJECT, POOL),
    ]);
    opened.push(gwPool, echoPool, chainPool);
    const counts = { wrong: 0 };
    const targets = {
      echo: requester(echoPool, counts),
      chained: requester(chainPool, counts),
      gateway: requester(gwPool, counts),
    };
    const [ivmE, ipcE] = [ivmEcho, ipc];
    const floor = { ivm: () => ivmE.call(PAYLOAD_JSON), ipc: () => ipcE.call(PAYLOAD_JSON) };
    const session = gw.gateway.sessions.get(gwPool[0].sessionId);
    if (!session) throw new Error('the first session is not in the gateway');
    // Layers of the gateway's path without the socket, for locating overhead (reported, not judged).
    const layers: Record<string, () => Promise<unknown>> = {
      'sessions.request on a live session (session queue, snapshot, IPC + isolate; no socket)': () =>
        gw.gateway.sessions.request(session, 'echo', PAYLOAD_JSON),
      'gateway.request into a gateway message handler (no session, no socket)': () => gw.gateway.request(PROJECT, 'echo', PAYLOAD),
    };
    await targets.gateway(); // fails loudly if the project did not load
    for (const fn of [...Object.values(targets), ...Object.values(floor), ...Object.values(layers)]) await measureSerial(fn, 300, 2000);

    report.section(
      `7. Session request round trip (SDK request -> session message handler -> reply), one at a time, ${PAYLOAD_JSON.length} B payload (frames of ${REQUEST_FRAME.length} B and ${REPLY_FRAME.length} B), round-robin over ${POOL} sessions (${ROUNDS} interleaved rounds of ${PER_ROUND})`,
    );
    const s = { echo: [] as number[], chained: [] as number[], gateway: [] as number[], ivm: [] as number[], ipc: [] as number[] };
    const layerSamples: Record<string, number[]> = Object.fromEntries(Object.keys(layers).map((k) => [k, []]));
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const e = await measureSerial(targets.echo, PER_ROUND, 2000);
      const i = await measureSerial(floor.ivm, PER_ROUND, 1000);
      const p = await measureSerial(floor.ipc, PER_ROUND, 2000);
      const g = await measureSerial(targets.gateway, PER_ROUND, 4000);
      s.echo.push(...e);
      s.ivm.push(...i);
      s.ipc.push(...p);
      s.gateway.push(...g);
      s.chained.push(...(await measureSerial(targets.chained, PER_ROUND, 2000)));
      for (const [name, fn] of Object.entries(layers)) layerSamples[name].push(...(await measureSerial(fn, PER_ROUND / 2, 2000)));
      ratios.push(median(g) / (median(e) + median(i) + median(p)));
    }
    const [e, i, p, c, g] = [summarize(s.echo), summarize(s.ivm), summarize(s.ipc), summarize(s.chained), summarize(s.gateway)];
    report.info(`raw ws server echoing the request frame (same SDK client): median ${num(e.median)} ms, p99 ${num(e.p99)} ms (n=${e.n})`);
    report.info(
      `sandbox floor: raw ivm Reference.apply median ${num(i.median)} ms (p99 ${num(i.p99)}) + raw fork IPC echo median ${num(p.median)} ms (p99 ${num(p.p99)})`,
    );
    report.info(
      `raw pipeline in one chain (ws server -> IPC to a child -> its isolate -> ws reply): median ${num(c.median)} ms, p99 ${num(c.p99)} ms`,
    );
    report.layers(layerSamples);
    report.noise(ratios);
    report.info(`gateway: n=${g.n}, mean ${num(g.mean)} ms, min ${num(g.min)} ms, max ${num(g.max)} ms, wrong answers ${counts.wrong}`);
    report.figure({
      label: 'session request round trip p50',
      value: g.median,
      unit: 'ms',
      baseline: e.median + i.median + p.median,
      baselineNote: 'raw ws echo + ivm apply + IPC echo',
      target: { kind: 'ratio-max', x: 1.5 },
    });
    report.figure({
      label: 'session request round trip p99',
      value: g.p99,
      unit: 'ms',
      baseline: e.p99 + i.p99 + p.p99,
      baselineNote: 'the same three p99s',
      target: { kind: 'info' },
    });
    report.figure({
      label: 'session request round trip p50, against the chained raw pipeline',
      value: g.median,
      unit: 'ms',
      baseline: c.median,
      baselineNote: 'ws -> IPC -> isolate -> ws, no Flint code',
      target: { kind: 'info' },
    });

    report.section(
      `7b. Session request throughput, ${IN_FLIGHT} in flight over ${POOL} sessions (${THROUGHPUT_ROUNDS} interleaved rounds of ${THROUGHPUT_MS} ms)`,
    );
    const t = { echo: [] as Throughput[], chained: [] as Throughput[], gateway: [] as Throughput[] };
    const wrongBefore = counts.wrong;
    for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
      for (const name of ['echo', 'chained', 'gateway'] as const)
        t[name].push(await measureThroughput(targets[name], IN_FLIGHT, 1_000_000, THROUGHPUT_MS));
    }
    const [et, ct, gt] = [concat(t.echo), concat(t.chained), concat(t.gateway)];
    report.info(
      `raw ws echo: ${et.completed} in ${num(et.seconds)} s; chained raw pipeline: ${ct.completed}, ${ct.failed} failed; gateway: ${gt.completed}, ${gt.failed} failed (${counts.wrong - wrongBefore} wrong answers)`,
    );
    report.info(
      `per session the gateway saw ${num(gt.perSecond / POOL)} requests/s, under its limit of ${FRAMES_PER_SECOND} frames/s per socket`,
    );
    report.figure({
      label: `session request throughput (${IN_FLIGHT} in flight)`,
      value: gt.perSecond,
      unit: 'req/s',
      baseline: ct.perSecond,
      baselineNote: `chained raw pipeline ws -> IPC -> isolate, ${IN_FLIGHT} in flight`,
      target: { kind: 'ratio-min', x: 0.5 },
    });
    report.figure({
      label: `session request throughput against a raw ws echo (${IN_FLIGHT} in flight)`,
      value: gt.perSecond,
      unit: 'req/s',
      baseline: et.perSecond,
      baselineNote: 'raw ws echo, no sandbox',
      target: { kind: 'info' },
    });
  } finally {
    for (const pool of opened) closeSessions(pool);
    ivmEcho?.dispose();
    await Promise.all([echo?.close(), chained?.close(), ipc?.stop(), pipeline?.stop()]);
    await api.close();
    await gw.stop();
  }
}

// ---- 8. fan-out -----------------------------------------------------------------------------------

/** A `fan` client handler on every client; `arm` resolves once each client has received one more message. */
function receivers(clients: FlintSession[]) {
  let got = 0;
  let wrong = 0;
  let done: (() => void) | undefined;
  for (const client of clients)
    client.onMessage(FAN, (payload) => {
      if (payload.text !== PAYLOAD.text) wrong++;
      if (++got === clients.length) done?.();
    });
  return {
    get wrong() {
      return wrong;
    },
    arm(): Promise<void> {
      got = 0;
      return within(new Promise<void>((resolve) => (done = resolve)), 10_000, `a message to reach all ${clients.length} clients`);
    },
  };
}

/**
 * Milliseconds from `send` to the last of the clients receiving what it sent (`all`), and until `send` returned
 * (`sync`: for a server's send loop, its own share; the clients run in this process too). `send`'s promise is awaited.
 */
async function timeFanOut(armed: Promise<void>, send: () => unknown): Promise<{ all: number; sync: number }> {
  const t0 = performance.now();
  const sent = Promise.resolve(send());
  const sync = performance.now() - t0;
  try {
    await armed;
  } catch (error) {
    sent.catch(() => undefined); // the timeout is the error to report
    throw error;
  }
  const all = performance.now() - t0;
  await sent;
  return { all, sync };
}

export async function benchSessionFanout(report: Report): Promise<void> {
  const { gw, api, url } = await startGateway('fanout');
  let raw: RawSessionServer | undefined;
  let ivmEcho: IvmEcho | undefined;
  let ipc: EchoChild | undefined;
  const opened: FlintSession[][] = [];
  try {
    ivmEcho = await IvmEcho.create();
    ipc = await EchoChild.start('plain');
    raw = await startRawSessionServer();
    const rawServer = raw;
    const t0 = performance.now();
    const gwClients = await openSessions(url, PROJECT, FANOUT_CLIENTS);
    opened.push(gwClients);
    const gwOpenMs = performance.now() - t0;
    const t1 = performance.now();
    const rawClients = await openSessions(raw.url, PROJECT, FANOUT_CLIENTS);
    opened.push(rawClients);
    const rawOpenMs = performance.now() - t1;
    const gwRecv = receivers(gwClients);
    const rawRecv = receivers(rawClients);
    await waitFor(
      () => gwClients.every((c) => gw.gateway.sessions.get(c.sessionId)?.clientsListening(FAN).length === 1),
      10_000,
      `${FANOUT_CLIENTS} client handlers registered on the gateway`,
    );
    await waitFor(
      () => rawServer.listening(FAN) === FANOUT_CLIENTS,
      10_000,
      `${FANOUT_CLIENTS} client handlers registered on the raw server`,
    );

    let targets = 0;
    const fromScript = async () => {
      targets = (await gw.gateway.request(PROJECT, 'broadcast', PAYLOAD)) as number;
      if (targets !== FANOUT_CLIENTS) throw new Error(`sendMessage reached ${targets} clients, expected ${FANOUT_CLIENTS}`);
    };
    const kinds = {
      raw: () => timeFanOut(rawRecv.arm(), () => rawServer.broadcast(FAN, PAYLOAD)),
      gateway: () => timeFanOut(gwRecv.arm(), fromScript),
      // The same routing called from outside a script: no sandbox, no blocking host call (for locating overhead).
      messaging: () => timeFanOut(gwRecv.arm(), () => gw.gateway.message(PROJECT, FAN, PAYLOAD, 'C')),
    };
    const [ivmE, ipcE] = [ivmEcho, ipc];
    const floor = { ivm: () => ivmE.call(PAYLOAD_JSON), ipc: () => ipcE.call(PAYLOAD_JSON) };
    for (let i = 0; i < 3; i++) for (const fn of Object.values(kinds)) await fn();
    for (const fn of Object.values(floor)) await measureSerial(fn, 300, 1000);

    report.section(
      `8. Fan-out: one system.util.sendMessage (scope C) from a script to ${FANOUT_CLIENTS} connected clients, ${PAYLOAD_JSON.length} B payload (a ${MESSAGE_FRAME.length} B frame), until the last client has it (${FANOUT_ROUNDS} interleaved rounds)`,
    );
    report.info(
      `opening ${FANOUT_CLIENTS} sessions, 32 handshakes at a time: gateway ${num(gwOpenMs)} ms (${num((FANOUT_CLIENTS / gwOpenMs) * 1000)}/s), raw ws server ${num(rawOpenMs)} ms (${num((FANOUT_CLIENTS / rawOpenMs) * 1000)}/s)`,
    );
    const s = { raw: [] as number[], gateway: [] as number[], messaging: [] as number[], ivm: [] as number[], ipc: [] as number[] };
    const loops = { raw: [] as number[], messaging: [] as number[] };
    const ratios: number[] = [];
    for (let round = 0; round < FANOUT_ROUNDS; round++) {
      const raw = await kinds.raw();
      const g = (await kinds.gateway()).all;
      const m = await kinds.messaging();
      s.raw.push(raw.all);
      loops.raw.push(raw.sync);
      s.gateway.push(g);
      s.messaging.push(m.all);
      loops.messaging.push(m.sync);
      s.ivm.push(...(await measureSerial(floor.ivm, 20, 500)));
      s.ipc.push(...(await measureSerial(floor.ipc, 20, 500)));
      ratios.push(g / raw.all);
    }
    const [r, g, m, i, p] = [summarize(s.raw), summarize(s.gateway), summarize(s.messaging), summarize(s.ivm), summarize(s.ipc)];
    report.info(
      `raw ws server, the frame serialized once and sent to ${FANOUT_CLIENTS} sockets: median ${num(r.median)} ms, min ${num(r.min)}, max ${num(r.max)} ms`,
    );
    report.info(`gateway, from a script: median ${num(g.median)} ms, min ${num(g.min)}, max ${num(g.max)} ms`);
    report.info(
      `engine layer gateway.message (the same routing from outside a script: no sandbox, no blocking call): median ${num(m.median)} ms`,
    );
    report.info(
      `the server's send loop alone (until it returned): gateway.message median ${num(median(loops.messaging))} ms, raw broadcast median ${num(median(loops.raw))} ms`,
    );
    report.info(`sandbox floor: raw ivm apply median ${num(i.median)} ms + raw fork IPC echo median ${num(p.median)} ms`);
    report.noise(ratios, 'gateway / raw within each round');
    report.info(
      `wrong payloads received: gateway ${gwRecv.wrong}, raw ${rawRecv.wrong}; the script's sendMessage listed ${targets} targets`,
    );
    report.figure({
      label: `fan-out to ${FANOUT_CLIENTS} clients p50`,
      value: g.median,
      unit: 'ms',
      baseline: r.median + i.median + p.median,
      baselineNote: 'raw ws broadcast + ivm apply + IPC echo',
      target: { kind: 'ratio-max', x: 1.5 },
    });
    report.figure({
      label: `fan-out: the server's send loop to ${FANOUT_CLIENTS} clients`,
      value: median(loops.messaging),
      unit: 'ms',
      baseline: median(loops.raw),
      baselineNote: 'raw ws broadcast loop',
      target: { kind: 'info' },
    });
    report.figure({
      label: `fan-out to ${FANOUT_CLIENTS} clients, per client`,
      value: ((g.median - i.median - p.median) / FANOUT_CLIENTS) * 1000,
      unit: 'µs',
      baseline: (r.median / FANOUT_CLIENTS) * 1000,
      baselineNote: 'raw ws broadcast',
      target: { kind: 'info' },
    });
  } finally {
    for (const clients of opened) closeSessions(clients);
    ivmEcho?.dispose();
    await Promise.all([raw?.close(), ipc?.stop()]);
    await api.close();
    await gw.stop();
  }
}

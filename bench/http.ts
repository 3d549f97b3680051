// Benchmark: an HTTP request into a handler and back (POST /api/projects/<p>/request/echo through the real gateway's
// Express API), beside a plain node:http JSON echo server in the same process, one at a time and 64 in flight, in
// interleaved rounds. For locating overhead, the same route on bare node:http calling the same AdminFacade.
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '../api/server.ts';
import type { AdminFacade } from '../engine/admin-facade.ts';
import { measureSerial, measureThroughput, type Throughput } from './baselines.ts';
import { ECHO_SOURCE, MESSAGE, PAYLOAD_JSON, startBenchGateway } from './fixtures.ts';
import { median, num, summarize, type Report } from './stats.ts';

const PROJECT = 'httpbench';
const ROUNDS = 20;
const PER_ROUND = 100;
const IN_FLIGHT = 64;
const THROUGHPUT_ROUNDS = 6;
const THROUGHPUT_MS = 600;
const BODY = JSON.stringify({ payload: JSON.parse(PAYLOAD_JSON) as object });
const EXPECTED = `{"value":${PAYLOAD_JSON}}`;

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function readBody(req: import('node:http').IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The baseline: reads a JSON body, parses it and answers the same JSON shape the API does. */
function echoServer(): Server {
  return createServer((req, res) => {
    void readBody(req).then((text) => {
      const body = JSON.parse(text) as { payload: unknown };
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ value: body.payload }));
    });
  });
}

/** The request route without Express: bare node:http calling the same façade the Express route calls. */
function bareFacadeServer(admin: AdminFacade): Server {
  return createServer((req, res) => {
    void readBody(req).then(async (text) => {
      const body = JSON.parse(text) as { payload: object };
      const value = await admin.request(PROJECT, 'echo', body.payload, 60);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ value }));
    });
  });
}

/** One keep-alive HTTP client per target, so each keeps its own connections warm. */
function client(port: number, path: string, token?: string): () => Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(BODY)) };
  if (token) headers.authorization = `Bearer ${token}`;
  return () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => (res.statusCode === 200 && text === EXPECTED ? resolve() : reject(new Error(`${res.statusCode}: ${text}`))));
      });
      req.on('error', reject);
      req.end(BODY);
    });
}

function concat(rounds: Throughput[]): Throughput {
  const completed = rounds.reduce((a, r) => a + r.completed, 0);
  const failed = rounds.reduce((a, r) => a + r.failed, 0);
  const seconds = rounds.reduce((a, r) => a + r.seconds, 0);
  return { completed, failed, seconds, perSecond: completed / seconds };
}

export async function benchHttp(report: Report): Promise<void> {
  const gw = await startBenchGateway('http', { [PROJECT]: { [`${MESSAGE}/echo.ts`]: ECHO_SOURCE } });
  const api = await serve(gw.gateway, 0);
  const echo = echoServer();
  const bare = bareFacadeServer(gw.gateway.admin);
  try {
    const path = `/api/projects/${PROJECT}/request/echo`;
    const targets = {
      echo: client(await listening(echo), '/echo'),
      api: client(api.port, path, api.adminToken),
      bare: client(await listening(bare), path),
    };
    await targets.api(); // fails loudly if the project did not load
    for (const fn of Object.values(targets)) await measureSerial(fn, 500, 3000);

    report.section(
      `HTTP request into a handler and back, one at a time, ${BODY.length} B body (${ROUNDS} interleaved rounds of ${PER_ROUND})`,
    );
    const s = { echo: [] as number[], api: [] as number[], bare: [] as number[], facade: [] as number[] };
    const facade = () => gw.gateway.admin.request(PROJECT, 'echo', JSON.parse(PAYLOAD_JSON) as object, 60);
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const e = await measureSerial(targets.echo, PER_ROUND, 2000);
      const a = await measureSerial(targets.api, PER_ROUND, 4000);
      s.echo.push(...e);
      s.api.push(...a);
      s.bare.push(...(await measureSerial(targets.bare, PER_ROUND, 4000)));
      s.facade.push(...(await measureSerial(facade, PER_ROUND, 4000)));
      ratios.push(median(a) / median(e));
    }
    const [e, a, b, f] = [summarize(s.echo), summarize(s.api), summarize(s.bare), summarize(s.facade)];
    report.info(`node:http JSON echo: median ${num(e.median)} ms, p99 ${num(e.p99)} ms (n=${e.n})`);
    report.info(`gateway API (Express): median ${num(a.median)} ms, p99 ${num(a.p99)} ms (n=${a.n})`);
    report.info(`same route on bare node:http calling the same façade: median ${num(b.median)} ms, p99 ${num(b.p99)} ms`);
    report.info(`the façade alone, no HTTP (admin.request: IPC + isolate): median ${num(f.median)} ms, p99 ${num(f.p99)} ms`);
    report.info(`Express's share of the gateway's median: ${num(a.median - b.median)} ms of ${num(a.median)} ms`);
    report.noise(ratios, 'the ratio within each round');
    report.figure({
      label: 'HTTP request into a handler, p50',
      value: a.median,
      unit: 'ms',
      baseline: e.median,
      baselineNote: 'node:http JSON echo',
      target: { kind: 'ratio-max', x: 2.5 },
    });
    report.figure({
      label: 'same route on bare node:http + façade, p50',
      value: b.median,
      unit: 'ms',
      baseline: e.median,
      baselineNote: 'node:http JSON echo',
      target: { kind: 'info' },
    });

    report.section(`HTTP request into a handler, ${IN_FLIGHT} in flight (${THROUGHPUT_ROUNDS} interleaved rounds of ${THROUGHPUT_MS} ms)`);
    const t = { echo: [] as Throughput[], api: [] as Throughput[], bare: [] as Throughput[] };
    for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
      for (const name of ['echo', 'api', 'bare'] as const)
        t[name].push(await measureThroughput(targets[name], IN_FLIGHT, 1_000_000, THROUGHPUT_MS));
    }
    const [et, at, bt] = [concat(t.echo), concat(t.api), concat(t.bare)];
    report.info(
      `echo: ${et.completed} in ${num(et.seconds)} s; gateway API: ${at.completed} in ${num(at.seconds)} s, ${at.failed} failed; bare + façade: ${bt.completed}, ${bt.failed} failed`,
    );
    report.figure({
      label: `HTTP request into a handler (${IN_FLIGHT} in flight)`,
      value: at.perSecond,
      unit: 'req/s',
      baseline: et.perSecond,
      baselineNote: 'node:http JSON echo',
      target: { kind: 'ratio-min', x: 0.5 },
    });
    report.figure({
      label: `same route on bare node:http + façade (${IN_FLIGHT} in flight)`,
      value: bt.perSecond,
      unit: 'req/s',
      baseline: et.perSecond,
      baselineNote: 'node:http JSON echo',
      target: { kind: 'info' },
    });
  } finally {
    await Promise.all([api.close(), new Promise((r) => echo.close(r)), new Promise((r) => bare.close(r))]);
    echo.closeAllConnections();
    bare.closeAllConnections();
    await gw.stop();
  }
}

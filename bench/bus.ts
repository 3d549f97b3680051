// Benchmarks of the long-polling bus (issue 14, seeds/004), through the gateway's HTTP server (POST /<project>/bus):
//   1. 1,000 concurrent long polls released by one publish, until all have answered, beside a plain node:http server
//      in this process that holds 1,000 requests and answers them all on one call (interleaved rounds). Goal: 2x.
//   2. 10,000 messages published on 100 channels with 1,000 pollers (ten per channel), each polling in Tryton's loop
//      with its last message id: every poller must get every message of its channel once, in order. Time and memory.
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { serve } from '../api/server.ts';
import { MESSAGE, startBenchGateway, waitFor } from './fixtures.ts';
import { num, summarize, type Report } from './stats.ts';

const PROJECT = 'busbench';
const POLLERS = 1000;
const ROUNDS = 10;
const CHANNELS = 100;
const MESSAGES = 10_000;
const PUBLISH_SOURCE = `export default function (payload: { channel: string; from: number; count: number }) {
  const ids: string[] = [];
  for (let i = 0; i < payload.count; i++) ids.push(system.bus.publish(payload.channel, { type: 'bench', n: payload.from + i }));
  return ids;
}
`;

/** POSTs JSON over `agent` and resolves to the parsed answer. */
function postJson(url: string, body: unknown, headers: Record<string, string>, agent: Agent): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(text) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** Plain node:http: holds every POST until `release` answers them all with one serialized body. */
async function startPlainServer() {
  const held: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => held.push(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get held() {
      return held.length;
    },
    release(body: unknown) {
      const text = JSON.stringify(body);
      for (const res of held.splice(0))
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function benchBus(report: Report): Promise<void> {
  const gw = await startBenchGateway('bus', {
    [PROJECT]: {
      'project.json': JSON.stringify({ bus: { maxCount: 20_000, maxBytes: 64 * 1024 * 1024 } }),
      [`${MESSAGE}/publish.ts`]: PUBLISH_SOURCE,
    },
  });
  const api = await serve(gw.gateway, 0);
  const plain = await startPlainServer();
  // One connection per poller, as 1000 browsers would have.
  const agent = new Agent({ keepAlive: true, maxSockets: POLLERS + 10 });
  try {
    await gw.gateway.users.add('bench', 'bench-password', []);
    const token = (await gw.gateway.logins.login('bench', 'bench-password', '127.0.0.1')).token;
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const post = (url: string, body: unknown) =>
      postJson(url, body, headers, agent) as Promise<{ message: { message_id: string; n: number } | null; channel: string | null }>;
    const publish = (channel: string, from: number, count: number) =>
      gw.gateway.request(PROJECT, 'publish', { channel, from, count }) as Promise<string[]>;
    const busUrl = `${api.url}/${PROJECT}/bus`;

    // ---- 1. 1000 polls released by one publish
    const gatewayRound = async () => {
      const [last] = await publish('fan', 0, 1);
      const polls = Array.from({ length: POLLERS }, () => post(busUrl, { last_message: last, channels: ['fan'] }));
      await waitFor(() => gw.gateway.bus.waiting(PROJECT) === POLLERS, 30_000, `${POLLERS} polls waiting on the gateway`);
      const t0 = performance.now();
      const [id] = await publish('fan', 1, 1);
      const answers = await Promise.all(polls);
      const ms = performance.now() - t0;
      if (!answers.every((a) => a.message?.message_id === id)) throw new Error('a poll answered something else');
      return ms;
    };
    const plainRound = async () => {
      const polls = Array.from({ length: POLLERS }, () => post(plain.url, { last_message: null, channels: ['fan'] }));
      await waitFor(() => plain.held === POLLERS, 30_000, `${POLLERS} requests held by the plain server`);
      const t0 = performance.now();
      plain.release({ message: { type: 'bench', n: 1, message_id: 'x' }, channel: 'fan' });
      await Promise.all(polls);
      return performance.now() - t0;
    };
    await gatewayRound();
    await plainRound();
    report.section(`bus: ${POLLERS} concurrent long polls released by one publish, until all have answered (${ROUNDS} interleaved rounds)`);
    const s = { gateway: [] as number[], plain: [] as number[] };
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const g = await gatewayRound();
      const p = await plainRound();
      s.gateway.push(g);
      s.plain.push(p);
      ratios.push(g / p);
    }
    const [g, p] = [summarize(s.gateway), summarize(s.plain)];
    report.info(`plain node:http answering ${POLLERS} held requests: median ${num(p.median)} ms, ${num(p.min)} to ${num(p.max)} ms`);
    report.info(
      `gateway, from the publish call (a script's system.bus.publish): median ${num(g.median)} ms, ${num(g.min)} to ${num(g.max)} ms`,
    );
    report.noise(ratios, 'gateway / plain within each round');
    report.figure({
      label: `${POLLERS} long polls released by one publish`,
      value: g.median,
      unit: 'ms',
      baseline: p.median,
      baselineNote: 'plain node:http answering as many held requests',
      target: { kind: 'ratio-max', x: 2 },
    });

    // ---- 2. 10,000 messages on 100 channels, 1000 pollers
    report.section(
      `bus: ${MESSAGES} messages on ${CHANNELS} channels, ${POLLERS} pollers (${POLLERS / CHANNELS} per channel) in Tryton's loop`,
    );
    const perChannel = MESSAGES / CHANNELS;
    const [start] = await publish('start', 0, 1);
    const rssBefore = process.memoryUsage().rss;
    let wrong = 0;
    const poller = async (channel: string) => {
      let last: string | null = start;
      for (let expected = 0; expected < perChannel;) {
        const { message } = await post(busUrl, { last_message: last, channels: [channel] });
        if (!message) continue;
        if (message.n !== expected) wrong++;
        last = message.message_id;
        expected = message.n + 1;
      }
    };
    const t0 = performance.now();
    const pollers = Array.from({ length: POLLERS }, (_, i) => poller(`c${i % CHANNELS}`));
    for (let from = 0; from < perChannel; from += 10)
      await Promise.all(Array.from({ length: CHANNELS }, (_, c) => publish(`c${c}`, from, 10)));
    const published = performance.now() - t0;
    await Promise.all(pollers);
    const all = performance.now() - t0;
    const rssAfter = process.memoryUsage().rss;
    report.info(
      `published ${MESSAGES} messages in ${num(published)} ms; every poller had all ${perChannel} of its channel after ${num(all)} ms (${num(((POLLERS * perChannel) / all) * 1000)} deliveries/s); out of order or missing: ${wrong}`,
    );
    report.info(
      `RSS of the process (gateway, HTTP server and the 1000 clients): ${num(rssBefore / 2 ** 20)} MiB before, ${num(rssAfter / 2 ** 20)} MiB after`,
    );
    report.figure({
      label: `${MESSAGES} messages to ${POLLERS} pollers, all delivered`,
      value: all,
      unit: 'ms',
      baseline: published,
      baselineNote: 'publishing them',
      target: { kind: 'info' },
    });
    if (wrong > 0) throw new Error(`${wrong} messages came out of order or were missed`);
  } finally {
    agent.destroy();
    await plain.close();
    await api.close();
    await gw.stop();
  }
}

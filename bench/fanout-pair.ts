// The setup the fan-out benchmarks share (bench/push.ts, bench/tag-bindings.ts): a bench gateway with its HTTP server
// and `count` SDK sessions on it, beside a raw `ws` server (bench/ws-raw.ts) with as many sessions of the same SDK
// listening to one client handler, and the raw broadcast timed until the last of them has it.
import { performance } from 'node:perf_hooks';
import { serve, type RunningServer } from '../api/server.ts';
import type { FlintSession } from '../client/index.ts';
import { startBenchGateway, waitFor, type BenchGateway, type Files } from './fixtures.ts';
import { arrivals, closeSessions, openSessions } from './session-clients.ts';
import { startRawSessionServer, type RawSessionServer } from './ws-raw.ts';

const FAN = 'fan';

export interface FanOutPair {
  gw: BenchGateway;
  api: RunningServer;
  raw: RawSessionServer;
  /** Sessions on the gateway. */
  clients: FlintSession[];
  /** Milliseconds from one raw broadcast (a `{ n }` payload) until every raw client has it; the `wrong` it counted. */
  rawBroadcast(): Promise<number>;
  readonly rawWrong: number;
  close(): Promise<void>;
}

export async function openFanOutPair(tag: string, project: string, files: Files, count: number): Promise<FanOutPair> {
  const gw = await startBenchGateway(tag, { [project]: files });
  const opened: FlintSession[][] = [];
  let api: RunningServer | undefined;
  let raw: RawSessionServer | undefined;
  const close = async () => {
    for (const clients of opened) closeSessions(clients);
    await raw?.close();
    await api?.close();
    await gw.stop();
  };
  try {
    api = await serve(gw.gateway, 0);
    raw = await startRawSessionServer();
    const server = raw;
    const clients = await openSessions(`${api.url.replace('http', 'ws')}/session`, project, count);
    opened.push(clients);
    const rawClients = await openSessions(raw.url, project, count);
    opened.push(rawClients);
    const rawSeen = arrivals(rawClients, (client, seen) => client.onMessage(FAN, (payload) => seen(payload.n)));
    await waitFor(() => server.listening(FAN) === count, 10_000, `${count} client handlers on the raw server`);
    let n = 0;
    return {
      gw,
      api,
      raw,
      clients,
      async rawBroadcast() {
        const value = `raw-${++n}`;
        const arrived = rawSeen.arm(value);
        const t0 = performance.now();
        server.broadcast(FAN, { n: value });
        await arrived;
        return performance.now() - t0;
      },
      get rawWrong() {
        return rawSeen.wrong;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

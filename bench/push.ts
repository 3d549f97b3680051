// Benchmark: one system.perspective.pushMessage from a script to 1,000 sessions subscribed to its topic (issue 14,
// seeds/003), until the last SDK client has it, beside a raw `ws` server broadcasting one frame to 1,000 sockets of the
// same SDK clients (bench/ws-raw.ts) plus the floor of any script's call (raw isolated-vm apply + raw fork IPC echo),
// in interleaved rounds. Target: within 3x.
import { performance } from 'node:perf_hooks';
import { EchoChild, IvmEcho, measureSerial } from './baselines.ts';
import { openFanOutPair } from './fanout-pair.ts';
import { MESSAGE, PAYLOAD, PAYLOAD_JSON } from './fixtures.ts';
import { arrivals } from './session-clients.ts';
import { num, summarize, type Report } from './stats.ts';

const PROJECT = 'pushbench';
const CLIENTS = 1000;
const ROUNDS = 20;
const TOPIC = 'Shift Change';
const PUSH_SOURCE = `export default function (payload: object): number {\n  return system.perspective.pushMessage(${JSON.stringify(TOPIC)}, payload);\n}\n`;

export async function benchPush(report: Report): Promise<void> {
  const pair = await openFanOutPair('push', PROJECT, { [`${MESSAGE}/push.ts`]: PUSH_SOURCE }, CLIENTS);
  const { gw, clients } = pair;
  let ivmEcho: IvmEcho | undefined;
  let ipc: EchoChild | undefined;
  try {
    ivmEcho = await IvmEcho.create();
    ipc = await EchoChild.start('plain');
    const gwSeen = arrivals(clients, (client, seen) => void client.subscribe(TOPIC, (p) => seen((p as { n: number }).n)));
    await Promise.all(clients.map((c) => c.subscribed()));

    let n = 0;
    const fromScript = async () => {
      const value = ++n;
      const arrived = gwSeen.arm(value);
      const t0 = performance.now();
      const reached = (await gw.gateway.request(PROJECT, 'push', { ...PAYLOAD, n: value })) as number;
      if (reached !== CLIENTS) throw new Error(`the push reached ${reached} subscribers, expected ${CLIENTS}`);
      await arrived;
      return performance.now() - t0;
    };
    const rawBroadcast = () => pair.rawBroadcast();
    const [ivmE, ipcE] = [ivmEcho, ipc];
    for (let i = 0; i < 3; i++) {
      await fromScript();
      await rawBroadcast();
    }
    await measureSerial(() => ivmE.call(PAYLOAD_JSON), 300, 1000);
    await measureSerial(() => ipcE.call(PAYLOAD_JSON), 300, 1000);
    report.section(
      `push by topic: one system.perspective.pushMessage from a script to ${CLIENTS} subscribed sessions, until the last has it (${ROUNDS} interleaved rounds)`,
    );
    const s = { gateway: [] as number[], raw: [] as number[], ivm: [] as number[], ipc: [] as number[] };
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const g = await fromScript();
      const r = await rawBroadcast();
      s.gateway.push(g);
      s.raw.push(r);
      s.ivm.push(...(await measureSerial(() => ivmE.call(PAYLOAD_JSON), 20, 500)));
      s.ipc.push(...(await measureSerial(() => ipcE.call(PAYLOAD_JSON), 20, 500)));
      ratios.push(g / r);
    }
    const [g, r, i, p] = [summarize(s.gateway), summarize(s.raw), summarize(s.ivm), summarize(s.ipc)];
    report.info(`raw ws broadcast of one frame to ${CLIENTS} sockets: median ${num(r.median)} ms, ${num(r.min)} to ${num(r.max)} ms`);
    report.info(`gateway, from a script: median ${num(g.median)} ms, ${num(g.min)} to ${num(g.max)} ms`);
    report.info(`sandbox floor: raw ivm apply median ${num(i.median)} ms + raw fork IPC echo median ${num(p.median)} ms`);
    report.noise(ratios, 'gateway / raw broadcast within each round');
    report.info(`wrong payloads received: gateway ${gwSeen.wrong}, raw ${pair.rawWrong}`);
    report.figure({
      label: `push to ${CLIENTS} subscribed sessions p50`,
      value: g.median,
      unit: 'ms',
      baseline: r.median + i.median + p.median,
      baselineNote: 'raw ws broadcast + ivm apply + IPC echo',
      target: { kind: 'ratio-max', x: 3 },
    });
    report.figure({
      label: `push to ${CLIENTS} subscribed sessions p50, against the raw broadcast alone`,
      value: g.median,
      unit: 'ms',
      baseline: r.median,
      baselineNote: 'raw ws broadcast, no script',
      target: { kind: 'info' },
    });
  } finally {
    ivmEcho?.dispose();
    await ipc?.stop();
    await pair.close();
  }
}

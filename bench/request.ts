// Benchmarks 1 and 2: gateway.request into a gateway message handler and back, one at a time and 64 in
// flight, beside the raw pipeline (child-process IPC echo + isolated-vm Reference.apply) measured in
// interleaved rounds so that machine noise hits both alike.
import { compileModule } from '../engine/compiler/compile.ts';
import { DEFAULT_LIMITS } from '../engine/projects/limits.ts';
import { ProjectSandbox } from '../engine/sandbox/host/project-sandbox.ts';
import { EchoChild, IvmEcho, measureSerial, measureThroughput, type Throughput } from './baselines.ts';
import { ECHO_SOURCE, MESSAGE, PAYLOAD, PAYLOAD_JSON, startBenchGateway } from './fixtures.ts';
import { median, num, summarize, type Report } from './stats.ts';

const PROJECT = 'reqbench';
const ROUNDS = 20;
const PER_ROUND = 100;
const IN_FLIGHT = 64;
const THROUGHPUT_ROUNDS = 6;
const THROUGHPUT_MS = 600;

/**
 * The engine's sandbox layer alone, in this process: a ProjectSandbox (the isolate, prelude and module
 * table a sandbox host process holds) invoking the echo handler, without IPC. For locating overhead only.
 */
async function inProcessSandbox(): Promise<{ call: () => Promise<string>; dispose: () => void }> {
  const waiting = new Map<number, (outcome: string) => void>();
  const sandbox = await ProjectSandbox.create('inprocess', DEFAULT_LIMITS, (message) => {
    if (message.t !== 'result') return;
    waiting.get(message.call)?.(message.outcome);
    waiting.delete(message.call);
  });
  const id = `${MESSAGE}/echo.ts`;
  const compiled = await compileModule({ id, displayPath: id, source: ECHO_SOURCE, exists: () => false });
  if (!compiled.ok) throw new Error('the echo handler did not compile');
  const loaded = await sandbox.load([{ ...compiled.module, handler: true }], [], []);
  if (!loaded[id]?.ok) throw new Error('the echo handler did not load into the in-process sandbox');
  let next = 1;
  return {
    call: () =>
      new Promise<string>((resolve) => {
        const call = next++;
        waiting.set(call, resolve);
        void sandbox.invoke(call, id, `[${PAYLOAD_JSON}]`, DEFAULT_LIMITS.timeoutMs);
      }),
    dispose: () => sandbox.unload(),
  };
}

function concatRounds(rounds: Throughput[]): Throughput {
  const completed = rounds.reduce((a, r) => a + r.completed, 0);
  const failed = rounds.reduce((a, r) => a + r.failed, 0);
  const seconds = rounds.reduce((a, r) => a + r.seconds, 0);
  return { completed, failed, seconds, perSecond: completed / seconds };
}

export async function benchRequests(report: Report): Promise<void> {
  const gw = await startBenchGateway('request', { [PROJECT]: { [`${MESSAGE}/echo.ts`]: ECHO_SOURCE } });
  let ivmEcho: IvmEcho | undefined;
  let ipc: EchoChild | undefined;
  let pipeline: EchoChild | undefined;
  let local: Awaited<ReturnType<typeof inProcessSandbox>> | undefined;
  const module = `${MESSAGE}/echo.ts`;
  try {
    ivmEcho = await IvmEcho.create();
    ipc = await EchoChild.start('plain');
    pipeline = await EchoChild.start('ivm');
    // A diagnostic only: engine internals may change shape, which must not stop the judged figures.
    local = await inProcessSandbox().catch((error: unknown) => {
      report.info(`(the in-process ProjectSandbox layer is skipped: ${(error as Error).message})`);
      return undefined;
    });
    let wrong = 0;
    const request = async () => {
      const value = (await gw.gateway.request(PROJECT, 'echo', PAYLOAD)) as typeof PAYLOAD;
      if (value?.text !== PAYLOAD.text) {
        wrong++;
        throw new Error('wrong answer');
      }
    };
    await request(); // fails loudly if the project did not load

    // Warm-up: JIT, IPC channels, the isolates' code caches.
    const [echo, ipcChild, pipe] = [ivmEcho, ipc, pipeline];
    await measureSerial(() => echo.call(PAYLOAD_JSON), 500, 1000);
    await measureSerial(() => ipcChild.call(PAYLOAD_JSON), 500, 2000);
    await measureSerial(() => pipe.call(PAYLOAD_JSON), 500, 2000);
    await measureSerial(request, 500, 3000);
    if (local) await measureSerial(local.call, 500, 2000);
    // Layers of the engine path, for locating overhead (reported, not judged).
    const layers: Record<string, () => Promise<unknown>> = {
      ...(local ? { 'ProjectSandbox.invoke in this process (sandbox layer, no IPC)': local.call } : {}),
      'supervisor.invoke (IPC + sandbox host)': () => gw.gateway.supervisor.invoke(PROJECT, module, `[${PAYLOAD_JSON}]`, 5000),
      'messaging.request (+ handler lookup, reply timer)': () => gw.gateway.messaging.request(PROJECT, 'echo', PAYLOAD_JSON, undefined, 60),
    };

    // ---- 1. one at a time -------------------------------------------------------------------------
    report.section(
      `1. sendRequest round trip, one at a time, ${PAYLOAD_JSON.length} B payload (${ROUNDS} interleaved rounds of ${PER_ROUND})`,
    );
    const s = { ivm: [] as number[], ivmTimeout: [] as number[], ipc: [] as number[], pipeline: [] as number[], gateway: [] as number[] };
    const roundRatios: number[] = [];
    const layerSamples: Record<string, number[]> = Object.fromEntries(Object.keys(layers).map((k) => [k, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const ivmRound = await measureSerial(() => echo.call(PAYLOAD_JSON), PER_ROUND, 1000);
      s.ivm.push(...ivmRound);
      s.ivmTimeout.push(...(await measureSerial(() => echo.callWithTimeout(PAYLOAD_JSON, 5000), PER_ROUND, 1000)));
      const ipcRound = await measureSerial(() => ipcChild.call(PAYLOAD_JSON), PER_ROUND, 2000);
      s.ipc.push(...ipcRound);
      s.pipeline.push(...(await measureSerial(() => pipe.call(PAYLOAD_JSON), PER_ROUND, 2000)));
      const gatewayRound = await measureSerial(request, PER_ROUND, 4000);
      s.gateway.push(...gatewayRound);
      roundRatios.push(median(gatewayRound) / (median(ivmRound) + median(ipcRound)));
      for (const [name, fn] of Object.entries(layers)) layerSamples[name].push(...(await measureSerial(fn, PER_ROUND / 2, 2000)));
    }
    const ivmS = summarize(s.ivm);
    const ivmT = summarize(s.ivmTimeout);
    const ipcS = summarize(s.ipc);
    const pipeS = summarize(s.pipeline);
    const gwS = summarize(s.gateway);
    report.info(
      `raw ivm Reference.apply: median ${num(ivmS.median)} ms, p99 ${num(ivmS.p99)} ms (n=${ivmS.n}); with {timeout} as the engine calls it: median ${num(ivmT.median)} ms, p99 ${num(ivmT.p99)} ms`,
    );
    report.info(`raw fork IPC echo: median ${num(ipcS.median)} ms, p99 ${num(ipcS.p99)} ms (n=${ipcS.n})`);
    report.info(
      `raw pipeline in one chain (IPC to a child that applies into its isolate): median ${num(pipeS.median)} ms, p99 ${num(pipeS.p99)} ms`,
    );
    report.layers(layerSamples);
    report.noise(roundRatios);
    report.info(
      `gateway.request: n=${gwS.n}, mean ${num(gwS.mean)} ms, min ${num(gwS.min)} ms, max ${num(gwS.max)} ms, wrong answers ${wrong}`,
    );
    report.figure({
      label: 'sendRequest round trip median',
      value: gwS.median,
      unit: 'ms',
      baseline: ivmS.median + ipcS.median,
      baselineNote: 'ivm apply + IPC echo',
      target: { kind: 'ratio-max', x: 2 },
    });
    report.figure({
      label: 'sendRequest round trip p99',
      value: gwS.p99,
      unit: 'ms',
      baseline: ivmS.p99 + ipcS.p99,
      baselineNote: 'ivm apply p99 + IPC echo p99',
      target: { kind: 'info' },
    });

    // ---- 2. 64 in flight --------------------------------------------------------------------------
    report.section(`2. sendRequest throughput, ${IN_FLIGHT} in flight (${THROUGHPUT_ROUNDS} interleaved rounds of ${THROUGHPUT_MS} ms)`);
    const raw: Throughput[] = [];
    const engine: Throughput[] = [];
    const failedBefore = wrong;
    for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
      raw.push(await measureThroughput(() => pipe.call(PAYLOAD_JSON), IN_FLIGHT, 1_000_000, THROUGHPUT_MS));
      engine.push(await measureThroughput(request, IN_FLIGHT, 1_000_000, THROUGHPUT_MS));
    }
    const rawT = concatRounds(raw);
    const engT = concatRounds(engine);
    report.info(
      `raw pipeline: ${rawT.completed} round trips in ${num(rawT.seconds)} s; gateway: ${engT.completed} requests in ${num(engT.seconds)} s, ${engT.failed} failed (${wrong - failedBefore} wrong answers)`,
    );
    report.figure({
      label: `sendRequest throughput (${IN_FLIGHT} in flight)`,
      value: engT.perSecond,
      unit: 'req/s',
      baseline: rawT.perSecond,
      baselineNote: `raw IPC echo + ivm apply, ${IN_FLIGHT} in flight`,
      target: { kind: 'ratio-min', x: 0.5 },
    });
  } finally {
    ivmEcho?.dispose();
    local?.dispose();
    await Promise.all([ipc?.stop(), pipeline?.stop(), gw.stop()]);
  }
}

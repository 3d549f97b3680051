// Benchmark 3: a blocking host call's round trip (system.util.sendMessage, mode `sync`: the isolate's thread waits in
// applySyncPromise while the gateway answers over IPC), beside its raw floor in the same run: a child process whose
// isolate calls applySyncPromise on a host function that asks this process over IPC (bench/blocking-child.ts).
// Both are measured as (time of n calls in one entry - time of 0 calls) / n, in interleaved rounds.
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { FromBlockingChild, ToBlockingChild } from './blocking-child.ts';
import { MESSAGE, startBenchGateway } from './fixtures.ts';
import { benchFile, CHILD_EXEC_ARGV } from './proc.ts';
import { median, num, summarize, type Report } from './stats.ts';

const PROJECT = 'blockbench';
const CALLS = 200;
const ROUNDS = 15;
/** Scope "S" with a session message handler and no session connected: the gateway routes and answers `[]`, running no handler. */
const LOOP_SOURCE = `export default function (payload: { n: number }) {\n  let list: string[] = [];\n  for (let i = 0; i < payload.n; i++) list = system.util.sendMessage('${PROJECT}', 'sink', {}, 'S');\n  return list.length;\n}\n`;
const SINK_SOURCE = `export default function () {}\n`;
/** What the engine's call carries across IPC, roughly: its arguments as JSON. */
const ARGS_JSON = JSON.stringify([PROJECT, 'sink', {}, 'S']);

class BlockingFloor {
  private readonly child: ChildProcess;
  private readonly runs = new Map<number, () => void>();
  private nextRun = 1;

  private constructor(child: ChildProcess) {
    this.child = child;
    child.on('message', (message: FromBlockingChild) => {
      if (message.t === 'ask') this.post({ t: 'answer', id: message.id, json: '{"ok":true,"value":[]}' });
      else if (message.t === 'done') {
        this.runs.get(message.id)?.();
        this.runs.delete(message.id);
      }
    });
  }

  static start(): Promise<BlockingFloor> {
    const child = fork(benchFile('blocking-child.ts'), [], { execArgv: CHILD_EXEC_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('blocking floor child did not start within 10 s')), 10_000);
      child.once('message', () => {
        clearTimeout(timer);
        resolve(new BlockingFloor(child));
      });
      child.once('exit', (code) => reject(new Error(`blocking floor child exited with ${code}`)));
    });
  }

  private post(message: ToBlockingChild): void {
    this.child.send(message);
  }

  run(n: number): Promise<void> {
    const id = this.nextRun++;
    return new Promise((resolve) => {
      this.runs.set(id, resolve);
      this.post({ t: 'run', id, n, json: ARGS_JSON });
    });
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}

/** Milliseconds per call: one entry making `CALLS` calls, less one making none. */
async function perCall(run: (n: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run(0);
  const empty = performance.now() - t0;
  const t1 = performance.now();
  await run(CALLS);
  return (performance.now() - t1 - empty) / CALLS;
}

export async function benchBlocking(report: Report): Promise<void> {
  const gw = await startBenchGateway('blocking', {
    [PROJECT]: { [`${MESSAGE}/loop.ts`]: LOOP_SOURCE, 'session-events/message/sink.ts': SINK_SOURCE },
  });
  let floor: BlockingFloor | undefined;
  try {
    floor = await BlockingFloor.start();
    const raw = floor;
    const engine = async (n: number) => {
      const value = await gw.gateway.request(PROJECT, 'loop', { n });
      if (value !== 0) throw new Error(`the blocking loop answered ${JSON.stringify(value)}`);
    };
    for (let i = 0; i < 5; i++) {
      await perCall(engine); // warm-up: JIT, IPC channels
      await perCall((n) => raw.run(n));
    }
    report.section(
      `3. blocking host call round trip (system.util.sendMessage without await; ${ROUNDS} interleaved rounds of ${CALLS} calls)`,
    );
    const engineMs: number[] = [];
    const floorMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      floorMs.push(await perCall((n) => raw.run(n)));
      engineMs.push(await perCall(engine));
    }
    const f = summarize(floorMs);
    const e = summarize(engineMs);
    report.info(
      `raw applySyncPromise + IPC round trip to this process: median ${num(f.median)} ms per call, ${num(f.min)} to ${num(f.max)} ms over ${f.n} rounds`,
    );
    report.info(
      `system.util.sendMessage (blocking): median ${num(e.median)} ms per call, ${num(e.min)} to ${num(e.max)} ms over ${e.n} rounds`,
    );
    report.figure({
      label: 'blocking host call round trip median',
      value: median(engineMs),
      unit: 'ms',
      baseline: median(floorMs),
      baselineNote: 'raw applySyncPromise + IPC echo',
      target: { kind: 'ratio-max', x: 2 },
    });
  } finally {
    await Promise.all([floor?.stop(), gw.stop()]);
  }
}

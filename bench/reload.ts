// Benchmark 3: hot reload. Time from a file write to the new version answering (polled with requests),
// in a project with 1 script being saved and in one of 200 scripts, while a steady request stream calls
// another handler of the same project. Baseline: fs.watch event + esbuild transform + new ivm context.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as esbuild from 'esbuild';
import type { Gateway } from '../engine/gateway.ts';
import { esbuildTransformTimes, fsWatchLatency, newIvmContextTimes } from './baselines.ts';
import { manyScripts, MESSAGE, startBenchGateway, STEADY_SOURCE, versionSource, writeFile } from './fixtures.ts';
import { num, sleep, summarize, type Report } from './stats.ts';

const SAVES = 30;
/** chokidar throttles `change` events of one path for 50 ms; saves are spaced wider so that each is measured on its own. */
const GAP_MS = 70;
const POLL_DEADLINE_MS = 5000;
const SIZE_DEADLINE_MS = 45_000;
const REQUEST_TIMEOUT_SEC = 5;

export interface StreamTally {
  sent: number;
  ok: number;
  failed: number;
  unanswered: number;
  errors: string[];
}

/** Requests `handler` back to back (one at a time) until stopped; counts wrong answers, errors and timeouts. */
export function steadyStream(gateway: Gateway, project: string): { tally: StreamTally; stop(): Promise<StreamTally> } {
  const tally: StreamTally = { sent: 0, ok: 0, failed: 0, unanswered: 0, errors: [] };
  let stopped = false;
  let inFlight = false;
  const note = (message: string) => {
    if (tally.errors.length < 5) tally.errors.push(message);
  };
  const loop = (async () => {
    for (let n = 0; !stopped; n++) {
      tally.sent++;
      inFlight = true;
      try {
        const value = (await gateway.request(project, 'steady', { n }, REQUEST_TIMEOUT_SEC)) as { n?: number };
        if (value?.n === n + 1) tally.ok++;
        else {
          tally.failed++;
          note(`wrong answer ${JSON.stringify(value)}`);
        }
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'TIMEOUT') tally.unanswered++;
        else tally.failed++;
        note(`${code ?? 'error'}: ${(error as Error).message}`);
      } finally {
        inFlight = false;
      }
      if (n % 64 === 63) await new Promise((r) => setImmediate(r)); // let timers and fs events in
    }
  })();
  return {
    tally,
    async stop() {
      stopped = true;
      const done = await Promise.race([loop.then(() => true), sleep(REQUEST_TIMEOUT_SEC * 1000 + 2000).then(() => false)]);
      if (!done && inFlight) tally.unanswered++;
      return tally;
    },
  };
}

/** Where a reload's time goes, from probes wrapped around the project's and the supervisor's methods. */
interface Phases {
  /** Write -> Project.fileChanged (chokidar, then the watcher's 8 ms debounce). */
  event: number[];
  /** fileChanged -> Supervisor.load called (queue, file read, esbuild compile). */
  compile: number[];
  /** Supervisor.load call -> resolved (IPC, define in the isolate, IPC back). */
  sandbox: number[];
  /** Supervisor.load resolved -> the first poll answering with the new version. */
  answer: number[];
}

interface SizeResult {
  phases: Phases;
  latencies: number[];
  timeouts: number;
  pollFailures: number;
  pollErrors: string[];
  stream: StreamTally;
  streamBefore: { sent: number; bad: number; perSecond: number };
  streamDuringPerSecond: number;
}

async function measureSize(gateway: Gateway, projectsDir: string, project: string): Promise<SizeResult> {
  const versionFile = join(projectsDir, project, MESSAGE, 'version.ts');
  const streamStart = performance.now();
  const stream = steadyStream(gateway, project);
  // The stream alone first: its rate and failures without reloads (the baseline for the failure count).
  await sleep(800);
  const before = { ...stream.tally };
  const beforeAt = performance.now();
  const streamBefore = {
    sent: before.sent,
    bad: before.failed + before.unanswered,
    perSecond: before.sent / ((beforeAt - streamStart) / 1000),
  };

  // Probes (instance properties shadowing the methods, removed afterwards; no engine code changes).
  const marks = { event: NaN, loadStart: NaN, loadEnd: NaN };
  const target = gateway.project(project)!;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called back with .call(target)
  const fileChanged = target.fileChanged;
  target.fileChanged = (relPath: string) => {
    if (relPath.endsWith('/version.ts') && Number.isNaN(marks.event)) marks.event = performance.now();
    return fileChanged.call(target, relPath);
  };
  const supervisor = gateway.supervisor;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called back with .call(supervisor)
  const load = supervisor.load;
  supervisor.load = async (name, options) => {
    const probed = name === project && options.modules.some((m) => m.id.endsWith('/version.ts'));
    if (probed) marks.loadStart = performance.now();
    const results = await load.call(supervisor, name, options);
    if (probed) marks.loadEnd = performance.now();
    return results;
  };
  const phases: Phases = { event: [], compile: [], sandbox: [], answer: [] };

  const latencies: number[] = [];
  let timeouts = 0;
  let pollFailures = 0;
  const pollErrors: string[] = [];
  const sizeDeadline = performance.now() + SIZE_DEADLINE_MS;
  try {
    for (let i = 1; i <= SAVES && performance.now() < sizeDeadline; i++) {
      const version = 1000 + i;
      marks.event = marks.loadStart = marks.loadEnd = NaN;
      const t0 = performance.now();
      writeFile(versionFile, versionSource(version));
      let answered = false;
      while (performance.now() - t0 < POLL_DEADLINE_MS) {
        try {
          if ((await gateway.request(project, 'version', {}, REQUEST_TIMEOUT_SEC)) === version) {
            answered = true;
            break;
          }
        } catch (error) {
          pollFailures++;
          if (pollErrors.length < 3) pollErrors.push((error as Error).message);
        }
      }
      const answeredAt = performance.now();
      if (answered) {
        latencies.push(answeredAt - t0);
        phases.event.push(marks.event - t0);
        phases.compile.push(marks.loadStart - marks.event);
        phases.sandbox.push(marks.loadEnd - marks.loadStart);
        phases.answer.push(answeredAt - marks.loadEnd);
      } else timeouts++;
      await sleep(GAP_MS);
    }
  } finally {
    await stream.stop();
    Reflect.deleteProperty(target, 'fileChanged');
    Reflect.deleteProperty(supervisor, 'load');
  }
  const tally = stream.tally;
  const during = tally.sent - before.sent;
  const duringSeconds = (performance.now() - beforeAt) / 1000;
  return {
    phases,
    latencies,
    timeouts,
    pollFailures,
    pollErrors,
    stream: tally,
    streamBefore,
    streamDuringPerSecond: during / duringSeconds,
  };
}

export async function benchReload(report: Report): Promise<void> {
  report.section(
    `3. Hot reload: file write -> new version answering (${SAVES} saves per size, ${GAP_MS} ms apart), with a steady request stream`,
  );
  report.info('the 1-script project is the saved handler plus the steady-stream handler; the 200-script project has both among its 200');

  // Baseline: the irreducible parts of a reload, each measured alone.
  const codes = Array.from(
    { length: 40 },
    (_, i) => esbuild.transformSync(versionSource(500 + i), { loader: 'ts', format: 'cjs', target: 'es2023' }).code,
  );
  const watchMs = summarize(await fsWatchLatency(SAVES, 5000));
  const transformMs = summarize(await esbuildTransformTimes((i) => versionSource(i), SAVES, 5000));
  const contextMs = summarize(await newIvmContextTimes((i) => codes[i % codes.length], SAVES, 5000));
  const baseMedian = watchMs.median + transformMs.median + contextMs.median;
  const baseP99 = watchMs.p99 + transformMs.p99 + contextMs.p99;
  report.info(
    `baseline parts (median / p99): fs.watch event ${num(watchMs.median)} / ${num(watchMs.p99)} ms, esbuild transform ${num(transformMs.median)} / ${num(transformMs.p99)} ms, new ivm context + compile + run ${num(contextMs.median)} / ${num(contextMs.p99)} ms`,
  );

  const gw = await startBenchGateway('reload', {
    reload1: { [`${MESSAGE}/version.ts`]: versionSource(0), [`${MESSAGE}/steady.ts`]: STEADY_SOURCE },
    reload200: manyScripts(200, { [`${MESSAGE}/version.ts`]: versionSource(0), [`${MESSAGE}/steady.ts`]: STEADY_SOURCE }),
  });
  try {
    for (const [project, label] of [
      ['reload1', '1-script project'],
      ['reload200', '200-script project'],
    ] as const) {
      if ((await gw.gateway.request(project, 'version')) !== 0) throw new Error(`project ${project} did not load`);
      const r = await measureSize(gw.gateway, gw.projectsDir, project);
      const s = summarize(r.latencies);
      report.info(
        `${label}: ${s.n} reloads answered, ${r.timeouts} not answered within ${POLL_DEADLINE_MS} ms; mean ${num(s.mean)} ms, min ${num(s.min)} ms, max ${num(s.max)} ms`,
      );
      report.info(
        `${label}: steady stream ${r.stream.sent} sent, ${r.stream.ok} ok, ${r.stream.failed} failed, ${r.stream.unanswered} unanswered; ` +
          `${num(r.streamBefore.perSecond)} req/s before the saves, ${num(r.streamDuringPerSecond)} req/s during; version polls failed: ${r.pollFailures}`,
      );
      const m = (xs: number[]) => num(summarize(xs).median);
      report.info(
        `${label}: phases (median): write -> watcher event (chokidar + 8 ms debounce) ${m(r.phases.event)} ms, ` +
          `-> read + esbuild compile ${m(r.phases.compile)} ms, -> sandbox load (IPC + define) ${m(r.phases.sandbox)} ms, -> first answer ${m(r.phases.answer)} ms`,
      );
      for (const e of [...r.stream.errors, ...r.pollErrors]) report.info(`  error: ${e}`);
      const missing = r.timeouts > 0 ? Infinity : 0;
      report.figure({
        label: `hot reload, ${label}, median`,
        value: s.median + missing,
        unit: 'ms',
        baseline: baseMedian,
        baselineNote: 'fs.watch + esbuild transform + new ivm context',
        target: { kind: 'abs-max', value: 50 },
      });
      report.figure({
        label: `hot reload, ${label}, p99`,
        value: s.p99 + missing,
        unit: 'ms',
        baseline: baseP99,
        baselineNote: "sum of the parts' p99",
        target: { kind: 'abs-max', value: 200 },
      });
      report.figure({
        label: `failed + unanswered steady requests during reloads, ${label},`,
        value: r.stream.failed + r.stream.unanswered - r.streamBefore.bad,
        unit: '',
        baseline: r.streamBefore.bad,
        baselineNote: `same stream before the saves, ${r.streamBefore.sent} requests`,
        target: { kind: 'zero' },
      });
    }
  } finally {
    await gw.stop();
  }
}

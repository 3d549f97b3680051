// Benchmarks 4, 5 and 6: project load time and memory, idle projects, reload leaks. Each measurement runs
// in a fresh child process (memory-child.ts) so that RSS starts clean; RSS is VmRSS from /proc.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rawProjectCompileMs } from './baselines.ts';
import { makeRoot, manyScripts, MESSAGE, removeRoot, STEADY_SOURCE, versionSource, writeProject, type Files } from './fixtures.ts';
import type { AddResult, LeakResult, LoadResult, RawIsolatesResult, RssReading } from './memory-child.ts';
import { runChild } from './proc.ts';
import { median, num, type Report } from './stats.ts';

const LOAD_TRIALS = 5;
const IDLE_PROJECTS = 20;
const LEAK_SAVES = 100;

/** Runs memory-child.ts in `mode` on a fresh temp root prepared by `prepare`. */
async function inFreshProcess<T>(
  tag: string,
  mode: string,
  args: string[],
  prepare: (root: string) => void,
  timeoutMs: number,
): Promise<T> {
  const root = makeRoot(tag);
  try {
    prepare(root);
    return await runChild<T>('memory-child.ts', [mode, root, ...args], timeoutMs);
  } finally {
    removeRoot(root);
  }
}

const total = (r: RssReading) => r.gateway + r.sandbox;

function describe(r: RssReading): string {
  const esbuild = Number.isFinite(r.esbuild) ? `esbuild service ${num(r.esbuild)} MB, not counted` : 'no esbuild service running';
  return `gateway ${num(r.gateway)} MB (heap in use ${num(r.gatewayHeap)} MB) + sandbox ${num(r.sandbox)} MB (${esbuild})`;
}

/**
 * RSS floors for comparison: a bare `node --no-node-snapshot` process holding isolated-vm and one isolate
 * with a context, run as plain JS and as a .ts file (Node's type stripping loads its own compiler).
 */
function floorRss(): { js: number; ts: number } {
  const ivmUrl = pathToFileURL(createRequire(import.meta.url).resolve('isolated-vm')).href;
  const code =
    `import ivm from ${JSON.stringify(ivmUrl)};\nimport { readFileSync } from 'node:fs';\n` +
    `const isolate = new ivm.Isolate({ memoryLimit: 128 });\nconst context = await isolate.createContext();\nawait context.eval('1');\n` +
    `await new Promise((r) => setTimeout(r, 300));\n` +
    `console.log(Number(/VmRSS:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024);\n`;
  const root = makeRoot('floor');
  try {
    const run = (file: string, text: string) => {
      writeFileSync(file, text);
      const out = execFileSync(process.execPath, ['--no-node-snapshot', '--disable-warning=ExperimentalWarning', file], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      return Number(out.trim().split('\n').pop());
    };
    return { js: run(join(root, 'floor.mjs'), code.replace('![1]', '[1]')), ts: run(join(root, 'floor.ts'), code) };
  } finally {
    removeRoot(root);
  }
}

// ---- 4. loading a project of 200 scripts ----------------------------------------------------------

export async function benchLoad(report: Report): Promise<void> {
  report.section(
    `4. Loading a project of 200 scripts: Gateway.start -> ready, and added RSS (${LOAD_TRIALS} fresh processes each, medians)`,
  );
  const files = manyScripts(200);
  const runLoad = (scripts: Files, probe: string) =>
    inFreshProcess<LoadResult>('load', 'load', ['big', probe], (root) => writeProject(join(root, 'projects'), 'big', scripts), 60_000);
  const empty: LoadResult[] = [];
  const big: LoadResult[] = [];
  for (let i = 0; i < LOAD_TRIALS; i++) {
    empty.push(await runLoad({}, '-'));
    big.push(await runLoad(files, 'handler000'));
  }
  const added = (r: LoadResult) => r.after.gateway - r.before + r.after.sandbox;
  const rawMs = [await rawProjectCompileMs(files), await rawProjectCompileMs(files)];
  report.info(`empty project: ${empty.map((r) => `${num(r.readyMs)} ms, ${describe(r.after)}`).join('; ')}`);
  report.info(`200 scripts:   ${big.map((r) => `${num(r.readyMs)} ms, ${describe(r.after)}`).join('; ')}`);
  const floor = floorRss();
  report.info(`gateway process RSS before Gateway.start (engine imported): ${num(median(big.map((r) => r.before)))} MB`);
  report.info(
    `floor: a bare node --no-node-snapshot process with isolated-vm and one isolate: ${num(floor.js)} MB as .mjs, ${num(floor.ts)} MB as .ts (type stripping)`,
  );
  report.info(
    `raw work of 200 scripts in this process (esbuild transform of each + ivm compile and run of each in one isolate): ${num(median(rawMs))} ms`,
  );
  const bigReady = median(big.map((r) => r.readyMs));
  const emptyReady = median(empty.map((r) => r.readyMs));
  report.figure({
    label: 'load 200 scripts: Gateway.start -> ready',
    value: bigReady,
    unit: 'ms',
    baseline: emptyReady,
    baselineNote: 'Gateway.start with one empty project',
    target: { kind: 'abs-max', value: 1000 },
  });
  report.figure({
    label: 'load 200 scripts: Gateway.start -> ready, beyond an empty project',
    value: bigReady - emptyReady,
    unit: 'ms',
    baseline: median(rawMs),
    baselineNote: 'raw esbuild + ivm compile of the 200 scripts',
    target: { kind: 'info' },
  });
  const bigAdded = median(big.map(added));
  const emptyAdded = median(empty.map(added));
  report.figure({
    label: 'load 200 scripts at Gateway.start: RSS of gateway growth + new sandbox process',
    value: bigAdded,
    unit: 'MB',
    baseline: emptyAdded,
    baselineNote: 'same, one empty project',
    target: { kind: 'info' },
  });
  // What the project itself costs: added to a running gateway, whose sandbox process (a ~50 MB floor, see above) already runs.
  const adds: AddResult[] = [];
  for (let i = 0; i < LOAD_TRIALS; i++) adds.push(await addToRunningGateway(1, 200));
  const addedRss = median(adds.map((r) => total(r.after) - total(r.before)));
  report.info(
    `200 scripts added to a running gateway: ${adds.map((r) => `${num(r.addMs)} ms, +${num(total(r.after) - total(r.before))} MB`).join('; ')}`,
  );
  report.figure({
    label: 'load 200 scripts into a running gateway: added RSS (gateway + sandbox process)',
    value: addedRss,
    unit: 'MB',
    baseline: bigAdded - emptyAdded,
    baselineNote: 'the same project at Gateway.start, beyond an empty project',
    target: { kind: 'abs-max', value: 64 },
  });
}

/** Adds `count` projects of `scripts` scripts each to a gateway running one small project, in a fresh process. */
function addToRunningGateway(count: number, scripts: number): Promise<AddResult> {
  return inFreshProcess<AddResult>(
    'add',
    'add',
    [String(count), String(scripts)],
    (root) => writeProject(join(root, 'projects'), 'warm', manyScripts(10)),
    120_000,
  );
}

// ---- 5. idle projects -------------------------------------------------------------------------------

export async function benchIdleProjects(report: Report): Promise<void> {
  report.section(`5. Idle projects: RSS per loaded idle project of 10 scripts (${IDLE_PROJECTS} added to a running gateway)`);
  const raw = await runChild<RawIsolatesResult>('memory-child.ts', ['raw-isolates', String(IDLE_PROJECTS)], 60_000);
  const idle = await addToRunningGateway(IDLE_PROJECTS, 10);
  const rawPer = (raw.after - raw.before) / raw.count;
  const per = (total(idle.after) - total(idle.before)) / idle.count;
  report.info(
    `before: ${describe(idle.before)}; after ${idle.count} more projects (loaded in ${num(idle.addMs)} ms): ${describe(idle.after)}`,
  );
  report.info(
    `per project: gateway ${num((idle.after.gateway - idle.before.gateway) / idle.count)} MB, sandbox ${num((idle.after.sandbox - idle.before.sandbox) / idle.count)} MB`,
  );
  report.figure({
    label: 'RSS per idle project (10 scripts)',
    value: per,
    unit: 'MB',
    baseline: rawPer,
    baselineNote: 'bare ivm isolate + context',
    target: { kind: 'abs-max', value: 4 },
  });
}

// ---- 6. reloads do not leak -------------------------------------------------------------------------

export async function benchReloadLeak(report: Report): Promise<void> {
  report.section(`6. Reloads do not leak: RSS after ${LEAK_SAVES} saves of one handler vs after the first save`);
  const result = await inFreshProcess<LeakResult>(
    'leak',
    'leak',
    [String(LEAK_SAVES)],
    (root) =>
      writeProject(join(root, 'projects'), 'leak', {
        [`${MESSAGE}/version.ts`]: versionSource(0),
        [`${MESSAGE}/steady.ts`]: STEADY_SOURCE,
      }),
    150_000,
  );
  report.info(`${result.answered} of ${result.saves} saves answered with their new version, in ${num(result.elapsedMs / 1000)} s`);
  report.info(
    `after save 1: ${describe(result.first)}; after save ${Math.floor(result.saves / 2)}: ${describe(result.mid)}; after save ${result.saves}: ${describe(result.last)}`,
  );
  const incomplete = result.answered < result.saves ? Infinity : 0;
  report.figure({
    label: `gateway RSS after ${result.saves} saves`,
    value: result.last.gateway + incomplete,
    unit: 'MB',
    baseline: result.first.gateway,
    baselineNote: 'after the first save',
    target: { kind: 'ratio-max', x: 1.1 },
  });
  report.figure({
    label: `sandbox RSS after ${result.saves} saves`,
    value: result.last.sandbox + incomplete,
    unit: 'MB',
    baseline: result.first.sandbox,
    baselineNote: 'after the first save',
    target: { kind: 'ratio-max', x: 1.1 },
  });
}

// A fresh process per memory or startup measurement, so RSS readings start clean. Started by memory.ts:
//   load <root> <project> <probeHandler|->  Gateway.start on <root>/projects: time to ready, RSS
//   add <root> <count> <scripts>            RSS before and after adding <count> projects of <scripts> scripts
//   leak <root> <saves>                     RSS after the first and after the last of <saves> saves
//   raw-isolates <count>                    RSS of <count> bare isolated-vm isolates with a context
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Gateway } from '../engine/gateway.ts';
import { addProjectAtomically, manyScripts, MESSAGE, versionSource, waitFor, writeFile } from './fixtures.ts';
import { childMain, childPids, commOf, gcNow, rssMb } from './proc.ts';
import { sleep } from './stats.ts';

export interface RssReading {
  gateway: number;
  /** The gateway's JS heap in use after a full GC: what it retains, as opposed to RSS kept from a peak. */
  gatewayHeap: number;
  sandbox: number;
  /** The esbuild service process the gateway starts (not part of the targets; reported for completeness). */
  esbuild: number;
}

export interface LoadResult {
  readyMs: number;
  before: number;
  after: RssReading;
}

export interface AddResult {
  count: number;
  addMs: number;
  before: RssReading;
  after: RssReading;
}

export interface LeakResult {
  saves: number;
  answered: number;
  elapsedMs: number;
  first: RssReading;
  mid: RssReading;
  last: RssReading;
}

export interface RawIsolatesResult {
  count: number;
  before: number;
  after: number;
}

async function settle(ms = 400): Promise<void> {
  await sleep(ms);
  gcNow();
  await sleep(50);
}

function reading(gateway: Gateway, project: string): RssReading {
  const sandboxPid = gateway.supervisor.processOf(project)?.pid;
  const esbuildPid = childPids().find((pid) => commOf(pid) === 'esbuild');
  return {
    gateway: rssMb(process.pid),
    gatewayHeap: process.memoryUsage().heapUsed / 2 ** 20,
    sandbox: rssMb(sandboxPid),
    esbuild: rssMb(esbuildPid),
  };
}

function startGateway(root: string): Promise<Gateway> {
  return Gateway.start({ projectsDir: join(root, 'projects'), dataDir: join(root, 'data'), stdoutLevel: 'off' });
}

async function load(root: string, project: string, probe: string): Promise<LoadResult> {
  await settle(50);
  const before = rssMb(process.pid);
  const t0 = performance.now();
  const gateway = await startGateway(root);
  const readyMs = performance.now() - t0;
  try {
    if (!gateway.project(project)?.isRunning) throw new Error(`project ${project} is not running after Gateway.start`);
    if (probe !== '-') await gateway.request(project, probe, {});
    await settle();
    return { readyMs, before, after: reading(gateway, project) };
  } finally {
    await gateway.stop();
  }
}

async function add(root: string, count: number, scripts: number): Promise<AddResult> {
  const projectsDir = join(root, 'projects');
  const gateway = await startGateway(root);
  try {
    await gateway.request('warm', 'handler000', { id: 1 });
    await settle(600);
    const before = reading(gateway, 'warm');
    const t0 = performance.now();
    const names = Array.from({ length: count }, (_, i) => `added${String(i).padStart(2, '0')}`);
    const files = manyScripts(scripts);
    const handlers = Object.keys(files).filter((f) => f.startsWith(MESSAGE)).length;
    for (const name of names) addProjectAtomically(join(root, 'staging'), projectsDir, name, files);
    await waitFor(() => names.every((n) => gateway.project(n)?.isRunning), 60_000, `${count} projects to load`);
    await gateway.projects.settled();
    const addMs = performance.now() - t0;
    for (const name of names) {
      const loaded = gateway.project(name)!.status().handlers.length;
      if (loaded !== handlers) throw new Error(`project ${name} has ${loaded} handlers, expected ${handlers}`);
      await gateway.request(name, 'handler000', { id: 1 });
    }
    await settle(800);
    return { count, addMs, before, after: reading(gateway, 'warm') };
  } finally {
    await gateway.stop();
  }
}

async function leak(root: string, saves: number): Promise<LeakResult> {
  const gateway = await startGateway(root);
  const file = join(root, 'projects', 'leak', MESSAGE, 'version.ts');
  const t0 = performance.now();
  let answered = 0;
  let first: RssReading | undefined;
  let mid: RssReading | undefined;
  try {
    for (let i = 1; i <= saves && performance.now() - t0 < 90_000; i++) {
      const version = 1000 + i;
      writeFile(file, versionSource(version));
      const start = performance.now();
      let ok = false;
      while (!ok && performance.now() - start < 5000) {
        ok = (await gateway.request('leak', 'version', {}, 5).catch(() => undefined)) === version;
        if (!ok) await sleep(1);
      }
      if (ok) answered++;
      if (i === 1) {
        await settle(600);
        first = reading(gateway, 'leak');
      } else if (i === Math.floor(saves / 2)) {
        mid = reading(gateway, 'leak');
      }
      await sleep(60); // past chokidar's 50 ms change throttle, so each save is its own reload
    }
    await settle(600);
    return { saves, answered, elapsedMs: performance.now() - t0, first: first!, mid: mid ?? first!, last: reading(gateway, 'leak') };
  } finally {
    await gateway.stop();
  }
}

async function rawIsolates(count: number): Promise<RawIsolatesResult> {
  const { default: ivm } = await import('isolated-vm');
  const warm = new ivm.Isolate({ memoryLimit: 128 }); // the first isolate pays one-time costs (platform threads)
  await (await warm.createContext()).eval('1 + 1');
  await settle();
  const before = rssMb(process.pid);
  const kept: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const isolate = new ivm.Isolate({ memoryLimit: 128 });
    const context = await isolate.createContext();
    await context.eval('globalThis.answer = (function (p) { return p; })(42)');
    kept.push(isolate, context);
  }
  await settle();
  return { count, before, after: rssMb(process.pid) };
}

const [mode, ...args] = process.argv.slice(2);
childMain<unknown>(async () => {
  switch (mode) {
    case 'load':
      return load(args[0], args[1], args[2]);
    case 'add':
      return add(args[0], Number(args[1]), Number(args[2]));
    case 'leak':
      return leak(args[0], Number(args[1]));
    case 'raw-isolates':
      return rawIsolates(Number(args[0]));
    default:
      throw new Error(`unknown mode "${mode}"`);
  }
});

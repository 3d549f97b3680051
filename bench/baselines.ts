// Raw baselines, measured in the same run as the engine figures: isolated-vm Reference.apply, child-process
// IPC, fs.watch, esbuild transform, a new ivm context. No engine code runs here.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as esbuild from 'esbuild';
import ivm from 'isolated-vm';
import type { EchoMessage } from './echo-child.ts';
import { makeRoot, removeRoot, type Files } from './fixtures.ts';
import { benchFile, CHILD_EXEC_ARGV } from './proc.ts';

/** Runs `fn` one call at a time, `count` times or until `maxMs` passes; returns per-call milliseconds. */
export async function measureSerial(fn: () => Promise<unknown>, count: number, maxMs: number): Promise<number[]> {
  const samples: number[] = [];
  const deadline = performance.now() + maxMs;
  for (let i = 0; i < count && performance.now() < deadline; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}

export interface Throughput {
  completed: number;
  failed: number;
  seconds: number;
  perSecond: number;
}

/** Keeps `inFlight` calls of `fn` running until `count` have started or `maxMs` passed; requests per second. */
export async function measureThroughput(fn: () => Promise<unknown>, inFlight: number, count: number, maxMs: number): Promise<Throughput> {
  let started = 0;
  let completed = 0;
  let failed = 0;
  const t0 = performance.now();
  const deadline = t0 + maxMs;
  const lane = async () => {
    while (started < count && performance.now() < deadline) {
      started++;
      try {
        await fn();
        completed++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const seconds = (performance.now() - t0) / 1000;
  return { completed, failed, seconds, perSecond: completed / seconds };
}

/** An isolate in this process holding `(json) => json`; `call` is one Reference.apply round trip. */
export class IvmEcho {
  private readonly isolate: ivm.Isolate;
  private fn!: ivm.Reference;

  private constructor() {
    this.isolate = new ivm.Isolate({ memoryLimit: 128 });
  }

  static async create(): Promise<IvmEcho> {
    const echo = new IvmEcho();
    const context = await echo.isolate.createContext();
    const script = await echo.isolate.compileScript('(function (json) { return json; })');
    echo.fn = await script.run(context, { reference: true });
    return echo;
  }

  call(json: string): Promise<unknown> {
    return this.fn.apply(undefined, [json]);
  }

  /** The same call with a timeout, as the engine makes every call into an isolate. */
  callWithTimeout(json: string, timeout: number): Promise<unknown> {
    return this.fn.apply(undefined, [json], { timeout });
  }

  dispose(): void {
    this.isolate.dispose();
  }
}

/** A forked echo child (`plain`: IPC echo; `ivm`: IPC + Reference.apply in the child), with calls in flight by id. */
export class EchoChild {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, (json: string) => void>();
  private nextId = 1;

  private constructor(child: ChildProcess) {
    this.child = child;
    child.on('message', (message: EchoMessage) => {
      const resolve = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      resolve?.(message.json);
    });
  }

  static start(mode: 'plain' | 'ivm'): Promise<EchoChild> {
    const child = fork(benchFile('echo-child.ts'), [mode], { execArgv: CHILD_EXEC_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`echo child (${mode}) did not start within 10 s`)), 10_000);
      child.once('message', () => {
        clearTimeout(timer);
        resolve(new EchoChild(child));
      });
      child.once('exit', (code) => reject(new Error(`echo child (${mode}) exited with ${code}`)));
    });
  }

  call(json: string): Promise<string> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ id, json } satisfies EchoMessage);
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

// ---- hot reload baseline: fs.watch event + esbuild transform + new ivm context ------------------------

/** Milliseconds from a file write to its fs.watch event (on the file's folder, as chokidar watches). */
export async function fsWatchLatency(count: number, maxMs: number): Promise<number[]> {
  const root = makeRoot('fswatch');
  try {
    const dir = join(root, 'watched');
    mkdirSync(dir);
    const file = join(dir, 'handler.ts');
    writeFileSync(file, 'initial');
    let waiter: (() => void) | undefined;
    const watcher = watch(dir, () => {
      const w = waiter;
      waiter = undefined;
      w?.();
    });
    try {
      await new Promise((r) => setTimeout(r, 50));
      const samples: number[] = [];
      const deadline = performance.now() + maxMs;
      for (let i = 0; i < count && performance.now() < deadline; i++) {
        const seen = new Promise<void>((resolve) => {
          waiter = resolve;
        });
        const t0 = performance.now();
        writeFileSync(file, `export default function () { return ${i}; }\n`);
        const timedOut = await Promise.race([seen.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 1000))]);
        samples.push(timedOut ? Infinity : performance.now() - t0);
        await new Promise((r) => setTimeout(r, 15)); // let the write's trailing events pass
        waiter = undefined;
      }
      return samples;
    } finally {
      watcher.close();
    }
  } finally {
    removeRoot(root);
  }
}

/** Milliseconds of one esbuild transform of a handler (TS -> CJS with a source map, as the engine compiles). */
export async function esbuildTransformTimes(source: (i: number) => string, count: number, maxMs: number): Promise<number[]> {
  await esbuild.transform(source(-1), { loader: 'ts' }); // starts esbuild's service outside the samples
  let i = 0;
  return measureSerial(
    () =>
      esbuild.transform(source(i++), { loader: 'ts', format: 'cjs', target: 'es2023', sourcemap: 'external', sourcefile: 'handler.ts' }),
    count,
    maxMs,
  );
}

/** Milliseconds to create a new context in a live isolate and compile and run a handler's code in it. */
export async function newIvmContextTimes(code: (i: number) => string, count: number, maxMs: number): Promise<number[]> {
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  try {
    await (await isolate.createContext()).eval('1'); // the isolate's first context pays one-time costs
    let i = 0;
    return await measureSerial(
      async () => {
        const context = await isolate.createContext();
        const script = await isolate.compileScript(
          `(function (exports, require, module) {\n${code(i++)}\n})({}, function () {}, { exports: {} });`,
        );
        await script.run(context);
        script.release();
        context.release();
      },
      count,
      maxMs,
    );
  } finally {
    isolate.dispose();
  }
}

/** Milliseconds to esbuild-transform every script of a project and compile and run each in one isolate (the raw work of a project load). */
export async function rawProjectCompileMs(files: Files): Promise<number> {
  const scripts = Object.entries(files).filter(([rel]) => rel.endsWith('.ts'));
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  try {
    const t0 = performance.now();
    const context = await isolate.createContext();
    const compiled = await Promise.all(
      scripts.map(([rel, source]) =>
        esbuild.transform(source, { loader: 'ts', format: 'cjs', target: 'es2023', sourcemap: 'external', sourcefile: rel }),
      ),
    );
    for (const result of compiled) {
      const script = await isolate.compileScript(`(function (exports, require, module) {\n${result.code}\n})`);
      await script.run(context, { reference: true });
    }
    return performance.now() - t0;
  } finally {
    isolate.dispose();
  }
}

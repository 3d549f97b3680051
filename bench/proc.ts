// Process helpers: RSS from /proc, and running a bench child process that answers with one JSON result.
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Resident set size of a process in MB (VmRSS from /proc/<pid>/status); NaN for no pid or when unreadable. */
export function rssMb(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Direct child processes of `pid` (from /proc/<pid>/task/<tid>/children). */
export function childPids(pid: number = process.pid): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** The command name of a process (/proc/<pid>/comm). */
export function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Flags every bench child gets: isolated-vm needs --no-node-snapshot; --expose-gc for steadier RSS readings. */
export const CHILD_EXEC_ARGV = ['--no-node-snapshot', '--experimental-strip-types', '--expose-gc', '--disable-warning=ExperimentalWarning'];

export function benchFile(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

/** Runs a GC in this process when it was started with --expose-gc. */
export function gcNow(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

const running = new Set<ChildProcess>();

/** Kills bench children still running (on an interrupted run). */
export function killChildren(): void {
  for (const child of running) child.kill('SIGKILL');
}

/**
 * Forks `bench/<script>` with `args`; resolves to the first message the child sends as `{ result }`,
 * rejects on `{ error }`, on exit without a result, or after `timeoutMs` (the child is killed).
 */
export function runChild<T>(script: string, args: string[], timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(benchFile(script), args, { execArgv: CHILD_EXEC_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    running.add(child);
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      finish(() => reject(new Error(`${script} ${args.join(' ')} took longer than ${timeoutMs} ms; killed`)));
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('message', (message: { result?: T; error?: string }) => {
      if (message.error !== undefined) finish(() => reject(new Error(message.error)));
      else finish(() => resolve(message.result as T));
    });
    child.on('exit', (code, signal) => {
      running.delete(child);
      finish(() => reject(new Error(`${script} ${args.join(' ')} exited (${signal ?? code}) without a result`)));
    });
  });
}

/** For child scripts: runs `main` and posts its result (or error) to the parent, then exits. */
export function childMain<T>(main: () => Promise<T>): void {
  main().then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (error: unknown) =>
      process.send!({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () => process.exit(1)),
  );
}

/** A long-lived bench child (see `serveParent`): its ready value, and `ask` for one answer at a time. */
export interface BenchChild<R> {
  pid: number;
  ready: R;
  /** Posts `message` and resolves to the child's answer to it; rejects on its error, its exit, or after `timeoutMs`. */
  ask<T>(message: object, timeoutMs: number): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Forks `bench/<script>` with `args` and waits for its ready value (`serveParent`'s `ready`). The child is killed by
 * `stop`, or by `killChildren` on an interrupted run.
 */
export function startChild<R>(script: string, args: string[], readyTimeoutMs: number): Promise<BenchChild<R>> {
  const child = fork(benchFile(script), args, { execArgv: CHILD_EXEC_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  running.add(child);
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let exited: Error | undefined;
  const exitedPromise = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      exited = new Error(`${script} ${args.join(' ')} exited (${signal ?? code})`);
      for (const w of waiting.values()) w.reject(exited);
      waiting.clear();
      resolve();
    }),
  );
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return exitedPromise;
  };
  child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
    const w = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error !== undefined) w?.reject(new Error(message.error));
    else w?.resolve(message.result);
  });
  const ask = <T>(message: object, timeoutMs: number): Promise<T> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`${script} did not answer ${JSON.stringify(message)} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      child.send({ ...message, id });
    });
  };
  // The ready value is the answer to id 0, which the child sends unasked.
  const ready = new Promise<R>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} ${args.join(' ')} was not ready within ${readyTimeoutMs} ms`)),
      readyTimeoutMs,
    );
    waiting.set(0, {
      resolve: (value) => {
        clearTimeout(timer);
        resolve(value as R);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
  });
  return ready.then(
    (value) => ({ pid: child.pid!, ready: value, ask, stop }),
    async (error: unknown) => {
      await stop();
      throw error;
    },
  );
}

/**
 * For long-lived child scripts: posts `ready()`'s value, then answers each parent message with `answer(message)`;
 * exits when the parent goes away.
 */
export function serveParent<M extends { id: number }>(ready: () => Promise<unknown>, answer: (message: M) => Promise<unknown>): void {
  const reply = (id: number, settled: Promise<unknown>) =>
    settled.then(
      (result) => process.send!({ id, result }),
      (error: unknown) => process.send!({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  process.on('disconnect', () => process.exit(0));
  void reply(0, ready()).then(() => process.on('message', (message: M) => void reply(message.id, answer(message))));
}

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Gateway, type GatewayConfig } from '../../engine/gateway.ts';
import type { LogRecord } from '../../engine/logging/record.ts';
import { serve, type RunningServer } from '../../api/server.ts';
import { afterAll, beforeAll } from 'vitest';
import { waitFor } from './wait-for.ts';

export interface TestGateway {
  gateway: Gateway;
  root: string;
  projectsDir: string;
  /** Writes a project file (creating folders), e.g. write('p', 'gateway-events/message/echo.ts', '...'). */
  write(project: string, relPath: string, text: string): void;
  /** Writes via a temp file and rename, as many editors save. */
  writeByRename(project: string, relPath: string, text: string): void;
  remove(project: string, relPath: string): void;
  /** Creates a project with a project.json (default `{}`) and the given files. */
  project(name: string, files: Record<string, string>, config?: object): void;
  /** Polls until `fn` returns a truthy value (or throws when `timeoutMs` passes). */
  waitFor<T>(fn: () => T | Promise<T>, timeoutMs?: number, what?: string): Promise<T>;
  /** Log records matching a predicate. */
  logs(match?: (r: LogRecord) => boolean): LogRecord[];
  request(project: string, handler: string, payload?: unknown, timeoutSec?: number): Promise<unknown>;
  /** Starts the HTTP API on a free port. */
  http(): Promise<RunningServer>;
  stop(): Promise<void>;
}

/** Log messages that only a bug in Flint produces. */
const INTERNAL_FAILURE = /^(sandbox host failed to handle|request failed: )/;

/** A real gateway on a temp projects folder; projects can be written before start via `initial`. */
export async function startGateway(
  initial: Record<string, { config?: object; files: Record<string, string> }> = {},
  config: Partial<GatewayConfig> = {},
): Promise<TestGateway> {
  const root = mkdtempSync(join(tmpdir(), 'flint-test-'));
  const projectsDir = join(root, 'projects');
  mkdirSync(projectsDir, { recursive: true });
  const write = (project: string, relPath: string, text: string) => {
    const path = join(projectsDir, project, relPath);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  const project = (name: string, files: Record<string, string>, cfg: object = {}) => {
    write(name, 'project.json', JSON.stringify(cfg));
    for (const [rel, text] of Object.entries(files)) write(name, rel, text);
  };
  for (const [name, p] of Object.entries(initial)) project(name, p.files, p.config);
  const gateway = await Gateway.start({ projectsDir, dataDir: join(root, 'data'), stdoutLevel: 'off', ...config });
  let server: RunningServer | undefined;
  return {
    gateway,
    root,
    projectsDir,
    write,
    writeByRename(projectName, relPath, text) {
      const path = join(projectsDir, projectName, relPath);
      mkdirSync(dirname(path), { recursive: true });
      const temp = join(dirname(path), `.${Math.random().toString(36).slice(2)}.tmp`);
      writeFileSync(temp, text);
      renameSync(temp, path);
    },
    remove(projectName, relPath) {
      unlinkSync(join(projectsDir, projectName, relPath));
    },
    project,
    waitFor,
    logs: (match) => gateway.logs.ring.query().filter(match ?? (() => true)),
    request: (p, h, payload, timeoutSec) => gateway.request(p, h, payload, timeoutSec),
    async http() {
      server ??= await serve(gateway, 0);
      return server;
    },
    async stop() {
      await server?.close();
      await gateway.stop();
      rmSync(root, { recursive: true, force: true });
      // Whatever a test did, a failure inside Flint itself (not a script's) is a bug: fail the test file on it.
      const internal = gateway.logs.ring.query().filter((r) => INTERNAL_FAILURE.test(r.message));
      if (internal.length > 0) throw new Error(`Flint failed internally:\n${internal.map((r) => r.message).join('\n')}`);
    },
  };
}

/** The files of projects/samplequickstart but its project.json, so a test runs exactly what `npm start` runs. */
export function sampleFiles(): Record<string, string> {
  const root = new URL('../../projects/samplequickstart', import.meta.url).pathname;
  const files: Record<string, string> = {};
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true }))
    if (entry.isFile() && entry.name !== 'project.json')
      files[relative(root, join(entry.parentPath, entry.name))] = readFileSync(join(entry.parentPath, entry.name), 'utf8');
  return files;
}

/** A gateway message handler script returning `body` (an expression of `payload`). */
export function handler(body: string): string {
  return `export default function (payload: any) {\n  return ${body};\n}\n`;
}

/**
 * A gateway started before a test file's tests and stopped after them: the object returned stands for it, so a file
 * declares its gateway once, at the top, as `const t = useGateway({...})`.
 */
export function useGateway(initial: Parameters<typeof startGateway>[0] = {}, config: Partial<GatewayConfig> = {}): TestGateway {
  let current: TestGateway | undefined;
  beforeAll(async () => {
    current = await startGateway(initial, config);
  });
  afterAll(() => current?.stop());
  return new Proxy({} as TestGateway, {
    get(_, key) {
      if (!current) throw new Error('the gateway of this test file starts in beforeAll: use it inside hooks and tests');
      const value: unknown = Reflect.get(current, key);
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
}

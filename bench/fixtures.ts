// Temp project folders and the scripts the benchmarks load. Everything lives under one temp root per
// benchmark, removed afterwards (also when the run is interrupted).
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Gateway } from '../engine/gateway.ts';

export type Files = Record<string, string>;

const roots = new Set<string>();

/** A fresh temp folder (removed by `removeRoot` or `removeAllRoots`). */
export function makeRoot(tag: string): string {
  const root = mkdtempSync(join(tmpdir(), `flint-bench-${tag}-`));
  roots.add(root);
  return root;
}

export function removeRoot(root: string): void {
  roots.delete(root);
  rmSync(root, { recursive: true, force: true });
}

export function removeAllRoots(): void {
  for (const root of [...roots]) removeRoot(root);
}

export function writeFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Writes `<projectsDir>/<name>/project.json` and the files. */
export function writeProject(projectsDir: string, name: string, files: Files, config: object = {}): void {
  writeFile(join(projectsDir, name, 'project.json'), JSON.stringify(config));
  for (const [rel, text] of Object.entries(files)) writeFile(join(projectsDir, name, rel), text);
}

/** Builds a project in `stagingDir` and renames it into `projectsDir`, so the watcher sees it appear whole. */
export function addProjectAtomically(stagingDir: string, projectsDir: string, name: string, files: Files, config: object = {}): void {
  writeProject(stagingDir, name, files, config);
  renameSync(join(stagingDir, name), join(projectsDir, name));
}

export const MESSAGE = 'gateway-events/message';

/** The 100-byte request payload: JSON.stringify(PAYLOAD).length === 100. */
export const PAYLOAD = { text: 'x'.repeat(89) };
export const PAYLOAD_JSON = JSON.stringify(PAYLOAD);
if (PAYLOAD_JSON.length !== 100) throw new Error(`payload is ${PAYLOAD_JSON.length} bytes, expected 100`);

export const ECHO_SOURCE = `export default function (payload: any) {\n  return payload;\n}\n`;

/** A handler that answers with its version number (what the reload benchmarks poll for). */
export function versionSource(version: number): string {
  return `// saved version ${version}\nexport default function (): number {\n  return ${version};\n}\n`;
}

/** The handler the steady request stream calls while another handler of its project is being saved. */
export const STEADY_SOURCE = `export default function (payload: { n: number }) {\n  return { n: payload.n + 1 };\n}\n`;

/**
 * `count` scripts shaped like a real project: one lib module per 20 scripts, and message handlers, every
 * other one importing a lib module. `extra` files are included in the count (they replace generated handlers).
 */
export function manyScripts(count: number, extra: Files = {}): Files {
  const files: Files = { ...extra };
  const libs = Math.max(1, Math.floor(count / 20));
  for (let i = 0; i < libs && Object.keys(files).length < count; i++) {
    files[`lib/util${i}.ts`] =
      `export interface Item${i} { id: number; name: string; tags: string[] }\n` +
      `export function describe${i}(item: Item${i}): string {\n  return \`#\${item.id} \${item.name} [\${item.tags.join(', ')}]\`;\n}\n` +
      `export const LIMIT${i} = ${100 + i};\n`;
  }
  for (let i = 0; Object.keys(files).length < count; i++) {
    const lib = i % libs;
    const name = `${MESSAGE}/handler${String(i).padStart(3, '0')}.ts`;
    files[name] =
      i % 2 === 0
        ? `import { describe${lib}, LIMIT${lib} } from '../../lib/util${lib}';\n\n` +
          `export default function (payload: { id?: number; name?: string; tags?: string[] }) {\n` +
          `  const id = Math.min(payload.id ?? 0, LIMIT${lib});\n` +
          `  return { handler: ${i}, text: describe${lib}({ id, name: payload.name ?? 'none', tags: payload.tags ?? [] }) };\n}\n`
        : `interface Payload { values?: number[] }\n\n` +
          `export default function (payload: Payload) {\n` +
          `  const values = payload.values ?? [];\n` +
          `  const total = values.reduce((a, b) => a + b, 0);\n` +
          `  return { handler: ${i}, count: values.length, total, mean: values.length ? total / values.length : 0 };\n}\n`;
  }
  return files;
}

export interface BenchGateway {
  gateway: Gateway;
  root: string;
  projectsDir: string;
  stop(): Promise<void>;
}

/** Starts a real gateway (watching, stdout off) on a temp projects folder holding `projects`. */
export async function startBenchGateway(tag: string, projects: Record<string, Files>): Promise<BenchGateway> {
  const root = makeRoot(tag);
  const projectsDir = join(root, 'projects');
  mkdirSync(projectsDir, { recursive: true });
  for (const [name, files] of Object.entries(projects)) writeProject(projectsDir, name, files);
  const gateway = await Gateway.start({ projectsDir, dataDir: join(root, 'data'), stdoutLevel: 'off' });
  return {
    gateway,
    root,
    projectsDir,
    async stop() {
      try {
        await gateway.stop();
      } finally {
        removeRoot(root);
      }
    },
  };
}

export { waitFor } from '../test/helpers/wait-for.ts';

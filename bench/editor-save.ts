// The editor save (issue 13, Performance): a save through the editor's HTTP API (session cookie + CSRF header) of a
// gateway message handler, until a request to it answers the new version; beside the same run's parts measured alone
// (the atomic write, the project's compiler on that file, the sandbox load of the compiled file, the project's whole
// fileChanged without HTTP) and the external save of the same file through the watcher.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { serve } from '../api/server.ts';
import { compileModule } from '../engine/compiler/compile.ts';
import { writeAtomically } from '../engine/editor/editor-files.ts';
import type { EditorPath } from '../engine/editor/editor-paths.ts';
import type { Gateway } from '../engine/gateway.ts';
import { measureSerial } from './baselines.ts';
import { MESSAGE, startBenchGateway, versionSource, writeFile } from './fixtures.ts';
import { num, sleep, summarize, type Report } from './stats.ts';

const SAVES = 200;
const EXTERNAL_SAVES = 30;
/** Apart, so that the watcher's late look at each editor save (a no-op) is not counted in the next save. */
const GAP_MS = 100;
/** chokidar throttles `change` events of one path for 50 ms: external saves are spaced wider. */
const EXTERNAL_GAP_MS = 70;
const POLL_DEADLINE_MS = 5000;
const PROJECT = 'edsave';
const FILE = `${MESSAGE}/version.ts`;

/** Probes around the project's fileChanged and the supervisor's load (instance properties, removed afterwards). */
function probe(gateway: Gateway) {
  const marks = { changed: NaN, loadStart: NaN, loadEnd: NaN };
  const project = gateway.project(PROJECT)!;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called back with .call(project)
  const fileChanged = project.fileChanged;
  project.fileChanged = (relPath: string, source?: string) => {
    if (relPath === FILE && Number.isNaN(marks.changed)) marks.changed = performance.now();
    return fileChanged.call(project, relPath, source);
  };
  const supervisor = gateway.supervisor;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called back with .call(supervisor)
  const load = supervisor.load;
  supervisor.load = async (name, options) => {
    const probed = name === PROJECT && options.modules.some((m) => m.id === FILE);
    if (probed) marks.loadStart = performance.now();
    const results = await load.call(supervisor, name, options);
    if (probed) marks.loadEnd = performance.now();
    return results;
  };
  return {
    marks,
    reset: () => (marks.changed = marks.loadStart = marks.loadEnd = NaN),
    remove() {
      Reflect.deleteProperty(project, 'fileChanged');
      Reflect.deleteProperty(supervisor, 'load');
    },
  };
}

async function untilVersion(gateway: Gateway, version: number, t0: number): Promise<boolean> {
  while (performance.now() - t0 < POLL_DEADLINE_MS) if ((await gateway.request(PROJECT, 'version', {}, 5)) === version) return true;
  return false;
}

export async function benchEditorSave(report: Report): Promise<void> {
  report.section(`Editor save: POST /api/editor/save -> the new version answering (${SAVES} saves), beside its parts`);
  const gw = await startBenchGateway('editor-save', { [PROJECT]: { [FILE]: versionSource(0) } });
  const http = await serve(gw.gateway, 0);
  try {
    if ((await gw.gateway.request(PROJECT, 'version')) !== 0) throw new Error(`project ${PROJECT} did not load`);
    const login = await fetch(`${http.url}/api/editor/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: http.adminToken }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const { csrf } = (await login.json()) as { csrf: string };
    const headers = { 'content-type': 'application/json', cookie, 'x-flint-csrf': csrf };
    const read = await fetch(`${http.url}/api/editor/file?project=${PROJECT}&path=${encodeURIComponent(FILE)}`, { headers });
    let version = ((await read.json()) as { version: string }).version;

    // The editor save, with where its time goes.
    const probes = probe(gw.gateway);
    const latencies: number[] = [];
    const phases = { toChanged: [] as number[], compile: [] as number[], sandbox: [] as number[], answer: [] as number[] };
    let missed = 0;
    try {
      for (let i = 1; i <= SAVES; i++) {
        const value = 1000 + i;
        probes.reset();
        const t0 = performance.now();
        const saved = await fetch(`${http.url}/api/editor/save`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ project: PROJECT, path: FILE, content: versionSource(value), version }),
        });
        const answer = (await saved.json()) as { version: string; diagnostics: unknown[] };
        if (saved.status !== 200 || answer.diagnostics.length > 0)
          throw new Error(`save ${i} answered ${saved.status} ${JSON.stringify(answer)}`);
        version = answer.version;
        if (!(await untilVersion(gw.gateway, value, t0))) {
          missed++;
          continue;
        }
        const t1 = performance.now();
        latencies.push(t1 - t0);
        const { changed, loadStart, loadEnd } = probes.marks;
        phases.toChanged.push(changed - t0);
        phases.compile.push(loadStart - changed);
        phases.sandbox.push(loadEnd - loadStart);
        phases.answer.push(t1 - loadEnd);
        await sleep(GAP_MS);
      }
    } finally {
      probes.remove();
    }

    // The parts alone. The atomic write of the same bytes to a scratch folder outside the projects (no watcher).
    const scratch = join(gw.root, 'scratch');
    mkdirSync(scratch, { recursive: true });
    const scratchPath = { absolute: join(scratch, 'version.ts') } as EditorPath;
    let n = 0;
    const writeMs = await measureSerial(() => writeAtomically(scratchPath, versionSource(5000 + n++)), SAVES, 10_000);
    // The project's compiler on that file.
    const compileMs = await measureSerial(
      () =>
        compileModule({
          id: FILE,
          displayPath: `projects/${PROJECT}/${FILE}`,
          source: versionSource(6000 + n++),
          exists: () => true,
        }),
      SAVES,
      10_000,
    );
    // The project's own load of a changed file without HTTP (read, compile, sandbox load), and its sandbox load alone.
    const project = gw.gateway.project(PROJECT)!;
    const loadProbe = probe(gw.gateway);
    const fileChangedMs: number[] = [];
    const sandboxMs: number[] = [];
    try {
      for (let i = 0; i < SAVES; i++) {
        writeFile(join(gw.projectsDir, PROJECT, FILE), versionSource(7000 + i));
        loadProbe.reset();
        const t0 = performance.now();
        await project.fileChanged(FILE);
        fileChangedMs.push(performance.now() - t0);
        sandboxMs.push(loadProbe.marks.loadEnd - loadProbe.marks.loadStart);
        await sleep(GAP_MS);
      }
    } finally {
      loadProbe.remove();
    }
    await sleep(200); // the watcher's look at the last of those writes

    // The external save: a plain write, seen by the watcher.
    const external: number[] = [];
    let externalMissed = 0;
    for (let i = 1; i <= EXTERNAL_SAVES; i++) {
      const value = 9000 + i;
      const t0 = performance.now();
      writeFile(join(gw.projectsDir, PROJECT, FILE), versionSource(value));
      if (await untilVersion(gw.gateway, value, t0)) external.push(performance.now() - t0);
      else externalMissed++;
      await sleep(EXTERNAL_GAP_MS);
    }

    const s = summarize(latencies);
    const w = summarize(writeMs);
    const c = summarize(compileMs);
    const l = summarize(sandboxMs);
    const f = summarize(fileChangedMs);
    const e = summarize(external);
    const m = (xs: number[]) => num(summarize(xs).median);
    report.info(
      `editor save: ${s.n} answered, ${missed} not within ${POLL_DEADLINE_MS} ms; median ${num(s.median)} ms, p95 ${num(s.p95)} ms, min ${num(s.min)} ms, max ${num(s.max)} ms`,
    );
    report.info(
      `editor save phases (median): HTTP + session + path and version checks ${m(phases.toChanged)} ms, ` +
        `-> compile (the file written, flushed and renamed meanwhile) ${m(phases.compile)} ms, -> sandbox load ${m(phases.sandbox)} ms, ` +
        `-> flush done, save answered, request answered ${m(phases.answer)} ms`,
    );
    report.info(
      `parts alone (median / p95): atomic write (temp file, fsync, rename) ${num(w.median)} / ${num(w.p95)} ms, compile ${num(c.median)} / ${num(c.p95)} ms, ` +
        `sandbox load ${num(l.median)} / ${num(l.p95)} ms; Project.fileChanged without HTTP (read + compile + load) ${num(f.median)} / ${num(f.p95)} ms`,
    );
    report.info(
      `external save through the watcher: ${e.n} answered, ${externalMissed} not within ${POLL_DEADLINE_MS} ms; median ${num(e.median)} ms, p95 ${num(e.p95)} ms`,
    );
    const missing = missed > 0 ? Infinity : 0;
    report.figure({
      label: 'editor save until the new version answers, median',
      value: s.median + missing,
      unit: 'ms',
      baseline: w.median + c.median + l.median,
      baselineNote: 'atomic write + compile + sandbox load, each alone',
      target: { kind: 'abs-max', value: 10 },
    });
    report.figure({
      label: 'editor save until the new version answers, p95',
      value: s.p95 + missing,
      unit: 'ms',
      baseline: w.p95 + c.p95 + l.p95,
      baselineNote: "sum of the parts' p95",
      target: { kind: 'abs-max', value: 25 },
    });
    report.figure({
      label: 'editor save beside the external save through the watcher, median',
      value: s.median + missing,
      unit: 'ms',
      baseline: e.median + (externalMissed > 0 ? Infinity : 0),
      baselineNote: 'a plain write seen by the watcher, same file',
      target: { kind: 'ratio-max', x: 1 },
    });
  } finally {
    await http.close();
    await gw.stop();
  }
}

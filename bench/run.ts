// The benchmark suite: `npm run bench` (all), or `npm run bench -- request reload memory` for some (`memory` and
// `sessions` name groups of suites).
// `--strict` exits with 1 when a target is missed. Every figure is printed beside a baseline measured
// in this run, with the ratio and the target.
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { removeAllRoots } from './fixtures.ts';
import { benchBlocking } from './blocking.ts';
import { benchDatabase } from './database.ts';
import { benchHttp } from './http.ts';
import { benchIdleProjects, benchLoad, benchReloadLeak } from './memory.ts';
import { killChildren } from './proc.ts';
import { benchReload } from './reload.ts';
import { benchRequests } from './request.ts';
import { benchSessionIdle } from './session-idle.ts';
import { benchSessionFanout, benchSessionRequests } from './sessions.ts';
import { Report } from './stats.ts';
import { benchBus } from './bus.ts';
import { benchDeviceEvents } from './device-events.ts';
import { benchEditorSave } from './editor-save.ts';
import { benchPush } from './push.ts';
import { benchTagBindings } from './tag-bindings.ts';
import { benchTags } from './tags.ts';

const SUITES: Record<string, (report: Report) => Promise<void>> = {
  request: benchRequests,
  blocking: benchBlocking,
  http: benchHttp,
  reload: benchReload,
  load: benchLoad,
  idle: benchIdleProjects,
  leak: benchReloadLeak,
  'session-request': benchSessionRequests,
  'session-fanout': benchSessionFanout,
  'session-idle': benchSessionIdle,
  tags: benchTags,
  'tag-bindings': benchTagBindings,
  push: benchPush,
  bus: benchBus,
  'device-events': benchDeviceEvents,
  database: benchDatabase,
  'editor-save': benchEditorSave,
};

/** Names that select several suites. */
const GROUPS: Record<string, string[]> = {
  memory: ['load', 'idle', 'leak'],
  sessions: ['session-request', 'session-fanout', 'session-idle'],
};

const args = process.argv.slice(2);
const strict = args.includes('--strict');
const wanted = args.filter((a) => !a.startsWith('--'));
const unknown = wanted.filter((a) => !(a in SUITES) && !(a in GROUPS));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${[...Object.keys(SUITES), ...Object.keys(GROUPS)].join(', ')}`);
  process.exit(2);
}
const selected =
  wanted.length === 0
    ? Object.keys(SUITES)
    : Object.keys(SUITES).filter((name) => wanted.includes(name) || wanted.some((w) => GROUPS[w]?.includes(name)));

const cleanup = () => {
  killChildren();
  removeAllRoots();
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

const report = new Report();
console.log(
  `Flint benchmarks: node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GB, ${new Date().toISOString()}`,
);
console.log('Absolute times on a shared machine vary between runs; judge the ratios to the baselines measured beside them.');
const t0 = performance.now();
for (const name of selected) {
  try {
    await SUITES[name](report);
  } catch (error) {
    report.failed(`benchmark "${name}"`, error);
  }
}
cleanup();
const { passed, total } = report.summary();
console.log(`   (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
process.exit(strict && passed < total ? 1 : 0);

// Issue 10, fault 2: a script may wreck its own realm (accessors named get, set, value... on its Object.prototype),
// but the project's next saves must still load, and no diagnostic may point at a position outside the user's file.
// Before: every later save failed with "TypeError: Invalid property descriptor" at 7:5 of a one-line file (esbuild's
// module helpers, run in the polluted realm), until the gateway restarted. Each pollution gets a project of its own.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../engine/compiler/diagnostics.ts';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectServing } from './hostile.ts';

const accessors = (names: string[], value: string) =>
  `for (const name of ${JSON.stringify(names)}) Object.defineProperty(Object.prototype, name, { get() { return ${value}; }, set() {}, configurable: true });`;

const POLLUTIONS: Record<string, string> = {
  // the issue's: accessors that make every descriptor literal both an accessor and a data descriptor
  descriptorFields: accessors(['get', 'set', 'value'], '1'),
  descriptorFlags: accessors(['writable', 'enumerable', 'configurable'], 'true'),
  protocolNames: accessors(['then', 'toJSON', 'constructor', '__esModule', 'default', 'exports'], '() => 1'),
  enumerableData: `for (const name of ['polluted', 'default', 'get', 'value']) (Object.prototype as any)[name] = function () { return 1; };`,
  replacedBuiltins: `Object.defineProperty = (() => { throw new Error('no defineProperty'); }) as any;
  Object.getOwnPropertyNames = () => { throw new Error('no names'); };
  Object.getOwnPropertyDescriptor = () => ({ get() { return 1; }, value: 1 }) as any;
  Object.create = () => { throw new Error('no create'); };
  Object.prototype.hasOwnProperty = () => true;`,
};

const ANSWER = (text: string) => `export default function () {\n  return '${text}';\n}\n`;
const LIB = `export const greeting = 'hello';\nexport default function twice(n: number) {\n  return n * 2;\n}\n`;
// Answers a string: with `then` on Object.prototype, an object answer is a thenable that never settles, as in any realm.
const IMPORTS = `import twice, { greeting } from '../../lib/util.ts';\nimport * as util from '../../lib/util.ts';\nexport default function () {\n  return greeting + ' ' + twice(2) + ' ' + util.greeting;\n}\n`;
const THROWS = `export default function () {\n  throw new Error('thrown on line 2');\n}\n`;
const BROKEN_TOP = `const x = 1;\nundefinedFunction();\nexport default function () {\n  return x;\n}\n`;

const projects: Record<string, { files: Record<string, string> }> = { bystander };
for (const [name, pollution] of Object.entries(POLLUTIONS)) {
  projects[name] = {
    files: {
      'gateway-events/message/pollute.ts': `export default function () {\n  ${pollution}\n  return 'polluted';\n}\n`,
      'gateway-events/message/ping.ts': ANSWER('v1'),
      'lib/util.ts': LIB,
      'gateway-events/message/imports.ts': IMPORTS,
    },
  };
}
// Polluted by a module's top-level code, when it loads, rather than by a handler.
projects.topLevel = {
  files: {
    'lib/pollute.ts': `${accessors(['get', 'set', 'value'], '1')}\nexport const done = true;\n`,
    'gateway-events/message/pollute.ts': `import { done } from '../../lib/pollute.ts';\nexport default function () {\n  return done ? 'polluted' : 'not';\n}\n`,
    'gateway-events/message/ping.ts': ANSWER('v1'),
    'lib/util.ts': LIB,
    'gateway-events/message/imports.ts': IMPORTS,
  },
};

const t = useGateway(projects);

const lineCount = (text: string) => text.split('\n').length;

/** Every diagnostic of the project points inside the file it names, as the user wrote it. */
function expectPositionsInFiles(project: string, files: Record<string, string>): Diagnostic[] {
  const diagnostics = t.gateway.project(project)!.status().diagnostics;
  for (const d of diagnostics) {
    const rel = d.file.slice(d.file.indexOf(`${project}/`) + project.length + 1);
    expect(files[rel], `${d.file} is a file of the project`).toBeDefined();
    expect(d.line, JSON.stringify(d)).toBeLessThanOrEqual(lineCount(files[rel]));
  }
  return diagnostics;
}

const answers = (project: string, handler: string, value: unknown) => async () =>
  JSON.stringify(await t.request(project, handler, {}, 5).catch((e: Error) => e.message)) === JSON.stringify(value);

describe.each(Object.keys(projects).filter((p) => p !== 'bystander'))('after project %s polluted its own realm', (project) => {
  it('loads its next saves: a new handler, a new version, a handler importing a lib, a lib saved again', async () => {
    await t.request(project, 'pollute').catch(() => undefined); // the pollution may also break its own answer
    t.write(project, 'gateway-events/message/fresh.ts', ANSWER('fresh'));
    t.write(project, 'gateway-events/message/ping.ts', ANSWER('v2'));
    await t.waitFor(answers(project, 'fresh', 'fresh'), 10_000, 'the new handler');
    await t.waitFor(answers(project, 'ping', 'v2'), 10_000, 'the new version');
    t.write(project, 'lib/util.ts', LIB.replace("'hello'", "'hello again'"));
    await t.waitFor(answers(project, 'imports', 'hello again 4 hello again'), 10_000, 'the lib saved again');
    t.write(project, 'gateway-events/message/imports2.ts', IMPORTS);
    await t.waitFor(answers(project, 'imports2', 'hello again 4 hello again'), 10_000, 'a new handler importing the lib');
    expect(expectPositionsInFiles(project, {})).toEqual([]);
  });

  it('reports a failing save at a position in the user file', async () => {
    t.write(project, 'gateway-events/message/broken.ts', BROKEN_TOP);
    const diagnostics = await t.waitFor(
      () => {
        const found = t.gateway.project(project)!.status().diagnostics;
        return found.length > 0 ? found : undefined;
      },
      10_000,
      'the diagnostic',
    );
    expect(diagnostics).toEqual([expect.objectContaining({ file: expect.stringContaining('gateway-events/message/broken.ts'), line: 2 })]);
    expectPositionsInFiles(project, { 'gateway-events/message/broken.ts': BROKEN_TOP });
    t.write(project, 'gateway-events/message/throws.ts', THROWS);
    await t.waitFor(
      async () => (await t.request(project, 'throws').catch((e: { location?: { line: number } }) => e.location?.line)) === 2,
      10_000,
      'the error on line 2',
    );
    t.remove(project, 'gateway-events/message/broken.ts');
    await t.waitFor(() => t.gateway.project(project)!.status().diagnostics.length === 0, 10_000, 'the diagnostic to go');
  });
});

it('leaves the other project answering', async () => {
  await expectServing(t);
});

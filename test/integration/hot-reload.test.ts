import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Gateway } from '../../engine/gateway.ts';
import { handler, startGateway, type TestGateway } from '../helpers/fixture.ts';

let t: TestGateway;
afterEach(() => t?.stop());

const diagnosticsOf = (project: string) => t.gateway.project(project)?.status().diagnostics ?? [];

describe('hot reload', () => {
  it('answers with the new code after a save, without restart', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/echo.ts': handler("'v1'") } } });
    expect(await t.request('p', 'echo')).toBe('v1');
    t.write('p', 'gateway-events/message/echo.ts', handler("'v2'"));
    await t.waitFor(async () => (await t.request('p', 'echo')) === 'v2', 5000, 'v2');
  });

  it('keeps the last good version on a syntax error and reports file:line:col', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/echo.ts': handler("'good'") } } });
    t.write('p', 'gateway-events/message/echo.ts', `export default function () {\n  return 'x';\n  const = 3;\n}\n`);
    await t.waitFor(() => diagnosticsOf('p').length > 0, 5000, 'a diagnostic');
    const [d] = diagnosticsOf('p');
    expect(d).toMatchObject({
      line: 3,
      column: 9,
      severity: 'error',
      file: expect.stringMatching(/p\/gateway-events\/message\/echo\.ts$/),
    });
    expect(t.gateway.project('p')!.status().status).toBe('failing');
    expect(await t.request('p', 'echo')).toBe('good');
    expect(t.logs((r) => r.level === 'error' && /echo\.ts:3:9 /.test(r.message)).length).toBe(1);
    t.write('p', 'gateway-events/message/echo.ts', handler("'fixed'"));
    await t.waitFor(async () => (await t.request('p', 'echo')) === 'fixed', 5000, 'fixed');
    expect(diagnosticsOf('p')).toEqual([]);
  });

  it('keeps the last good version when a script throws at load time, imports something forbidden, or has no default export', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/echo.ts': handler("'good'") } } });
    const cases: [string, RegExp, number][] = [
      [`const x = 1;\nthrow new Error('load failed ' + x);\nexport default () => 1;\n`, /load failed 1/, 2],
      [
        `import { readFileSync } from 'node:fs';\nexport default () => readFileSync('/etc/passwd');\n`,
        /import of "node:fs" is not allowed/,
        1,
      ],
      [`import x from '../../../other/lib/x';\nexport default () => x;\n`, /outside the project's lib\/ folder|not allowed/, 1],
      [`export const notDefault = 1;\n`, /no default export function/, 1],
    ];
    for (const [source, message, line] of cases) {
      t.write('p', 'gateway-events/message/echo.ts', source);
      const d = await t.waitFor(() => diagnosticsOf('p').find((x) => message.test(x.message)), 5000, String(message));
      expect(d!.line).toBe(line);
      expect(await t.request('p', 'echo')).toBe('good');
    }
  });

  it('adds, renames and deletes handlers', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/a.ts': handler("'a'") } } });
    t.write('p', 'gateway-events/message/b.ts', handler("'b'"));
    await t.waitFor(async () => (await t.request('p', 'b').catch(() => undefined)) === 'b', 5000, 'b added');
    t.writeByRename('p', 'gateway-events/message/c.ts', handler("'c'"));
    t.remove('p', 'gateway-events/message/b.ts');
    await t.waitFor(async () => (await t.request('p', 'c').catch(() => undefined)) === 'c', 5000, 'c added');
    await t.waitFor(async () => (await t.request('p', 'b').catch((e) => e.code)) === 'NOT_FOUND', 5000, 'b removed');
  });

  it('reloads the handlers that import a changed lib module, and resets module state', async () => {
    t = await startGateway({
      p: {
        files: {
          'lib/greeting.ts': `export const greeting = 'hello';\n`,
          'gateway-events/message/greet.ts': `import { greeting } from '../../lib/greeting';\nlet calls = 0;\nexport default () => greeting + ' ' + ++calls;\n`,
        },
      },
    });
    expect(await t.request('p', 'greet')).toBe('hello 1');
    expect(await t.request('p', 'greet')).toBe('hello 2');
    t.write('p', 'lib/greeting.ts', `export const greeting = 'bonjour';\n`);
    await t.waitFor(async () => (await t.request('p', 'greet')) === 'bonjour 1', 5000, 'bonjour 1');
  });

  it('applies project.json changes: a bad file keeps the last good configuration, disabling unloads, enabling loads', async () => {
    t = await startGateway({
      p: { files: { 'gateway-events/message/echo.ts': handler("'on'") } },
      q: { files: { 'gateway-events/message/echo.ts': handler("'q'") } },
    });
    t.write('p', 'project.json', '{ "enabled": tru }');
    await t.waitFor(
      () => diagnosticsOf('p').some((d) => /project\.json$/.test(d.file) && /invalid JSON/.test(d.message)),
      5000,
      'json diagnostic',
    );
    expect(await t.request('p', 'echo')).toBe('on');
    t.write('p', 'project.json', '{ "enabled": true, "colour": "red" }');
    await t.waitFor(() => diagnosticsOf('p').some((d) => /unknown key "colour"/.test(d.message)), 5000, 'unknown key diagnostic');
    t.write('p', 'project.json', '{ "limits": { "timeoutMs": "soon" } }');
    await t.waitFor(
      () => diagnosticsOf('p').some((d) => /"limits.timeoutMs" must be a number/.test(d.message)),
      5000,
      'wrong type diagnostic',
    );
    expect(await t.request('p', 'echo')).toBe('on');
    t.write('p', 'project.json', '{ "enabled": false }');
    await t.waitFor(async () => (await t.request('p', 'echo').catch((e) => e.code)) === 'PROJECT_UNAVAILABLE', 5000, 'disabled');
    expect(t.gateway.project('p')!.status()).toMatchObject({ status: 'not-loaded', reason: 'disabled in project.json' });
    t.write('p', 'project.json', '{}');
    await t.waitFor(async () => (await t.request('p', 'echo').catch(() => undefined)) === 'on', 5000, 're-enabled');
    expect(await t.request('q', 'echo')).toBe('q');
  });

  it('reports a project whose project.json never parsed as not loaded, and loads it once fixed', async () => {
    t = await startGateway({ bad: { files: { 'gateway-events/message/echo.ts': handler("'bad'") } } });
    t.write('bad', 'project.json', '[1, 2]');
    t.write('late', 'project.json', '{"title": 5}');
    t.write('late', 'gateway-events/message/echo.ts', handler("'late'"));
    await t.waitFor(
      () =>
        t.gateway.project('late')?.status().status === 'not-loaded' &&
        diagnosticsOf('late').some((d) => /"title" must be a string/.test(d.message)),
      5000,
      'late not loaded',
    );
    t.write('late', 'project.json', '{"title": "Late"}');
    await t.waitFor(async () => (await t.request('late', 'echo').catch(() => undefined)) === 'late', 5000, 'late loaded');
  });

  it('adds and removes whole project folders, firing startup and shutdown', async () => {
    t = await startGateway({});
    t.project('fresh', {
      'gateway-events/startup.ts': `export default () => system.util.getLogger('life').info('fresh up');\n`,
      'gateway-events/shutdown.ts': `export default () => system.util.getLogger('life').info('fresh down');\n`,
      'gateway-events/message/echo.ts': handler("'fresh'"),
    });
    await t.waitFor(async () => (await t.request('fresh', 'echo').catch(() => undefined)) === 'fresh', 5000, 'fresh loaded');
    await t.waitFor(() => t.logs((r) => r.message === 'fresh up').length === 1, 5000, 'startup log');
    const { rmSync } = await import('node:fs');
    rmSync(`${t.projectsDir}/fresh`, { recursive: true });
    await t.waitFor(() => t.logs((r) => r.message === 'fresh down').length === 1, 5000, 'shutdown log');
    await t.waitFor(async () => (await t.request('fresh', 'echo').catch((e) => e.code)) === 'NOT_FOUND', 5000, 'fresh gone');
  });

  it('replaces a project folder whose old copy is still stopping: the new copy loads once the old one has unloaded', async () => {
    const files = (answer: string) => ({
      'project.json': '{}',
      'gateway-events/shutdown.ts': `export default async function () {\n  system.util.getLogger('life').info('shutdown start');\n  await new Promise((r) => setTimeout(r, 300));\n}\n`,
      'gateway-events/message/h.ts': handler(`'${answer}'`),
    });
    t = await startGateway({ p: { files: files('old') } });
    expect(await t.request('p', 'h')).toBe('old');
    renameSync(join(t.projectsDir, 'p'), join(t.root, 'old-p')); // a deploy: the folder moves away...
    await t.waitFor(() => t.logs((r) => r.message === 'shutdown start').length === 1, 5000, 'the old shutdown to start');
    for (const [rel, text] of Object.entries(files('new'))) {
      mkdirSync(dirname(join(t.root, 'new-p', rel)), { recursive: true });
      writeFileSync(join(t.root, 'new-p', rel), text);
    }
    renameSync(join(t.root, 'new-p'), join(t.projectsDir, 'p')); // ...and a new copy takes its place while the old one stops
    await t.waitFor(() => t.logs((r) => /^project "p" unloaded/.test(r.message)).length === 1, 10_000, 'the old copy to unload');
    await t.waitFor(async () => (await t.request('p', 'h').catch(() => undefined)) === 'new', 5000, 'the new copy to answer');
    await t.gateway.projects.settled();
    expect(t.gateway.project('p')!.status().status).toBe('loaded');
    expect(await t.request('p', 'h')).toBe('new');
  });

  it('loads a handler saved with an import of a lib that is created afterwards, and clears its diagnostic', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/h.ts': handler("'old'") } } });
    t.write('p', 'gateway-events/message/h.ts', `import { v } from '../../lib/helpers';\nexport default () => 'new ' + v;\n`);
    await t.waitFor(() => diagnosticsOf('p').some((d) => /h\.ts$/.test(d.file)), 5000, 'the missing import diagnostic');
    expect(await t.request('p', 'h')).toBe('old');
    t.write('p', 'lib/helpers.ts', `export const v = 'helpers';\n`);
    await t.waitFor(async () => (await t.request('p', 'h')) === 'new helpers', 5000, 'the new handler');
    expect(diagnosticsOf('p')).toEqual([]);
  });

  it('follows a lib renamed together with the import of its handler, when the old name goes before the new one appears', async () => {
    t = await startGateway({
      p: {
        files: {
          'lib/util.ts': `export const v = 'util';\n`,
          'gateway-events/message/h.ts': `import { v } from '../../lib/util';\nexport default () => 'old ' + v;\n`,
        },
      },
    });
    expect(await t.request('p', 'h')).toBe('old util');
    t.write('p', 'gateway-events/message/h.ts', `import { v } from '../../lib/helpers';\nexport default () => 'new ' + v;\n`);
    await t.waitFor(() => diagnosticsOf('p').some((d) => /h\.ts$/.test(d.file)), 5000, 'the missing import diagnostic');
    t.remove('p', 'lib/util.ts');
    await t.waitFor(() => t.logs((r) => /^removed .*lib\/util\.ts$/.test(r.message)).length === 1, 5000, 'util.ts removed');
    t.write('p', 'lib/helpers.ts', `export const v = 'util';\n`);
    await t.waitFor(async () => (await t.request('p', 'h')) === 'new util', 5000, 'the new handler on the renamed lib');
    await t.gateway.projects.settled();
    expect(diagnosticsOf('p')).toEqual([]);
  });

  it('warns about two handlers of one event, and drops the warning once one of them is deleted', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/e.ts': handler("'ts'") } } });
    t.write('p', 'gateway-events/message/e.js', `export default function () {\n  return 'js';\n}\n`);
    await t.waitFor(
      () => diagnosticsOf('p').some((d) => d.severity === 'warning' && /e\.ts already handles this event/.test(d.message)),
      5000,
      'the duplicate warning',
    );
    expect(await t.request('p', 'e')).toBe('ts');
    t.remove('p', 'gateway-events/message/e.ts');
    await t.waitFor(async () => (await t.request('p', 'e').catch(() => undefined)) === 'js', 5000, 'e.js to take over');
    await t.waitFor(() => diagnosticsOf('p').length === 0, 5000, 'the warning to go');
    expect(t.gateway.project('p')!.status().status).toBe('loaded');
  });

  it('does not follow symbolic links, at startup or on hot reload: linked files, folders and projects are ignored with a warning', async () => {
    const outside = (rel: string, text: string) => {
      const path = join(t.root, 'outside', rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    };
    t = await startGateway({ p: { files: { 'gateway-events/message/h.ts': handler("'h'") } } });
    const linkedFile = outside('linked.ts', handler("'outside'"));
    outside('lib/x.ts', `export const x = 'outside';\n`);
    outside('project/project.json', '{}');
    outside('project/gateway-events/message/h.ts', handler("'linked project'"));
    const link = (target: string, project: string, rel: string) => {
      mkdirSync(dirname(join(t.projectsDir, project, rel)), { recursive: true });
      symlinkSync(target, join(t.projectsDir, project, rel));
    };
    const linkWarnings = (gateway: Gateway) =>
      (gateway.project('p')?.status().diagnostics ?? [])
        .filter((d) => d.severity === 'warning' && /symbolic link/.test(d.message))
        .map((d) => d.file.slice(d.file.lastIndexOf('/projects/') + '/projects/'.length))
        .sort();
    const projectLinkWarnings = (gateway: Gateway) =>
      gateway.logs.ring.query().filter((r) => /ignoring "q".*symbolic links are not followed/.test(r.message)).length;
    const expectIgnored = async (gateway: Gateway) => {
      expect(linkWarnings(gateway)).toEqual(['p/gateway-events/message/linked.ts', 'p/lib']);
      expect(await gateway.request('p', 'linked').catch((e) => e.code)).toBe('NOT_FOUND');
      expect(await gateway.request('p', 'uses-lib').catch((e) => e.code)).toBe('NOT_FOUND');
      expect(gateway.project('q')).toBeUndefined();
      expect(projectLinkWarnings(gateway)).toBe(1);
      expect(await gateway.request('p', 'h')).toBe('h');
    };
    // On hot reload...
    link(linkedFile, 'p', 'gateway-events/message/linked.ts');
    link(join(t.root, 'outside/lib'), 'p', 'lib');
    link(join(t.root, 'outside/project'), 'q', '');
    t.write('p', 'gateway-events/message/uses-lib.ts', `import { x } from '../../lib/x';\nexport default () => x;\n`);
    await t.waitFor(
      () => linkWarnings(t.gateway).length === 2 && projectLinkWarnings(t.gateway) === 1,
      5000,
      'link warnings on hot reload',
    );
    await t.gateway.projects.settled();
    await expectIgnored(t.gateway);
    // ...and the same for a gateway that starts with these links in place.
    const restarted = await Gateway.start({ projectsDir: t.projectsDir, dataDir: join(t.root, 'data-restarted'), stdoutLevel: 'off' });
    try {
      await expectIgnored(restarted);
    } finally {
      await restarted.stop();
    }
  });

  it('does not report errors for an editor that saves in several partial writes', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/echo.ts': handler("'v1'") } } });
    const full = `export default function (payload: any) {\n  const parts = ['v', 2];\n  return parts.join('');\n}\n`;
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const fd = openSync(`${t.projectsDir}/p/gateway-events/message/echo.ts`, 'w');
    writeSync(fd, full.slice(0, 30));
    await new Promise((r) => setTimeout(r, 40)); // the watcher sees the half-written file
    writeSync(fd, full.slice(30));
    closeSync(fd);
    await t.waitFor(async () => (await t.request('p', 'echo')) === 'v2', 5000, 'v2');
    await new Promise((r) => setTimeout(r, 300));
    expect(t.logs((r) => r.level === 'error').map((r) => r.message)).toEqual([]);
  });

  it('never drops or hangs a request while its handler reloads: a steady stream across many saves', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/v.ts': handler('0') } } });
    let stop = false;
    let answered = 0;
    const failures: unknown[] = [];
    const seen = new Set<unknown>();
    const stream = (async () => {
      while (!stop) {
        try {
          seen.add(await t.request('p', 'v', {}, 5));
          answered++;
        } catch (error) {
          failures.push(error);
          if (failures.length > 100) break;
        }
        await new Promise((r) => setImmediate(r)); // let the watcher run between requests
      }
    })();
    for (let version = 1; version <= 25; version++) {
      t.write('p', 'gateway-events/message/v.ts', handler(String(version)));
      await t.waitFor(() => seen.has(version), 5000, `version ${version}`);
    }
    stop = true;
    await stream;
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(25);
  });
});

describe('gateway timer scripts', () => {
  it('run at the delay of their sidecar, follow sidecar changes, and stop when the script is deleted', async () => {
    t = await startGateway({
      p: {
        files: {
          'gateway-events/timer/tick.ts': `let n = 0;\nexport default function () {\n  system.util.getLogger('tick').info('tick ' + ++n);\n}\n`,
          'gateway-events/timer/tick.json': '{"delayMs": 20}',
        },
      },
    });
    const ticks = () => t.logs((r) => r.logger === 'tick').length;
    await t.waitFor(() => ticks() >= 3, 5000, 'three ticks');
    t.write('p', 'gateway-events/timer/tick.json', '{"delayMs": 20, "enabled": false}');
    await t.waitFor(
      async () => {
        const before = ticks();
        await new Promise((r) => setTimeout(r, 100));
        return ticks() === before;
      },
      5000,
      'ticks to stop when disabled',
    );
    t.write('p', 'gateway-events/timer/tick.json', '{"delayMs": "often"}');
    await t.waitFor(
      () => diagnosticsOf('p').some((d) => d.message === '"delayMs" must be a number between 10 and 86400000; received "often"'),
      5000,
      'sidecar diagnostic',
    );
    t.write('p', 'gateway-events/timer/tick.json', '{"delayMs": 20, "mode": "fixedRate"}');
    const resumed = ticks();
    await t.waitFor(() => ticks() >= resumed + 3, 5000, 'ticks to resume');
    t.remove('p', 'gateway-events/timer/tick.ts');
    await t.waitFor(
      async () => {
        const before = ticks();
        await new Promise((r) => setTimeout(r, 100));
        return ticks() === before;
      },
      5000,
      'ticks to stop after delete',
    );
  });
  it('keep running on their last good settings while the sidecar is refused by its schema', async () => {
    t = await startGateway({
      p: {
        files: {
          'gateway-events/timer/tick.ts': `export default function () {\n  system.util.getLogger('tick').info('tick');\n}\n`,
          'gateway-events/timer/tick.json': '{"delayMs": 20}',
        },
      },
    });
    const ticks = () => t.logs((r) => r.logger === 'tick').length;
    await t.waitFor(() => ticks() >= 3, 5000, 'three ticks');
    t.write('p', 'gateway-events/timer/tick.json', '{"delayMs": 20, "mode": "sometimes"}');
    await t.waitFor(() => diagnosticsOf('p').some((d) => /"mode" must be one of/.test(d.message)), 5000, 'sidecar diagnostic');
    const refused = ticks();
    await t.waitFor(() => ticks() >= refused + 3, 5000, 'ticks to go on');
    t.write('p', 'gateway-events/timer/tick.json', '{"delayMs": 20}');
    await t.waitFor(() => diagnosticsOf('p').length === 0, 5000, 'the diagnostic to clear');
  });

  it('warn while a timer script has no sidecar, and run once it has one', async () => {
    t = await startGateway({
      p: { files: { 'gateway-events/timer/tick.ts': `export default function () {\n  system.util.getLogger('tick').info('tick');\n}\n` } },
    });
    const missing = {
      severity: 'warning',
      message: 'gateway-events/timer/tick.json is missing: this timer script does not run until its settings exist',
    };
    expect(diagnosticsOf('p')).toEqual([expect.objectContaining({ ...missing, file: expect.stringMatching(/timer\/tick\.ts$/) })]);
    expect(t.logs((r) => r.message.includes('tick.json is missing'))).toHaveLength(1);
    t.write('p', 'gateway-events/timer/tick.json', '{"delayMs": 20}');
    await t.waitFor(() => t.logs((r) => r.logger === 'tick').length >= 2, 5000, 'ticks once the sidecar exists');
    expect(diagnosticsOf('p')).toEqual([]);
    t.remove('p', 'gateway-events/timer/tick.json');
    await t.waitFor(() => diagnosticsOf('p').some((d) => d.message === missing.message), 5000, 'the warning again');
  });
});

describe('a handler and the lib module it imports, written together', () => {
  it('load without a spurious "cannot find module" error', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/other.ts': `export default () => 'other';\n` } } });
    t.write('p', 'gateway-events/message/uses.ts', `import { h } from '../../lib/fresh';\nexport default () => h();\n`);
    t.write('p', 'lib/fresh.ts', `export const h = () => 'fresh';\n`);
    await t.waitFor(() => t.request('p', 'uses').catch(() => undefined), 5000, 'the handler to load');
    expect(await t.request('p', 'uses')).toBe('fresh');
    expect(t.logs((r) => r.level === 'error')).toEqual([]);
    expect(diagnosticsOf('p')).toEqual([]);
  });

  it('give the handler a diagnostic of its own when the lib then fails to compile', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/other.ts': `export default () => 'other';\n` } } });
    t.write('p', 'gateway-events/message/uses.ts', `import { h } from '../../lib/broken';\nexport default () => h();\n`);
    t.write('p', 'lib/broken.ts', `export const h = () => {\n`);
    await t.waitFor(() => diagnosticsOf('p').some((d) => d.file.endsWith('uses.ts')), 5000, 'the handler’s diagnostic');
    expect(
      diagnosticsOf('p')
        .map((d) => d.file.split('/').pop())
        .sort(),
    ).toEqual(['broken.ts', 'uses.ts']);
  });
});
